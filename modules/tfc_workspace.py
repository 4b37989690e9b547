"""TfcWorkspace: one Terraform Cloud workspace with its execution settings and environment variables (tfe provider).

The tfe bindings load only here and only on `mlops-tf tfc --plan/--apply` (about 0.7 s after cdktf).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_tfe import variable, workspace, workspace_settings
from constructs import Construct


@dataclass(frozen=True)
class VcsRepo:
    identifier: str  # owner/name
    branch: str | None
    oauth_token_id: str | None
    github_app_installation_id: str | None


@dataclass(frozen=True)
class WorkspaceSettings:
    name: str
    organization: str
    project_id: str
    description: str
    working_directory: str  # relative to the repository root
    execution_mode: str  # remote | agent | local
    agent_pool_id: str | None
    vcs_repo: VcsRepo | None
    auto_apply: bool
    auto_apply_run_trigger: bool
    allow_destroy_plan: bool
    terraform_version: str | None
    environment: dict[str, str]  # environment variables (category env)


class TfcWorkspace(Construct):
    def __init__(self, scope: Construct, id: str, *, settings: WorkspaceSettings) -> None:
        super().__init__(scope, id)
        s = settings
        vcs = s.vcs_repo
        self.workspace = workspace.Workspace(
            self,
            "workspace",
            name=s.name,
            organization=s.organization,
            project_id=s.project_id,
            description=s.description,
            working_directory=s.working_directory,
            # https://developer.hashicorp.com/terraform/cloud-docs/workspaces/settings/vcs#automatic-run-triggering
            # A commit starts a run only when it changes this account's own stack folder.
            file_triggers_enabled=True,
            trigger_patterns=[f"{s.working_directory}/**/*"] if vcs else None,
            vcs_repo=None
            if vcs is None
            else workspace.WorkspaceVcsRepo(
                identifier=vcs.identifier,
                branch=vcs.branch,
                oauth_token_id=vcs.oauth_token_id,
                github_app_installation_id=vcs.github_app_installation_id,
            ),
            # No run at creation: the variables and the run roles may not exist yet.
            queue_all_runs=False,
            auto_apply=s.auto_apply,
            auto_apply_run_trigger=s.auto_apply_run_trigger,
            terraform_version=s.terraform_version,
            allow_destroy_plan=s.allow_destroy_plan,
        )
        # https://registry.terraform.io/providers/hashicorp/tfe/latest/docs/resources/workspace_settings
        # (execution_mode and agent_pool_id on tfe_workspace are deprecated in favour of this resource).
        self.settings = workspace_settings.WorkspaceSettings(
            self,
            "settings",
            workspace_id=self.workspace.id,
            execution_mode=s.execution_mode,
            agent_pool_id=s.agent_pool_id,
        )
        self.variables = [
            variable.Variable(
                self,
                f"env-{key}",
                key=key,
                value=value,
                category="env",
                workspace_id=self.workspace.id,
                description="Set by mlops-tf tfc (AWS dynamic credentials)",
            )
            for key, value in sorted(s.environment.items())
        ]

    @property
    def workspace_id(self) -> str:
        return self.workspace.id
