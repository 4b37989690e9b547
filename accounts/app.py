"""Build the cdktf App for some or all accounts and write cdktf.out atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from config import Resolved
from modules.aws import aws, preload

from . import builder_for, common_builders, synth_worker
from .base import AccountStack
from .reads import Reads, recording
from .synth_app import new_app, synth

# Files Terraform leaves in a stack folder that a new synth must keep (providers, lock, saved plans).
TERRAFORM_LEFTOVERS = (".terraform", ".terraform.lock.hcl", "plans")


def build_app(
    resolved: Resolved,
    names: Sequence[str],
    *,
    outdir: Path,
    stack_root: Path,
    state_dir: Path,
    reads: dict[str, Reads] | None = None,
) -> App:
    """An App holding the stacks of the named accounts. stack_root is where the stacks will finally live.

    Each stack is built from its own recording view of `resolved`; `reads` receives, per stack, the
    accounts it read (what incremental synth keys it on) and the binding submodules it used.
    """
    preload()  # the provider assembly; each binding submodule is imported when a stack first uses it
    app = new_app(str(outdir))
    try:
        for name in names:
            view, record = recording(resolved)
            if reads is not None:
                reads[name] = record
            aws.used = record.bindings
            account = view.accounts[name]
            stack = AccountStack(app, view, account, stack_dir=stack_root / "stacks" / name, state_dir=state_dir)
            for build in common_builders():
                build(stack)
            build_kind = builder_for(account.kind)
            if build_kind is not None:
                build_kind(stack)
    finally:
        aws.used = None
    return app


def synthesize(
    resolved: Resolved,
    names: Sequence[str] | None,
    out: Path,
    *,
    state_dir: Path,
    worker: synth_worker.Worker | None = None,
    reads: dict[str, list[str]] | None = None,
    bindings: dict[str, list[str]] | None = None,
) -> list[str]:
    """Synthesize the named accounts (all when None) into out/stacks/<account>/cdk.tf.json.

    `reads` receives, per synthesized stack, the accounts whose configuration it read (see reads.py), and
    `bindings` the binding submodules it used.

    Atomic: everything is written beside `out` first and swapped in at the end, so a failure leaves
    the previous output as it was. Stacks of accounts no longer configured are removed; stacks of
    configured accounts that were not asked for are kept as they were. Large landing zones share the
    work with a second process (`worker`, started here unless the caller started it earlier).
    """
    out = out.resolve()
    selected = synth_worker.selected_accounts(resolved, list(names) if names is not None else None)
    if worker is None:
        worker = synth_worker.start(resolved, selected, out, state_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        here = [n for n in selected if worker is None or n not in worker.names]
        records: dict[str, Reads] = {}
        synth(build_app(resolved, here, outdir=staging, stack_root=out, state_dir=state_dir.resolve(), reads=records))
        found = {n: r.as_list() for n, r in records.items()}
        used = {n: sorted(r.bindings) for n, r in records.items()}
        if worker is not None:
            theirs, their_bindings = _take_worker_stacks(worker, staging)
            found.update(theirs)
            used.update(their_bindings)
            worker = None
        if reads is not None:
            reads.update(found)
        if bindings is not None:
            bindings.update(used)
        _keep_unselected(out, staging, [n for n in resolved.order if n not in selected])
        for name in resolved.order:
            _carry_terraform_files(out / "stacks" / name, staging / "stacks" / name)
        _normalize_manifest(staging, resolved.order)
        _swap(staging, out)
    except BaseException:
        if worker is not None:
            worker.stop()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return selected


def _take_worker_stacks(worker: synth_worker.Worker, staging: Path) -> tuple[dict, dict]:
    """Wait for the second process and move its stacks (and manifest entries) beside ours; returns its
    stacks' reads and binding submodules."""
    theirs = worker.join()
    ours = _read_manifest(staging)
    for name, entry in theirs.get("stacks", {}).items():
        os.replace(worker.outdir / "stacks" / name, staging / "stacks" / name)
        ours.setdefault("stacks", {})[name] = entry
    _write_manifest(staging, ours)
    record = json.loads((worker.outdir / synth_worker.READS_FILE).read_text(encoding="utf-8"))
    shutil.rmtree(worker.outdir)
    return record["reads"], record["bindings"]


def _keep_unselected(out: Path, staging: Path, names: list[str]) -> None:
    """Copy the previous stacks (and manifest entries) of configured accounts that were not synthesized."""
    old_manifest = _read_manifest(out)
    new_manifest = _read_manifest(staging)
    for name in names:
        old = out / "stacks" / name
        if old.is_dir() and name in old_manifest.get("stacks", {}):
            # Terraform's own files (providers: hundreds of MB) are moved afterwards, not copied.
            shutil.copytree(old, staging / "stacks" / name, symlinks=True, ignore=_top_level(old, TERRAFORM_LEFTOVERS))
            new_manifest.setdefault("stacks", {})[name] = old_manifest["stacks"][name]
    _write_manifest(staging, new_manifest)


def _top_level(root: Path, names: Sequence[str]):
    """A copytree ignore function that skips `names` directly under root only."""
    return lambda folder, _entries: list(names) if Path(folder) == root else []


def _carry_terraform_files(old: Path, new: Path) -> None:
    if not new.is_dir():
        return
    for item in TERRAFORM_LEFTOVERS:
        if (old / item).exists() and not (new / item).exists():
            os.replace(old / item, new / item)


def _normalize_manifest(staging: Path, order: Sequence[str]) -> None:
    """Stacks in apply order, keys sorted: the manifest is as deterministic as the stacks."""
    manifest = _read_manifest(staging)
    stacks = manifest.get("stacks", {})
    manifest["stacks"] = {n: stacks[n] for n in order if n in stacks}
    _write_manifest(staging, manifest)


def _read_manifest(root: Path) -> dict:
    path = root / "manifest.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_manifest(root: Path, manifest: dict) -> None:
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _swap(staging: Path, out: Path) -> None:
    """Replace out by staging with two renames; the old tree is removed only after the new one is in place."""
    backup = None
    if out.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.rmdir(backup)
        os.replace(out, backup)
    try:
        os.replace(staging, out)
    except BaseException:
        if backup is not None:
            os.replace(backup, out)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
