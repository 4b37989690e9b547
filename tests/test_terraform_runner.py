"""The runner: which binary, and the real Terraform binary for what works offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.terraform import Terraform, find_terraform
from config import TerraformError

REAL_TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"
needs_terraform = pytest.mark.skipif(not Path(REAL_TERRAFORM).is_file(), reason="terraform is not installed")


def _exe(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_binary_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path_dir = tmp_path / "bin"
    tofu = _exe(path_dir, "tofu")
    monkeypatch.setenv("PATH", str(path_dir))
    monkeypatch.delenv("MLOPS_TF_TERRAFORM", raising=False)
    assert find_terraform(None) == str(tofu)  # no terraform on PATH: tofu
    terraform = _exe(path_dir, "terraform")
    assert find_terraform(None) == str(terraform)  # terraform before tofu
    from_env = _exe(tmp_path / "env", "tf-from-env")
    monkeypatch.setenv("MLOPS_TF_TERRAFORM", str(from_env))
    assert find_terraform(None) == str(from_env)  # the environment before PATH
    explicit = _exe(tmp_path / "explicit", "my-terraform")
    assert find_terraform(str(explicit)) == str(explicit)  # --terraform-bin before everything


def test_no_binary_is_a_clear_error_with_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config_copy: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("MLOPS_TF_TERRAFORM", raising=False)
    with pytest.raises(TerraformError, match="neither terraform nor tofu"):
        find_terraform(None)
    result = CliRunner().invoke(
        app, ["plan", "--account", "staging", "--config", str(config_copy), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 3
    assert "neither terraform nor tofu was found on PATH" in result.stderr
    assert "https://developer.hashicorp.com/terraform/install" in result.stderr
    assert not (tmp_path / "out").exists()  # fails before the synth

    monkeypatch.setenv("MLOPS_TF_TERRAFORM", str(tmp_path / "missing"))
    result = CliRunner().invoke(app, ["apply", "--all", "--config", str(config_copy)])
    assert result.exit_code == 3
    assert f"$MLOPS_TF_TERRAFORM {str(tmp_path / 'missing')!r} is not an executable" in result.stderr


@needs_terraform
def test_real_init_fails_offline_with_a_clean_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A synthesized stack with a local backend: init only fails because the AWS provider cannot be installed.

    The example keeps its state in s3 (it has a deployment pipeline); the bad-input corpus's base has no
    pipeline and keeps the local backend, which initializes without a network. Hermetic, online too: the CLI
    configuration installs providers only from an empty filesystem mirror, so Terraform never asks the registry.
    """
    # https://developer.hashicorp.com/terraform/cli/config/config-file#provider-installation
    mirror = tmp_path / "empty-mirror"
    mirror.mkdir()
    cli_config = tmp_path / "mirror-only.tfrc"
    cli_config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(cli_config))
    monkeypatch.delenv("TF_PLUGIN_CACHE_DIR", raising=False)
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")  # no version check call to checkpoint-api.hashicorp.com
    config = tmp_path / "config"
    shutil.copytree(Path(__file__).parent / "bad_input" / "_base" / "config", config)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "plan",
            "--account",
            "security",
            "--config",
            str(config),
            "--out",
            str(out),
            "--state-dir",
            str(tmp_path / "state"),
            "--terraform-bin",
            REAL_TERRAFORM,
        ],
    )
    assert result.exit_code == 3, result.output
    stack = out / "stacks" / "security"
    assert f"mlops-tf: terraform init failed for account 'security' (exit 1) in {stack}" in result.stderr
    assert "Error: Failed to query available provider packages" in result.stderr
    # Terraform's own output (streamed to stdout) names the empty mirror as the only place it searched.
    streamed = " ".join(result.stdout.split())
    assert "registry.terraform.io/hashicorp/aws was not found in any of the search locations" in streamed
    assert f"- {mirror}" in result.stdout
    assert "could not download the AWS provider" in result.stderr
    # Terraform's own output streamed through: the backend was configured, then the provider failed
    assert 'Successfully configured the backend "local"' in result.stdout
    assert 'Finding hashicorp/aws versions matching ">= 6.25.0, < 7.0.0"' in result.stdout
    assert "Traceback" not in result.output
    assert not (stack / "plans" / "tfplan").exists()


@needs_terraform
def test_real_terraform_plans_and_applies_a_provider_free_stack(tmp_path: Path) -> None:
    """The runner's steps against the real binary on a configuration needing no provider download."""
    from cli.plan import plan_account

    stack = tmp_path / "stacks" / "demo"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text('{"resource": {"terraform_data": {"marker": {"input": "v1"}}}}')
    tf = Terraform(REAL_TERRAFORM)
    saved, summary = plan_account(tf, "demo", stack)
    assert (summary.add, summary.change, summary.destroy) == (1, 0, 0)
    assert saved.matches()
    tf.run("demo", stack, "apply", "-input=false", saved.relpath)
    assert (stack / "terraform.tfstate").is_file()
    with pytest.raises(
        TerraformError, match=r"terraform apply failed for account 'demo' \(exit 1\).*Error: Saved plan is stale"
    ):
        tf.run("demo", stack, "apply", "-input=false", saved.relpath)
    (stack / "cdk.tf.json").write_text(
        '{"resource": {"terraform_data": {"marker": {"input": "v1"}}}, "output": {"x": {"value": 1}}}'
    )
    assert not saved.matches()  # the configuration changed since the plan
