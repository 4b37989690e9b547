"""mlops-tf schema: JSON Schemas with every field's description, default and limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.app import app
from config.json_schema import json_schemas

runner = CliRunner()


def _properties(schema: dict[str, Any]):
    """(where, name, property schema) of every property of every object in the schema and its $defs."""
    nodes = [("root", schema)] + [(name, d) for name, d in schema.get("$defs", {}).items()]
    for where, node in nodes:
        for name, prop in node.get("properties", {}).items():
            yield where, name, prop


def test_every_field_has_a_description():
    missing = [
        f"{key}:{where}.{name}"
        for key, schema in json_schemas().items()
        for where, name, prop in _properties(schema)
        if not prop.get("description")
    ]
    assert missing == []


def test_defaults_and_limits_are_in_the_schema():
    schemas = json_schemas()
    lz, account = schemas["landing-zone"], schemas["account"]
    assert lz["additionalProperties"] is False
    assert lz["required"] == ["prefix", "home_region", "allowed_regions", "management_account_id", "organization"]
    assert "eu-west-1" in lz["properties"]["home_region"]["enum"]
    assert lz["properties"]["prefix"]["maxLength"] == 32
    defs = account["$defs"]
    serverless = defs["ServerlessCompute"]["properties"]
    assert serverless["max_concurrency"] == {
        **serverless["max_concurrency"],
        "minimum": 1,
        "maximum": 200,
        "default": 20,
    }
    assert serverless["memory_mb"]["enum"] == [1024, 2048, 3072, 4096, 5120, 6144]
    assert lz["$defs"]["Budget"]["properties"]["threshold_percent"]["maximum"] == 1000
    assert account["discriminator"]["propertyName"] == "kind"
    assert set(account["discriminator"]["mapping"]) == {
        "management",
        "security",
        "data",
        "shared-services",
        "data-science",
        "ml-execution",
        "staging",
        "production",
    }


def test_schema_command_prints_and_writes(tmp_path: Path):
    result = runner.invoke(app, ["schema", "--file", "landing-zone"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "LandingZone"
    result = runner.invoke(app, ["schema", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "account.schema.json").read_text())
    assert written == json_schemas()["account"]
    assert (tmp_path / "landing-zone.schema.json").read_text().endswith("}\n")
