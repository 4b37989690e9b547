"""What every command shares: options, loading the configuration, and turning errors into exit codes."""

from __future__ import annotations

import difflib
import functools
import json
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from config import ConfigError, MlopsError, Resolved, UsageError, load, resolve
from modules import jsii_transport

F = TypeVar("F", bound=Callable[..., Any])

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", help="Folder with landing-zone.yaml and accounts/*.yaml.", show_default=True),
]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Folder for the synthesized stacks.", show_default=True)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AccountsOption = Annotated[
    list[str] | None,
    typer.Option("--account", "-a", help="Account name (repeat for several). Default: every account."),
]

DEFAULT_CONFIG = Path("config")
DEFAULT_OUT = Path("cdktf.out")
DEFAULT_STATE_DIR = Path("terraform-state")


class Settings:
    """Process-wide flags set by the top-level callback."""

    debug = False


def err(message: str) -> None:
    """Print to standard error (the only place besides stdout data that mlops-tf writes to)."""
    print(message, file=sys.stderr)


def handle_errors(func: F) -> F:
    """Map mlops-tf errors to their exit codes and print them without a traceback (unless --debug)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MlopsError as exc:
            if Settings.debug:
                traceback.print_exc()
            err(_format_error(exc))
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except jsii_transport.KernelExited as exc:  # Node killed or out of memory: not a bug in mlops-tf
            if Settings.debug:
                traceback.print_exc()
            err(f"mlops-tf: {exc}")
            raise typer.Exit(1) from None
        except OSError as exc:  # a path the user gave that cannot be read or written: not a bug
            if Settings.debug:
                traceback.print_exc()
            where = f"{exc.filename}: " if exc.filename else ""
            err(f"mlops-tf: {where}{exc.strerror or exc}")
            raise typer.Exit(UsageError.exit_code) from None
        except Exception as exc:  # a bug in mlops-tf: say so plainly, traceback only on request
            if Settings.debug:
                traceback.print_exc()
            err(f"mlops-tf: internal error: {type(exc).__name__}: {exc}")
            err("Run again with --debug for the traceback, and please report it.")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _format_error(exc: MlopsError) -> str:
    if isinstance(exc, ConfigError):
        count = len(exc.diagnostics)
        plural = "s" if count != 1 else ""
        return f"{exc}\nmlops-tf: {count} configuration error{plural}"
    return f"mlops-tf: {exc}"


def load_resolved(config_dir: Path) -> Resolved:
    return resolve(load(config_dir))


def select_accounts(resolved: Resolved, names: Iterable[str] | None) -> list[str] | None:
    """Validate --account names; None means all. Unknown names are usage errors with a hint."""
    if not names:
        return None
    chosen = []
    for name in names:
        if name not in resolved.accounts:
            hint = difflib.get_close_matches(name, list(resolved.accounts), n=1)
            suffix = f"; did you mean {hint[0]!r}?" if hint else ""
            raise UsageError(f"unknown account {name!r}{suffix} (accounts: {', '.join(resolved.order)})")
        if name not in chosen:
            chosen.append(name)
    return chosen


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True))
