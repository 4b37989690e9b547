"""mlops-tf scan: checkov over the synthesized stacks, failed checks grouped by account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from config import MlopsError, UsageError

from .checkov import ScanReport, find_checkov, load_skips, scan_stacks
from .common import (
    DEFAULT_CONFIG,
    DEFAULT_OUT,
    DEFAULT_STATE_DIR,
    AccountsOption,
    ConfigOption,
    JsonOption,
    OutOption,
    err,
    handle_errors,
    load_resolved,
    print_json,
)
from .synth import StateDirOption, run_synth

SKIPS_FILE = "checkov-skips.yaml"  # in the configuration folder: the skips belong to the landing zone
# The repository root's file of earlier versions: no longer read (one landing zone's skips must not apply to
# another's stacks because of the working directory), only named in a warning so that it gets moved.
LEGACY_SKIPS = Path(".checkov-skips.yaml")

SkipsOption = Annotated[
    Path | None,
    typer.Option(
        "--skips",
        help=(
            f"Accepted findings (check, resource address or pattern, reason). Default: <config>/{SKIPS_FILE}; "
            "without it, no finding is accepted."
        ),
    ),
]
CheckovOption = Annotated[
    Path | None,
    typer.Option("--checkov", help="checkov executable (default: $MLOPS_TF_CHECKOV, .venv-scan/bin/checkov, PATH)."),
]


class ScanFailed(MlopsError):
    """checkov found failed checks or could not parse a stack."""

    exit_code = 1


@handle_errors
def scan(
    account: AccountsOption = None,
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    skips: SkipsOption = None,
    checkov: CheckovOption = None,
    as_json: JsonOption = False,
) -> None:
    """Security-scan the synthesized stacks with checkov (framework terraform_json).

    Synthesizes first (instant when nothing changed), then prints every failed check grouped by
    account. Exit 1 on any failed check that the skip file does not accept, or when checkov cannot
    parse a stack; exit 3 when checkov is missing.

    Example: mlops-tf scan --account production --json
    """
    if skips is not None and not skips.is_file():  # a named file that is absent must not mean "accept nothing"
        raise UsageError(f"--skips {skips}: no such file")
    skips = skips or default_skips(config)
    executable = find_checkov(checkov)
    accepted = load_skips(skips)
    written = run_synth(config, account, out, state_dir)
    kinds = {name: item.kind for name, item in load_resolved(config).accounts.items()}
    report = scan_stacks(out / "stacks", list(written), accepted, executable, kinds)
    if as_json:
        print_json(report_data(report, skips))
    else:
        _print_report(report, skips, full=not account)
    if not report.clean:
        raise ScanFailed(
            f"scan failed: {len(report.failed)} failed check(s), {len(report.parsing_errors)} stack(s) "
            "checkov could not parse"
        )


def default_skips(config: Path) -> Path:
    """<config>/checkov-skips.yaml: the skips belong to the landing zone, wherever the command runs.

    A .checkov-skips.yaml in the working directory (where earlier versions kept the example's) is not
    read: a warning says to move it into the configuration folder.
    """
    own = config / SKIPS_FILE
    if not own.is_file() and LEGACY_SKIPS.is_file():
        err(f"warning: {LEGACY_SKIPS} is no longer read; move it to {own} (or pass --skips {LEGACY_SKIPS})")
    return own


def report_data(report: ScanReport, skips_file: Path) -> dict:
    """The scan as data, for --json."""

    def finding(f: Any) -> dict[str, Any]:
        return {
            "account": f.account,
            "check": f.check,
            "resource": f.resource,
            "title": f.title,
            "guideline": f.guideline,
        }

    return {
        "accounts": report.accounts,
        "passed": report.passed,
        "failed": [finding(f) for f in report.failed],
        "skipped": [{**finding(f), "reason": s.reason} for f, s in report.skipped],
        "parsing_errors": [str(p) for p in report.parsing_errors],
        "unused_skips": [{"check": s.check, "resource": s.resource} for s in report.unused_skips],
        "skips_file": str(skips_file),
        "clean": report.clean,
    }


def _print_report(report: ScanReport, skips_file: Path, *, full: bool) -> None:
    for name in report.accounts:
        failed = [f for f in report.failed if f.account == name]
        if not failed:
            continue
        typer.echo(f"{name}: {len(failed)} failed check(s)")
        for finding in failed:
            typer.echo(f"  {finding.check}  {finding.resource}  {finding.title}")
            if finding.guideline:
                typer.echo(f"      {finding.guideline}")
    for path in report.parsing_errors:
        typer.echo(f"parsing error: checkov could not parse {path}; an unparsed stack is not a clean stack")
    for finding, skip in report.skipped:
        typer.echo(f"skipped {finding.account}: {finding.check} {finding.resource}: {skip.reason}")
    if full:
        for skip in report.unused_skips:
            err(f"warning: {skips_file}: skip {skip.check} {skip.resource} matched no failed check; remove it")
    typer.echo(
        f"scanned {len(report.accounts)} stack(s): {report.passed} passed, {len(report.failed)} failed, "
        f"{len(report.skipped)} skipped ({skips_file}), {len(report.parsing_errors)} parsing error(s)"
    )
