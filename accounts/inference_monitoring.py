"""Model Monitor on instance endpoints with data capture, drift alarms, and forwarding of violations
and alarm state changes to the retraining bus of the ml-execution account that owns the model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config import contracts
from config.errors import known
from config.kinds import inference as names
from config.kinds import retraining
from config.kinds.ml_execution import model_package_group_owner
from modules.endpoint import InferenceEndpoint
from modules.model_monitor import DataQualityMonitor, DriftAlarmSpec, EventForwarder, MonitorSpec
from modules.policy import statement
from modules.service_role import ServiceRole

if TYPE_CHECKING:
    from .inference import InferenceContext


def build(ctx: InferenceContext, endpoints: dict[str, InferenceEndpoint]) -> None:
    r = ctx.resolved
    monitored = [ep for ep in ctx.section.endpoints if ep.monitor is not None]
    if not monitored:
        return
    owners = {
        ep.name: known(model_package_group_owner(r.config, ep.model_package_group), "the group's owner")
        for ep in monitored
    }
    role = _monitor_role(ctx, monitored, owners)
    for ep in monitored:
        # The baseline the pipeline producing the served group writes (check_model_loop: such a pipeline exists).
        constraints, statistics = names.baseline_files(r, owners[ep.name], ep.model_package_group)
        spec = MonitorSpec(
            endpoint_name=names.endpoint_name(r, ep.name),
            schedule_name=names.monitoring_schedule_name(r, ep.name),
            role_arn=role.arn,
            image_uri=names.model_monitor_image(ctx.region),
            constraints_s3_uri=constraints,
            statistics_s3_uri=statistics,
            output_s3_uri=ctx.s3_uri(names.reports_prefix(r, ctx.account.name, ep.name)),
            kms_key_arn=ctx.data_key.arn,
            schedule=ep.monitor.schedule,
            instance_type=ep.monitor.instance_type,
            max_runtime_seconds=ep.monitor.max_runtime_seconds,
            drift_alarms=tuple(
                DriftAlarmSpec(
                    feature=a.feature, threshold=a.threshold, alarm_name=names.drift_alarm_name(r, ep.name, a.feature)
                )
                for a in ep.monitor.drift_alarms
            ),
            drift_signal_name=names.drift_signal_name(r, ep.name) if ep.monitor.drift_alarms else None,
        )
        # The monitor exists exactly when its endpoint does (the endpoint's serving gate).
        DataQualityMonitor(
            ctx.stack,
            f"monitor-{ep.name}",
            spec=spec,
            count=ctx.gates[ep.name].count,
            depends_on=[endpoints[ep.name].endpoint, role.policy],
        )
    # Each ml-execution account's retraining bus receives only the events of the endpoints whose group it retrains.
    routes = {
        contracts.event_bus_arn(r, ml, contracts.retraining_bus_name(r)): {
            retraining.forward_rule_name(r, ml, trigger): pattern for trigger, pattern in patterns.items()
        }
        for ml, patterns in retraining.forwarding(r, ctx.account.name).items()
    }
    if routes:
        EventForwarder(
            ctx.stack,
            "retraining-events",
            role_name=contracts.events_forwarder_role_name(r),
            account_id=ctx.stack.account_id,
            routes=routes,
        )


def _monitor_role(ctx: InferenceContext, monitored: list, owners: dict[str, str]) -> ServiceRole:
    """Reads captured data and the baselines in ml-execution; writes reports; publishes metrics and logs."""
    r = ctx.resolved
    baselines = sorted(
        {f for ep in monitored for f in names.baseline_files(r, owners[ep.name], ep.model_package_group)}
    )
    ml_accounts = sorted(set(owners.values()))
    statements = [
        statement(
            "ReadCapturedData", "s3:GetObject", f"{ctx.bucket.arn}/{names.capture_prefix(r, ctx.account.name)}/*"
        ),
        statement("ListCapturedData", "s3:ListBucket", ctx.bucket.arn),
        statement("WriteReports", "s3:PutObject", f"{ctx.bucket.arn}/{names.reports_root(r, ctx.account.name)}/*"),
        statement("UseInferenceDataKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], ctx.data_key.arn),
        # The job's encrypted volume is attached through a grant SageMaker creates on the role's behalf.
        statement(
            "GrantVolumeEncryption",
            "kms:CreateGrant",
            ctx.data_key.arn,
            condition={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
        statement("ReadBaselines", "s3:GetObject", [contracts.s3_uri_arn(r.partition, uri) for uri in baselines]),
        statement(
            "DecryptBaselines",
            "kms:Decrypt",
            [r.kms_key_arn_pattern(ml) for ml in ml_accounts],
            condition={"ForAnyValue:StringEquals": {"kms:ResourceAliases": r.kms_alias(contracts.INFERENCE_DATA)}},
        ),
        statement("EcrToken", "ecr:GetAuthorizationToken", "*"),  # no resource-level permission exists
        statement(
            "PullAnalyzer",
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            names.model_monitor_repository_arn(r, ctx.region),
        ),
        statement(
            "DescribeMonitoredEndpoints",
            "sagemaker:DescribeEndpoint",
            sorted(ctx.arn("sagemaker", f"endpoint/{names.endpoint_name(r, ep.name)}") for ep in monitored),
        ),
        statement(
            "JobLogs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            ctx.arn("logs", "log-group:/aws/sagemaker/ProcessingJobs*"),
        ),
        statement(
            "MonitoringMetrics",
            "cloudwatch:PutMetricData",
            "*",
            condition={"StringLike": {"cloudwatch:namespace": "aws/sagemaker/Endpoints/*"}},
        ),
    ]
    return ServiceRole(
        ctx.stack,
        "model-monitor-role",
        role_name=names.model_monitor_role_name(r),
        description="Model Monitor data quality jobs of the inference endpoints",
        service="sagemaker.amazonaws.com",
        statements=statements,
        trust_condition={"StringEquals": {"aws:SourceAccount": ctx.stack.account_id}},
    )
