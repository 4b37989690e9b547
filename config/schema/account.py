"""Schema of config/accounts/<name>.yaml: one file per AWS account, one section for its kind."""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

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

    name: AccountName
    account_id: AccountId | None = None
    email: Email | None = None
    ou: OuPath | None = None
    region: Region | None = None
    tags: Tags = Field(default_factory=dict)
    deploy_role_name: RoleName | None = None
    # This account's monthly budget; default: baseline.budget.monthly_limit_usd of the landing zone.
    monthly_budget_usd: int | None = Field(default=None, ge=1, le=100_000_000)
    # Close the account when its file is removed (set it, apply, then remove the file); never for production.
    close_on_deletion: bool = False

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
    kind: Literal["management"]
    management: ManagementSection = Field(default_factory=ManagementSection)


class SecurityAccount(AccountBase):
    kind: Literal["security"]
    security: SecuritySection = Field(default_factory=SecuritySection)


class DataAccount(AccountBase):
    kind: Literal["data"]
    data: DataSection = Field(default_factory=DataSection)


class SharedServicesAccount(AccountBase):
    kind: Literal["shared-services"]
    shared_services: SharedServicesSection = Field(default_factory=SharedServicesSection)


class DataScienceAccount(AccountBase):
    kind: Literal["data-science"]
    data_science: DataScienceSection = Field(default_factory=DataScienceSection)


class MlExecutionAccount(AccountBase):
    kind: Literal["ml-execution"]
    ml_execution: MlExecutionSection = Field(default_factory=MlExecutionSection)


class StagingAccount(AccountBase):
    kind: Literal["staging"]
    inference: InferenceSection = Field(default_factory=InferenceSection)


class ProductionAccount(AccountBase):
    kind: Literal["production"]
    inference: InferenceSection = Field(default_factory=InferenceSection)


Account = Annotated[
    Union[
        ManagementAccount,
        SecurityAccount,
        DataAccount,
        SharedServicesAccount,
        DataScienceAccount,
        MlExecutionAccount,
        StagingAccount,
        ProductionAccount,
    ],
    Field(discriminator="kind"),
]
