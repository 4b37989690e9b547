"""The Terraform Cloud stack: project, one workspace per account, their variables, and run triggers in apply order.

It keeps its own state in a local file (like the bootstrap stack): the workspaces must exist before
any account's state can live in them. The tfe provider reads its token from TFE_TOKEN (or the
credentials `terraform login` stores).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from cdktf import LocalBackend, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_tfe import data_tfe_project, project, provider, run_trigger
from constructs import Construct

from config import Resolved
from config.tfc import creates_project, run_triggers, workspace_specs
from modules.tfc_workspace import TfcWorkspace, VcsRepo, WorkspaceSettings

from .base import TERRAFORM_VERSION_CONSTRAINT
from .synth_app import new_app, synth

STACK_NAME = "tfc"
TFC_STATE_FILE = "tfc.tfstate"
TFE_PROVIDER_SOURCE = "hashicorp/tfe"
TFE_PROVIDER_CONSTRAINT = ">= 0.71.0, < 1.0.0"  # bindings generated for 0.71.0


class TfcStack(TerraformStack):
    def __init__(
        self, scope: Construct, resolved: Resolved, *, stack_dir: Path, state_dir: Path, bootstrap: bool
    ) -> None:
        super().__init__(scope, STACK_NAME)
        backend = resolved.landing_zone.cloud_backend()
        provider.TfeProvider(self, "tfe", hostname=backend.hostname, organization=backend.organization)
        LocalBackend(self, path=os.path.relpath(state_dir / TFC_STATE_FILE, stack_dir))
        self.add_override("terraform.required_version", TERRAFORM_VERSION_CONSTRAINT)
        self.add_override("terraform.required_providers.tfe.source", TFE_PROVIDER_SOURCE)
        self.add_override("terraform.required_providers.tfe.version", TFE_PROVIDER_CONSTRAINT)
        self.workspaces = build(self, resolved, bootstrap=bootstrap)


def build(stack: TerraformStack, resolved: Resolved, *, bootstrap: bool) -> dict[str, TfcWorkspace]:
    backend = resolved.landing_zone.cloud_backend()
    settings = backend.workspaces
    if creates_project(resolved):
        project_id = project.Project(
            stack,
            "project",
            name=backend.project,
            organization=backend.organization,
            description=f"mlops-tf landing zone {resolved.prefix}",
        ).id
    else:
        project_id = data_tfe_project.DataTfeProject(
            stack, "project", name=backend.project, organization=backend.organization
        ).id
    repo = settings.vcs_repo
    workspaces: dict[str, TfcWorkspace] = {}
    for spec in workspace_specs(resolved, bootstrap=bootstrap):
        workspaces[spec.account] = TfcWorkspace(
            stack,
            f"workspace-{spec.account}",
            settings=WorkspaceSettings(
                name=spec.name,
                organization=backend.organization,
                project_id=project_id,
                description=f"mlops-tf: account {spec.account} ({resolved.accounts[spec.account].kind})",
                working_directory=spec.working_directory,
                execution_mode=spec.execution_mode,
                agent_pool_id=settings.agent_pool_id if spec.execution_mode == "agent" else None,
                vcs_repo=VcsRepo(repo.identifier, repo.branch, repo.oauth_token_id, repo.github_app_installation_id)
                if spec.vcs and repo
                else None,
                auto_apply=settings.auto_apply,
                auto_apply_run_trigger=settings.auto_apply_run_trigger,
                allow_destroy_plan=settings.allow_destroy_plan,
                terraform_version=settings.terraform_version,
                environment=spec.variables,
            ),
        )
    # https://developer.hashicorp.com/terraform/cloud-docs/workspaces/settings/run-triggers
    # A successful apply in the source workspace queues a run in the target: the apply order's edges.
    for source, target in run_triggers(resolved):
        run_trigger.RunTrigger(
            stack,
            f"run-after-{source}-{target}",
            workspace_id=workspaces[target].workspace_id,
            sourceable_id=workspaces[source].workspace_id,
        )
    TerraformOutput(
        stack,
        "workspace_ids",
        value={a: w.workspace_id for a, w in workspaces.items()},
        description="Workspace id of each account",
    )
    return workspaces


def synthesize_tfc(resolved: Resolved, stack_folder: Path, *, state_dir: Path, bootstrap: bool) -> Path:
    """Write <stack_folder>/cdk.tf.json (atomically; .terraform and plans/ stay). Returns its path."""
    stack_folder = stack_folder.resolve()
    stack_folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tfc.", dir=stack_folder.parent) as tmp:
        app = new_app(tmp)
        TfcStack(app, resolved, stack_dir=stack_folder, state_dir=state_dir.resolve(), bootstrap=bootstrap)
        synth(app)
        staged = stack_folder / ".cdk.tf.json.tmp"
        shutil.copyfile(Path(tmp) / "stacks" / STACK_NAME / "cdk.tf.json", staged)
        os.replace(staged, stack_folder / "cdk.tf.json")
    return stack_folder / "cdk.tf.json"
