"""Incremental synth: only stacks whose inputs changed are synthesized again; the result equals a full synth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accounts.reads import EVERY_ACCOUNT, fingerprint, recording
from cli import synth_cache
from cli.app import app
from config import load, resolve
from tests.conftest import ROOT
from tests.helpers import replace_text


def _snapshot(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != synth_cache.CACHE_FILE
    }


def _stack(files: dict[str, bytes], name: str) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if k.startswith(f"stacks/{name}/")}


def test_recording_view_notes_fields_methods_and_whole_landing_zone_reads(config_copy: Path) -> None:
    resolved = resolve(load(config_copy))
    view, reads = recording(resolved)
    assert view.accounts["ds-dev"].name == "ds-dev" and view.accounts["data"].kind == "data"
    assert reads.as_list() == []  # names and kinds are in every key
    assert view.account_id("ds-dev") == resolved.account_id("ds-dev")
    assert view.config.accounts["data"].data.buckets == resolved.config.accounts["data"].data.buckets
    assert view.accounts["staging"].config.inference == resolved.accounts["staging"].config.inference
    assert reads.as_list() == ["data:config.data", "ds-dev:account_id", "staging:config.inference"]
    view.accounts["production"].config.model_dump()  # a method: the whole account
    assert "production" in reads.as_list()
    assert isinstance(view.accounts["data"], type(resolved.accounts["data"]))
    _ = view.flows  # reading the flows is the access under test
    assert reads.as_list() == [EVERY_ACCOUNT]

    before = {
        item: fingerprint(resolved, item)
        for item in ("ds-dev", "ds-dev:tags", "ds-dev:config.data_science", "ds-dev:account_id")
    }
    replace_text(config_copy / "accounts" / "ds-dev.yaml", "owner: data-science-team", "owner: ds-platform")
    after = {item: fingerprint(resolve(load(config_copy)), item) for item in before}
    assert [item for item in before if before[item] != after[item]] == ["ds-dev", "ds-dev:tags"]


@pytest.mark.slow
def test_incremental_synth_rebuilds_only_what_changed_and_equals_a_full_synth(
    tmp_path: Path, config_copy: Path
) -> None:
    out = tmp_path / "out"
    args = ["synth", "--config", str(config_copy), "--out", str(out), "--state-dir", str(tmp_path / "state")]
    runner = CliRunner()
    assert runner.invoke(app, args).exit_code == 0
    before = _snapshot(out)

    # A comment changes no input of any stack: nothing is synthesized.
    ds_dev = config_copy / "accounts" / "ds-dev.yaml"
    ds_dev.write_text(ds_dev.read_text() + "# reviewed\n")
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and result.output.startswith("up to date: 8 stack(s)"), result.output
    assert _snapshot(out) == before

    # ds-dev's tags (read by the management stack, which creates the account) and a user profile
    # (its data_science section, read by the data and shared-services stacks for their grants).
    replace_text(ds_dev, "owner: data-science-team", "owner: ds-platform")
    replace_text(
        ds_dev,
        "- {name: bob, persona: mlops-engineer}",
        "- {name: bob, persona: mlops-engineer}\n    - {name: carol, persona: data-scientist}",
    )
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("synthesized 4 stack(s) into"), result.output
    assert (
        "management, data, shared-services, ds-dev; 4 unchanged, kept as they were: security, ml-exec, staging, "
        "production" in result.output
    )
    incremental = _snapshot(out)
    for kept in ("security", "ml-exec", "staging", "production"):
        assert _stack(incremental, kept) == _stack(before, kept)
    for changed in ("management", "ds-dev"):
        assert _stack(incremental, changed) != _stack(before, changed)
    management = json.loads(incremental["stacks/management/cdk.tf.json"])
    assert any(
        a.get("tags", {}).get("owner") == "ds-platform"
        for a in management["resource"]["aws_organizations_account"].values()
    )

    full = runner.invoke(app, [*args, "--no-cache"])
    assert full.exit_code == 0 and full.output.startswith("synthesized 8 stack(s)"), full.output
    assert _snapshot(out) == incremental  # byte for byte what a full synth writes

    # The same from a fresh process, as users run it: there Node starts on a second thread and requires the
    # provider's modules on demand (modules/aws.load_in_background, modules/provider_index.py).
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "MLOPS_TF_PLAIN_IMPORT")}
    fresh = subprocess.run(
        [sys.executable, "-m", "cli", *args, "--no-cache"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert fresh.returncode == 0 and fresh.stdout.startswith("synthesized 8 stack(s)"), fresh.stderr
    assert _snapshot(out) == incremental

    # And incrementally from a fresh process: it imports the binding submodules the cache recorded for the
    # two stacks while Node loads (cli/synth.py); the bytes are still those of a full synth.
    record = json.loads((out / ".mlops-tf-cache.json").read_text())
    assert {"provider", "organizations_account"} <= set(record["stacks"]["management"]["bindings"])
    replace_text(ds_dev, "owner: ds-platform", "owner: ds-platform-2")
    fresh = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert fresh.returncode == 0 and fresh.stdout.startswith("synthesized 2 stack(s)"), fresh.stdout + fresh.stderr
    incremental = _snapshot(out)
    full = runner.invoke(app, [*args, "--no-cache"])
    assert full.exit_code == 0, full.output
    assert _snapshot(out) == incremental
