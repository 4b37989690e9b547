"""Schema of config/accounts/<name>.yaml: one file per AWS account, one section for its kind."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from .baseline import ExistingConfig
from .common import AccountId, AccountName, Email, OuPath, Region, RoleName, StrictModel, Tags
from .data import DataSection
from .data_science import DataScienceSection
from .inference import InferenceSection
from .management import ManagementSection
from .ml_execution import MlExecutionSection
from .security import SecuritySection
from .shared_services import SharedServicesSection


class Kind(str, Enum):
    """Account kinds of the reference architecture."""

    management = "management"
    security = "security"
    data = "data"
    shared_services = "shared-services"
    data_science = "data-science"
    ml_execution = "ml-execution"
    staging = "staging"
    production = "production"


# The one section key each kind may carry; staging and production share the inference shape.
SECTION_OF_KIND: dict[str, str] = {
    "management": "management",
    "security": "security",
    "data": "data",
    "shared-services": "shared_services",
    "data-science": "data_science",
    "ml-execution": "ml_execution",
    "staging": "inference",
    "production": "inference",
}


class AccountBase(StrictModel):
    """Fields every account file has."""

    if TYPE_CHECKING:  # each kind's class declares it as its Literal (the union's discriminator)
        kind: str

    name: AccountName = Field(
        description="Account name: equals the file name (accounts/<name>.yaml); other files refer to the account by it"
    )
    account_id: AccountId | None = Field(
        default=None,
        description="Id of an existing account to take in; give exactly one of account_id and email, both under "
        "Control Tower (management: the landing zone's id)",
    )
    email: Email | None = Field(
        default=None,
        description="Root email of an account for mlops-tf to create (its id is recorded in accounts.lock.yaml after "
        "creation); under Control Tower also the root email of an existing account, which Account Factory enrolls",
    )
    ou: OuPath | None = Field(
        default=None,
        description="OU path from landing-zone.yaml the account is placed in (required for an account to create)",
    )
    region: Region | None = Field(
        default=None, description="Region of this account's stack; default: home_region of the landing zone"
    )
    tags: Tags = Field(
        default_factory=dict, description="Tags of every resource of this account, on top of the landing zone's tags"
    )
    deploy_role_name: RoleName | None = Field(
        default=None,
        description="Role the stack's provider assumes in this account; default: the landing zone's deploy role",
    )
    monthly_budget_usd: int | None = Field(
        default=None,
        ge=1,
        le=100_000_000,
        description="This account's monthly budget; default: baseline.budget.monthly_limit_usd of the landing zone",
    )
    existing_config: dict[Region, ExistingConfig] = Field(
        default_factory=dict,
        description="AWS Config recorders an existing account already has, by region: adopted (imported) and pointed "
        "at the central bucket instead of created twice (AWS allows one per region)",
    )
    config_service_linked_role_exists: bool = Field(
        default=False,
        description="AWSServiceRoleForConfig exists in this existing account already (aws iam get-role --role-name "
        "AWSServiceRoleForConfig): adopted (imported), not created; implied by existing_config",
    )
    close_on_deletion: bool = Field(
        default=False,
        description=(
            "Close the account when its file is removed (set it, apply, then remove the file); never for production"
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _empty_section_means_defaults(cls, data: Any) -> Any:
        """`security:` with nothing under it (every key commented out) takes the defaults, as if absent."""
        if isinstance(data, dict) and data.get(SECTION_OF_KIND.get(str(data.get("kind")), ""), 0) is None:
            data = {k: v for k, v in data.items() if k != SECTION_OF_KIND[data["kind"]]}
        return data

    @property
    def section(self) -> StrictModel:
        """This account's kind-specific section."""
        return getattr(self, SECTION_OF_KIND[self.kind])


class ManagementAccount(AccountBase):
    kind: Literal["management"] = Field(description="Account kind; chooses the section this file holds")
    management: ManagementSection = Field(
        default_factory=ManagementSection, description="Organization-level settings of the management account"
    )


class SecurityAccount(AccountBase):
    kind: Literal["security"] = Field(description="Account kind; chooses the section this file holds")
    security: SecuritySection = Field(
        default_factory=SecuritySection,
        description="Identity Center, organization trail, GuardDuty, Security Hub and alerts",
    )


class DataAccount(AccountBase):
    kind: Literal["data"] = Field(description="Account kind; chooses the section this file holds")
    data: DataSection = Field(
        default_factory=DataSection,
        description="The data lake: buckets, datasets, Athena, Lake Formation grants and stores",
    )


class SharedServicesAccount(AccountBase):
    kind: Literal["shared-services"] = Field(description="Account kind; chooses the section this file holds")
    shared_services: SharedServicesSection = Field(
        default_factory=SharedServicesSection, description="ECR repositories and the model deployment pipeline"
    )


class DataScienceAccount(AccountBase):
    kind: Literal["data-science"] = Field(description="Account kind; chooses the section this file holds")
    data_science: DataScienceSection = Field(
        default_factory=DataScienceSection,
        description="SageMaker Studio domain, network, personas, user profiles and project buckets",
    )


class MlExecutionAccount(AccountBase):
    kind: Literal["ml-execution"] = Field(description="Account kind; chooses the section this file holds")
    ml_execution: MlExecutionSection = Field(
        default_factory=MlExecutionSection,
        description="Model registry, Feature Store, training pipelines and retraining",
    )


class StagingAccount(AccountBase):
    kind: Literal["staging"] = Field(description="Account kind; chooses the section this file holds")
    inference: InferenceSection = Field(
        default_factory=InferenceSection, description="Endpoints, APIs and replication of inference data"
    )


class ProductionAccount(AccountBase):
    kind: Literal["production"] = Field(description="Account kind; chooses the section this file holds")
    inference: InferenceSection = Field(
        default_factory=InferenceSection, description="Endpoints, APIs and replication of inference data"
    )


# One validated account file: the type the loader, checks and stacks hold (AnyAccount) and the discriminated
# union the loader validates against (Account).
AnyAccount = (
    ManagementAccount
    | SecurityAccount
    | DataAccount
    | SharedServicesAccount
    | DataScienceAccount
    | MlExecutionAccount
    | StagingAccount
    | ProductionAccount
)
Account = Annotated[AnyAccount, Field(discriminator="kind")]
INFERENCE_ACCOUNTS = (StagingAccount, ProductionAccount)  # the two kinds with an inference section
