"""mlops-tf schema: the JSON Schemas of the configuration files, for editors and for review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from config.json_schema import SCHEMA_FILES, json_schemas, schema_text

from .common import handle_errors, print_json


@handle_errors
def schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Folder to write landing-zone.schema.json and account.schema.json into."),
    ] = None,
    file: Annotated[
        Literal["landing-zone", "account"] | None, typer.Option("--file", help="Print only this file's schema.")
    ] = None,
) -> None:
    """Print (or write) the JSON Schema of landing-zone.yaml and of the account files.

    Every field carries its description, default and limits. Editors with the YAML language
    server validate and complete a file whose first line is
    `# yaml-language-server: $schema=<path to the schema>` (mlops-tf init writes that line).

    Example: mlops-tf schema --output config/schemas
    """
    schemas = json_schemas()
    if output is None:
        print_json(schemas[file] if file else schemas)
        return
    output.mkdir(parents=True, exist_ok=True)
    for key, value in schemas.items():
        if file in (None, key):
            path = output / SCHEMA_FILES[key]
            path.write_text(schema_text(value), encoding="utf-8")
            typer.echo(f"wrote {path}")
