"""Service control policy documents for the named guardrails of landing-zone.yaml."""

from __future__ import annotations

from .policy import Statement, document, statement

# Global services whose API calls land in us-east-1 (AWS's region-deny example, plus SSO and account).
GLOBAL_SERVICE_ACTIONS = [
    "a4b:*",
    "account:*",
    "acm:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "budgets:*",
    "ce:*",
    "chime:*",
    "cloudfront:*",
    "config:*",
    "cur:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    "fms:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "importexport:*",
    "kms:*",
    "mobileanalytics:*",
    "networkmanager:*",
    "organizations:*",
    "pricing:*",
    "route53-recovery-cluster:*",
    "route53-recovery-control-config:*",
    "route53-recovery-readiness:*",
    "route53:*",
    "route53domains:*",
    "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*",
    "shield:*",
    "sso:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "waf-regional:*",
    "waf:*",
    "wafv2:*",
    "wellarchitected:*",
]

SECURITY_SERVICE_ACTIONS = [
    "cloudtrail:DeleteTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:StopLogging",
    "cloudtrail:UpdateTrail",
    "config:DeleteConfigRule",
    "config:DeleteConfigurationRecorder",
    "config:DeleteDeliveryChannel",
    "config:StopConfigurationRecorder",
    "guardduty:DeleteDetector",
    "guardduty:DeleteMembers",
    "guardduty:DisassociateFromAdministratorAccount",
    "guardduty:DisassociateFromMasterAccount",
    "guardduty:DisassociateMembers",
    "guardduty:StopMonitoringMembers",
    "guardduty:UpdateDetector",
    "securityhub:BatchDisableStandards",
    "securityhub:DeleteMembers",
    "securityhub:DisableSecurityHub",
    "securityhub:DisassociateFromAdministratorAccount",
    "securityhub:DisassociateFromMasterAccount",
    "securityhub:DisassociateMembers",
]

GUARDRAIL_DESCRIPTIONS = {
    "deny-leave-organization": "Member accounts cannot leave the organization",
    "deny-unapproved-regions": "Deny regional APIs outside the landing zone's allowed regions",
    "protect-security-services": (
        "Only the deploy role may stop or delete CloudTrail, GuardDuty, Security Hub and Config"
    ),
    "deny-root-user": "Deny every action by the root user of member accounts",
}


def guardrail_policy(
    guardrail: str, *, allowed_regions: list[str], deploy_role_name: str, partition: str = "aws"
) -> str:
    """The SCP document of one named guardrail, as canonical JSON."""
    deploy_role = f"arn:{partition}:iam::*:role/{deploy_role_name}"
    statements: dict[str, Statement] = {
        "deny-leave-organization": statement(
            "DenyLeaveOrganization", "organizations:LeaveOrganization", "*", effect="Deny"
        ),
        "deny-unapproved-regions": statement(
            "DenyUnapprovedRegions",
            None,
            "*",
            effect="Deny",
            not_actions=GLOBAL_SERVICE_ACTIONS,
            condition={
                "StringNotEquals": {"aws:RequestedRegion": sorted(allowed_regions)},
                "ArnNotLike": {"aws:PrincipalARN": deploy_role},
            },
        ),
        "protect-security-services": statement(
            "ProtectSecurityServices",
            SECURITY_SERVICE_ACTIONS,
            "*",
            effect="Deny",
            condition={"ArnNotLike": {"aws:PrincipalARN": deploy_role}},
        ),
        "deny-root-user": statement(
            "DenyRootUser",
            "*",
            "*",
            effect="Deny",
            condition={"StringLike": {"aws:PrincipalArn": f"arn:{partition}:iam::*:root"}},
        ),
    }
    return document(statements[guardrail])
