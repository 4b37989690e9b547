"""Organization security services in every allowed region, in the order AWS requires.

GuardDuty is regional, delegation included: the management stack enables GuardDuty in its own account
and designates the delegated administrator in each allowed region (which enables GuardDuty in the
administrator for that region); the administering security stack, applied next, adopts that detector
and sets organization auto-enable in the same region. Config's delegated administrator and IAM
Access Analyzer's are registered once, organization-wide.
"""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle

from config import local_names
from config.kinds.baseline import config_aggregator_account
from config.kinds.security import administrator_section
from config.schema.account import ManagementAccount
from modules.aws import aws
from modules.config_recorder import ConfigOrganizationAggregator
from modules.security_services import GuardDutyOrganization

from .base import AccountStack

# Registering Config's delegated administrator takes both principals.
# https://docs.aws.amazon.com/config/latest/developerguide/aggregated-register-delegated-administrator.html
CONFIG_DELEGATION_PRINCIPALS = ("config-multiaccountsetup.amazonaws.com", "config.amazonaws.com")


def delegate_guardduty(stack: AccountStack, org, admin_id: str) -> None:
    """Management stack: a detector of its own and the delegated administrator, per allowed region."""
    frequency = _admin_frequency(stack)
    adopted = set(stack.account.model(ManagementAccount).management.guardduty_detector_regions)
    previous = None
    for region in stack.regions:
        provider = stack.provider_for(region)
        # The management account needs GuardDuty (and so its service-linked role) in a region before it delegates there.
        # https://docs.aws.amazon.com/guardduty/latest/ug/delegated-admin-designate.html
        detector = aws.guardduty_detector.GuarddutyDetector(
            stack,
            _id("guardduty", region, stack),
            provider=provider,
            enable=True,
            finding_publishing_frequency=frequency,
            # An adopted detector was there before mlops-tf: removing the landing zone must not delete it.
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if region in adopted else None,
        )
        if region in adopted:
            # One detector per account and region (CreateDetector fails on a second): import the one there is.
            # https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html
            found = aws.data_aws_guardduty_detector.DataAwsGuarddutyDetector(
                stack, _id("guardduty-existing", region, stack), provider=provider
            )
            detector.import_from(found.id, provider)
        # One region at a time, the stack's own first: designations in parallel fail in all regions but one
        # while the first one sets up the organization (aws-samples/aws-secure-environment-accelerator issue 778).
        previous = aws.guardduty_organization_admin_account.GuarddutyOrganizationAdminAccount(
            stack,
            _id("delegate-guardduty", region, stack),
            provider=provider,
            admin_account_id=admin_id,
            depends_on=[org, detector, *([previous] if previous is not None else [])],
        )


def delegate_config(stack: AccountStack, org, admin_id: str) -> None:
    """Management stack: the Config delegated administrator, for the organization aggregator."""
    if config_aggregator_account(stack.resolved) is None:
        return
    for principal in CONFIG_DELEGATION_PRINCIPALS:
        aws.organizations_delegated_administrator.OrganizationsDelegatedAdministrator(
            stack,
            f"delegate-{principal.split('.')[0]}",
            account_id=admin_id,
            service_principal=principal,
            depends_on=[org],
        )


def guardduty_organization(stack: AccountStack, section) -> None:
    """Administering security stack: adopt the delegated detector and auto-enable members, per allowed region."""
    for region in stack.regions:
        GuardDutyOrganization(
            stack,
            _id("guardduty", region, stack),
            provider=stack.provider_for(region),
            features=[f.value for f in section.guardduty.features],
            finding_publishing_frequency=section.guardduty.finding_publishing_frequency,
        )


def config_aggregator(stack: AccountStack) -> None:
    """Administering security stack: the organization aggregator over every allowed region."""
    r = stack.resolved
    if config_aggregator_account(r) != stack.account.name:
        return
    aggregator = ConfigOrganizationAggregator(
        stack,
        "config-aggregator",
        name=local_names.config_aggregator_name(r),
        account_id=stack.account_id,
        regions=r.landing_zone.allowed_regions,
        partition=r.partition,
    )
    stack.output("config_aggregator_arn", aggregator.aggregator.arn, "AWS Config organization aggregator")


def access_analyzer(stack: AccountStack) -> None:
    """Administering security stack: an organization analyzer in its region (Access Analyzer is regional).
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-settings.html"""
    if not stack.resolved.landing_zone.baseline.access_analyzer:
        return
    for region in stack.regions:
        aws.accessanalyzer_analyzer.AccessanalyzerAnalyzer(
            stack,
            _id("access-analyzer", region, stack),
            provider=stack.provider_for(region),
            analyzer_name=local_names.access_analyzer_name(stack.resolved),
            type="ORGANIZATION",
        )


def _admin_frequency(stack: AccountStack) -> str:
    section = administrator_section(stack.resolved)
    return section.guardduty.finding_publishing_frequency if section is not None else "SIX_HOURS"


def _id(base: str, region: str, stack: AccountStack) -> str:
    """Construct ids: the account's own region keeps the plain id (addresses of existing stacks stay put)."""
    return base if region == stack.account.region else f"{base}-{region}"
