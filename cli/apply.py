"""mlops-tf apply: apply saved plans (or plan and ask), in waves that follow the apply order.

Every account whose dependencies (resolver flows with `first`, and the management account) are
applied starts, at most --parallelism at once. The first failure stops new work, running applies
finish, and each account is reported as applied, unchanged, failed, declined or not started.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from config import Resolved, UnresolvedAccountError
from config.errors import MlopsError
from config.kinds.baseline import config_archive_account, records_config
from config.paths import LOCK_FILE, display_path

from . import runs
from .accounts import read_account_ids, record_config_bucket, write_created_ids
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
)
from .plan import AccountOption, AllOption, chosen_accounts, console, plan_account, session, show_saved
from .plan_summary import PlanSummary, render, short
from .synth import StateDirOption, run_synth
from .terraform import SavedPlan, Terraform, TerraformBinOption, find_terraform, stack_dir

AutoApproveOption = Annotated[
    bool,
    typer.Option(
        "--auto-approve", help="Apply without asking, also plans that destroy or replace stateful resources (for CI)."
    ),
]


class Declined(Exception):
    """The user answered no at the approval prompt (exit 1)."""


class Refused(Exception):
    """Approval was needed but nobody can answer: standard input is not a terminal (exit 1)."""


def apply_account(
    tf: Terraform,
    account: str,
    stack: Path,
    *,
    auto_approve: bool,
    approve: Callable[[PlanSummary, SavedPlan, bool], None],
) -> tuple[str, PlanSummary]:
    """Apply one stack: its saved plan if it matches the synthesized JSON, else a fresh plan.

    Approval is asked (approve raises Declined or Refused) for a fresh plan, and for a reviewed saved
    plan that destroys or replaces a stateful resource, unless auto_approve. Any apply, failed or
    not, discards the saved plan: Terraform refuses an applied plan as stale.
    """
    saved = SavedPlan(stack)
    if saved.matches():
        tf.ensure_init(account, stack)
        summary, reviewed = show_saved(tf, account, saved), True  # reviewed when `mlops-tf plan` printed it
    else:
        (saved, summary), reviewed = plan_account(tf, account, stack), False
    if not summary.has_changes:
        saved.discard()
        return "unchanged", summary
    if not auto_approve and (not reviewed or summary.risky):
        approve(summary, saved, reviewed)
    try:
        tf.run(account, stack, "apply", "-input=false", saved.relpath)
    finally:
        saved.discard()
    return "applied", summary


class Approver:
    """Asks one question at a time, with the live view paused; refuses clearly without a terminal."""

    def __init__(self, view: runs.ProgressView, tf: Terraform) -> None:
        self.view = view
        self.tf = tf
        self.lock = threading.Lock()

    def __call__(self, summary: PlanSummary, saved: SavedPlan, reviewed: bool) -> None:
        account = summary.account
        why = (
            f"destroys or replaces {len(summary.risky)} stateful resource(s)"
            if summary.risky
            else "is new (not reviewed with `mlops-tf plan`)"
        )
        with self.lock, self.view.paused():
            con = console()
            render([summary], con, title=f"Plan for {account}")
            log = self.tf.log_path(saved.stack)
            if log is not None and not self.tf.echo:
                con.print(f"Terraform's plan output for {account}: {log}", highlight=False, markup=False)
            if not runs.stdin_is_terminal():
                if not reviewed:
                    saved.discard()  # nobody has seen it: the next apply must not take it as reviewed
                raise Refused(
                    f"{account}: the plan {why} and standard input is not a terminal, so nobody can approve it; "
                    f"review it (mlops-tf plan --account {account}), then run mlops-tf apply with --auto-approve"
                )
            question = (
                f"Apply {summary.add} to add, {summary.change} to change, {summary.destroy} to destroy in account "
                f"{account!r}?"
            )
            if summary.risky:
                question = f"The plan for {account!r} {why} (listed above). {question}"
            try:
                approved = typer.confirm(question, default=False, err=True)
            except typer.Abort:
                approved = False
            if not approved:
                saved.discard()  # a declined plan must not be applied silently by the next `apply`
                raise Declined(f"apply declined for {account}: nothing was applied there")


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
    management = resolved.management().name
    outputs = tf.capture_json(management, stack_dir(out, management), "output", "-json")
    if "account_ids" not in outputs:  # never applied: keep the lock as it is rather than emptying it
        con.print(f"{management} has no account_ids output yet: {display_path(config / LOCK_FILE)} left as it is")
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
    parallelism: runs.ParallelismOption = None,
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    terraform_bin: TerraformBinOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply the chosen accounts in waves that follow the apply order.

    An account starts once every account it depends on is applied (at most --parallelism at once);
    the first failure stops new work and lets running applies finish. A saved plan from `mlops-tf plan`
    is applied as is while the synthesized JSON is unchanged, unless it destroys or replaces a
    stateful resource: then mlops-tf asks. Otherwise mlops-tf plans first and asks. Without a terminal
    nobody can answer, so those applies are refused: --auto-approve applies without asking.
    After the management stack, the ids of created accounts go to accounts.lock.yaml of the --config folder.
    Terraform's output goes to <out>/stacks/<account>/plans/apply.log.
    Exit 3 when a step fails, 1 when an apply is declined or refused.

    Example: mlops-tf apply --all --auto-approve
    """
    binary = find_terraform(terraform_bin)
    bound = runs.parallelism(parallelism)
    resolved = load_resolved(config)
    names = chosen_accounts(resolved, account, all_accounts)
    if resolved.management().name in names and _recorded_archive_before(binary, config, resolved, out):
        resolved = load_resolved(config)  # the management stack delivers AWS Config from this synth on
    pending_synth = synth_for_apply(config, resolved, names, out, state_dir)
    tf, view = session(binary, names, "apply", as_json=as_json, title="Apply")
    approver = Approver(view, tf)
    management = resolved.management().name

    def job(name: str) -> tuple[str, PlanSummary]:
        stack = stack_dir(out, name)
        tf.start_log(stack)
        try:
            result, summary = apply_account(tf, name, stack, auto_approve=auto_approve, approve=approver)
        except (Declined, Refused) as exc:
            view.finish(name, "declined" if isinstance(exc, Declined) else "refused")  # as the summary table says
            raise
        except BaseException:
            view.finish(name, "failed", f"see {tf.log_path(stack)}")
            raise
        view.finish(name, result, short(summary))
        return result, summary

    archive = config_archive_account(resolved)
    again: list[str] = []  # the management stack, once the Config archive is recorded (see record_config_bucket)

    def after(name: str, _result: object) -> None:
        """Runs while nothing else does (every account waits for the management stack)."""
        if name == archive and not records_config(resolved, management):
            # Resolved again: on a fresh landing zone the lock got the archive's id after the management apply.
            if record_config_bucket(tf, config, load_resolved(config), out) is not None:
                console().print(f"recorded the AWS Config bucket of {archive} in the lock: commit it")
                if management in names:
                    again.append(management)
        if name != management:
            return
        update_lock_after_management(tf, config, resolved, out, console())  # also when unchanged: the lock may be stale
        if pending_synth:
            run_synth(config, sorted(pending_synth), out, state_dir)  # resolves again: reads the new lock file
            pending_synth.clear()

    deps = runs.closure(names, {n: resolved.dependencies(n) for n in resolved.order})
    with view:
        outcomes = runs.run_accounts(names, job, parallelism=bound, deps=deps, after=after)
    if again and all(o.state == "done" for o in outcomes.values()):
        # The management stack applied before the archive: now that the central bucket exists, it records Config.
        # https://docs.aws.amazon.com/config/latest/developerguide/manage-delivery-channel.html (the bucket first)
        console().print(f"{management}: applying again, to deliver AWS Config into the bucket {archive} created")
        run_synth(config, [management], out, state_dir)
        with view:
            outcomes[management] = runs.run_accounts([management], job, parallelism=1)[management]
    results = {n: _result(o) for n, o in outcomes.items()}
    summaries = {n: o.result[1] for n, o in outcomes.items() if o.result is not None}
    _report(results, summaries, as_json)
    failed = [o for o in outcomes.values() if o.state == "failed"]
    if not failed:
        return
    con = console()
    for o in failed:
        if isinstance(o.error, (Declined, Refused)):
            con.print(str(o.error), highlight=False, markup=False)
    if all(isinstance(o.error, (Declined, Refused)) for o in failed):
        raise typer.Exit(1)
    runs.raise_failures(outcomes, con)


def _recorded_archive_before(binary: str, config: Path, resolved: Resolved, out: Path) -> bool:
    """An archive stack applied before the lock knew its bucket (an earlier run, a Terraform Cloud workspace):
    record the bucket first, so the management stack is not synthesized without the AWS Config it already has."""
    if records_config(resolved, resolved.management().name):
        return False
    try:
        path = record_config_bucket(Terraform(binary, stream_to_stderr=True), config, resolved, out)
    except MlopsError as exc:  # nothing readable yet: the run records it after the archive's apply
        console().print(f"AWS Config archive not recorded yet ({exc})", highlight=False, markup=False)
        return False
    if path is not None:
        console().print(f"recorded the AWS Config bucket of {config_archive_account(resolved)} in {path}: commit it")
    return path is not None


def _result(outcome: runs.Outcome) -> str:
    if outcome.state == "not started":
        return "not started"
    if outcome.state == "done":
        return outcome.result[0]
    if isinstance(outcome.error, (Declined, Refused)):
        return "declined" if isinstance(outcome.error, Declined) else "refused"
    return "applied" if outcome.result is not None else "failed"  # applied, then recording the lock failed


def _report(results: dict[str, str], summaries: dict[str, PlanSummary], as_json: bool) -> None:
    """Which accounts applied, which failed, which never started."""
    if as_json:
        print_json(
            [
                {"account": n, "result": r, "plan": summaries[n].as_dict() if n in summaries else None}
                for n, r in results.items()
            ]
        )
        return

    colors = {
        "applied": "green",
        "unchanged": "green",
        "failed": "bold red",
        "declined": "yellow",
        "refused": "yellow",
        "not started": "dim",
    }
    table = Table(title="Apply")
    for column in ("account", "result", "add", "change", "destroy"):
        table.add_column(column)
    for name, result in results.items():
        s = summaries.get(name)
        counts = [str(s.add), str(s.change), str(s.destroy)] if s else ["-", "-", "-"]
        table.add_row(name, f"[{colors[result]}]{result}[/]", *counts)
    console(stderr=False).print(table)
