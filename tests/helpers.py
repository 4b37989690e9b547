"""Helpers for tests that break the example configuration one fault at a time."""

from __future__ import annotations

from pathlib import Path

import yaml

# The example's state backend (s3: a deployment pipeline exists, and local state is refused then).
EXAMPLE_BACKEND = "state_backend:\n  type: s3\n  bucket: acme-ml-tfstate\n  region: eu-west-1"


def edit_yaml(path: Path, mutate) -> None:
    """Load a YAML file, let mutate(data) change it, write it back (block style, keys in order)."""
    data = yaml.safe_load(path.read_text()) or {}
    mutate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def replace_text(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of old, so the test knows which line it broke."""
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new))


def enroll_existing_accounts(root: Path, foundational_ou: str = "Security") -> list[str]:
    """Under Control Tower every existing account outside the foundational OU names its root email (Account Factory
    enrolls it by that address): add `email: aws+<name>@acme.example` below its account_id. Returns their names."""
    names = []
    for path in sorted((root / "accounts").glob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        if data.get("kind") == "management" or not data.get("account_id") or "email" in data:
            continue
        if str(data.get("ou", foundational_ou)).split("/")[0] == foundational_ou:
            continue
        line = next(x for x in path.read_text().splitlines() if x.startswith("account_id:"))
        replace_text(path, line + "\n", f"{line}\nemail: aws+{data['name']}@acme.example\n")
        names.append(data["name"])
    return names


def line_of(path: Path, needle: str) -> int:
    """1-based line number of the first line containing needle."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def config_errors(root: Path) -> list:
    """The diagnostics that loading the configuration under root raises (it must raise)."""
    import pytest

    from config import ConfigError, load

    with pytest.raises(ConfigError) as info:
        load(root)
    return info.value.diagnostics


def error_on(diagnostics: list, field: str):
    """The one diagnostic about field; fails listing every diagnostic otherwise."""
    found = [d for d in diagnostics if d.field == field]
    assert len(found) == 1, f"expected one error on {field}, got:\n" + "\n".join(map(str, diagnostics))
    return found[0]
