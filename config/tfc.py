"""Terraform Cloud dynamic credentials: the run role each account's workspace assumes through OIDC.

Shared by the stack that creates the role (accounts/tfc_oidc.py) and `mlops-tf tfc`, which lists the
workspace variables pointing at it, so both sides use one name.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .resolver import Resolved

# The audience Terraform Cloud puts in its workload identity tokens for AWS (its default).
TFC_AWS_AUDIENCE = "aws.workload.identity"


def run_roles_enabled(r: "Resolved") -> bool:
    backend = r.landing_zone.state_backend
    return backend.type == "cloud" and backend.oidc_run_roles


def run_role_name(r: "Resolved") -> str:
    """The role in each account that its Terraform Cloud workspace assumes."""
    return r.resource_name("tfc-run")


def oidc_host(r: "Resolved") -> str:
    return r.landing_zone.state_backend.hostname


def workspace_subject(r: "Resolved", account: str) -> str:
    """The token subject of exactly this account's workspace, any run phase (plan or apply)."""
    backend = r.landing_zone.state_backend
    return f"organization:{backend.organization}:project:{backend.project}:workspace:{r.workspace_name(account)}:run_phase:*"


def workspace_variables(r: "Resolved", account: str) -> dict[str, str]:
    """Environment variables the workspace needs for AWS dynamic credentials (raises while the id is unknown)."""
    return {"TFC_AWS_PROVIDER_AUTH": "true", "TFC_AWS_RUN_ROLE_ARN": r.role_arn(account, run_role_name(r))}
