"""mlops-tf apply: apply saved plans (or plan and ask), account by account in apply order."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from config import MlopsError, Resolved, UnresolvedAccountError

from .common import DEFAULT_CONFIG, DEFAULT_OUT, DEFAULT_STATE_DIR, ConfigOption, JsonOption, OutOption, handle_errors, load_resolved, print_json
from .plan import AccountOption, AllOption, chosen_accounts, console, plan_account, progress, show_saved
from .plan_summary import PlanSummary, render
from .synth import StateDirOption, run_synth
from .terraform import SavedPlan, Terraform, TerraformBinOption, find_terraform, stack_dir

AutoApproveOption = Annotated[bool, typer.Option("--auto-approve", help="Apply fresh plans without asking (for CI).")]


class Declined(Exception):
    """The user answered no at the approval prompt."""


def apply_account(tf: Terraform, account: str, stack: Path, *, auto_approve: bool, con) -> tuple[str, PlanSummary]:
    """Apply one stack: its saved plan if it matches the synthesized JSON, else a fresh plan after approval."""
    saved = SavedPlan(stack)
    if saved.matches():
        con.print(f"{account}: applying the saved plan {saved.path} (it matches the synthesized configuration)")
        tf.ensure_init(account, stack)
        summary = show_saved(tf, account, saved)
        approved = True  # reviewed when `mlops-tf plan` printed it
    else:
        saved, summary = plan_account(tf, account, stack)
        approved = auto_approve
    render([summary], con, title=f"Plan for {account}")
    if not summary.has_changes:
        saved.discard()
        return "unchanged", summary
    if not approved:
        question = f"Apply {summary.add} to add, {summary.change} to change, {summary.destroy} to destroy in account {account!r}?"
        try:
            approved = typer.confirm(question, default=False, err=True)
        except typer.Abort:
            approved = False
        if not approved:
            saved.discard()  # a declined plan must not be applied silently by the next `apply`
            raise Declined(account)
    tf.run(account, stack, "apply", "-input=false", saved.relpath)
    saved.discard()  # applied plans are stale; Terraform would refuse them anyway
    return "applied", summary


def synth_for_apply(config: Path, resolved: Resolved, names: list[str], out: Path, state_dir: Path) -> set[str]:
    """Synthesize the stacks; returns accounts whose synth must wait until the management stack created them."""
    try:
        run_synth(config, names, out, state_dir)
        return set()
    except UnresolvedAccountError:
        management = resolved.management().name
        if names[0] != management or len(names) == 1:
            raise
        run_synth(config, [management], out, state_dir)
        return set(names[1:])


def update_lock_after_management(tf: Terraform, config: Path, resolved: Resolved, out: Path, con) -> None:
    from .accounts import read_account_ids, write_created_ids

    management = resolved.management().name
    outputs = tf.capture_json(management, stack_dir(out, management), "output", "-json")
    if "account_ids" not in outputs:  # never applied: keep the lock as it is rather than emptying it
        con.print(f"{management} has no account_ids output yet: config/accounts.lock.yaml left as it is")
        return
    ids = read_account_ids(json.dumps(outputs), source=f"terraform output -json of {management}")
    path = write_created_ids(config, resolved, ids, source=f"terraform output -json of {management}")
    if path is not None:
        con.print(f"recorded {len(ids)} account id(s) in {path}: commit it")


@handle_errors
def apply(
    account: AccountOption = None,
    all_accounts: AllOption = False,
    auto_approve: AutoApproveOption = False,
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    terraform_bin: TerraformBinOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply the chosen accounts in apply order, stopping at the first failure.

    A saved plan from `mlops-tf plan` is applied as is while the synthesized JSON is unchanged;
    otherwise mlops-tf plans first and asks before applying (--auto-approve skips the question).
    After the management stack, the ids of created accounts go to config/accounts.lock.yaml.
    Exit 3 when a step fails, 1 when an apply is declined.

    Example: mlops-tf apply --all --auto-approve
    """
    binary = find_terraform(terraform_bin)
    resolved = load_resolved(config)
    names = chosen_accounts(resolved, account, all_accounts)
    deferred = synth_for_apply(config, resolved, names, out, state_dir)
    tf = Terraform(binary, stream_to_stderr=as_json)
    con = console()
    results = {n: "skipped" for n in names}
    summaries: dict[str, PlanSummary] = {}
    try:
        for position, name in enumerate(names, start=1):
            if name in deferred:
                run_synth(config, sorted(deferred), out, state_dir)  # resolves again: reads the new lock file
                deferred = set()
            progress(con, position, len(names), name, "apply")
            results[name] = "failed"
            results[name], summaries[name] = apply_account(tf, name, stack_dir(out, name), auto_approve=auto_approve, con=con)
            if name == resolved.management().name:  # also when unchanged: the lock may be missing or stale
                update_lock_after_management(tf, config, resolved, out, con)
    except Declined as declined:
        results[declined.args[0]] = "declined"
        _report(results, summaries, as_json)
        con.print(f"apply declined for {declined.args[0]}: nothing was applied there or after it")
        raise typer.Exit(1) from None
    except MlopsError:
        _report(results, summaries, as_json)
        raise
    _report(results, summaries, as_json)


def _report(results: dict[str, str], summaries: dict[str, PlanSummary], as_json: bool) -> None:
    """Which accounts applied, which failed, which were skipped."""
    if as_json:
        print_json([{"account": n, "result": r, "plan": summaries[n].as_dict() if n in summaries else None} for n, r in results.items()])
        return
    from rich.table import Table

    colors = {"applied": "green", "unchanged": "green", "failed": "bold red", "declined": "yellow", "skipped": "dim"}
    table = Table(title="Apply")
    for column in ("account", "result", "add", "change", "destroy"):
        table.add_column(column)
    for name, result in results.items():
        s = summaries.get(name)
        counts = [str(s.add), str(s.change), str(s.destroy)] if s else ["-", "-", "-"]
        table.add_row(name, f"[{colors[result]}]{result}[/]", *counts)
    console(stderr=False).print(table)
