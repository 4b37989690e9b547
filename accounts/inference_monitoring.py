"""Model Monitor on instance endpoints with data capture, drift alarms, and forwarding of violations
and alarm state changes to the retraining bus of the ml-execution account that owns the model."""
from __future__ import annotations

from typing import TYPE_CHECKING

from config import contracts, local_names
from config.kinds import inference as names
from config.kinds.ml_execution import model_package_group_owner
from modules.endpoint import InferenceEndpoint
from modules.model_monitor import DataQualityMonitor, DriftAlarmSpec, EventForwarder, MonitorSpec
from modules.policy import statement
from modules.service_role import ServiceRole

if TYPE_CHECKING:
    from .inference import InferenceContext


def build(ctx: "InferenceContext", endpoints: dict[str, InferenceEndpoint]) -> None:
    r = ctx.resolved
    monitored = [ep for ep in ctx.section.endpoints if ep.monitor is not None]
    if not monitored:
        return
    owners = {ep.name: model_package_group_owner(r.config, ep.model_package_group) for ep in monitored}
    role = _monitor_role(ctx, monitored, owners)
    schedule_arns: list[str] = []
    alarm_arns: list[str] = []
    for ep in monitored:
        endpoint_name = names.endpoint_name(r, ep.name)
        spec = MonitorSpec(
            endpoint_name=endpoint_name,
            role_arn=role.arn,
            image_uri=names.model_monitor_image(ctx.region),
            baseline_s3_uri=names.baseline_s3_uri(r, owners[ep.name], ep.model_package_group),
            output_s3_uri=ctx.s3_uri(f"{names.MONITORING_REPORTS_PREFIX}/{endpoint_name}"),
            kms_key_arn=ctx.data_key.arn,
            schedule=ep.monitor.schedule,
            instance_type=ep.monitor.instance_type,
            max_runtime_seconds=ep.monitor.max_runtime_seconds,
            drift_alarms=tuple(DriftAlarmSpec(a.feature, a.threshold) for a in ep.monitor.drift_alarms),
        )
        monitor = DataQualityMonitor(ctx.stack, f"monitor-{ep.name}", spec=spec, depends_on=[endpoints[ep.name].endpoint, role.policy])
        schedule_arns.append(ctx.arn("sagemaker", f"monitoring-schedule/{monitor.job_definition.name_input}"))
        alarm_arns += [ctx.arn("cloudwatch", f"alarm:{alarm.alarm_name_input}") for alarm in monitor.alarms]
    ml_accounts = names.monitored_ml_accounts(r, ctx.account.name)
    EventForwarder(
        ctx.stack, "retraining-events", role_name=contracts.events_forwarder_role_name(r), account_id=ctx.stack.account_id,
        name_prefix=local_names.retraining_forwarder_prefix(r),
        target_bus_arns=[contracts.event_bus_arn(r, ml, contracts.retraining_bus_name(r)) for ml in ml_accounts],
        schedule_arns=schedule_arns, alarm_arns=alarm_arns,
    )


def _monitor_role(ctx: "InferenceContext", monitored: list, owners: dict[str, str]) -> ServiceRole:
    """Reads captured data and the baselines in ml-execution; writes reports; publishes metrics and logs."""
    r = ctx.resolved
    baselines = sorted({names.baseline_s3_uri(r, owners[ep.name], ep.model_package_group) for ep in monitored})
    ml_accounts = sorted(set(owners.values()))
    statements = [
        statement("ReadCapturedData", "s3:GetObject", f"{ctx.bucket.arn}/{names.DATA_CAPTURE_PREFIX}/*"),
        statement("ListCapturedData", "s3:ListBucket", ctx.bucket.arn),
        statement("WriteReports", "s3:PutObject", f"{ctx.bucket.arn}/{names.MONITORING_REPORTS_PREFIX}/*"),
        statement("UseInferenceDataKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], ctx.data_key.arn),
        # The job's encrypted volume is attached through a grant SageMaker creates on the role's behalf.
        statement("GrantVolumeEncryption", "kms:CreateGrant", ctx.data_key.arn, condition={"Bool": {"kms:GrantIsForAWSResource": "true"}}),
        statement("ReadBaselines", "s3:GetObject", [f"arn:{r.partition}:s3:::{uri[len('s3://'):]}/*" for uri in baselines]),
        statement(
            "DecryptBaselines", "kms:Decrypt", [r.kms_key_arn_pattern(ml) for ml in ml_accounts],
            condition={"ForAnyValue:StringEquals": {"kms:ResourceAliases": r.kms_alias(contracts.INFERENCE_DATA)}},
        ),
        statement("DescribeMonitoredEndpoints", "sagemaker:DescribeEndpoint",
                  sorted(ctx.arn("sagemaker", f"endpoint/{names.endpoint_name(r, ep.name)}") for ep in monitored)),
        statement("JobLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                  ctx.arn("logs", "log-group:/aws/sagemaker/ProcessingJobs*")),
        statement("MonitoringMetrics", "cloudwatch:PutMetricData", "*",
                  condition={"StringLike": {"cloudwatch:namespace": "aws/sagemaker/Endpoints/*"}}),
    ]
    return ServiceRole(
        ctx.stack, "model-monitor-role", role_name=names.model_monitor_role_name(r),
        description="Model Monitor data quality jobs of the inference endpoints", service="sagemaker.amazonaws.com",
        statements=statements, trust_condition={"StringEquals": {"aws:SourceAccount": ctx.stack.account_id}},
    )
