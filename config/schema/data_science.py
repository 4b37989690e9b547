"""Section of data-science accounts: network, Studio domain, Role Manager personas, user profiles."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .common import Slug, StrictModel

PersonaName = Literal["data-scientist", "mlops-engineer", "sagemaker-compute"]
# Activity names are checked against the catalog shipped in modules/data/ml_activities.json (config.kinds).
ActivityName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
# Outbound reach of the Studio VPC; with none, everything must go through VPC endpoints.
Egress = Literal["none", "nat"]
UserProfileName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")]


class ManagedNetwork(StrictModel):
    """A VPC created for Studio: private subnets only, one per availability zone."""

    type: Literal["managed"] = Field(description="Network type: managed (a VPC created for Studio)")
    cidr: str = Field(
        default="10.20.0.0/16", description="CIDR of the VPC created for Studio (a /16 to /24 private range)"
    )
    availability_zones: int = Field(
        default=2, ge=2, le=4, description="Number of availability zones, one private subnet each"
    )
    egress: Egress = Field(
        default="none",
        description=(
            "none: private subnets and VPC endpoints only; nat: a NAT gateway and HTTPS to the internet (pip "
            "install, git clone)"
        ),
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        """An IPv4 network between /16 and /24 (a subnet per zone is carved out of it)."""
        try:
            net = ipaddress.IPv4Network(value)
        except ValueError as exc:
            raise ValueError(f"not an IPv4 CIDR block such as 10.20.0.0/16: {exc}") from None
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(f"the VPC prefix length must be between /16 and /24 (got /{net.prefixlen})")
        return value


class ExistingNetwork(StrictModel):
    """An existing VPC and private subnets (endpoints are expected to exist already)."""

    type: Literal["existing"] = Field(description="Network type: existing (a VPC created elsewhere)")
    vpc_id: Annotated[str, Field(pattern=r"^vpc-[0-9a-f]{8,17}$")] = Field(description="Id of the existing VPC")
    subnet_ids: list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]] = Field(
        min_length=1, max_length=16, description="Private subnets of the VPC for Studio"
    )
    security_group_ids: list[Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]] = Field(
        default_factory=list, max_length=5, description="Security groups of Studio apps"
    )
    egress: Egress = Field(
        default="none",
        description="what the existing subnets route to: none (VPC endpoints only) or nat (the internet)",
    )


Network = Annotated[ManagedNetwork | ExistingNetwork, Field(discriminator="type")]


class LifecycleConfig(StrictModel):
    """A Studio lifecycle configuration script run when an app starts."""

    name: Slug = Field(description="Lifecycle configuration name part")
    app_type: Literal["JupyterLab", "CodeEditor", "JupyterServer", "KernelGateway"] = Field(
        default="JupyterLab", description="Studio app type the script runs in"
    )
    script: str = Field(min_length=1, max_length=16384, description="Shell script run when the app starts")


class Studio(StrictModel):
    """The Studio domain: VPC-only, IAM or IAM Identity Center authentication."""

    auth_mode: Literal["IAM", "SSO"] = Field(
        default="IAM", description="Studio sign-in: IAM or SSO (IAM Identity Center)"
    )
    default_persona: PersonaName = Field(
        default="data-scientist",
        description="Persona (personas[].name) whose role is the domain's default execution role",
    )
    lifecycle_configurations: list[LifecycleConfig] = Field(
        default_factory=list, description="Lifecycle configurations attached to the domain"
    )
    idle_timeout_minutes: int = Field(
        default=120, ge=60, le=525600, description="Minutes after which idle Studio apps shut down"
    )
    home_efs_on_delete: Literal["Retain", "Delete"] = Field(
        default="Retain",
        description="What deleting the domain does with the users' home EFS: Retain keeps it (and its mount targets, "
        "which block deleting the VPC until removed by hand), Delete deletes it with the users' files",
    )


class Persona(StrictModel):
    """A Role Manager persona: an execution role composed of ML activities from the catalog."""

    name: PersonaName = Field(description="Persona name; names its execution role")
    activities: list[ActivityName] = Field(
        min_length=1,
        description="ML activities from the catalog (modules/data/ml_activities.json) the role may perform",
    )


class UserProfile(StrictModel):
    """A Studio user profile bound to a persona's execution role."""

    name: UserProfileName = Field(description="User profile name")
    persona: PersonaName = Field(description="Persona (personas[].name) whose role the profile runs as")
    sso_user: str | None = Field(default=None, description="IAM Identity Center user name (auth_mode SSO)")


class DataScienceSection(StrictModel):
    """Settings of data-science accounts."""

    network: Network = Field(
        default_factory=lambda: ManagedNetwork(type="managed"),
        description="The VPC Studio runs in: managed (created here) or existing",
    )
    studio: Studio = Field(default_factory=Studio, description="The SageMaker Studio domain")
    personas: list[Persona] = Field(
        default_factory=list, description="Role Manager personas: execution roles built from ML activities"
    )
    user_profiles: list[UserProfile] = Field(default_factory=list, description="Studio user profiles")
    project_buckets: list[Slug] = Field(
        default_factory=lambda: ["project-artifacts", "model-outputs"],
        min_length=1,
        description="Project buckets (name parts) created in this account",
    )
    athena_workgroups: list[Slug] = Field(
        default_factory=lambda: ["analytics"], description="created here, results in the first project bucket"
    )
    enforce_vpc: bool = Field(
        default=True, description="Deny SageMaker jobs and apps outside the VPC (condition keys on the execution roles)"
    )
    enforce_kms: bool = Field(
        default=True,
        description="Deny SageMaker jobs and volumes without a KMS key (condition keys on the execution roles)",
    )
