"""Schema of the account baseline every account gets (landing-zone.yaml `baseline:`), and of the
Control Tower settings (`organization.control_tower:`). Every part is on by default."""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .common import Email, StrictModel

# Legacy AWS Control Tower control names (the "AWS-GR_*" identifiers of the control reference).
# https://docs.aws.amazon.com/controltower/latest/controlreference/control-identifiers.html
KNOWN_LEGACY_CONTROLS = (
    "AWS-GR_AUDIT_BUCKET_DELETION_PROHIBITED",
    "AWS-GR_AUDIT_BUCKET_ENCRYPTION_ENABLED",
    "AWS-GR_AUDIT_BUCKET_LOGGING_ENABLED",
    "AWS-GR_AUDIT_BUCKET_POLICY_CHANGES_PROHIBITED",
    "AWS-GR_AUDIT_BUCKET_PUBLIC_READ_PROHIBITED",
    "AWS-GR_AUDIT_BUCKET_PUBLIC_WRITE_PROHIBITED",
    "AWS-GR_AUDIT_BUCKET_RETENTION_POLICY",
    "AWS-GR_CLOUDTRAIL_CHANGE_PROHIBITED",
    "AWS-GR_CLOUDTRAIL_CLOUDWATCH_LOGS_ENABLED",
    "AWS-GR_CLOUDTRAIL_ENABLED",
    "AWS-GR_CLOUDTRAIL_VALIDATION_ENABLED",
    "AWS-GR_CLOUDWATCH_EVENTS_CHANGE_PROHIBITED",
    "AWS-GR_CONFIG_AGGREGATION_AUTHORIZATION_POLICY",
    "AWS-GR_CONFIG_AGGREGATION_CHANGE_PROHIBITED",
    "AWS-GR_CONFIG_CHANGE_PROHIBITED",
    "AWS-GR_CONFIG_ENABLED",
    "AWS-GR_CONFIG_RULE_CHANGE_PROHIBITED",
    "AWS-GR_DETECT_CLOUDTRAIL_ENABLED_ON_SHARED_ACCOUNTS",
    "AWS-GR_DISALLOW_CROSS_REGION_NETWORKING",
    "AWS-GR_DISALLOW_VPC_INTERNET_ACCESS",
    "AWS-GR_DISALLOW_VPN_CONNECTIONS",
    "AWS-GR_EBS_OPTIMIZED_INSTANCE",
    "AWS-GR_EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK",
    "AWS-GR_EC2_VOLUME_INUSE_CHECK",
    "AWS-GR_ENCRYPTED_VOLUMES",
    "AWS-GR_IAM_ROLE_CHANGE_PROHIBITED",
    "AWS-GR_IAM_USER_MFA_ENABLED",
    "AWS-GR_LAMBDA_CHANGE_PROHIBITED",
    "AWS-GR_LOG_GROUP_POLICY",
    "AWS-GR_MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS",
    "AWS-GR_RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
    "AWS-GR_RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
    "AWS-GR_RDS_STORAGE_ENCRYPTED",
    "AWS-GR_REGION_DENY",
    "AWS-GR_RESTRICTED_COMMON_PORTS",
    "AWS-GR_RESTRICTED_SSH",
    "AWS-GR_RESTRICT_ROOT_USER",
    "AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS",
    "AWS-GR_RESTRICT_S3_CROSS_REGION_REPLICATION",
    "AWS-GR_RESTRICT_S3_DELETE_WITHOUT_MFA",
    "AWS-GR_ROOT_ACCOUNT_MFA_ENABLED",
    "AWS-GR_S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "AWS-GR_S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
    "AWS-GR_SNS_CHANGE_PROHIBITED",
    "AWS-GR_SNS_SUBSCRIPTION_CHANGE_PROHIBITED",
)
# The documented identifier forms: a legacy name, its full Control Tower ARN, or a Control Catalog ARN.
# https://docs.aws.amazon.com/controltower/latest/APIReference/API_EnableControl.html
LEGACY_NAME = re.compile(r"AWS-GR_[A-Z0-9]+(_[A-Z0-9]+)*")
CONTROL_TOWER_ARN = re.compile(r"arn:aws[a-z-]*:controltower:[a-z]{2}(-gov)?-[a-z]+-\d::control/(?P<name>.+)")
CATALOG_ARN = re.compile(r"arn:aws[a-z-]*:controlcatalog:::control/[a-z0-9]{20,40}")


def _suggestion(name: str) -> str:
    """' Did you mean X?' for a mistyped legacy name, from its normalized spelling and the known names."""
    normalized = name.upper().replace("-", "_")
    normalized = "AWS-GR_" + normalized[len("AWS_GR_") :] if normalized.startswith("AWS_GR_") else normalized
    guesses = difflib.get_close_matches(normalized, KNOWN_LEGACY_CONTROLS, n=1, cutoff=0.75)
    if guesses:
        return f"; did you mean {guesses[0]!r}?"
    return f"; did you mean {normalized!r}?" if LEGACY_NAME.fullmatch(normalized) else ""


def _control_identifier(value: str) -> str:
    """A Control Tower control: AWS-GR_NAME, arn:aws:controltower:<region>::control/AWS-GR_NAME, or a Control
    Catalog ARN."""
    if LEGACY_NAME.fullmatch(value) or CATALOG_ARN.fullmatch(value):
        return value
    tower = CONTROL_TOWER_ARN.fullmatch(value)
    if tower and (LEGACY_NAME.fullmatch(tower["name"]) or re.fullmatch(r"[A-Z0-9]{10,40}", tower["name"])):
        return value
    name = tower["name"] if tower else value
    raise ValueError(
        f"unknown control identifier {value!r}: expected a legacy name such as AWS-GR_RESTRICT_ROOT_USER, "
        "arn:aws:controltower:<region>::control/AWS-GR_..., or a Control Catalog ARN "
        f"arn:aws:controlcatalog:::control/<id>{_suggestion(name)}"
    )


ControlIdentifier = Annotated[str, AfterValidator(_control_identifier)]
BaselineVersion = Annotated[str, Field(pattern=r"^\d+\.\d+$")]
EnabledBaselineArn = Annotated[
    str, Field(pattern=r"^arn:aws[a-z-]*:controltower:[a-z0-9-]+:\d{12}:enabledbaseline/[A-Z0-9]+$")
]


class ControlTower(StrictModel):
    """The Control Tower landing zone mlops-tf works inside (organization.vending: control_tower)."""

    baseline_version: BaselineVersion = Field(
        default="4.0",
        description=(
            "AWSControlTowerBaseline version that registers mlops-tf's OUs (4.0 for landing zone 3.x, 5.0 for 4.x)"
        ),
    )
    identity_center_enabled_baseline_arn: EnabledBaselineArn | None = Field(
        default=None,
        description=(
            "Enabled IAM Identity Center baseline of the landing zone, when Control Tower manages Identity Center"
        ),
    )
    existing_ous: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}$")]] = Field(
        default_factory=lambda: ["Security", "Sandbox"],
        description="Top-level OUs Control Tower created and registered already: adopted by name, never created again",
    )
    # https://docs.aws.amazon.com/controltower/latest/userguide/enroll-account.html (no Audit or Log Archive enrollment)
    foundational_ou: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}$")] = Field(
        default="Security",
        description="Control Tower's foundational OU (Audit and Log Archive, set up with the landing zone): "
        "its existing accounts are adopted, never enrolled through Account Factory",
    )


# https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigurationRecorder.html (name: 1 to 256 characters)
ConfigResourceName = Annotated[str, Field(pattern=r"^\S(.{0,254}\S)?$")]


class ExistingConfig(StrictModel):
    """The AWS Config recorder and delivery channel an existing account already has in one region."""

    recorder: ConfigResourceName = Field(
        default="default",
        description="Name of the configuration recorder (aws configservice describe-configuration-recorders)",
    )
    delivery_channel: ConfigResourceName = Field(
        default="default", description="Name of the delivery channel (aws configservice describe-delivery-channels)"
    )


class ConfigRecording(StrictModel):
    """AWS Config in every account and allowed region, delivering to one central bucket."""

    enabled: bool = Field(
        default=True, description="Record resource configuration with AWS Config in every account and allowed region"
    )
    aggregator: bool = Field(
        default=True,
        description=(
            "Organization aggregator in the administering security account (delegated administrator for Config)"
        ),
    )
    delivery_frequency: Literal["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"] = Field(
        default="TwentyFour_Hours",
        description="How often AWS Config delivers configuration snapshots to the central bucket",
    )
    retention_days: int = Field(
        default=2555, ge=30, le=36500, description="Days the central bucket keeps configuration history and snapshots"
    )


class Budget(StrictModel):
    """A monthly cost budget in every account, alerting at a percentage of the limit (actual and forecast)."""

    enabled: bool = Field(default=True, description="Create a monthly cost budget in every account")
    monthly_limit_usd: int = Field(
        default=1000,
        ge=1,
        le=100_000_000,
        description="Monthly limit in US dollars of each account's budget (an account file may set monthly_budget_usd)",
    )
    threshold_percent: int = Field(
        default=80,
        ge=1,
        le=1000,
        description="Alert when actual spend passes this percentage of the limit (and when the forecast passes 100 %)",
    )
    alert_emails: list[Email] = Field(
        default_factory=list, max_length=10, description="Default: the administering security account's alerts.emails"
    )


class Baseline(StrictModel):
    """What every account gets, in every allowed region where the service is regional."""

    config: ConfigRecording = Field(
        default_factory=ConfigRecording,
        description="AWS Config recording in every account and allowed region, to one bucket in the log archive",
    )
    s3_public_access_block: bool = Field(
        default=True, description="Account-level S3 Block Public Access in every account"
    )
    ebs_default_encryption: bool = Field(
        default=True, description="EBS encryption by default in every account and allowed region"
    )
    access_analyzer: bool = Field(
        default=True, description="IAM Access Analyzer organization analyzer in the administering security account"
    )
    budget: Budget = Field(default_factory=Budget, description="A monthly cost budget per account with alerts")
