"""mlops-tf synth: write Terraform JSON for all or some accounts."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    DEFAULT_CONFIG, DEFAULT_OUT, DEFAULT_STATE_DIR, AccountsOption, ConfigOption, OutOption, handle_errors,
    load_resolved, select_accounts,
)

StateDirOption = Annotated[
    Path, typer.Option("--state-dir", help="Where local-backend state files live (outside --out, which synth replaces).")
]


def run_synth(config: Path, names: list[str] | None, out: Path, state_dir: Path) -> list[str]:
    """Load, resolve and synthesize; imports cdktf only here."""
    resolved = load_resolved(config)
    selected = select_accounts(resolved, names)
    from accounts.app import synthesize  # the provider bindings load only on synth paths

    return synthesize(resolved, selected, out, state_dir=state_dir)


@handle_errors
def synth(
    account: AccountsOption = None,
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
) -> None:
    """Synthesize Terraform JSON: <out>/stacks/<account>/cdk.tf.json for each account.

    Deterministic (same configuration, byte-identical JSON) and atomic (a failure leaves the
    previous output as it was). Stacks of accounts no longer configured are removed.

    Example: mlops-tf synth --account staging --account production
    """
    written = run_synth(config, account, out, state_dir)
    typer.echo(f"synthesized {len(written)} stack(s) into {out / 'stacks'}: {', '.join(written)}")
