"""Section of security accounts: Identity Center, the organization trail, GuardDuty, Security Hub, alerts."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from .common import AccountName, Email, Slug, StrictModel

# Permission set names: 1-32 characters of [\w+=,.@-]; personas use the stricter Slug and this length.
PersonaName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", max_length=32)]
# AWS managed policy name, optionally with its path: ReadOnlyAccess, job-function/DataScientist.
ManagedPolicyName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]+(/[A-Za-z0-9+=,.@_-]+)*$", max_length=128)
]
IamAction = Annotated[str, StringConstraints(pattern=r"^(\*|[a-z0-9-]+:[A-Za-z0-9*]+)$")]
StatementId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,100}$")]
GroupId = Annotated[
    str, StringConstraints(pattern=r"^([0-9a-f]{10}-|)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
PolicyResource = Annotated[str, StringConstraints(pattern=r"^(\*|arn:[a-z-]+:[a-z0-9-]*:[a-z0-9-]*:(\d{12}|\*)?:.+)$")]
GroupDisplayName = Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=r"^[\w .+=,@-]+$")]


class Severity(str, Enum):
    """Finding severities, in increasing order (Security Hub labels; GuardDuty maps by score)."""

    informational = "informational"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Standard(str, Enum):
    """Security Hub standards mlops-tf can subscribe to."""

    fsbp = "aws-foundational-security-best-practices"
    cis_1_4 = "cis-1.4.0"
    cis_3_0 = "cis-3.0.0"
    nist_800_53 = "nist-800-53"
    pci_dss = "pci-dss"


class GuardDutyFeature(str, Enum):
    """GuardDuty protection plans auto-enabled for every member account."""

    s3_data_events = "S3_DATA_EVENTS"
    eks_audit_logs = "EKS_AUDIT_LOGS"
    ebs_malware_protection = "EBS_MALWARE_PROTECTION"
    rds_login_events = "RDS_LOGIN_EVENTS"
    lambda_network_logs = "LAMBDA_NETWORK_LOGS"
    runtime_monitoring = "RUNTIME_MONITORING"


class IdentityCenterAdministrator(str, Enum):
    """Where permission sets and assignments are managed: this security account as delegated
    administrator (the management stack registers it), or the management account itself."""

    security = "security"
    management = "management"


class InlineStatement(StrictModel):
    """One statement of a permission set's inline policy."""

    sid: StatementId = Field(description="Statement id")
    effect: Literal["Allow", "Deny"] = Field(default="Allow", description="Allow or Deny")
    actions: list[IamAction] = Field(min_length=1, description="IAM actions such as s3:GetObject")
    resources: list[PolicyResource] = Field(
        default_factory=lambda: ["*"], min_length=1, description="Resource ARNs; default: every resource"
    )


class Persona(StrictModel):
    """A permission set: AWS managed policies, an optional inline policy and a session duration."""

    description: str = Field(min_length=1, max_length=700, description="Description of the permission set")
    managed_policies: list[ManagedPolicyName] = Field(
        default_factory=list,
        max_length=20,
        description="AWS managed policies attached (names, e.g. ReadOnlyAccess or job-function/DataScientist)",
    )
    inline_policy: list[InlineStatement] = Field(
        default_factory=list, description="Statements of the permission set's inline policy"
    )
    session_duration_hours: int = Field(default=1, ge=1, le=12, description="Session duration in hours (1-12)")
    audit_access: bool = Field(
        default=False,
        description=(
            "Lets sessions of this persona assume the security-audit roles through the security account's auditor role"
        ),
    )


def _default_personas() -> dict[str, Persona]:
    return {
        "platform-admin": Persona(
            description="Administers the landing zone",
            managed_policies=["AdministratorAccess"],
            session_duration_hours=4,
        ),
        "ml-engineer": Persona(
            description="Builds and operates ML pipelines and endpoints",
            managed_policies=["AmazonSageMakerFullAccess", "ReadOnlyAccess"],
            session_duration_hours=8,
        ),
        "data-scientist": Persona(
            description="Explores data and trains models in Studio",
            managed_policies=["job-function/DataScientist"],
            session_duration_hours=8,
        ),
        "data-engineer": Persona(
            description="Curates the data lake",
            managed_policies=["AWSGlueConsoleFullAccess", "AmazonAthenaFullAccess"],
            inline_policy=[InlineStatement(sid="LakeFormationDataAccess", actions=["lakeformation:GetDataAccess"])],
            session_duration_hours=8,
        ),
        "security-auditor": Persona(
            description="Reviews findings and configuration across the organization",
            managed_policies=["SecurityAudit", "ReadOnlyAccess"],
            session_duration_hours=4,
            audit_access=True,
        ),
        "read-only": Persona(
            description="Reads configuration and metrics", managed_policies=["ReadOnlyAccess"], session_duration_hours=4
        ),
    }


class Group(StrictModel):
    """An Identity Center group: created by mlops-tf (display_name) or an existing one referred to by id;
    exactly one."""

    display_name: GroupDisplayName | None = Field(
        default=None, description="Name of the group mlops-tf creates in the identity store"
    )
    description: str | None = Field(
        default=None, min_length=1, max_length=1024, description="Description of a created group"
    )
    group_id: GroupId | None = Field(
        default=None, description="Id of a group that exists already (created by hand or provisioned by SCIM)"
    )


class IdentitySource(str, Enum):
    """Who owns users and groups: Identity Center's own directory, or an external IdP / Active Directory."""

    identity_center = "identity_center"
    external = "external"


AccountKindName = Literal[
    "management", "security", "data", "shared-services", "data-science", "ml-execution", "staging", "production"
]


class Assignment(StrictModel):
    """Give a group personas' permission sets in accounts named here and in every account of the kinds
    listed (so a new production account gets its assignments without editing this list)."""

    group: Slug = Field(description="Group (groups key) that gets the permission sets")
    personas: list[PersonaName] = Field(
        min_length=1, description="Personas (personas keys) whose permission sets the group gets"
    )
    accounts: list[AccountName] = Field(default_factory=list, description="Accounts by name")
    account_kinds: list[AccountKindName] = Field(
        default_factory=list,
        validate_default=True,
        description="Every account of these kinds, including accounts added later",
    )

    @field_validator("account_kinds")
    @classmethod
    def _some_target(cls, value: list[str], info) -> list[str]:
        """An assignment targets at least one account, by name or by kind."""
        if not value and not info.data.get("accounts"):
            raise ValueError("give accounts (names) or account_kinds (every account of those kinds), or both")
        return value


class IdentityCenter(StrictModel):
    """IAM Identity Center: permission sets for personas, groups, and who gets what where."""

    administrator: IdentityCenterAdministrator = Field(
        default=IdentityCenterAdministrator.security,
        description=(
            "Where permission sets and assignments are managed: security (delegated administrator) or management"
        ),
    )
    identity_source: IdentitySource = Field(
        default=IdentitySource.identity_center,
        description=(
            "external: groups come from your IdP (SCIM) and are referred to by group_id only; mlops-tf creates none"
        ),
    )
    personas: dict[PersonaName, Persona] = Field(
        default_factory=_default_personas, description="Permission sets by persona name"
    )
    groups: dict[Slug, Group] = Field(
        default_factory=dict, description="Groups by key: created by mlops-tf (display_name) or existing (group_id)"
    )
    assignments: list[Assignment] = Field(
        default_factory=list, description="Which group gets which personas in which accounts"
    )


class CloudWatchLogsDelivery(StrictModel):
    """Optional delivery of the trail to a KMS-encrypted CloudWatch Logs group."""

    enabled: bool = Field(default=True, description="Also deliver the trail to CloudWatch Logs")
    retention_days: Literal[
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
    ] = Field(default=365, description="Days the log group keeps events")


class OrganizationTrail(StrictModel):
    """The organization CloudTrail: all regions, log file validation, KMS, to a log-archive bucket."""

    enabled: bool = Field(default=True, description="Create the organization trail")
    log_archive_account: AccountName | None = Field(
        default=None, description="A security account that holds the log bucket and its key; default: this account"
    )
    log_retention_days: int = Field(
        default=2555, ge=1, le=36500, description="Days trail logs are kept in the log archive bucket"
    )
    transition_to_glacier_days: int | None = Field(
        default=90, ge=1, description="Days before logs move to Glacier; none: never"
    )
    cloudwatch_logs: CloudWatchLogsDelivery = Field(
        default_factory=CloudWatchLogsDelivery, description="Delivery of the trail to CloudWatch Logs"
    )

    @field_validator("transition_to_glacier_days")
    @classmethod
    def _transition_before_expiry(cls, value: int | None, info) -> int | None:
        """Logs must move to Glacier before they expire."""
        retention = info.data.get("log_retention_days")
        if value is not None and retention is not None and value >= retention:
            raise ValueError(f"must be less than log_retention_days ({retention}) (got {value})")
        return value


class GuardDuty(StrictModel):
    """GuardDuty as delegated administrator: auto-enable every member and these protection plans."""

    enabled: bool = Field(default=True, description="Enable GuardDuty organization-wide")
    features: list[GuardDutyFeature] = Field(
        default_factory=lambda: [
            GuardDutyFeature.s3_data_events,
            GuardDutyFeature.ebs_malware_protection,
            GuardDutyFeature.rds_login_events,
            GuardDutyFeature.lambda_network_logs,
        ],
        description="GuardDuty protection features enabled",
    )
    finding_publishing_frequency: Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] = Field(
        default="FIFTEEN_MINUTES", description="How often updated findings are published"
    )


class SecurityHub(StrictModel):
    """Security Hub as delegated administrator: auto-enable members, standards, cross-region aggregation."""

    enabled: bool = Field(default=True, description="Enable Security Hub organization-wide")
    standards: list[Standard] = Field(
        default_factory=lambda: [Standard.fsbp, Standard.cis_3_0],
        min_length=1,
        description="Security standards enabled",
    )
    aggregate_regions: bool = Field(
        default=True, description="Aggregate findings of every allowed region in the home region"
    )


class Alerts(StrictModel):
    """EventBridge rules on GuardDuty and Security Hub findings at or above min_severity, to SNS email."""

    min_severity: Severity = Field(default=Severity.high, description="Lowest finding severity that is emailed")
    emails: list[Email] = Field(default_factory=list, description="Addresses that receive finding alerts")


class SecuritySection(StrictModel):
    """Settings of security accounts. Organization-wide parts (Identity Center, trail) live in one of them."""

    identity_center: IdentityCenter | None = Field(
        default_factory=IdentityCenter,
        description="IAM Identity Center permission sets, groups and assignments; none: not managed",
    )
    organization_trail: OrganizationTrail | None = Field(
        default_factory=OrganizationTrail, description="The organization CloudTrail trail; none: no trail"
    )
    guardduty: GuardDuty = Field(default_factory=GuardDuty, description="GuardDuty")
    security_hub: SecurityHub = Field(default_factory=SecurityHub, description="Security Hub")
    alerts: Alerts = Field(default_factory=Alerts, description="Alerting on findings by email")
