"""The CLI in process through Typer's CliRunner: output, errors and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.conftest import EXAMPLE, ROOT
from tests.helpers import replace_text

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_help_lists_commands_with_examples():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("validate", "accounts", "synth", "lock"):
        assert command in result.output
        sub = run(command, "--help")
        assert sub.exit_code == 0 and "Example:" in sub.output, command


def test_validate_example():
    result = run("validate", "--config", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "8 accounts" in result.output and "management -> security" in result.output


def test_validate_reports_every_error_and_exits_1(config_copy: Path):
    replace_text(config_copy / "accounts" / "staging.yaml", "ou: Workloads/Staging", "ou: Nowhere")
    replace_text(config_copy / "accounts" / "data.yaml", 'account_id: "333333333333"', 'account_id: "3"')
    result = run("validate", "--config", str(config_copy))
    assert result.exit_code == 1
    assert f"{config_copy / 'accounts' / 'staging.yaml'}:4:5: ou: OU path 'Nowhere'" in result.stderr
    assert f"{config_copy / 'accounts' / 'data.yaml'}:3:13: account_id:" in result.stderr
    assert "2 configuration errors" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_missing_config_dir(tmp_path: Path):
    result = run("validate", "--config", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "landing-zone.yaml:1:1: file not found" in result.stderr


def test_accounts_json():
    result = run("accounts", "--config", str(EXAMPLE), "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows][0] == "management"
    ds = next(r for r in rows if r["name"] == "ds-dev")
    assert ds == {
        **ds,
        "kind": "data-science",
        "account_id": "555555555555",
        "ou": "Workloads/Dev",
        "region": "eu-west-1",
        "state": "s3://acme-ml-tfstate/acme-ml/ds-dev/terraform.tfstate",
    }
    assert [r["apply_order"] for r in rows] == list(range(1, 9))


def test_accounts_table_shows_accounts_to_be_created(config_copy: Path):
    (config_copy / "accounts.lock.yaml").unlink()
    result = runner.invoke(app, ["accounts", "--config", str(config_copy)], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if "ds-dev" in line)
    assert "to be created" in line and "Workloads/Dev" in line
    ml_exec = next(line for line in result.output.splitlines() if " ml-exec " in line)
    assert "to be created" in ml_exec and "management, security, data" in ml_exec  # wide enough for every column
    data = next(line for line in result.output.splitlines() if " data " in line)
    assert "333333333333" in data and "YAML" in data and "management, security" in data


def test_accounts_shows_where_each_id_comes_from_and_fits_the_terminal():
    rows = {r["name"]: r for r in json.loads(run("accounts", "--config", str(EXAMPLE), "--json").stdout)}
    assert rows["management"]["account_id_source"] == "landing-zone.yaml"
    assert rows["data"]["account_id_source"] == "accounts/data.yaml"
    assert rows["ml-exec"]["account_id_source"] == "accounts.lock.yaml"
    narrow = runner.invoke(app, ["accounts", "--config", str(EXAMPLE)], env={"COLUMNS": "80"})
    assert all(len(line) <= 80 for line in narrow.output.splitlines())
    assert (
        "lock file" in narrow.output
        and "(state and dependencies: in 120 columns or more, or with --json)" in narrow.output
    )
    wide = runner.invoke(app, ["accounts", "--config", str(EXAMPLE)], env={"COLUMNS": "200"})
    assert max(len(line) for line in wide.output.splitlines()) > 120 and "after" in wide.output


def test_synth_unknown_account_is_usage_error(tmp_path: Path):
    result = run("synth", "--config", str(EXAMPLE), "--out", str(tmp_path / "out"), "--account", "stagin")
    assert result.exit_code == 2
    assert "unknown account 'stagin'; did you mean 'staging'?" in result.stderr
    assert not (tmp_path / "out").exists()


def test_synth_named_accounts(tmp_path: Path):
    out = tmp_path / "out"
    result = run(
        "synth",
        "--config",
        str(EXAMPLE),
        "--out",
        str(out),
        "--account",
        "staging",
        "--state-dir",
        str(tmp_path / "state"),
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "stacks").iterdir()) == ["staging"]
    assert "synthesized 1 stack(s)" in result.output


def test_synth_invalid_config_writes_nothing(config_copy: Path, tmp_path: Path):
    replace_text(config_copy / "accounts" / "staging.yaml", "ou: Workloads/Staging", "ou: Nowhere")
    result = run("synth", "--config", str(config_copy), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "ou: OU path 'Nowhere'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_synth_of_account_without_id_says_what_to_run(config_copy: Path, tmp_path: Path):
    (config_copy / "accounts.lock.yaml").unlink()
    result = run("synth", "--config", str(config_copy), "--out", str(tmp_path / "out"), "--account", "ds-dev")
    assert result.exit_code == 1
    assert "account 'ds-dev' has no id yet" in result.stderr and "mlops-tf apply --account management" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_lock_from_terraform_output(config_copy: Path, tmp_path: Path):
    (config_copy / "accounts.lock.yaml").unlink()
    output = tmp_path / "out.json"
    output.write_text(
        json.dumps(
            {
                "account_ids": {
                    "sensitive": False,
                    "type": ["map", "string"],
                    "value": {"ds-dev": "123412341234", "ml-exec": "432143214321"},
                }
            }
        )
    )
    result = run("lock", "--config", str(config_copy), "--from-json", str(output))
    assert result.exit_code == 0, result.output
    text = (config_copy / "accounts.lock.yaml").read_text()
    assert "ds-dev: '123412341234'" in text and "ml-exec: '432143214321'" in text
    rows = json.loads(run("accounts", "--config", str(config_copy), "--json").stdout)
    assert next(r for r in rows if r["name"] == "ml-exec")["account_id"] == "432143214321"


def test_lock_rejects_accounts_not_created_by_config(config_copy: Path, tmp_path: Path):
    output = tmp_path / "out.json"
    output.write_text(json.dumps({"account_ids": {"value": {"staging": "123412341234"}}}))
    result = run("lock", "--config", str(config_copy), "--from-json", str(output))
    assert result.exit_code == 2 and "does not create: staging" in result.stderr


def test_internal_errors_have_no_traceback_unless_debug(monkeypatch, tmp_path: Path):
    import cli.synth

    def explode(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(cli.synth, "run_synth", explode)
    result = run("synth", "--config", str(EXAMPLE), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1 and "internal error: KeyError" in result.stderr and "Traceback" not in result.stderr
    result = run("--debug", "synth", "--config", str(EXAMPLE), "--out", str(tmp_path / "o"))
    assert "Traceback" in result.stderr


@pytest.mark.slow
def test_main_py_gives_the_same_stacks_as_mlops_tf_synth(tmp_path: Path, example_out: Path):
    """`cdktf synth` runs main.py with CDKTF_OUTDIR; its stacks equal the CLI's for the same layout."""
    from accounts.app import synthesize
    from config import load, resolve

    env = {**os.environ, "CDKTF_OUTDIR": str(tmp_path / "a" / "cdktf.out")}
    subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, check=True, capture_output=True)
    synthesize(resolve(load(EXAMPLE)), None, tmp_path / "b" / "cdktf.out", state_dir=ROOT / "terraform-state")
    for stack in (tmp_path / "b" / "cdktf.out" / "stacks").iterdir():
        produced = tmp_path / "a" / "cdktf.out" / "stacks" / stack.name / "cdk.tf.json"
        assert produced.read_bytes() == (stack / "cdk.tf.json").read_bytes(), stack.name


def test_plan_and_apply_tables_fit_the_terminal(monkeypatch):
    """As wide as COLUMNS says (a terminal's width); 160 columns in a log, where no line wraps."""
    from cli.plan import console

    monkeypatch.setenv("COLUMNS", "100")
    assert console().width == 100
    monkeypatch.delenv("COLUMNS")
    assert console().width == 160  # pytest's stderr is no terminal
