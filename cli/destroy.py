"""mlops-tf destroy: one account's stack, confirmed by its name before anything runs."""

from __future__ import annotations

from typing import Annotated

import typer

from config import Resolved, UsageError

from . import runs
from .common import (
    DEFAULT_CONFIG,
    DEFAULT_OUT,
    DEFAULT_STATE_DIR,
    ConfigOption,
    JsonOption,
    OutOption,
    handle_errors,
    load_resolved,
    print_json,
    select_accounts,
)
from .plan import console, plan_account
from .plan_summary import render
from .synth import StateDirOption, run_synth
from .terraform import Terraform, TerraformBinOption, find_terraform, stack_dir

ForceProductionOption = Annotated[
    bool, typer.Option("--force-production", help="Allow destroying an account of kind production.")
]
ConfirmOption = Annotated[
    str | None,
    typer.Option("--confirm", help="The account name, typed in advance (for scripts); must match --account."),
]


def dependents(resolved: Resolved, name: str) -> dict[str, list[str]]:
    """Other accounts with a cross-account flow to or from `name` (each holds half of it), with the flows' labels."""
    found: dict[str, list[str]] = {}
    for flow in resolved.flows:
        if name in (flow.source, flow.target) and flow.source != flow.target:
            other = flow.target if flow.source == name else flow.source
            found.setdefault(other, []).append(flow.label)
    return {n: sorted(set(found[n])) for n in resolved.order if n in found}


def _warn_dependents(con, name: str, found: dict[str, list[str]]) -> None:
    if not found:
        con.print(f"no other account has a flow with {name!r}", highlight=False)
        return
    con.print(
        f"[bold yellow]{len(found)} account(s) have flows with {name!r} that break when it is destroyed:[/]",
        highlight=False,
    )
    for other, labels in found.items():
        con.print(f"  {other}: {'; '.join(labels)}", highlight=False, markup=False)


@handle_errors
def destroy(
    account: Annotated[str, typer.Option("--account", "-a", help="The one account whose stack to destroy.")],
    force_production: ForceProductionOption = False,
    confirm: ConfirmOption = None,
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    terraform_bin: TerraformBinOption = None,
    as_json: JsonOption = False,
) -> None:
    """Destroy everything one account's stack manages, confirmed by the account's name.

    Before anything is synthesized or planned: production accounts are refused unless
    --force-production is given; a --confirm that is not the account's name is refused; without
    --confirm and without a terminal to type the name in, the destroy is refused. The accounts whose
    cross-account flows involve this one are listed first. With a terminal and no --confirm, the
    destroy plan is shown and you type the name. Resources marked prevent_destroy (the organization,
    member accounts) make Terraform refuse the plan. Terraform's output: <out>/stacks/<account>/plans/destroy.log.

    Example: mlops-tf destroy --account ds-dev --confirm ds-dev
    """
    resolved = load_resolved(config)
    (name,) = select_accounts(resolved, [account]) or [account]
    if resolved.accounts[name].kind == "production" and not force_production:
        raise UsageError(f"account {name!r} is a production account: destroying it needs --force-production")
    con = console()
    found = dependents(resolved, name)
    _warn_dependents(con, name, found)
    if confirm is not None and confirm != name:
        con.print(
            f"destroy refused: --confirm {confirm!r} is not the account name {name!r}; nothing was planned",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(1)
    if confirm is None and not runs.stdin_is_terminal():
        con.print(
            f"destroy refused: standard input is not a terminal, so the account name cannot be typed; "
            f"pass --confirm {name} to destroy it",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(1)
    tf = Terraform(find_terraform(terraform_bin), stream_to_stderr=as_json, log_name="destroy")
    run_synth(config, [name], out, state_dir)
    con.rule(f"[bold]{name}[/]: plan destroy")
    stack = stack_dir(out, name)
    tf.start_log(stack)
    saved, summary = plan_account(tf, name, stack, destroy=True)
    render([summary], con, title=f"Destroy plan for {name}")
    if not summary.has_changes:
        saved.discard()
        _done(name, "unchanged", summary, found, as_json)
        return
    typed = (
        confirm
        if confirm is not None
        else typer.prompt(
            f"This destroys {summary.destroy} resource(s) in account {name!r}. Type the account name to confirm",
            default="",
            show_default=False,
            err=True,
        )
    )
    if typed != name:
        saved.discard()
        con.print(f"destroy cancelled: {typed!r} is not {name!r}", highlight=False, markup=False)
        raise typer.Exit(1)
    try:
        tf.run(name, stack, "apply", "-input=false", saved.relpath)
    finally:
        saved.discard()  # applied or failed: Terraform refuses a used plan as stale
    _done(name, "destroyed", summary, found, as_json)


def _done(name: str, result: str, summary, found: dict[str, list[str]], as_json: bool) -> None:
    if as_json:
        print_json({"account": name, "result": result, "plan": summary.as_dict(), "dependents": found})
    else:
        typer.echo(
            f"{name}: {result} ({summary.destroy} resource(s) destroyed)"
            if result == "destroyed"
            else f"{name}: nothing to destroy"
        )
