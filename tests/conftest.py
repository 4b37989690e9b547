"""Shared fixtures: the example configuration, copies of it to break, and one session-wide synthesis."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config"
CONFIG_GLOBS = ("landing-zone.yaml", "accounts.lock.yaml", "accounts/*.yaml", "scripts/*.py")


def copy_example(dest: Path) -> Path:
    """Copy the example landing zone (its YAML and the Glue scripts it names, not the config package) into
    dest/config."""
    target = dest / "config"
    for pattern in CONFIG_GLOBS:
        for src in EXAMPLE.glob(pattern):
            out = target / src.relative_to(EXAMPLE)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, out)
    return target


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A private copy of the example configuration to edit."""
    return copy_example(tmp_path)


class Stacks(dict):
    """Parsed cdk.tf.json of every synthesized stack, by account name, with lookup helpers."""

    def resources(self, account: str, rtype: str) -> dict[str, Any]:
        return self[account].get("resource", {}).get(rtype, {})

    def resource(self, account: str, rtype: str, name: str | None = None) -> dict[str, Any]:
        found = self.resources(account, rtype)
        if name is None:
            assert len(found) == 1, f"expected one {rtype} in {account}, found {sorted(found)}"
            return next(iter(found.values()))
        return found[name]

    def data(self, account: str, dtype: str) -> dict[str, Any]:
        return self[account].get("data", {}).get(dtype, {})


def read_stacks(out: Path) -> Stacks:
    stacks = Stacks()
    for path in sorted((out / "stacks").glob("*/cdk.tf.json")):
        stacks[path.parent.name] = json.loads(path.read_text())
    return stacks


@pytest.fixture(scope="session")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One synthesis of the example landing zone for the whole session (the provider loads once)."""
    from accounts.app import synthesize
    from config import load, resolve

    base = tmp_path_factory.mktemp("example")
    out = base / "cdktf.out"
    synthesize(resolve(load(EXAMPLE)), None, out, state_dir=base / "terraform-state")
    return out


@pytest.fixture(scope="session")
def stacks(example_out: Path) -> Stacks:
    return read_stacks(example_out)


@pytest.fixture(scope="session")
def resolved_example():
    from config import load, resolve

    return resolve(load(EXAMPLE))


def policy(value: str) -> dict[str, Any]:
    """Parse a policy document string from synthesized JSON."""
    return json.loads(value)


def statements(value: str) -> list[dict[str, Any]]:
    doc = policy(value)
    stmts = doc["Statement"]
    return stmts if isinstance(stmts, list) else [stmts]
