"""Terraform Cloud dynamic credentials: the run role each account's workspace assumes through OIDC.

Every run role lives in the MANAGEMENT account (one per account workspace): a member account's deploy
role (OrganizationAccountAccessRole, AWSControlTowerExecution) trusts the management account, so only
a role there can assume it. Shared by the stack that creates the roles (accounts/tfc_oidc.py), the
name check below and `mlops-tf tfc`, which lists the workspace variables pointing at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ConfigError
from .schema.tfc import DEFAULT_PROJECT

if TYPE_CHECKING:
    from .model import Resolved

# The audience Terraform Cloud puts in its workload identity tokens for AWS (its default).
TFC_AWS_AUDIENCE = "aws.workload.identity"


def _cloud_run_roles(backend) -> bool:
    return backend.type == "cloud" and backend.oidc_run_roles


def run_roles_enabled(r: Resolved) -> bool:
    return _cloud_run_roles(r.landing_zone.state_backend)


def _run_role_name(prefix: str, account: str) -> str:
    return f"{prefix}-tfc-run-{account}"


def run_role_name(r: Resolved, account: str) -> str:
    """The management-account role that this account's Terraform Cloud workspace assumes."""
    return _run_role_name(r.prefix, account)


def run_role_arn(r: Resolved, account: str) -> str:
    return r.role_arn(r.management().name, run_role_name(r, account))


def oidc_host(r: Resolved) -> str:
    return r.landing_zone.cloud_backend().hostname


def workspace_subject(r: Resolved, account: str) -> str:
    """The token subject of exactly this account's workspace, any run phase (plan or apply)."""
    backend = r.landing_zone.cloud_backend()
    return (
        f"organization:{backend.organization}:project:{backend.project}"
        f":workspace:{r.workspace_name(account)}:run_phase:*"
    )


def workspace_variables(r: Resolved, account: str) -> dict[str, str]:
    """Environment variables the workspace needs for AWS dynamic credentials."""
    return {"TFC_AWS_PROVIDER_AUTH": "true", "TFC_AWS_RUN_ROLE_ARN": run_role_arn(r, account)}


# https://developer.hashicorp.com/terraform/cloud-docs/workspaces/settings/run-triggers: up to 20 source workspaces
# each.
RUN_TRIGGER_SOURCES_MAX = 20


@dataclass(frozen=True)
class WorkspaceSpec:
    """One account's workspace, as `mlops-tf tfc` creates it."""

    account: str
    name: str
    working_directory: str  # <working_directory_root>/stacks/<account>, where the committed JSON lives
    execution_mode: str  # remote | agent | local (management only, while its run roles do not exist)
    vcs: bool  # connected to the repository (never while local: runs come from your machine then)
    variables: dict[str, str]  # environment variables of the workspace


def workspace_specs(r: Resolved, *, bootstrap: bool = False) -> list[WorkspaceSpec]:
    """Every account's workspace in apply order.

    bootstrap: the management workspace runs locally (state only in Terraform Cloud) because the run
    roles that remote runs assume are created by the management stack itself.
    """
    settings = r.landing_zone.cloud_backend().workspaces
    specs = []
    for name in r.order:
        local = bootstrap and name == r.management().name
        specs.append(
            WorkspaceSpec(
                account=name,
                name=r.workspace_name(name),
                working_directory=f"{settings.working_directory_root}/stacks/{name}",
                execution_mode="local" if local else settings.execution_mode,
                vcs=settings.vcs_repo is not None and not local,
                variables={} if local or not run_roles_enabled(r) else workspace_variables(r, name),
            )
        )
    return specs


def run_triggers(r: Resolved) -> list[tuple[str, str]]:
    """(source, target) account pairs: an apply in source queues a run in target, one per apply-order edge."""
    edges = [(first, name) for name in r.order for first in r.dependencies(name)]
    for name in r.order:
        sources = [s for s, t in edges if t == name]
        if len(sources) > RUN_TRIGGER_SOURCES_MAX:
            raise ConfigError(
                [
                    r.config.error(
                        name,
                        ("name",),
                        (
                            f"the workspace of {name!r} would need {len(sources)} run triggers; Terraform Cloud allows "
                            f"{RUN_TRIGGER_SOURCES_MAX} source workspaces per workspace"
                        ),
                    )
                ]
            )
    return edges


def creates_project(r: Resolved) -> bool:
    """Every organization has the Default Project: it is looked up, any other project is created."""
    return r.landing_zone.cloud_backend().project != DEFAULT_PROJECT


CHECKS: list = []  # workspace and run role names are checked with every other derived name (checks/names.py)
