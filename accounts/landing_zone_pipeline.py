"""The landing-zone pipeline in the management stack (landing_zone_pipeline in landing-zone.yaml, s3 backend only).

Management hosts it because every member's deploy role (OrganizationAccountAccessRole,
AWSControlTowerExecution) trusts the management account only, and the state bucket lives there.
"""

from __future__ import annotations

from config import landing_zone_pipeline as lzp
from config.errors import known
from modules.kms import KmsKey
from modules.landing_zone_pipeline import LandingZonePipeline, LandingZonePipelineSettings, StateAccess
from modules.pipeline_parts import PipelineSource
from modules.secure_bucket import AccessLogBucket, SecureBucket

from .base import AccountStack

ARTIFACTS_PURPOSE = lzp.ARTIFACTS_PURPOSE
LOGS_PURPOSE = lzp.LOGS_PURPOSE


def build(stack: AccountStack, member_account_ids: dict[str, str]) -> None:
    """member_account_ids: id expressions of the accounts this stack creates that `mlops-tf lock` has not
    recorded yet."""
    r = stack.resolved
    if not lzp.enabled(r):
        return
    config = known(r.landing_zone.landing_zone_pipeline, "landing_zone_pipeline")
    name = stack.account.name
    logs = AccessLogBucket(
        stack,
        "lz-pipeline-access-logs",
        bucket_name=r.bucket_name(name, LOGS_PURPOSE),
        account_id=stack.account_id,
        partition=r.partition,
    )
    key = KmsKey(
        stack,
        "lz-pipeline-key",
        alias=r.kms_alias(ARTIFACTS_PURPOSE),
        description="Landing-zone pipeline artifacts (saved plans)",
        account_id=stack.account_id,
        partition=r.partition,
    )
    bucket = SecureBucket(
        stack,
        "lz-pipeline-artifacts",
        bucket_name=r.bucket_name(name, ARTIFACTS_PURPOSE),
        kms_key_arn=key.arn,
        log_bucket=logs,
        partition=r.partition,
    )
    states, locks = lzp.state_object_arns(r)
    key_arn, key_condition = lzp.state_key(r)
    settings = LandingZonePipelineSettings(
        name=lzp.pipeline_name(r),
        partition=r.partition,
        region=stack.account.region,
        account_id=stack.account_id,
        compute_type=config.build_compute_type,
        build_image=config.build_image,
        terraform_version=config.terraform_version,
        config_path=lzp.config_path(r),
        approval_timeout_minutes=config.approval_timeout_minutes,
        build_timeout_minutes=config.build_timeout_minutes,
        deploy_role_arns=lzp.member_deploy_role_arns(r, member_account_ids),
        acts_in_management=stack.account.deploy_role_name is None,
        state=StateAccess(
            bucket_arn=lzp.state_bucket_arn(r),
            object_arns=states,
            lock_arns=locks,
            key_arn=key_arn,
            key_condition=key_condition,
        ),
    )
    src = config.source
    source = PipelineSource(
        type=src.type, repository=src.repository, branch=src.branch, provider=getattr(src, "provider", None)
    )
    LandingZonePipeline(
        stack,
        "landing-zone-pipeline",
        settings=settings,
        source=source,
        artifacts_bucket=bucket,
        artifacts_key_arn=key.arn,
    )
    stack.output(
        "landing_zone_pipeline_name",
        settings.name,
        "CodePipeline that plans, waits for approval and applies this landing zone",
    )
