"""mlops-tf plan: synthesize the chosen stacks, then terraform init + plan into a saved plan, and summarize."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from config import Resolved, TerraformError, UsageError

from .common import (
    DEFAULT_CONFIG, DEFAULT_OUT, DEFAULT_STATE_DIR, ConfigOption, JsonOption, OutOption, handle_errors, load_resolved,
    print_json, select_accounts,
)
from .plan_summary import PlanSummary, render, summarize
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
    """Progress and tables go to stderr so that stdout stays clean for --json and Terraform's own output."""
    from rich.console import Console

    return Console(stderr=stderr, width=160)


def progress(con, position: int, total: int, account: str, what: str) -> None:
    con.rule(f"[bold][{position}/{total}] {account}[/]: {what}")


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
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    terraform_bin: TerraformBinOption = None,
    as_json: JsonOption = False,
) -> None:
    """Synthesize the chosen stacks and run terraform init and plan in each, saving the plan.

    The saved plan (<out>/stacks/<account>/plans/tfplan) is what `mlops-tf apply` applies while the
    configuration is unchanged. The summary counts adds, changes and destroys and lists, in red, every
    destroy or replacement of a stateful resource (buckets, keys, tables, databases, Studio domains,
    accounts). With the cloud backend the plan runs in Terraform Cloud.

    Example: mlops-tf plan --account staging
    """
    binary = find_terraform(terraform_bin)  # before synth: a missing binary fails in a second
    resolved = load_resolved(config)
    names = chosen_accounts(resolved, account, all_accounts)
    run_synth(config, names, out, state_dir)
    tf = Terraform(binary, stream_to_stderr=as_json)
    con = console()
    summaries: list[PlanSummary] = []
    try:
        for position, name in enumerate(names, start=1):
            progress(con, position, len(names), name, "plan")
            summaries.append(plan_account(tf, name, stack_dir(out, name))[1])
    except TerraformError:
        if summaries:
            render(summaries, con, title="Planned before the failure")
        raise
    if as_json:
        print_json([s.as_dict() for s in summaries])
    else:
        render(summaries, console(stderr=False))
        typer.echo(f"saved plans: {', '.join(str(stack_dir(out, n) / 'plans' / 'tfplan') for n in names)}")
