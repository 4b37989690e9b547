"""Run one job per account at the same time, within a bound and in dependency order (plan, apply).

`run_accounts` starts every account whose dependencies are done, at most `parallelism` at once,
longest chain of dependents first. The first failure stops new work; jobs already running finish;
accounts never started are reported as such. Hooks run on the calling thread between jobs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.table import Table

from config import MlopsError, UsageError

ENV_PARALLELISM = "MLOPS_TF_PARALLELISM"
# Plans and applies mostly wait on AWS APIs, but each Terraform process loads the AWS provider
# plugin (a few hundred MB): four at a time suits a laptop and a CI runner alike.
DEFAULT_PARALLELISM = 4

ParallelismOption = Annotated[
    int | None,
    typer.Option(
        "--parallelism",
        "-p",
        min=1,
        help=f"Accounts run at the same time (default: ${ENV_PARALLELISM}, else {DEFAULT_PARALLELISM}).",
    ),
]


def parallelism(option: int | None) -> int:
    """--parallelism, else $MLOPS_TF_PARALLELISM, else the default."""
    if option is not None:
        return option
    value = os.environ.get(ENV_PARALLELISM)
    if value is None:
        return DEFAULT_PARALLELISM
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"${ENV_PARALLELISM} must be a whole number of at least 1 (got {value!r})")
    return int(value)


def stdin_is_terminal() -> bool:
    """Whether a person can answer a question: standard input is an open terminal."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # closed
        return False


@dataclass
class Outcome:
    """What happened to one account: done (with the job's result), failed (with the error) or not started."""

    account: str
    state: str  # "done", "failed", "not started"
    result: Any = None
    error: BaseException | None = None


def closure(names: list[str], direct: Mapping[str, list[str]]) -> dict[str, set[str]]:
    """Dependencies among `names` only, through accounts not asked for (a -> b -> c keeps c after a)."""
    chosen = set(names)
    result: dict[str, set[str]] = {}
    for name in names:
        seen: set[str] = set()
        todo = list(direct.get(name, []))
        while todo:
            dep = todo.pop()
            if dep not in seen:
                seen.add(dep)
                todo.extend(direct.get(dep, []))
        result[name] = seen & chosen
    return result


def _chain_lengths(names: list[str], deps: Mapping[str, set[str]]) -> dict[str, int]:
    """Length of the longest chain of accounts waiting on each one (itself included)."""
    dependents: dict[str, list[str]] = {n: [] for n in names}
    for name in names:
        for dep in deps[name]:
            dependents[dep].append(name)
    lengths: dict[str, int] = {}

    def length(name: str) -> int:
        if name not in lengths:
            lengths[name] = 1 + max((length(d) for d in dependents[name]), default=0)
        return lengths[name]

    for name in names:
        length(name)
    return lengths


def run_accounts(
    names: list[str],
    job: Callable[[str], Any],
    *,
    parallelism: int,
    deps: Mapping[str, set[str]] | None = None,
    after: Callable[[str, Any], None] | None = None,
) -> dict[str, Outcome]:
    """Run job(account) for every account; returns the outcome of each, in the order of `names`.

    after(account, result) runs on this thread once a job succeeded, before anything else starts
    (the apply uses it to record account ids and synthesize the stacks that needed them); when it
    raises, the account counts as failed.
    """
    deps = {n: set(deps.get(n, ())) if deps else set() for n in names}
    chains = _chain_lengths(names, deps)
    pending = sorted(names, key=lambda n: (-chains[n], names.index(n)))
    outcomes: dict[str, Outcome] = {}
    running: dict[Future, str] = {}
    stop = False
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="mlops-tf-account") as pool:
        while True:
            if not stop:
                for name in [n for n in pending if deps[n] <= {d for d, o in outcomes.items() if o.state == "done"}]:
                    if len(running) >= parallelism:
                        break
                    pending.remove(name)
                    running[pool.submit(job, name)] = name
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: names.index(running[f])):
                name = running.pop(future)
                result = None
                try:
                    result = future.result()
                    if after is not None:
                        after(name, result)
                    outcomes[name] = Outcome(name, "done", result)
                except BaseException as exc:  # noqa: BLE001 - reported by the caller, after the running jobs end
                    outcomes[name] = Outcome(name, "failed", result, exc)
                    stop = True
    for name in pending:
        outcomes[name] = Outcome(name, "not started")
    return {n: outcomes[n] for n in names}


class ProgressView:
    """Per-account progress on stderr: a live table on a terminal, one line per change otherwise (CI logs).

    Thread-safe; `paused()` hides the live table while the user answers a question.
    """

    STYLE = {
        "waiting": "dim",
        "done": "green",
        "failed": "bold red",
        "not started": "dim",
        "declined": "yellow",
        "refused": "yellow",
    }

    def __init__(self, console: Any, names: list[str], title: str, *, live: bool = True) -> None:
        self.console = console
        self.want_live = live
        self.title = title
        # state, detail, started, ended (time.monotonic() values, None until then)
        self.rows: dict[str, list[Any]] = {n: ["waiting", "", None, None] for n in names}
        self.lock = threading.RLock()
        self.live: Any = None

    def __enter__(self) -> ProgressView:
        if self.want_live and self.console.is_terminal:
            self.live = Live(get_renderable=self._table, console=self.console, refresh_per_second=4, transient=False)
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()

    def step(self, account: str, step: str) -> None:
        """A Terraform step started (the Terraform runner's observer)."""
        with self.lock:
            row = self.rows[account]
            if row[2] is None:
                row[2] = time.monotonic()
            row[0] = step
            if self.live is None:
                self.console.print(f"{account}: {step}", highlight=False)

    def finish(self, account: str, state: str, detail: str = "") -> None:
        with self.lock:
            row = self.rows[account]
            row[0], row[1], row[3] = state, detail, time.monotonic()
            if self.live is None:
                took = f" ({row[3] - row[2]:.1f} s)" if row[2] is not None else ""
                self.console.print(f"{account}: {state}{' - ' + detail if detail else ''}{took}", highlight=False)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hide the live table while a question is asked; the other accounts keep running meanwhile."""
        if self.live is None:
            yield
            return
        with self.lock:
            self.live.stop()
        try:
            yield
        finally:
            with self.lock:
                self.live.start()

    def _table(self) -> Any:

        table = Table(title=self.title)
        for column in ("account", "state", "time", "result"):
            table.add_column(column)
        now = time.monotonic()
        with self.lock:
            for name, (state, detail, started, ended) in self.rows.items():
                took = "" if started is None else f"{(ended or now) - started:.0f} s"
                style = self.STYLE.get(state, "cyan")
                table.add_row(name, f"[{style}]{state}[/]", took, detail)
        return table


def raise_failures(outcomes: dict[str, Outcome], console: Any) -> None:
    """Raise the first failure (its exit code wins); the others are printed first so none is lost."""
    # mlops-tf's own errors (Terraform failed: exit 3) before a declined approval
    failed = sorted(
        (o for o in outcomes.values() if o.state == "failed"), key=lambda o: not isinstance(o.error, MlopsError)
    )
    if not failed:
        return
    for other in failed[1:]:
        console.print(f"also failed: {other.account}: {other.error}", highlight=False, markup=False)
    not_started = [o.account for o in outcomes.values() if o.state == "not started"]
    if not_started:
        console.print(f"not started after the failure: {', '.join(not_started)}", highlight=False)
    raise failed[0].error  # type: ignore[misc]
