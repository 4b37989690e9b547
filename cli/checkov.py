"""Run checkov over synthesized stacks and apply the landing zone's skip file (exact entries and patterns).

checkov lives in its own tool environment (it pins ~90 packages; see the README), so mlops-tf runs
it as a program: --checkov, then $MLOPS_TF_CHECKOV, then .venv-scan/bin/checkov (in the working
directory or the mlops-tf checkout), then checkov on PATH.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config import ConfigError, Diagnostic, MlopsError
from config.paths import display_path
from config.yaml_source import YamlSyntaxError, read_yaml

CHECKOV_ENV = "MLOPS_TF_CHECKOV"
TOOL_VENV = Path(".venv-scan") / "bin" / "checkov"
# Top-level blocks checkov 3.3 cannot parse in Terraform JSON (it expects every block to be an object
# of objects; `import` is a list). They adopt existing objects and carry no settings to check.
UNPARSEABLE_BLOCKS = ("import",)
# Settings of the `terraform` block it cannot parse either (a string where it expects an object); no check reads them.
UNPARSEABLE_TERRAFORM_SETTINGS = ("required_version",)
# A skip's resource starts with its type spelled out: aws_x.<name or pattern> or data.aws_x.<...>.
_TYPED = re.compile(r"^(data\.)?[a-z][a-z0-9_]*\.\S+$")


class ToolError(MlopsError):
    """An external tool mlops-tf drives is missing or broke (exit 3, like Terraform)."""

    exit_code = 3


@dataclass(frozen=True)
class Skip:
    """One accepted finding: a check on a resource address, or on every address a pattern matches.

    `resource` and `account` may be glob patterns (aws_s3_bucket.*access-logs*): the address is
    the Terraform one, <type>.<construct path>, stable across landing zones but for its hash suffix.
    `kind` limits an entry to accounts of one kind. Exact entries that match nothing are stale.
    """

    check: str
    resource: str
    reason: str
    account: str | None = None
    kind: str | None = None

    @property
    def pattern(self) -> bool:
        return any(c in f"{self.resource}{self.account or ''}" for c in "*?[")

    def matches(self, finding: Finding, kind: str | None = None) -> bool:
        return (
            self.check == finding.check
            and fnmatch.fnmatchcase(finding.resource, self.resource)
            and (self.account is None or fnmatch.fnmatchcase(finding.account, self.account))
            and (self.kind is None or self.kind == kind)
        )


@dataclass(frozen=True)
class Finding:
    """A failed checkov check on one resource of one account's stack."""

    account: str
    check: str
    resource: str
    title: str
    guideline: str = ""


@dataclass
class ScanReport:
    """What a scan found, after skips."""

    accounts: list[str]
    passed: int = 0
    failed: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, Skip]] = field(default_factory=list)
    parsing_errors: list[str] = field(default_factory=list)
    unused_skips: list[Skip] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.failed and not self.parsing_errors


def find_checkov(explicit: Path | None = None) -> Path:
    """The checkov executable to run (see the module docstring for the search order).

    A path given by --checkov or $MLOPS_TF_CHECKOV must work: it is never silently replaced.
    """
    chosen = explicit or os.environ.get(CHECKOV_ENV) or None
    if chosen is not None:
        if Path(chosen).is_file() and os.access(chosen, os.X_OK):
            return Path(chosen)
        source = "--checkov" if explicit else f"${CHECKOV_ENV}"
        raise ToolError(f"checkov not found at {chosen} (from {source})")
    for candidate in (Path.cwd() / TOOL_VENV, Path(__file__).resolve().parents[1] / TOOL_VENV):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which("checkov")
    if on_path:
        return Path(on_path)
    raise ToolError(
        "checkov not found: run ./setup.sh (it creates .venv-scan with checkov), "
        f"or pass --checkov PATH, or set {CHECKOV_ENV}"
    )


def load_skips(path: Path) -> list[Skip]:
    """Read the skip file: `skips:` entries with check, resource, reason and optional account and kind."""
    if not path.is_file():
        return []
    display = display_path(path)
    try:
        data, source = read_yaml(path, display)
    except YamlSyntaxError as exc:
        raise ConfigError([exc.diagnostic]) from None
    entries = data.get("skips") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError([Diagnostic(display, 1, 1, "skips", "expected a list of skip entries under 'skips:'")])
    skips, problems = [], []
    for i, entry in enumerate(entries):
        entry = entry if isinstance(entry, dict) else {}
        unknown = sorted(set(entry) - {"check", "resource", "reason", "account", "kind"})
        missing = [k for k in ("check", "resource", "reason") if not str(entry.get(k) or "").strip()]
        blanket = [k for k in ("check", "kind") if any(c in str(entry.get(k) or "") for c in "*?[")]
        # A pattern names one resource type: a new type of resource is never skipped silently.
        if not _TYPED.match(str(entry.get("resource") or "")):
            blanket.append("resource type")
        if unknown or missing or blanket:
            why = "; ".join(
                filter(
                    None,
                    [
                        f"unknown keys {unknown}" if unknown else "",
                        f"missing {', '.join(missing)}" if missing else "",
                        f"no wildcards in {', '.join(blanket)}: an entry names one check and one resource type "
                        "(e.g. resource: aws_s3_bucket.*access-logs*)"
                        if blanket
                        else "",
                    ],
                )
            )
            problems.append(source.diagnostic(("skips", i), why))
            continue
        skips.append(
            Skip(
                str(entry["check"]),
                str(entry["resource"]),
                str(entry["reason"]).strip(),
                entry.get("account"),
                entry.get("kind"),
            )
        )
    if problems:
        raise ConfigError(problems)
    return skips


def prepare(stacks_dir: Path, accounts: Sequence[str], dest: Path) -> dict[str, dict[int, str]]:
    """Copy each stack for checkov (without the unparseable parts); return each block's address by line.

    checkov names terraform_json resources `resource.<name>` (it drops the type), so the copy is
    written one key a line and the line where each block starts gives back `<type>.<name>`.
    """
    addresses: dict[str, dict[int, str]] = {}
    for name in accounts:
        source = stacks_dir / name / "cdk.tf.json"
        if not source.is_file():
            raise ToolError(f"no synthesized stack at {source}; run mlops-tf synth first")
        stack = json.loads(source.read_text(encoding="utf-8"))
        for block in UNPARSEABLE_BLOCKS:
            stack.pop(block, None)
        for setting in UNPARSEABLE_TERRAFORM_SETTINGS:
            stack.get("terraform", {}).pop(setting, None)
        text = json.dumps(stack, indent=2)
        (dest / name).mkdir(parents=True)
        (dest / name / "cdk.tf.json").write_text(text, encoding="utf-8")
        addresses[name] = _block_lines(text)
    return addresses


def _block_lines(text: str) -> dict[int, str]:
    """Line number -> address (aws_x.name, data.aws_x.name) of each resource/data block in indent-2 JSON."""
    lines: dict[int, str] = {}
    block = rtype = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r'^( {2,6})"([^"]+)": \{$', line)
        if not match:
            continue
        depth, key = len(match.group(1)) // 2, match.group(2)
        if depth == 1:
            block = key if key in ("resource", "data") else None
        elif depth == 2:
            rtype = key
        elif block is not None:
            lines[number] = f"{rtype}.{key}" if block == "resource" else f"data.{rtype}.{key}"
    return lines


def run_checkov(checkov: Path, directory: Path) -> dict[str, Any]:
    """checkov's JSON report for the terraform_json framework over directory."""
    command = [
        str(checkov),
        "--directory",
        str(directory),
        "--framework",
        "terraform_json",
        "--output",
        "json",
        "--skip-download",
    ]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_IGNORE_HIDDEN_DIRECTORIES": "false"}
    try:
        proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    except OSError as exc:
        raise ToolError(f"cannot run {checkov}: {exc}") from None
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise ToolError(f"checkov (exit {proc.returncode}) did not produce a JSON report:\n{tail}") from None
    reports = report if isinstance(report, list) else [report]
    for item in reports:
        if item.get("check_type") == "terraform_json":
            return item
    raise ToolError(f"checkov found no Terraform JSON to scan in {directory} (summary: {reports})")


def _account_of(file_path: str) -> str:
    return Path(file_path.lstrip("/")).parts[0]


def _address(raw: dict[str, Any], account: str, addresses: dict[str, dict[int, str]]) -> str:
    resource = raw["resource"]
    if resource.startswith(("resource.", "data.")):
        start = (raw.get("file_line_range") or [0])[0]
        return addresses.get(account, {}).get(start, resource)
    return resource


def evaluate(
    report: dict[str, Any],
    accounts: Sequence[str],
    skips: Sequence[Skip],
    root: Path | None = None,
    addresses: dict[str, dict[int, str]] | None = None,
    kinds: dict[str, str] | None = None,
) -> ScanReport:
    """Split checkov's failed checks into skipped (with reason) and failed; collect parsing errors."""
    results = report.get("results", {})
    scan = ScanReport(list(accounts), passed=len(results.get("passed_checks", [])))
    prefix = f"{root}/" if root else "\0"
    scan.parsing_errors = sorted(
        p[len(prefix) :] if p.startswith(prefix) else p for p in results.get("parsing_errors", [])
    )
    if report.get("summary", {}).get("parsing_errors") and not scan.parsing_errors:
        scan.parsing_errors = [f"{report['summary']['parsing_errors']} file(s)"]
    used: set[Skip] = set()
    for raw in results.get("failed_checks", []):
        account = _account_of(raw["file_path"])
        resource = _address(raw, account, addresses or {})
        finding = Finding(account, raw["check_id"], resource, raw.get("check_name", ""), raw.get("guideline") or "")
        skip = next((s for s in skips if s.matches(finding, (kinds or {}).get(account))), None)
        if skip is None:
            scan.failed.append(finding)
        else:
            used.add(skip)
            scan.skipped.append((finding, skip))
    scan.failed.sort(
        key=lambda f: (accounts.index(f.account) if f.account in accounts else len(accounts), f.check, f.resource)
    )
    # Patterns may match nothing in a landing zone (no API, no RDS): only exact entries go stale.
    scan.unused_skips = [
        s
        for s in skips
        if s not in used
        and not s.pattern
        and (s.account is None or s.account in accounts)
        and (s.kind is None or s.kind in (kinds or {}).values() or kinds is None)
    ]
    return scan


def scan_stacks(
    stacks_dir: Path,
    accounts: Sequence[str],
    skips: Sequence[Skip],
    checkov: Path,
    kinds: dict[str, str] | None = None,
) -> ScanReport:
    """Scan the named accounts' stacks under stacks_dir (kinds: account -> kind, for `kind:` entries)."""
    work = Path(tempfile.mkdtemp(prefix="mlops-tf-scan-"))
    try:
        addresses = prepare(stacks_dir, accounts, work)
        report = run_checkov(checkov, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return evaluate(report, accounts, skips, root=work, addresses=addresses, kinds=kinds)
