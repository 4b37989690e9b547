"""Schema of config/landing-zone.yaml: organization-wide settings."""

from __future__ import annotations

import string
from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from .baseline import Baseline, ControlIdentifier, ControlTower
from .common import AccountId, Hostname, OuId, OuPath, Region, RoleName, ServicePrincipal, Slug, StrictModel, Tags
from .landing_zone_pipeline import LandingZonePipeline
from .tfc import DEFAULT_PROJECT, ProjectName, TfcWorkspaces, WorkspaceTemplateChars


class Vending(str, Enum):
    """How member accounts are created."""

    organizations = "organizations"
    control_tower = "control_tower"


class Guardrail(str, Enum):
    """Named service control policies that mlops-tf knows how to write."""

    deny_leave_organization = "deny-leave-organization"
    deny_unapproved_regions = "deny-unapproved-regions"
    protect_security_services = "protect-security-services"
    deny_root_user = "deny-root-user"


# Policy types of a root; https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnablePolicyType.html
PolicyType = Literal[
    "AISERVICES_OPT_OUT_POLICY",
    "BACKUP_POLICY",
    "CHATBOT_POLICY",
    "DECLARATIVE_POLICY_EC2",
    "RESOURCE_CONTROL_POLICY",
    "SERVICE_CONTROL_POLICY",
    "TAG_POLICY",
]


class OrganizationalUnit(StrictModel):
    """One OU, by path; guardrails and Control Tower controls attach here."""

    path: OuPath = Field(description="OU path such as Workloads/Prod; parents are implied")
    id: OuId | None = Field(
        default=None,
        description=(
            "Id of an existing OU to adopt (import) instead of creating one; its parent must be the root or an "
            "adopted OU. An OU adopted by id under control_tower must already be registered with Control Tower: "
            "mlops-tf registers only the OUs it creates"
        ),
    )
    guardrails: list[Guardrail] = Field(
        default_factory=list, description="Service control policies mlops-tf writes and attaches to this OU"
    )
    controls: list[ControlIdentifier] = Field(
        default_factory=list, description="Control Tower controls enabled on this OU (vending: control_tower only)"
    )


class Organization(StrictModel):
    """AWS Organizations settings of the management account."""

    vending: Vending = Field(
        default=Vending.organizations,
        description="How member accounts are created: organizations or control_tower (Account Factory)",
    )
    organization_id: Annotated[str, StringConstraints(pattern=r"^o-[a-z0-9]{10,32}$")] | None = Field(
        default=None,
        description="Id of an existing organization: the management stack imports it instead of creating one",
    )
    organizational_units: list[OrganizationalUnit] = Field(
        min_length=1, description="The OUs of the organization, by path"
    )
    account_factory_product_id: Annotated[str, StringConstraints(pattern=r"^prod-[a-z0-9]{13}$")] | None = Field(
        default=None, description="Account Factory product in Service Catalog, used only with vending: control_tower"
    )
    account_factory_artifact_name: str = Field(
        default="AWS Control Tower Account Factory",
        description="Provisioning artifact (version) name of the Account Factory product",
    )
    # Both lists are authoritative on aws_organizations_organization: these are added to what mlops-tf needs.
    extra_service_access_principals: list[ServicePrincipal] = Field(
        default_factory=list,
        description=(
            "Further services to trust (trusted access); an imported organization also keeps every one enabled today"
        ),
    )
    extra_policy_types: list[PolicyType] = Field(
        default_factory=list,
        description=(
            "Further policy types to enable on the root; an imported organization also keeps every one enabled today"
        ),
    )
    control_tower: ControlTower = Field(
        default_factory=ControlTower,
        description=(
            "The Control Tower landing zone's baseline and the OUs it owns; used only with vending: control_tower"
        ),
    )


def _per_account_template(template: str) -> str:
    """A name template that gives each account its own value: must use {account}, may use {prefix}."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"invalid template {template!r}: {exc}") from exc
    if "account" not in names:
        raise ValueError("must contain {account} so that each account gets its own state")
    if names - {"prefix", "account"}:
        raise ValueError(f"may use {{prefix}} and {{account}} only (got {sorted(names - {'prefix', 'account'})})")
    return template


PerAccountTemplate = Annotated[str, AfterValidator(_per_account_template)]


class LocalBackend(StrictModel):
    """State in a local file per account (default)."""

    type: Literal["local"] = Field(default="local", description="Backend type")


class S3Backend(StrictModel):
    """State in S3: one key per account, encrypted, with S3-native locking."""

    type: Literal["s3"] = Field(description="Backend type")
    bucket: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] = Field(
        description="State bucket name (create it with mlops-tf bootstrap)"
    )
    region: Region = Field(description="Region of the state bucket")
    key_pattern: PerAccountTemplate = Field(
        default="{prefix}/{account}/terraform.tfstate",
        description="State key per account; must use {account}, may use {prefix}",
    )
    kms_key_id: str | None = Field(
        default=None, description="KMS key (id or ARN) that encrypts the state; none: the bucket's default encryption"
    )
    encrypt: Literal[True] = Field(default=True, description="State is always encrypted")
    use_lockfile: Literal[True] = Field(default=True, description="State is always locked with S3-native lock files")


class CloudBackend(StrictModel):
    """Terraform Cloud / HCP Terraform: one workspace per account."""

    type: Literal["cloud"] = Field(description="Backend type")
    organization: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$")] = Field(
        description="Terraform Cloud organization"
    )
    project: ProjectName = Field(default=DEFAULT_PROJECT, description="Terraform Cloud project of the workspaces")
    hostname: Hostname = Field(
        default="app.terraform.io",
        description=(
            "Terraform Cloud or Terraform Enterprise host name, without https:// (the OIDC issuer is "
            "https://<hostname>)"
        ),
    )
    workspace_template: Annotated[PerAccountTemplate, WorkspaceTemplateChars] = Field(
        default="{prefix}-{account}", description="Workspace name per account; must use {account}, may use {prefix}"
    )
    oidc_run_roles: bool = Field(
        default=True,
        description="Each stack creates a Terraform Cloud OIDC provider and a run role trusting only its own workspace",
    )
    workspaces: TfcWorkspaces = Field(
        default_factory=TfcWorkspaces, description="Workspace settings `mlops-tf tfc` applies"
    )


Backend = Annotated[LocalBackend | S3Backend | CloudBackend, Field(discriminator="type")]


class LandingZone(StrictModel):
    """The organization-wide file, config/landing-zone.yaml."""

    prefix: Slug = Field(description="Prefix of every resource name: lowercase letters, digits and hyphens")
    home_region: Region = Field(description="Default region of every stack; one of allowed_regions")
    allowed_regions: list[Region] = Field(
        min_length=1, description="Regions the region guardrail allows; the baseline governs each one"
    )
    management_account_id: AccountId = Field(description="Id of the organization's management account")
    organization: Organization = Field(description="AWS Organizations settings: vending, OUs, guardrails")
    required_tags: list[str] = Field(
        default_factory=list, description="Tag keys every account must carry (from tags here or its own)"
    )
    tags: Tags = Field(default_factory=dict, description="Tags of every resource in every account")
    state_backend: Backend = Field(
        default_factory=LocalBackend, description="Where Terraform state lives: local, s3 or cloud"
    )
    deploy_role_name: RoleName | None = Field(
        default=None,
        description=(
            "Role each stack's provider assumes; default: OrganizationAccountAccessRole (AWSControlTowerExecution "
            "under Control Tower)"
        ),
    )
    baseline: Baseline = Field(
        default_factory=Baseline,
        description="What every account gets: Config, S3 public access block, EBS encryption, Access Analyzer, budgets",
    )
    landing_zone_pipeline: LandingZonePipeline | None = Field(
        default=None,
        description="CodePipeline in the management account that plans and applies this landing zone (s3 backend)",
    )

    def s3_backend(self) -> S3Backend:
        """The state backend, for code that runs only with the s3 backend (its checks refuse the others)."""
        if not isinstance(self.state_backend, S3Backend):
            raise AssertionError(f"internal: state_backend is {self.state_backend.type}, not s3")
        return self.state_backend

    def cloud_backend(self) -> CloudBackend:
        """The state backend, for code that runs only with the cloud backend (Terraform Cloud)."""
        if not isinstance(self.state_backend, CloudBackend):
            raise AssertionError(f"internal: state_backend is {self.state_backend.type}, not cloud")
        return self.state_backend

    @property
    def default_deploy_role(self) -> str:
        """Bootstrap role that each stack's provider assumes in its account."""
        if self.deploy_role_name:
            return self.deploy_role_name
        if self.organization.vending is Vending.control_tower:
            return "AWSControlTowerExecution"
        return "OrganizationAccountAccessRole"

    def ou_paths(self) -> set[str]:
        """Every OU path the landing zone defines, including implied parents (Workloads for Workloads/Prod)."""
        paths: set[str] = set()
        for ou in self.organization.organizational_units:
            parts = ou.path.split("/")
            for i in range(1, len(parts) + 1):
                paths.add("/".join(parts[:i]))
        return paths
