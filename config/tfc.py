"""Terraform Cloud dynamic credentials: the run role each account's workspace assumes through OIDC.

Every run role lives in the MANAGEMENT account (one per account workspace): a member account's deploy
role (OrganizationAccountAccessRole, AWSControlTowerExecution) trusts the management account, so only
a role there can assume it. Shared by the stack that creates the roles (accounts/tfc_oidc.py), the
name check below and `mlops-tf tfc`, which lists the workspace variables pointing at them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .resolver import Resolved

# The audience Terraform Cloud puts in its workload identity tokens for AWS (its default).
TFC_AWS_AUDIENCE = "aws.workload.identity"


def _cloud_run_roles(backend) -> bool:
    return backend.type == "cloud" and backend.oidc_run_roles


def run_roles_enabled(r: "Resolved") -> bool:
    return _cloud_run_roles(r.landing_zone.state_backend)


def _run_role_name(prefix: str, account: str) -> str:
    return f"{prefix}-tfc-run-{account}"


def run_role_name(r: "Resolved", account: str) -> str:
    """The management-account role that this account's Terraform Cloud workspace assumes."""
    return _run_role_name(r.prefix, account)


def run_role_arn(r: "Resolved", account: str) -> str:
    return r.role_arn(r.management().name, run_role_name(r, account))


def oidc_host(r: "Resolved") -> str:
    return r.landing_zone.state_backend.hostname


def workspace_subject(r: "Resolved", account: str) -> str:
    """The token subject of exactly this account's workspace, any run phase (plan or apply)."""
    backend = r.landing_zone.state_backend
    return f"organization:{backend.organization}:project:{backend.project}:workspace:{r.workspace_name(account)}:run_phase:*"


def workspace_variables(r: "Resolved", account: str) -> dict[str, str]:
    """Environment variables the workspace needs for AWS dynamic credentials."""
    return {"TFC_AWS_PROVIDER_AUTH": "true", "TFC_AWS_RUN_ROLE_ARN": run_role_arn(r, account)}


CHECKS: list = []  # the run role names are checked with every other derived name (checks/names.py)
