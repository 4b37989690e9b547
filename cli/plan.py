"""mlops-tf plan: synthesize the chosen stacks, then terraform init + plan into a saved plan, and summarize.

Plans change nothing, so several accounts plan at the same time (--parallelism), each with its own
log file; a live view shows where each one is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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
from .plan_summary import PlanSummary, render, short, summarize
from .synth import StateDirOption, run_synth
from .terraform import SavedPlan, Terraform, TerraformBinOption, find_terraform, stack_dir

AccountOption = Annotated[
    list[str] | None, typer.Option("--account", "-a", help="Account to run Terraform for (repeat for several).")
]
AllOption = Annotated[bool, typer.Option("--all", help="Every account, in apply order.")]


def chosen_accounts(resolved: Resolved, account: list[str] | None, all_accounts: bool) -> list[str]:
    """The accounts asked for, in apply order. Terraform commands never default to every account."""
    if all_accounts and account:
        raise UsageError("give either --account NAME or --all, not both")
    if not all_accounts and not account:
        raise UsageError("name the accounts with --account NAME (repeatable), or use --all for every account")
    names = select_accounts(resolved, account)
    return [n for n in resolved.order if names is None or n in names]


def console(*, stderr: bool = True):
    """Progress and tables go to stderr so that stdout stays clean for --json and Terraform's own output.

    As wide as the terminal (or COLUMNS); 160 columns in a log (CI, a pipe), where no line wraps."""

    fitted = Console(stderr=stderr)
    return fitted if fitted.is_terminal or os.environ.get("COLUMNS") else Console(stderr=stderr, width=160)


def session(
    binary: str, names: list[str], command: str, *, as_json: bool, title: str
) -> tuple[Terraform, runs.ProgressView]:
    """A runner and a progress view for one command over these accounts.

    One account: Terraform's output streams through as it always did (and goes to the log). Several:
    each account's output goes to its log file only, so nothing interleaves, and a live view shows them.
    """
    alone = len(names) == 1
    view = runs.ProgressView(console(), names, title, live=not alone)
    tf = Terraform(binary, stream_to_stderr=as_json, echo=alone, log_name=command, observer=view.step)
    return tf, view


def plan_account(tf: Terraform, account: str, stack: Path, *, destroy: bool = False) -> tuple[SavedPlan, PlanSummary]:
    """init, plan into <stack>/plans/, and summarize the saved plan from `terraform show -json`."""
    saved = SavedPlan(stack, "destroy.tfplan" if destroy else "tfplan")
    tf.init(account, stack)
    saved.prepare()
    tf.run(account, stack, "plan", "-input=false", *(["-destroy"] if destroy else []), f"-out={saved.relpath}")
    saved.record()
    return saved, show_saved(tf, account, saved)


def show_saved(tf: Terraform, account: str, saved: SavedPlan) -> PlanSummary:
    return summarize(account, tf.capture_json(account, saved.stack, "show", "-json", saved.relpath))


@handle_errors
def plan(
    account: AccountOption = None,
    all_accounts: AllOption = False,
    parallelism: runs.ParallelismOption = None,
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    terraform_bin: TerraformBinOption = None,
    as_json: JsonOption = False,
) -> None:
    """Synthesize the chosen stacks and run terraform init and plan in each, saving the plan.

    Accounts plan at the same time, at most --parallelism at once; each account's Terraform output
    goes to <out>/stacks/<account>/plans/plan.log (and to the terminal when one account is planned).
    The first failure stops new plans; running ones finish.

    The saved plan (<out>/stacks/<account>/plans/tfplan) is what `mlops-tf apply` applies while the
    configuration is unchanged. The summary counts adds, changes and destroys and lists, in red, every
    destroy or replacement of a stateful resource (buckets, keys, tables, databases, Studio domains,
    accounts). With the cloud backend the plan runs in Terraform Cloud.

    Example: mlops-tf plan --all --parallelism 8
    """
    binary = find_terraform(terraform_bin)  # before synth: a missing binary fails in a second
    bound = runs.parallelism(parallelism)
    resolved = load_resolved(config)
    names = chosen_accounts(resolved, account, all_accounts)
    run_synth(config, names, out, state_dir)
    tf, view = session(binary, names, "plan", as_json=as_json, title="Plan")

    def job(name: str) -> PlanSummary:
        stack = stack_dir(out, name)
        tf.start_log(stack)
        try:
            summary = plan_account(tf, name, stack)[1]
        except BaseException:
            view.finish(name, "failed", f"see {tf.log_path(stack)}")
            raise
        view.finish(name, "planned", short(summary))
        return summary

    with view:
        outcomes = runs.run_accounts(names, job, parallelism=bound)
    for outcome in outcomes.values():
        if outcome.state == "not started":
            view.finish(outcome.account, "not started")
    summaries = [o.result for o in outcomes.values() if o.state == "done"]
    if any(o.state == "failed" for o in outcomes.values()):
        con = console()
        if summaries:
            render(summaries, con, title="Planned before the failure")
        runs.raise_failures(outcomes, con)
    if as_json:
        print_json([s.as_dict() for s in summaries])
    else:
        render(summaries, console(stderr=False))
        typer.echo(f"saved plans: {', '.join(str(stack_dir(out, n) / 'plans' / 'tfplan') for n in names)}")


def plan_then_apply(tf, label: str, folder, *, title: str, apply: bool, auto_approve: bool, question: str):
    """A stack kept beside the accounts' (bootstrap, Terraform Cloud): plan, show the summary, apply the saved
    plan when asked and confirmed. Returns (planned | unchanged | applied, summary); a declined apply exits 1."""
    con = console()
    con.rule(f"[bold]{label}[/]: plan")
    saved, summary = plan_account(tf, label, folder)
    render([summary], con, title=title)
    if not summary.has_changes:
        saved.discard()
        return "unchanged", summary
    if not apply:
        return "planned", summary
    if not auto_approve and not typer.confirm(question, default=False, err=True):
        raise typer.Exit(1)
    tf.run(label, folder, "apply", "-input=false", saved.relpath)
    saved.discard()
    return "applied", summary
