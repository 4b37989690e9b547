"""mlops-tf tfc: the Terraform Cloud workspaces of the landing zone and the variables each one needs."""
from __future__ import annotations

from typing import Any

from config import Resolved, UsageError
from config.errors import config_option
from config.tfc import run_roles_enabled, workspace_variables

from .common import DEFAULT_CONFIG, ConfigOption, JsonOption, handle_errors, load_resolved, print_json


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
            "account": name, "organization": backend.organization, "project": backend.project,
            "hostname": backend.hostname, "workspace": resolved.workspace_name(name), "variables": {}, "note": None,
        }
        if not run_roles_enabled(resolved):
            row["note"] = "oidc_run_roles is false: give the workspace AWS credentials yourself"
        else:
            # Run roles live in the management account, whose id is always known.
            row["variables"] = workspace_variables(resolved, name)
            if resolved.accounts[name].account_id is None:
                row["note"] = f"account not created yet: apply the management stack, then run `mlops-tf lock{config_option(resolved.config.root)}`"
        rows.append(row)
    return rows


@handle_errors
def tfc(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """List the Terraform Cloud workspaces (one per account) and their AWS dynamic-credential variables.

    Set TFC_AWS_PROVIDER_AUTH and TFC_AWS_RUN_ROLE_ARN as environment variables of each workspace.
    Every run role lives in the management account: apply the management stack once with your own
    management credentials so that they exist.

    Example: mlops-tf tfc --json
    """
    rows = workspace_rows(load_resolved(config))
    if as_json:
        print_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Terraform Cloud workspaces ({rows[0]['organization']} / {rows[0]['project']})" if rows else "Terraform Cloud")
    for column in ("account", "workspace", "TFC_AWS_PROVIDER_AUTH", "TFC_AWS_RUN_ROLE_ARN"):
        table.add_column(column)
    for row in rows:
        variables = row["variables"]
        table.add_row(row["account"], row["workspace"], variables.get("TFC_AWS_PROVIDER_AUTH", "-"),
                      variables.get("TFC_AWS_RUN_ROLE_ARN") or row["note"] or "-")
    Console().print(table)  # as wide as the terminal (COLUMNS when not one)
