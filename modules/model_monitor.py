"""DataQualityMonitor: Model Monitor data quality job and schedule on an endpoint's captured traffic,
CloudWatch alarms on the drift metrics it publishes, and EventBridge forwarding to a retraining bus.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from .aws import aws
from .literal import json_text
from .policy import document, statement
from .serving_gate import instance_attribute

# Where the analyzer publishes data quality metrics of real-time endpoints, with the dimensions Endpoint
# and MonitoringSchedule (the namespace as the SageMaker Python SDK's data quality dashboard queries it):
# https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-byoc-cloudwatch.html
# https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-interpreting-cloudwatch.html
MONITOR_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
# The analyzer publishes CloudWatch metrics only when the job's environment says so (the SDK's
# enable_cloudwatch_metrics=True sets exactly this):
# https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-byoc-cloudwatch.html
PUBLISH_METRICS_ENVIRONMENT = {"publish_cloudwatch_metrics": "Enabled"}


@dataclass(frozen=True, kw_only=True)
class DriftAlarmSpec:
    feature: str
    threshold: float
    alarm_name: str


@dataclass(frozen=True, kw_only=True)
class MonitorSpec:
    endpoint_name: str
    schedule_name: str  # also the job definition's name; the metric's MonitoringSchedule dimension
    role_arn: str
    image_uri: str
    constraints_s3_uri: str  # written by the pipeline producing the served group
    statistics_s3_uri: str
    output_s3_uri: str
    kms_key_arn: str
    schedule: str
    instance_type: str
    max_runtime_seconds: int
    drift_alarms: tuple[DriftAlarmSpec, ...] = ()
    drift_signal_name: str | None = None  # composite alarm over drift_alarms (set when there are any)


class DataQualityMonitor(Construct):
    """Job definition + schedule; one alarm per configured feature drift metric; all with `count` (0 or 1),
    the serving gate of the monitored endpoint, since a schedule on an endpoint that does not exist fails."""

    def __init__(
        self, scope: Construct, id: str, *, spec: MonitorSpec, count=1, depends_on: list | None = None
    ) -> None:
        super().__init__(scope, id)
        name = spec.schedule_name
        self.job_definition = aws.sagemaker_data_quality_job_definition.SagemakerDataQualityJobDefinition(
            self,
            "job-definition",
            name=name,
            role_arn=spec.role_arn,
            data_quality_app_specification={
                "image_uri": spec.image_uri,
                "environment": dict(PUBLISH_METRICS_ENVIRONMENT),
            },
            data_quality_baseline_config={
                "constraints_resource": {"s3_uri": spec.constraints_s3_uri},
                "statistics_resource": {"s3_uri": spec.statistics_s3_uri},
            },
            data_quality_job_input={
                "endpoint_input": {
                    "endpoint_name": spec.endpoint_name,
                    "local_path": "/opt/ml/processing/input/endpoint",
                }
            },
            data_quality_job_output_config={
                "kms_key_id": spec.kms_key_arn,
                "monitoring_outputs": {
                    "s3_output": {
                        "s3_uri": spec.output_s3_uri,
                        "local_path": "/opt/ml/processing/output",
                        "s3_upload_mode": "EndOfJob",
                    }
                },
            },
            job_resources={
                "cluster_config": {
                    "instance_count": 1,
                    "instance_type": spec.instance_type,
                    "volume_size_in_gb": 20,
                    "volume_kms_key_id": spec.kms_key_arn,
                }
            },
            stopping_condition={"max_runtime_in_seconds": spec.max_runtime_seconds},
            network_config={"enable_inter_container_traffic_encryption": True},
            depends_on=depends_on,
            count=count,
        )
        self.schedule = aws.sagemaker_monitoring_schedule.SagemakerMonitoringSchedule(
            self,
            "schedule",
            name=name,
            monitoring_schedule_config={
                "monitoring_job_definition_name": instance_attribute(self.job_definition, "name"),
                "monitoring_type": "DataQuality",
                "schedule_config": {"schedule_expression": spec.schedule},
            },
            count=count,
        )
        self.alarms = [
            aws.cloudwatch_metric_alarm.CloudwatchMetricAlarm(
                self,
                f"drift-{alarm.feature}",
                alarm_name=alarm.alarm_name,
                alarm_description=(
                    f"Baseline drift of feature {alarm.feature} on endpoint {spec.endpoint_name} above "
                    f"{alarm.threshold}"
                ),
                namespace=MONITOR_METRICS_NAMESPACE,
                metric_name=f"feature_baseline_drift_{alarm.feature}",
                dimensions={"Endpoint": spec.endpoint_name, "MonitoringSchedule": name},
                statistic="Maximum",
                period=3600,
                evaluation_periods=1,
                threshold=alarm.threshold,
                comparison_operator="GreaterThanThreshold",
                # One datapoint per scheduled run, none in between: keep the state until the next run says
                # otherwise, so a drift enters ALARM once (notBreaching would return to OK and re-fire each run).
                # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html (missing data)
                treat_missing_data="ignore",
                count=count,
            )
            for alarm in spec.drift_alarms
        ]
        self.drift_signal = None
        if self.alarms:
            # Several features drifting in one run raise one signal: ALARM while any drift alarm is in ALARM.
            # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html
            rule = " OR ".join(f'ALARM("{instance_attribute(a, "alarm_name")}")' for a in self.alarms)
            self.drift_signal = aws.cloudwatch_composite_alarm.CloudwatchCompositeAlarm(
                self,
                "drift-signal",
                alarm_name=spec.drift_signal_name,
                alarm_description=f"Data quality drift on endpoint {spec.endpoint_name}: starts retraining once",
                alarm_rule=rule,
                count=count,
            )


class EventForwarder(Construct):
    """EventBridge rules on the default bus forwarding monitoring events to other accounts' buses, with
    the role those buses' policies trust: routes is target bus ARN -> {rule name: event pattern}."""

    def __init__(
        self, scope: Construct, id: str, *, role_name: str, account_id: str, routes: dict[str, dict[str, dict]]
    ) -> None:
        super().__init__(scope, id)
        self.role = aws.iam_role.IamRole(
            self,
            "role",
            name=role_name,
            description="EventBridge puts monitoring events on the retraining buses",
            assume_role_policy=document(
                statement(
                    "EventBridge",
                    "sts:AssumeRole",
                    None,
                    principal={"Service": "events.amazonaws.com"},
                    condition={"StringEquals": {"aws:SourceAccount": account_id}},
                )
            ),
        )
        aws.iam_role_policy.IamRolePolicy(
            self,
            "policy",
            role=self.role.id,
            name="put-events",
            policy=document(statement("PutEventsOnRetrainingBuses", "events:PutEvents", sorted(routes))),
        )
        # Cross-account delivery to a bus: a rule target with a role, the bus policy admitting that role.
        # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
        self.rules = {}
        for bus_arn, rules in sorted(routes.items()):
            for rule_name, pattern in sorted(rules.items()):
                rule = aws.cloudwatch_event_rule.CloudwatchEventRule(
                    self,
                    f"rule-{rule_name}",
                    name=rule_name,
                    description=f"Forward monitoring events to {bus_arn.rsplit(':', 3)[-2]}'s retraining bus",
                    event_pattern=json_text(pattern),
                )
                aws.cloudwatch_event_target.CloudwatchEventTarget(
                    self,
                    f"target-{rule_name}",
                    rule=rule.name,
                    arn=bus_arn,
                    role_arn=self.role.arn,
                    target_id="retraining-bus",
                )
                self.rules[rule_name] = rule
