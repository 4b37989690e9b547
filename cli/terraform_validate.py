"""`terraform validate` of synthesized stacks, offline, against the stand-in hashicorp/aws provider.

Terraform checks every block against the provider schema the bindings carry (unknown or missing
arguments, types, nested keys) and every expression (syntax, references to attributes that do not
exist). Each problem comes back as one Finding: the account, the resource address, Terraform's words.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import TerraformError

from . import offline_provider
from .terraform import stack_dir

# Terraform says this of every dev_overrides run; it is the point of the stand-in, not a finding.
OVERRIDE_WARNING = "Provider development overrides are in effect"
WORKERS = 2  # each stack starts Terraform and a Python plugin: two at a time keep a small machine responsive


@dataclass(frozen=True)
class Finding:
    account: str
    severity: str
    address: str
    summary: str
    detail: str
    location: str  # stacks/<account>/cdk.tf.json:line:col

    def __str__(self) -> str:
        where = f"{self.address}: " if self.address else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.location}: {self.account}: {where}{self.severity}: {self.summary}{detail}"

    def as_dict(self) -> dict[str, str]:
        return {
            "account": self.account,
            "severity": self.severity,
            "address": self.address,
            "summary": self.summary,
            "detail": self.detail,
            "location": self.location,
        }


@dataclass(frozen=True)
class StackResult:
    account: str
    findings: tuple[Finding, ...]
    seconds: float
    changes: dict[str, int] | None = None  # plan only: add / change / import / remove counts
    levels: tuple[tuple[str, ...], ...] = ()  # plan only: addresses to create, by dependency level

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def address(context: str) -> str:
    """Resource address from Terraform's snippet context: `resource.aws_s3_bucket.logs.grant` -> aws_s3_bucket.logs."""
    parts = context.split(".")
    if parts[0] == "resource" and len(parts) >= 3:
        return ".".join(parts[1:3])
    if parts[0] == "data" and len(parts) >= 3:
        return ".".join(parts[:3])
    if parts[0] in ("output", "variable", "provider", "locals", "module") and len(parts) >= 2:
        return ".".join(parts[:2])
    return context


def findings(account: str, report: dict[str, Any]) -> list[Finding]:
    out = []
    for d in report.get("diagnostics", []):
        if d.get("summary") == OVERRIDE_WARNING:
            continue
        start = d.get("range", {}).get("start", {})
        filename = d.get("range", {}).get("filename", "cdk.tf.json")
        location = f"stacks/{account}/{filename}:{start.get('line', 0)}:{start.get('column', 0)}"
        out.append(
            Finding(
                account,
                d.get("severity", "error"),
                address(d.get("snippet", {}).get("context") or ""),
                d.get("summary", ""),
                " ".join(d.get("detail", "").split()),
                location,
            )
        )
    return out


def validate_stack(binary: str, env: dict[str, str], account: str, stack: Path) -> StackResult:
    started = time.monotonic()
    cmd = [binary, f"-chdir={stack}", "validate", "-json", "-no-color"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TerraformError(f"{account}: cannot run {binary} validate: {exc}") from None
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        raise TerraformError(
            f"{account}: `terraform validate -json` printed no JSON (exit {proc.returncode}): "
            f"{proc.stderr.strip()[:500]}"
        ) from None
    return StackResult(account, tuple(findings(account, report)), time.monotonic() - started)


def plan_stack(binary: str, env: dict[str, str], account: str, stack: Path, work: Path) -> StackResult:
    """`terraform plan` of a copy of the stack on an empty local state: what would be created, imported, in order."""
    started = time.monotonic()
    config = json.loads((stack / "cdk.tf.json").read_text(encoding="utf-8"))
    for key in ("backend", "cloud"):  # an empty local state instead: a plan from scratch, no backend to reach
        config.get("terraform", {}).pop(key, None)
    copy = work / "plan" / account
    copy.mkdir(parents=True)
    # Same layout as cdktf's (two-space indent, same key order): locations up to the terraform block match the original.
    (copy / "cdk.tf.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    cmd = [binary, f"-chdir={copy}", "plan", "-json", "-input=false", "-lock=false", "-no-color", "-out=tfplan"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=1200)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TerraformError(f"{account}: cannot run {binary} plan: {exc}") from None
    diagnostics, changes = [], None
    for line in proc.stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("type") == "diagnostic":
            diagnostics.append(message["diagnostic"])
        elif message.get("type") == "change_summary":
            changes = {k: v for k, v in message["changes"].items() if k != "operation"}
    if changes is None and not diagnostics:
        raise TerraformError(
            f"{account}: `terraform plan -json` reported nothing (exit {proc.returncode}): {proc.stderr.strip()[:500]}"
        )
    levels: list[list[str]] = []
    if proc.returncode == 0:
        shown = subprocess.run(
            [binary, f"-chdir={copy}", "show", "-json", "tfplan"], capture_output=True, text=True, env=env, check=False
        )
        if shown.returncode == 0:
            levels = creation_levels(json.loads(shown.stdout))
    return StackResult(
        account,
        tuple(findings(account, {"diagnostics": diagnostics})),
        time.monotonic() - started,
        changes,
        tuple(tuple(level) for level in levels),
    )


def _references(expressions: Any) -> Iterator[str]:
    """Every reference in a resource's expressions (nested blocks are lists of expression maps)."""
    if isinstance(expressions, dict):
        yield from expressions.get("references", [])
        for key, value in expressions.items():
            if key != "references":
                yield from _references(value)
    elif isinstance(expressions, list):
        for item in expressions:
            yield from _references(item)


def creation_levels(shown: dict[str, Any]) -> list[list[str]]:
    """Resources the plan creates, grouped by dependency level: level n needs only resources of lower levels.

    Terraform creates each level's resources in parallel once the level before is done; a cycle is an
    error Terraform reports during the plan, so the graph here has none.
    """
    created = {c["address"] for c in shown.get("resource_changes", []) if "create" in c["change"]["actions"]}
    needs: dict[str, set[str]] = {}
    for resource in shown.get("configuration", {}).get("root_module", {}).get("resources", []):
        if resource["address"] in created:
            refs = set(_references(resource.get("expressions", {}))) | set(resource.get("depends_on", []))
            needs[resource["address"]] = {r for r in refs if r in created and r != resource["address"]}
    levels: list[list[str]] = []
    done: set[str] = set()
    while len(done) < len(needs):
        level = sorted(a for a, deps in needs.items() if a not in done and deps <= done)
        if not level:  # unreachable after a successful plan; never loop forever on a surprise
            levels.append(sorted(set(needs) - done))
            break
        levels.append(level)
        done.update(level)
    return levels


def validate_stacks(binary: str, out: Path, accounts: list[str], *, plan: bool = False) -> list[StackResult]:
    """Validate (or, with plan, plan on an empty state) each account's stack; results in the order of accounts."""
    with tempfile.TemporaryDirectory(prefix="mlops-tf-validate-") as work:
        try:
            offline_provider.cached_schema(
                offline_provider.cache_dir()
            )  # built once per bindings version; its failure says why
        except (KeyError, ValueError, FileNotFoundError) as exc:  # bindings whose generated code reads differently
            raise TerraformError(
                f"cannot build the offline hashicorp/aws schema from the installed provider bindings: {exc}"
            ) from None
        with offline_provider.terraform_env(Path(work)) as env:
            if plan:
                run = lambda a: plan_stack(binary, env, a, stack_dir(out, a), Path(work))  # noqa: E731
            else:
                run = lambda a: validate_stack(binary, env, a, stack_dir(out, a))  # noqa: E731
            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                return list(pool.map(run, accounts))
