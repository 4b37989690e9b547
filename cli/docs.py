"""mlops-tf docs (hidden): regenerate docs/reference/ from the schema and the commands' --help."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from config import UsageError

from .common import handle_errors
from .reference import pages


def command(app: typer.Typer) -> Callable[..., None]:
    """The docs command of `app`: cli/app.py registers it with the app whose --help it writes (the app imports
    this module, so the module cannot import the app)."""

    @handle_errors
    def docs(
        root: Annotated[Path, typer.Option("--root", help="Repository root that holds docs/.")] = Path("."),
        check: Annotated[bool, typer.Option("--check", help="Only report stale pages (exit 2 when any is).")] = False,
    ) -> None:
        """Write docs/reference/configuration.md and docs/reference/cli.md from the code.

        Example: mlops-tf docs --check
        """
        stale = []
        for relative, text in pages(app).items():
            path = root / relative
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current == text:
                continue
            stale.append(str(path))
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                typer.echo(f"wrote {path}")
        if check and stale:
            raise UsageError(f"stale reference pages: {', '.join(stale)}; run `mlops-tf docs`")
        if not stale:
            typer.echo("reference pages are up to date")

    return docs
