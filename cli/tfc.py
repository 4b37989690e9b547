"""mlops-tf tfc: the Terraform Cloud workspaces of the landing zone; lists them, or plans/applies them as code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from config import Resolved, UsageError
from config.errors import config_option
from config.tfc import run_roles_enabled, workspace_variables

from .apply import AutoApproveOption
from .common import (
    DEFAULT_CONFIG,
    DEFAULT_STATE_DIR,
    ConfigOption,
    JsonOption,
    handle_errors,
    load_resolved,
    print_json,
)
from .plan import plan_then_apply
from .synth import StateDirOption
from .terraform import Terraform, TerraformBinOption, find_terraform

DEFAULT_TFC_DIR = Path("cdktf.tfc")
TfcDirOption = Annotated[
    Path,
    typer.Option("--dir", help="Folder of the Terraform Cloud stack (kept apart from --out, which synth replaces)."),
]
PlanOption = Annotated[
    bool, typer.Option("--plan", help="Plan the Terraform Cloud stack (project, workspaces, variables, run triggers).")
]
ApplyOption = Annotated[
    bool, typer.Option("--apply", help="Plan and apply the Terraform Cloud stack (asks first unless --auto-approve).")
]
BootstrapOption = Annotated[
    bool,
    typer.Option(
        "--bootstrap",
        help=(
            "First run: the management workspace runs locally (your credentials) until its stack has created the "
            "run roles."
        ),
    ),
]


def workspace_rows(resolved: Resolved) -> list[dict[str, Any]]:
    """One row per account in apply order: workspace, project, and the dynamic-credential variables."""
    backend = resolved.landing_zone.state_backend
    if backend.type != "cloud":
        raise UsageError(
            f"state_backend.type is {backend.type!r}: `mlops-tf tfc` lists Terraform Cloud workspaces; "
            "set state_backend.type: cloud (with organization) in landing-zone.yaml"
        )
    rows = []
    for name in resolved.order:
        row: dict[str, Any] = {
            "account": name,
            "organization": backend.organization,
            "project": backend.project,
            "hostname": backend.hostname,
            "workspace": resolved.workspace_name(name),
            "variables": {},
            "note": None,
        }
        if not run_roles_enabled(resolved):
            row["note"] = "oidc_run_roles is false: give the workspace AWS credentials yourself"
        else:
            # Run roles live in the management account, whose id is always known.
            row["variables"] = workspace_variables(resolved, name)
            if resolved.accounts[name].account_id is None:
                row["note"] = (
                    "account not created yet: apply the management stack, then run `mlops-tf "
                    f"lock{config_option(resolved.config.root)}`"
                )
        rows.append(row)
    return rows


@handle_errors
def tfc(
    plan: PlanOption = False,
    apply: ApplyOption = False,
    bootstrap: BootstrapOption = False,
    auto_approve: AutoApproveOption = False,
    stack_folder: TfcDirOption = DEFAULT_TFC_DIR,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    terraform_bin: TerraformBinOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the Terraform Cloud workspaces (one per account) and their AWS dynamic-credential variables;
    with --plan/--apply, manage them as code.

    --plan/--apply synthesize a stack with the tfe provider into <dir> (local state in
    <state-dir>/tfc.tfstate): the project, one workspace per account (working directory
    <root>/stacks/<account>), its TFC_AWS_* variables, and run triggers along the apply order.
    The provider reads TFE_TOKEN. First run on an empty organization: `mlops-tf tfc --apply --bootstrap`,
    `mlops-tf apply --account <management>` (local run, state in Terraform Cloud), then `mlops-tf tfc --apply`.

    Example: mlops-tf tfc --json; mlops-tf tfc --apply --bootstrap
    """
    resolved = load_resolved(config)
    rows = workspace_rows(resolved)
    if bootstrap and not (plan or apply):
        raise UsageError("--bootstrap changes what --plan/--apply do: use mlops-tf tfc --apply --bootstrap")
    if plan or apply:
        _plan_apply(
            resolved,
            apply=apply,
            bootstrap=bootstrap,
            auto_approve=auto_approve,
            stack_folder=stack_folder,
            state_dir=state_dir,
            terraform_bin=terraform_bin,
            as_json=as_json,
        )
        return
    if as_json:
        print_json(rows)
        return

    table = Table(
        title=f"Terraform Cloud workspaces ({rows[0]['organization']} / {rows[0]['project']})"
        if rows
        else "Terraform Cloud"
    )
    for column in ("account", "workspace", "TFC_AWS_PROVIDER_AUTH", "TFC_AWS_RUN_ROLE_ARN"):
        table.add_column(column)
    for row in rows:
        variables = row["variables"]
        table.add_row(
            row["account"],
            row["workspace"],
            variables.get("TFC_AWS_PROVIDER_AUTH", "-"),
            variables.get("TFC_AWS_RUN_ROLE_ARN") or row["note"] or "-",
        )
    Console().print(table)  # as wide as the terminal (COLUMNS when not one)


def _plan_apply(
    resolved: Resolved,
    *,
    apply: bool,
    bootstrap: bool,
    auto_approve: bool,
    stack_folder: Path,
    state_dir: Path,
    terraform_bin: str | None,
    as_json: bool,
) -> None:
    """Synthesize the Terraform Cloud stack, plan it, and apply the saved plan when asked."""
    tf = Terraform(find_terraform(terraform_bin), stream_to_stderr=as_json)
    # lazy: cdktf and the tfe provider bindings load on this synth path only (validate and --help stay offline, fast)
    from accounts.tfc_workspaces import synthesize_tfc

    synthesize_tfc(resolved, stack_folder, state_dir=state_dir, bootstrap=bootstrap)
    backend = resolved.landing_zone.cloud_backend()
    result, summary = plan_then_apply(
        tf,
        f"Terraform Cloud ({backend.organization})",
        stack_folder,
        title="Terraform Cloud plan",
        apply=apply,
        auto_approve=auto_approve,
        question=f"Apply these changes to the workspaces of {backend.organization!r} / {backend.project!r}?",
    )
    management = resolved.management().name
    if as_json:
        print_json(
            {
                "result": result,
                "organization": backend.organization,
                "project": backend.project,
                "bootstrap": bootstrap,
                "plan": summary.as_dict(),
            }
        )
        return
    typer.echo(f"tfc {result}: {len(resolved.order)} workspace(s) in {backend.organization} / {backend.project}")
    if result == "planned":
        typer.echo(f"run `mlops-tf tfc --apply{' --bootstrap' if bootstrap else ''}` to apply it")
    elif bootstrap:
        typer.echo(
            f"next: `mlops-tf apply --account {management}` with your management credentials (the workspace runs "
            "locally and keeps the state), then commit the lock file and cdktf.out/, then `mlops-tf tfc --apply`"
        )
