"""JSON Schema of the configuration files, from the pydantic models, for editors and the reference docs."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from .schema import Account, LandingZone

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# File names `mlops-tf schema` writes and the `# yaml-language-server: $schema=` lines of `init` point at.
SCHEMA_FILES = {"landing-zone": "landing-zone.schema.json", "account": "account.schema.json"}


def json_schemas() -> dict[str, dict[str, Any]]:
    """The landing-zone file's and the account files' JSON Schemas (validation mode: what a file may hold)."""
    landing_zone = LandingZone.model_json_schema(mode="validation")
    account = TypeAdapter(Account).json_schema(mode="validation")
    account.setdefault("title", "Account")
    account.setdefault(
        "description", "One file per AWS account, config/accounts/<name>.yaml; `kind` chooses its section."
    )
    out = {}
    for name, schema in (("landing-zone", landing_zone), ("account", account)):
        out[name] = {"$schema": SCHEMA_DIALECT, **schema}
    return out


def schema_text(schema: dict[str, Any]) -> str:
    """Deterministic text of one schema: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
