"""DataQualityMonitor: Model Monitor data quality job and schedule on an endpoint's captured traffic,
CloudWatch alarms on the drift metrics it publishes, and EventBridge forwarding to a retraining bus.
"""
from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from .aws import aws
from .literal import json_text
from .policy import document, statement

MONITOR_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"


@dataclass(frozen=True)
class DriftAlarmSpec:
    feature: str
    threshold: float


@dataclass(frozen=True)
class MonitorSpec:
    endpoint_name: str
    role_arn: str
    image_uri: str
    baseline_s3_uri: str  # holds constraints.json and statistics.json
    output_s3_uri: str
    kms_key_arn: str
    schedule: str
    instance_type: str
    max_runtime_seconds: int
    drift_alarms: tuple[DriftAlarmSpec, ...] = ()


class DataQualityMonitor(Construct):
    """Job definition + schedule; one alarm per configured feature drift metric."""

    def __init__(self, scope: Construct, id: str, *, spec: MonitorSpec, depends_on: list | None = None) -> None:
        super().__init__(scope, id)
        name = f"{spec.endpoint_name}-data-quality"
        self.job_definition = aws.sagemaker_data_quality_job_definition.SagemakerDataQualityJobDefinition(
            self, "job-definition",
            name=name,
            role_arn=spec.role_arn,
            data_quality_app_specification={"image_uri": spec.image_uri},
            data_quality_baseline_config={
                "constraints_resource": {"s3_uri": f"{spec.baseline_s3_uri}/constraints.json"},
                "statistics_resource": {"s3_uri": f"{spec.baseline_s3_uri}/statistics.json"},
            },
            data_quality_job_input={"endpoint_input": {"endpoint_name": spec.endpoint_name, "local_path": "/opt/ml/processing/input/endpoint"}},
            data_quality_job_output_config={
                "kms_key_id": spec.kms_key_arn,
                "monitoring_outputs": {"s3_output": {"s3_uri": spec.output_s3_uri, "local_path": "/opt/ml/processing/output", "s3_upload_mode": "EndOfJob"}},
            },
            job_resources={"cluster_config": {"instance_count": 1, "instance_type": spec.instance_type, "volume_size_in_gb": 20, "volume_kms_key_id": spec.kms_key_arn}},
            stopping_condition={"max_runtime_in_seconds": spec.max_runtime_seconds},
            network_config={"enable_inter_container_traffic_encryption": True},
            depends_on=depends_on,
        )
        self.schedule = aws.sagemaker_monitoring_schedule.SagemakerMonitoringSchedule(
            self, "schedule",
            name=name,
            monitoring_schedule_config={
                "monitoring_job_definition_name": self.job_definition.name,
                "monitoring_type": "DataQuality",
                "schedule_config": {"schedule_expression": spec.schedule},
            },
        )
        self.alarms = [
            aws.cloudwatch_metric_alarm.CloudwatchMetricAlarm(
                self, f"drift-{alarm.feature}",
                alarm_name=f"{name}-drift-{alarm.feature}",
                alarm_description=f"Baseline drift of feature {alarm.feature} on endpoint {spec.endpoint_name} above {alarm.threshold}",
                namespace=MONITOR_METRICS_NAMESPACE,
                metric_name=f"feature_baseline_drift_{alarm.feature}",
                dimensions={"Endpoint": spec.endpoint_name, "MonitoringSchedule": name},
                statistic="Maximum",
                period=3600,
                evaluation_periods=1,
                threshold=alarm.threshold,
                comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
            )
            for alarm in spec.drift_alarms
        ]


class EventForwarder(Construct):
    """EventBridge rules on the default bus that forward monitoring violations and alarm state changes
    to another account's bus, with the role that bus's policy trusts."""

    def __init__(
        self, scope: Construct, id: str, *, role_name: str, account_id: str, name_prefix: str,
        target_bus_arns: list[str], schedule_arns: list[str], alarm_arns: list[str],
    ) -> None:
        super().__init__(scope, id)
        self.role = aws.iam_role.IamRole(
            self, "role", name=role_name, description="EventBridge puts monitoring events on the retraining buses",
            assume_role_policy=document(statement(
                "EventBridge", "sts:AssumeRole", None, principal={"Service": "events.amazonaws.com"},
                condition={"StringEquals": {"aws:SourceAccount": account_id}},
            )),
        )
        aws.iam_role_policy.IamRolePolicy(
            self, "policy", role=self.role.id, name="put-events",
            policy=document(statement("PutEventsOnRetrainingBuses", "events:PutEvents", sorted(target_bus_arns))),
        )
        patterns = {
            # A scheduled data quality run that found violations ends as CompletedWithViolations.
            "monitoring-violations": {
                "source": ["aws.sagemaker"],
                "detail-type": ["SageMaker Processing Job State Change"],
                "detail": {
                    "ProcessingJobStatus": ["Completed"],
                    "ExitMessage": [{"prefix": "CompletedWithViolations"}],
                    "MonitoringScheduleArn": sorted(schedule_arns),
                },
            },
            "drift-alarms": {
                "source": ["aws.cloudwatch"],
                "detail-type": ["CloudWatch Alarm State Change"],
                "resources": sorted(alarm_arns),
                # Retraining starts on entering ALARM; the return to OK stays in this account.
                "detail": {"state": {"value": ["ALARM"]}},
            },
        }
        for key, pattern in patterns.items():
            if not (schedule_arns if key == "monitoring-violations" else alarm_arns):
                continue
            rule = aws.cloudwatch_event_rule.CloudwatchEventRule(
                self, f"rule-{key}", name=f"{name_prefix}-{key}",
                description=f"Forward {key.replace('-', ' ')} to the retraining bus",
                event_pattern=json_text(pattern),
            )
            for i, bus_arn in enumerate(sorted(target_bus_arns)):
                aws.cloudwatch_event_target.CloudwatchEventTarget(
                    self, f"target-{key}-{i}", rule=rule.name, arn=bus_arn, role_arn=self.role.arn, target_id=f"retraining-bus-{i}",
                )
