"""GuardDuty and Security Hub run from the delegated administrator account for the whole organization."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from .aws import aws

# Security Hub standard ARNs by configuration name; {region} and {partition} are filled in.
STANDARD_ARNS = {
    "aws-foundational-security-best-practices": (
        "arn:{partition}:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0"
    ),
    "cis-1.4.0": "arn:{partition}:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/1.4.0",
    "cis-3.0.0": "arn:{partition}:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/3.0.0",
    "nist-800-53": "arn:{partition}:securityhub:{region}::standards/nist-800-53/v/5.0.0",
    "pci-dss": "arn:{partition}:securityhub:{region}::standards/pci-dss/v/3.2.1",
}


def standard_arn(standard: str, *, region: str, partition: str = "aws") -> str:
    return STANDARD_ARNS[standard].format(region=region, partition=partition)


class GuardDutyOrganization(Construct):
    """The administrator's detector in the provider's region, auto-enabling every member account and the
    given protection plans.

    Designating the delegated administrator (management stack, same region) already enabled GuardDuty
    in this account, so the detector is adopted: found by `data.aws_guardduty_detector` and imported,
    never created a second time (terraform-provider-aws issue 11780).
    # https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        features: Sequence[str],
        finding_publishing_frequency: str,
        provider=None,
    ) -> None:
        super().__init__(scope, id)
        found = aws.data_aws_guardduty_detector.DataAwsGuarddutyDetector(self, "delegated", provider=provider)
        self.detector = aws.guardduty_detector.GuarddutyDetector(
            self,
            "detector",
            provider=provider,
            enable=True,
            finding_publishing_frequency=finding_publishing_frequency,
            # The organization's detector outlives this stack; removing it would stop GuardDuty for every member.
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        self.detector.import_from(found.id, provider)
        # https://docs.aws.amazon.com/guardduty/latest/ug/set-guardduty-auto-enable-preferences.html
        aws.guardduty_organization_configuration.GuarddutyOrganizationConfiguration(
            self,
            "organization",
            provider=provider,
            detector_id=self.detector.id,
            auto_enable_organization_members="ALL",
        )
        for feature in sorted(set(features)):
            aws.guardduty_organization_configuration_feature.GuarddutyOrganizationConfigurationFeature(
                self,
                f"feature-{feature.lower()}",
                provider=provider,
                detector_id=self.detector.id,
                name=feature,
                auto_enable="ALL",
            )


class SecurityHubOrganization(Construct):
    """Security Hub with central configuration: findings aggregated from the other allowed regions, and
    one configuration policy (the standards) associated with the organization root, so every member
    account, present and future, runs the same standards."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        standards: Sequence[str],
        home_region: str,
        aggregate_regions: Sequence[str],
        account_id: str,
        partition: str = "aws",
    ) -> None:
        super().__init__(scope, id)
        # Designating the delegated administrator (management stack, applied first) enables Security Hub in
        # this account, so enabling it again fails ("already subscribed"): the account is adopted by import.
        # https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html
        self.account = aws.securityhub_account.SecurityhubAccount(
            self,
            "account",
            enable_default_standards=False,
            auto_enable_controls=True,
            control_finding_generator="SECURITY_CONTROL",
            # Destroying it would disable Security Hub; AWS never reads enable_default_standards back.
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True, ignore_changes=["enable_default_standards"]),
        )
        self.account.import_from(account_id)
        linked = sorted(set(aggregate_regions) - {home_region})
        # Central configuration requires a home region aggregator, even when it links no other region.
        self.aggregator = aws.securityhub_finding_aggregator.SecurityhubFindingAggregator(
            self,
            "aggregator",
            linking_mode="SPECIFIED_REGIONS" if linked else "NO_REGIONS",
            specified_regions=linked or None,
            depends_on=[self.account],
        )
        organization = aws.securityhub_organization_configuration.SecurityhubOrganizationConfiguration(
            self,
            "organization",
            auto_enable=False,
            auto_enable_standards="NONE",
            organization_configuration={"configuration_type": "CENTRAL"},
            depends_on=[self.aggregator],
        )
        self.standard_arns = sorted(standard_arn(s, region=home_region, partition=partition) for s in set(standards))
        policy = aws.securityhub_configuration_policy.SecurityhubConfigurationPolicy(
            self,
            "policy",
            name=name,
            description="Security Hub on, with the landing zone's standards, in every account",
            configuration_policy={
                "service_enabled": True,
                "enabled_standard_arns": self.standard_arns,
                "security_controls_configuration": {"disabled_control_identifiers": []},
            },
            depends_on=[organization],
        )
        # Delegated administrators may read the organization's root through Organizations' read-only APIs.
        org = aws.data_aws_organizations_organization.DataAwsOrganizationsOrganization(self, "org")
        aws.securityhub_configuration_policy_association.SecurityhubConfigurationPolicyAssociation(
            self, "root", target_id=org.roots.get(0).id, policy_id=policy.id
        )
