"""mlops-tf validate: check the whole configuration, offline, without starting Node."""
from __future__ import annotations

import typer

from .common import DEFAULT_CONFIG, ConfigOption, handle_errors, load_resolved


@handle_errors
def validate(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Validate landing-zone.yaml and every account file; print every error, compiler style.

    Exit 0 when valid, 1 when not. Never imports cdktf: it answers in well under a second.

    Example: mlops-tf validate --config config
    """
    resolved = load_resolved(config)
    typer.echo(f"{config}: valid landing zone {resolved.prefix!r}: {len(resolved.accounts)} accounts, apply order {' -> '.join(resolved.order)}")
