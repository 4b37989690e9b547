"""Security account: the auditor role; in the administering security account also Identity Center
(when delegated), the organization trail, GuardDuty, Security Hub and alerts on findings; in the
log-archive account the trail's bucket and key."""

from __future__ import annotations

from config import contracts, local_names
from config.errors import known
from config.kinds.security import (
    CLOUDTRAIL,
    SECURITY_ALERTS,
    audit_role_arns,
    delegated_admin,
    identity_center_home,
    log_archive_account,
    security_auditor_role_name,
    trail_account,
    trail_arn,
    trail_name,
    trail_owner_account_id,
)
from config.schema.account import SecurityAccount
from modules.aws import aws
from modules.findings_alerts import FindingsAlerts
from modules.kms import KmsKey, service_use_statement
from modules.org_trail import OrganizationTrail, TrailLogArchive
from modules.policy import assume_role_trust, document, statement
from modules.security_services import SecurityHubOrganization

from . import regional
from .base import AccountStack
from .baseline import access_logs
from .organization_security import build_identity_center


def build(stack: AccountStack) -> None:
    r, account = stack.resolved, stack.account
    _auditor_role(stack)
    archive = None
    if log_archive_account(r) == account.name:
        archive = _log_archive(stack)
    if account.name != delegated_admin(r):
        return
    section = account.model(SecurityAccount).security
    home = identity_center_home(r)
    if home is not None and home[0] == account.name:
        build_identity_center(stack, home[1])
    if trail_account(r) == account.name:
        _trail(stack, archive)
    delegated = {s.value for s in r.management().config.management.delegated_services}
    if section.guardduty.enabled and "guardduty" in delegated:
        regional.guardduty_organization(stack, section)
    if "access-analyzer" in delegated:
        regional.access_analyzer(stack)
    regional.config_aggregator(stack)
    if section.security_hub.enabled and "securityhub" in delegated:
        hub = SecurityHubOrganization(
            stack,
            "securityhub",
            name=local_names.security_hub_policy_name(r),
            standards=[s.value for s in section.security_hub.standards],
            home_region=account.region,
            partition=r.partition,
            account_id=stack.account_id,
            aggregate_regions=r.landing_zone.allowed_regions if section.security_hub.aggregate_regions else [],
        )
        stack.output("securityhub_standards", hub.standard_arns, "Security Hub standards enabled in every account")
    alerts = FindingsAlerts(
        stack,
        "findings-alerts",
        name=local_names.findings_topic_name(r),
        kms_alias=r.kms_alias(SECURITY_ALERTS),
        account_id=stack.account_id,
        region=account.region,
        min_severity=section.alerts.min_severity.value,
        emails=section.alerts.emails,
        partition=r.partition,
    )
    stack.output("findings_topic_arn", alerts.topic.arn, "SNS topic receiving security findings")


def _auditor_role(stack: AccountStack) -> None:
    """The hub of the audit chain: Identity Center sessions of audit personas assume it, it assumes the
    security-audit role of every account."""
    r = stack.resolved
    personas = _audit_personas(stack)
    sso_roles = [contracts.sso_role_arn_pattern(r.partition, stack.account_id, p) for p in personas]
    condition = (
        {"ArnLike": {"aws:PrincipalArn": sso_roles if len(sso_roles) > 1 else sso_roles[0]}} if sso_roles else None
    )
    role = aws.iam_role.IamRole(
        stack,
        "security-auditor",
        name=security_auditor_role_name(r),
        description="Assumes the security-audit role in every account of the landing zone",
        assume_role_policy=assume_role_trust({"AWS": r.root_arn(stack.account.name)}, condition),
        max_session_duration=3600,
    )
    aws.iam_role_policy.IamRolePolicy(
        stack,
        "security-auditor-assume",
        role=role.id,
        name="assume-security-audit-roles",
        policy=document(statement("AssumeSecurityAuditRoles", "sts:AssumeRole", audit_role_arns(r))),
    )


def _audit_personas(stack: AccountStack) -> list[str]:
    home = identity_center_home(stack.resolved)
    if home is None:
        return []
    return sorted(name for name, persona in home[1].personas.items() if persona.audit_access)


def _log_archive(stack: AccountStack) -> TrailLogArchive:
    r, account = stack.resolved, stack.account
    owner = known(trail_account(r), "the organization trail's account")
    trail = known(r.accounts[owner].model(SecurityAccount).security.organization_trail, "organization_trail")
    return TrailLogArchive(
        stack,
        "trail-archive",
        bucket_name=r.bucket_name(account.name, CLOUDTRAIL),
        kms_alias=r.kms_alias(CLOUDTRAIL),
        account_id=stack.account_id,
        trail_arn=trail_arn(r),
        trail_account_id=trail_owner_account_id(r),
        organization_id=r.landing_zone.organization.organization_id,
        log_bucket=access_logs(stack),
        retention_days=trail.log_retention_days,
        glacier_after_days=trail.transition_to_glacier_days,
        partition=r.partition,
        trail_deployer_arn=None if owner == account.name else r.deploy_role_arn(owner),
    )


def _trail(stack: AccountStack, archive: TrailLogArchive | None) -> None:
    r, account = stack.resolved, stack.account
    settings = known(account.model(SecurityAccount).security.organization_trail, "organization_trail")
    archive_name = known(log_archive_account(r), "the trail's log archive account")
    if archive is not None:
        key_arn, depends = archive.key.arn, [archive.bucket.policy]
    else:
        # The key lives in the log-archive account (applied first): find its ARN through its alias.
        found = aws.data_aws_kms_key.DataAwsKmsKey(
            stack, "trail-archive-key", key_id=r.kms_alias_arn(archive_name, CLOUDTRAIL)
        )
        key_arn, depends = found.arn, None
    logs_key = None
    if settings.cloudwatch_logs.enabled:
        logs_statement = service_use_statement(
            "CloudWatchLogsEncryptTrailEvents",
            f"logs.{account.region}.amazonaws.com",
            account_id=stack.account_id,
            actions=["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            condition={
                "ArnEquals": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{r.partition}:logs:{account.region}:{stack.account_id}:log-group:/aws/cloudtrail/{trail_name(r)}"
                    )
                }
            },
        )
        if archive is not None:
            archive.key.add_statements(logs_statement)
            logs_key = archive.key.arn
        else:
            logs_key = KmsKey(
                stack,
                "trail-logs-key",
                alias=r.kms_alias(f"{CLOUDTRAIL}-logs"),
                description="CloudWatch Logs of the organization trail",
                account_id=stack.account_id,
                partition=r.partition,
                statements=[logs_statement],
            ).arn
    trail = OrganizationTrail(
        stack,
        "organization-trail",
        name=trail_name(r),
        bucket_name=r.bucket_name(archive_name, CLOUDTRAIL),
        kms_key_arn=key_arn,
        trail_arn=trail_arn(r),
        partition=r.partition,
        depends_on=depends,
        cloudwatch_retention_days=settings.cloudwatch_logs.retention_days if settings.cloudwatch_logs.enabled else None,
        cloudwatch_kms_key_arn=logs_key,
    )
    stack.output("organization_trail_arn", trail.trail.arn, "The organization CloudTrail")
