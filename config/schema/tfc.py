"""Terraform Cloud settings of the `cloud` state backend: the project and the workspaces `mlops-tf tfc` manages."""

from __future__ import annotations

import re
import string
from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from .common import StrictModel

# https://developer.hashicorp.com/terraform/cloud-docs/workspaces/create
# Workspace names "can only include letters, numbers, -, and _" and are at most 90 characters.
WORKSPACE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
WORKSPACE_NAME_MAX = 90
PROJECT_NAME_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9 _-]{1,38}[A-Za-z0-9_-]$")


def _project_name(value: str) -> str:
    # https://developer.hashicorp.com/terraform/cloud-docs/api-docs/projects: 3-40 of letters, numbers, inner spaces, -
    # and _.
    if not PROJECT_NAME_RE.match(value):
        raise ValueError("Terraform Cloud project names are 3-40 letters, numbers, inner spaces, - and _")
    return value


ProjectName = Annotated[str, AfterValidator(_project_name)]
DEFAULT_PROJECT = "Default Project"  # every organization has it; it is looked up, never created


def _workspace_template(template: str) -> str:
    """The literal text around {prefix}/{account} may only hold what a workspace name allows."""
    literal = "".join(text for text, _, _, _ in string.Formatter().parse(template))
    bad = sorted({c for c in literal if not WORKSPACE_NAME_RE.match(c)})
    if bad:
        raise ValueError(
            "Terraform Cloud workspace names can only include letters, numbers, - and _ (got "
            f"{', '.join(repr(c) for c in bad)}); "
            'for example "{prefix}-{account}"'
        )
    return template


WorkspaceTemplateChars = AfterValidator(_workspace_template)


def _relative_folder(value: str) -> str:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value:
        raise ValueError("must be a folder relative to the repository root without '..', e.g. cdktf.out")
    return str(path)


class TfcVcsRepo(StrictModel):
    """The repository (holding the committed synthesized JSON) that VCS-driven runs read."""

    identifier: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+$")] = Field(
        description="owner/name of the repository at the VCS provider"
    )
    branch: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]+$", max_length=255)] | None = Field(
        default=None, description="Branch to run from; the repository's default branch when unset"
    )
    oauth_token_id: Annotated[str, StringConstraints(pattern=r"^ot-[A-Za-z0-9]+$")] | None = Field(
        default=None, description="OAuth token of a VCS provider connected to the organization (ot-...)"
    )
    github_app_installation_id: Annotated[str, StringConstraints(pattern=r"^ghain-[A-Za-z0-9]+$")] | None = Field(
        default=None, description="Installation of the HCP Terraform GitHub App (ghain-...)"
    )

    @model_validator(mode="after")
    def _one_connection(self) -> TfcVcsRepo:
        if (self.oauth_token_id is None) == (self.github_app_installation_id is None):
            raise ValueError("set exactly one of oauth_token_id and github_app_installation_id")
        return self


class TfcWorkspaces(StrictModel):
    """How `mlops-tf tfc` configures each account's workspace."""

    execution_mode: Literal["remote", "agent"] = Field(
        default="remote",
        description="Where runs execute; `mlops-tf tfc --bootstrap` sets the management workspace to local",
    )
    agent_pool_id: Annotated[str, StringConstraints(pattern=r"^apool-[A-Za-z0-9]+$")] | None = Field(
        default=None, description="Agent pool of execution_mode: agent"
    )
    working_directory_root: Annotated[str, AfterValidator(_relative_folder)] = Field(
        default="cdktf.out",
        description="Where the committed synthesized JSON lives; each workspace runs <root>/stacks/<account>",
    )
    vcs_repo: TfcVcsRepo | None = Field(
        default=None, description="Connect the workspaces to this repository (VCS-driven runs)"
    )
    auto_apply: bool = Field(default=False, description="Apply runs from commits without confirmation")
    auto_apply_run_trigger: bool = Field(
        default=False, description="Apply runs started by an upstream workspace without confirmation"
    )
    allow_destroy_plan: bool = Field(
        default=False, description="Allow destroy plans (mlops-tf destroy) in the workspaces"
    )
    terraform_version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z.,<>=~! -]{1,40}$")] | None = Field(
        default=None, description="Terraform version or constraint of the workspaces (at least 1.6)"
    )

    @model_validator(mode="after")
    def _agent_pool(self) -> TfcWorkspaces:
        if (self.execution_mode == "agent") != (self.agent_pool_id is not None):
            raise ValueError("agent_pool_id is required with execution_mode: agent, and only then")
        return self
