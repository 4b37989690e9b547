"""The output contract: deterministic, atomic, stale stacks removed, backends and provider source."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import accounts
import accounts.app as app_module
from accounts.app import synthesize
from config import load, resolve
from tests.conftest import EXAMPLE, ROOT, read_stacks
from tests.helpers import EXAMPLE_BACKEND, replace_text


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_stack_has_fully_qualified_provider_and_deploy_role(stacks, resolved_example):
    assert list(stacks) == sorted(resolved_example.accounts)
    for name, stack in stacks.items():
        assert stack["terraform"]["required_providers"]["aws"]["source"] == "hashicorp/aws"
        # import blocks with expression ids (1.6) and the s3 backend's use_lockfile (1.10)
        assert stack["terraform"]["required_version"] == ">= 1.10"
        provider = stack["provider"]["aws"][0]
        if name == "management":  # no deploy role by default: the caller's management credentials
            assert "assume_role" not in provider and resolved_example.deploy_role_arn(name) is None
        else:
            assert provider["assume_role"] == [
                {"role_arn": resolved_example.deploy_role_arn(name), "session_name": "mlops-tf"}
            ]
        assert provider["region"] == resolved_example.accounts[name].region
        tags = provider["default_tags"][0]["tags"]
        assert tags["cost-center"] == "ml-platform" and tags["mlops-tf:account"] == name


def test_example_backend_is_s3_with_a_key_per_account(stacks):
    assert stacks["staging"]["terraform"]["backend"] == {
        "s3": {
            "bucket": "acme-ml-tfstate",
            "key": "acme-ml/staging/terraform.tfstate",
            "region": "eu-west-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }


def test_local_backend_keeps_state_outside_output(tmp_path):
    """Local state (a landing zone without a deployment pipeline: the bad-input corpus's base)."""
    base = Path(__file__).parent / "bad_input" / "_base" / "config"
    synthesize(resolve(load(base)), None, tmp_path / "cdktf.out", state_dir=tmp_path / "terraform-state")
    stack = json.loads((tmp_path / "cdktf.out" / "stacks" / "security" / "cdk.tf.json").read_text())
    assert stack["terraform"]["backend"] == {"local": {"path": "../../../terraform-state/security.tfstate"}}


def test_manifest_lists_stacks_in_apply_order(example_out, resolved_example):
    manifest = json.loads((example_out / "manifest.json").read_text())
    assert list(manifest["stacks"]) == list(resolved_example.order)


def test_deterministic(example_out, tmp_path):
    synthesize(resolve(load(EXAMPLE)), None, tmp_path / "cdktf.out", state_dir=tmp_path / "terraform-state")
    assert tree(tmp_path / "cdktf.out") == tree(example_out)


def test_failure_midway_leaves_previous_output(example_out, tmp_path, monkeypatch):
    import shutil

    out = tmp_path / "cdktf.out"
    shutil.copytree(example_out, out)
    before = tree(out)

    def broken(stack):
        raise RuntimeError("boom in the staging stack")

    real = accounts.builder_for
    monkeypatch.setattr(app_module, "builder_for", lambda kind: broken if kind == "staging" else real(kind))
    with pytest.raises(RuntimeError, match="boom"):
        synthesize(resolve(load(EXAMPLE)), None, out, state_dir=tmp_path / "state")
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["cdktf.out"]  # no half-written staging folder left


def test_failure_after_writing_leaves_previous_output(example_out, tmp_path, monkeypatch):
    import shutil

    out = tmp_path / "cdktf.out"
    shutil.copytree(example_out, out)
    before = tree(out)
    monkeypatch.setattr(app_module, "_normalize_manifest", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        synthesize(resolve(load(EXAMPLE)), ["staging"], out, state_dir=tmp_path / "state")
    assert tree(out) == before


def test_stale_stacks_removed_and_unselected_kept(example_out, tmp_path, config_copy):
    import shutil

    out = tmp_path / "cdktf.out"
    shutil.copytree(example_out, out)
    (out / "stacks" / "production" / ".terraform").mkdir()
    (out / "stacks" / "production" / ".terraform" / "marker").write_text("providers")
    (config_copy / "accounts" / "staging.yaml").unlink()
    synthesize(resolve(load(config_copy)), ["production"], out, state_dir=tmp_path / "state")
    names = sorted(p.name for p in (out / "stacks").iterdir())
    assert "staging" not in names and "production" in names and "data" in names
    assert (out / "stacks" / "data" / "cdk.tf.json").read_bytes() == (
        example_out / "stacks" / "data" / "cdk.tf.json"
    ).read_bytes()
    assert (out / "stacks" / "production" / ".terraform" / "marker").read_text() == "providers"
    assert "staging" not in json.loads((out / "manifest.json").read_text())["stacks"]


def _synth_backend(config_copy: Path, tmp_path: Path, backend: str) -> dict:
    replace_text(config_copy / "landing-zone.yaml", EXAMPLE_BACKEND, backend)
    synthesize(resolve(load(config_copy)), ["management", "staging"], tmp_path / "out", state_dir=tmp_path / "state")
    return read_stacks(tmp_path / "out")


def test_s3_backend(config_copy, tmp_path):
    stacks = _synth_backend(
        config_copy, tmp_path, "state_backend:\n  type: s3\n  bucket: acme-tf-state\n  region: eu-west-1"
    )
    s3 = stacks["staging"]["terraform"]["backend"]["s3"]
    assert s3 == {
        "bucket": "acme-tf-state",
        "key": "acme-ml/staging/terraform.tfstate",
        "region": "eu-west-1",
        "encrypt": True,
        "use_lockfile": True,
    }
    assert stacks["management"]["terraform"]["backend"]["s3"]["key"] == "acme-ml/management/terraform.tfstate"


def test_cloud_backend(config_copy, tmp_path):
    stacks = _synth_backend(
        config_copy, tmp_path, "state_backend:\n  type: cloud\n  organization: acme\n  project: ml-platform"
    )
    cloud = stacks["staging"]["terraform"]["cloud"]
    assert cloud["organization"] == "acme" and cloud["hostname"] == "app.terraform.io"
    assert cloud["workspaces"] == {"name": "acme-ml-staging", "project": "ml-platform"}
    assert "backend" not in stacks["staging"]["terraform"]


@pytest.mark.slow
def test_two_process_synthesis_writes_the_same_output(example_out, tmp_path, monkeypatch):
    """Large landing zones split their stacks over two processes; the bytes must not change."""
    from accounts import synth_worker

    monkeypatch.setattr(synth_worker, "PARALLEL_MIN_STACKS", 2)
    here, there = synth_worker.split_for_workers(list(resolve(load(EXAMPLE)).order))
    assert there and set(here).isdisjoint(there)
    bindings: dict[str, list[str]] = {}
    resolved = resolve(load(EXAMPLE))
    synthesize(resolved, None, tmp_path / "cdktf.out", state_dir=tmp_path / "terraform-state", bindings=bindings)
    assert tree(tmp_path / "cdktf.out") == tree(example_out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no worker folder left
    # Both processes report the binding submodules each stack used (the next synthesis preloads them).
    assert sorted(bindings) == sorted(resolved.order)
    assert all("provider" in used for used in bindings.values()) and "organizations_account" in bindings["management"]


def test_a_failed_first_process_stops_the_second(example_out, tmp_path, monkeypatch):
    import shutil

    from accounts import synth_worker

    monkeypatch.setattr(synth_worker, "PARALLEL_MIN_STACKS", 2)
    out = tmp_path / "cdktf.out"
    shutil.copytree(example_out, out)
    before = tree(out)
    started = []
    real_start = synth_worker.start
    monkeypatch.setattr(synth_worker, "start", lambda *a, **k: started.append(real_start(*a, **k)) or started[-1])
    monkeypatch.setattr(app_module, "build_app", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        synthesize(resolve(load(EXAMPLE)), None, out, state_dir=tmp_path / "state")
    assert started and started[0].process.returncode is not None
    assert tree(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out"]


def test_binding_type_checks_are_skipped_outside_debug_only(monkeypatch):
    """The bindings' typeguard checks are skipped as under `python -O`; their type hints are cached."""
    import sys

    from modules.aws import _skip_type_check, aws

    assert aws.s3_bucket is not None  # imported through modules.aws
    private = sys.modules["cdktf_cdktf_provider_aws.s3_bucket"]._private
    assert private.check_type is _skip_type_check
    assert private.typing.get_type_hints is not __import__("typing").get_type_hints


@pytest.mark.slow
def test_synth_needs_no_terraform_binary(example_out, tmp_path):
    """cdktf would run `terraform version` for each import block (accounts/synth_app.py): not found = synth failed."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("node", "sh"):
        (tools / tool).symlink_to(shutil.which(tool))
    assert shutil.which("terraform", path=str(tools)) is None
    out = tmp_path / "cdktf.out"
    command = ["synth", "--account", "management", "--config", str(EXAMPLE), "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "cli", *command, "--state-dir", str(tmp_path / "state")],
        cwd=ROOT,
        env={**os.environ, "PATH": str(tools), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    written = (out / "stacks" / "management" / "cdk.tf.json").read_bytes()
    assert json.loads(written)["import"], "the management stack adopts resources with import blocks"
    assert written == (example_out / "stacks" / "management" / "cdk.tf.json").read_bytes()
