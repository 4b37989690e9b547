"""The baseline every account's stack gets (a common builder): S3 account public access block and a
monthly budget once per account; EBS encryption by default and AWS Config recording in every allowed
region, each region through its own provider (AccountStack.provider_for)."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle

from config import local_names
from config.kinds.baseline import (
    CONFIG,
    config_archive_account,
    config_bucket_name,
    monthly_budget,
    records_config,
    resolved_budget_emails,
)
from config.kinds.data import ACCESS_LOGS
from modules.account_baseline import AccountBaseline, EbsDefaultEncryption, config_service_linked_role_arn
from modules.aws import aws
from modules.config_recorder import ConfigArchive, ConfigRecorder
from modules.secure_bucket import AccessLogBucket

from .base import AccountStack, child


def build(stack: AccountStack) -> None:
    r, account = stack.resolved, stack.account
    baseline = r.landing_zone.baseline
    AccountBaseline(
        stack,
        "account-baseline",
        account_id=stack.account_id,
        public_access_block=baseline.s3_public_access_block,
        budget_name=local_names.budget_name(r, account.name) if baseline.budget.enabled else None,
        monthly_limit_usd=monthly_budget(r, account.name),
        threshold_percent=baseline.budget.threshold_percent,
        alert_emails=resolved_budget_emails(r) if baseline.budget.enabled else [],
    )
    if baseline.ebs_default_encryption:
        for region in stack.regions:
            EbsDefaultEncryption(stack, f"ebs-encryption-{region}", provider=stack.provider_for(region))
    # https://docs.aws.amazon.com/config/latest/developerguide/manage-delivery-channel.html (the bucket must exist)
    if records_config(r, account.name):
        _config(stack)


def _config(stack: AccountStack) -> None:
    """Recorder and delivery channel in every allowed region, to the central bucket of the archive account."""
    r, account = stack.resolved, stack.account
    settings = r.landing_zone.baseline.config
    # https://docs.aws.amazon.com/config/latest/developerguide/using-service-linked-roles.html
    existing = account.config.existing_config
    # Whoever set up an adopted recorder also made AWS Config's service-linked role; it may also exist alone.
    adopted = bool(existing) or account.config.config_service_linked_role_exists
    role = aws.iam_service_linked_role.IamServiceLinkedRole(
        stack,
        "config-service-role",
        aws_service_name="config.amazonaws.com",
        description="AWS Config records this account's resources",
        # An adopted role keeps the description it has (AWS Config's own sets none): no update on import.
        lifecycle=TerraformResourceLifecycle(ignore_changes=["description"]) if adopted else None,
    )
    if adopted:
        # One role per service and account: creating it again fails with InvalidInput ("has been taken").
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
        role.import_from(config_service_linked_role_arn(stack.account_id, r.partition))
    bucket = config_bucket_name(r)
    archive = _archive(stack) if config_archive_account(r) == account.name else None
    for region in stack.regions:
        found = existing.get(region)
        ConfigRecorder(
            stack,
            f"config-{region}",
            provider=stack.provider_for(region),
            role_arn=config_service_linked_role_arn(stack.account_id, r.partition),
            bucket_name=bucket,
            include_global=region == account.region,
            delivery_frequency=settings.delivery_frequency,
            depends_on=[role] + ([archive.bucket.policy] if archive is not None else []),
            existing=(found.recorder, found.delivery_channel) if found is not None else None,
        )


def _archive(stack: AccountStack) -> ConfigArchive:
    r = stack.resolved
    archive = ConfigArchive(
        stack,
        "config-archive",
        bucket_name=config_bucket_name(r),
        kms_alias=r.kms_alias(CONFIG),
        account_id=stack.account_id,
        account_ids=[r.account_id(name) for name in sorted(r.accounts)],
        log_bucket=access_logs(stack),
        retention_days=r.landing_zone.baseline.config.retention_days,
        partition=r.partition,
    )
    stack.output("config_bucket", archive.bucket.name, "Central AWS Config bucket of every account and region")
    return archive


def access_logs(stack: AccountStack) -> AccessLogBucket:
    """The account's one S3 access-log bucket, shared by every bucket of the stack that logs."""
    if stack.node.try_find_child("access-logs") is not None:
        return child(stack, "access-logs", AccessLogBucket)
    r = stack.resolved
    return AccessLogBucket(
        stack,
        "access-logs",
        bucket_name=r.bucket_name(stack.account.name, ACCESS_LOGS),
        account_id=stack.account_id,
        partition=r.partition,
    )
