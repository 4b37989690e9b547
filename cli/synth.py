"""mlops-tf synth: write Terraform JSON for all or some accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accounts import synth_worker
from config import UsageError

from . import synth_cache
from .common import (
    DEFAULT_CONFIG,
    DEFAULT_OUT,
    DEFAULT_STATE_DIR,
    AccountsOption,
    ConfigOption,
    OutOption,
    handle_errors,
    load_resolved,
    select_accounts,
)

StateDirOption = Annotated[
    Path,
    typer.Option("--state-dir", help="Where local-backend state files live (outside --out, which synth replaces)."),
]


NoCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache", help="Synthesize even when the configuration and code are unchanged since the last synth."
    ),
]


def run_synth(
    config: Path, names: list[str] | None, out: Path, state_dir: Path, *, use_cache: bool = True
) -> synth_cache.SynthResult:
    """Load, resolve and synthesize; imports cdktf only here, and not at all when the cache answers."""
    check_output_folder(out)
    code = synth_cache.code_fingerprint()
    key = synth_cache.cache_key(config, names, out, state_dir, code=code)
    if use_cache:
        cached = synth_cache.lookup(out, key)
        if cached is not None:
            return cached
    # Node starts now on a second thread and loads cdktf and the provider while Python loads the
    # configuration and imports the stacks' code.
    # lazy: jsii and cdktf load on synth paths only (--help, validate and a cache hit never get here)
    from modules.aws import preload

    preload()
    resolved = load_resolved(config)
    targets = synth_worker.selected_accounts(resolved, select_accounts(resolved, names))
    keys = synth_cache.StackKeys(resolved, out, state_dir, code=code)
    previous = synth_cache.previous_stacks(out)
    # Incremental: stacks whose inputs (what they read) are unchanged are kept byte for byte.
    kept = synth_cache.unchanged_stacks(out, keys, targets) if use_cache else {}
    build = [n for n in targets if n not in kept]
    stale = out.is_dir() and {p.name for p in (out / "stacks").glob("*")} - set(resolved.accounts)
    if not build and not stale:
        synth_cache.store(out, key, targets, synth_cache.stack_records(previous, keys, {}, {}, kept, resolved.order))
        return synth_cache.SynthResult(targets, cached=False, rebuilt=[])
    # A large landing zone's second process starts first, so it loads while this one loads cdktf.
    worker = synth_worker.start(resolved, build, out, state_dir)
    try:
        # The binding submodules these stacks used last time, imported while Node is still loading
        # (--no-cache takes nothing from the last synthesis: the stacks are built as on a fresh machine).
        ours = [n for n in build if worker is None or n not in worker.names]
        preload(synth_cache.bindings_of(previous, ours) if use_cache else [])
        # lazy: cdktf and the AWS provider bindings load on synth paths only (validate, --help, a cache hit stay fast)
        from accounts.app import synthesize
    except BaseException:
        if worker is not None:
            worker.stop()
        raise
    reads: dict[str, list[str]] = {}
    bindings: dict[str, list[str]] = {}
    synthesize(resolved, build, out, state_dir=state_dir, worker=worker, reads=reads, bindings=bindings)
    records = synth_cache.stack_records(previous, keys, reads, bindings, kept, resolved.order)
    synth_cache.store(out, key, targets, records)
    return synth_cache.SynthResult(targets, cached=False, rebuilt=build)


def check_output_folder(out: Path) -> None:
    """Refuse an --out that synth did not write: synth replaces the whole folder, so a file or a
    folder of other things (`--out .`, `--out config`) would be deleted."""
    if not out.exists():
        return
    if not out.is_dir():
        raise UsageError(f"--out {out} is a file; synth writes a folder there: choose a new or empty folder")
    if any(out.iterdir()) and not ((out / "manifest.json").is_file() or (out / "stacks").is_dir()):
        raise UsageError(
            f"--out {out} is a folder that synth did not write (no manifest.json or stacks/); synth replaces "
            "the whole folder, so choose a new or empty folder (default: cdktf.out)"
        )


@handle_errors
def synth(
    account: AccountsOption = None,
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    no_cache: NoCacheOption = False,
) -> None:
    """Synthesize Terraform JSON: <out>/stacks/<account>/cdk.tf.json for each account.

    Deterministic (same configuration, byte-identical JSON) and atomic (a failure leaves the
    previous output as it was). Stacks of accounts no longer configured are removed. When neither
    the configuration nor mlops-tf changed since the last synth into --out, the stacks are kept as
    they are without starting cdktf. Otherwise only the stacks whose inputs changed (their own
    account, or what they read of other accounts and the landing zone) are synthesized again; the
    others are kept byte for byte (--no-cache synthesizes every stack).

    Example: mlops-tf synth --account staging --account production
    """
    written = run_synth(config, account, out, state_dir, use_cache=not no_cache)
    if written.cached or not written.rebuilt:
        typer.echo(
            f"up to date: {len(written)} stack(s) in {out / 'stacks'} (inputs unchanged; --no-cache to "
            f"force): {', '.join(written)}"
        )
    else:
        kept = [n for n in written if n not in written.rebuilt]
        note = f"; {len(kept)} unchanged, kept as they were: {', '.join(kept)}" if kept else ""
        typer.echo(
            f"synthesized {len(written.rebuilt)} stack(s) into {out / 'stacks'}: {', '.join(written.rebuilt)}{note}"
        )
