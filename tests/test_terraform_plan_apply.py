"""plan / apply / destroy / output / lock against a stand-in Terraform: arguments, folders, order, prompts,
exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.helpers import replace_text
from tests.terraform_fakes import ORDER, Env, plan_doc, read_log


@pytest.fixture
def env(tmp_path: Path, config_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    return Env(tmp_path, config_copy, monkeypatch)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard input counts as a terminal (CliRunner's is not), so mlops-tf asks instead of refusing."""
    monkeypatch.setattr("cli.runs.stdin_is_terminal", lambda: True)


def test_plan_runs_init_plan_show_in_the_stack_folder_and_saves_the_plan(env: Env) -> None:
    result = env.run("plan", "--account", "staging")
    assert result.exit_code == 0, result.output
    stack = env.out / "stacks" / "staging"
    assert [c["chdir"] for c in read_log(env.log)] == [str(stack)] * 3
    assert env.calls() == [
        ("staging", ["init", "-no-color", "-input=false"]),
        ("staging", ["plan", "-no-color", "-input=false", "-out=plans/tfplan"]),
        ("staging", ["show", "-json", "plans/tfplan"]),
    ]
    assert (stack / "plans" / "tfplan").read_text() == "fake plan of staging"
    log = (stack / "plans" / "plan.log").read_text()  # one account: streamed through and logged
    assert "Plan: planned staging" in log and "Plan: planned staging" in result.stdout
    assert log.index("init -no-color") < log.index("plan -no-color") < log.index("show -json")
    meta = json.loads((stack / "plans" / "tfplan.meta.json").read_text())
    import hashlib

    assert meta["cdk_tf_json_sha256"] == hashlib.sha256((stack / "cdk.tf.json").read_bytes()).hexdigest()
    # only the asked-for stack was synthesized
    assert sorted(p.name for p in (env.out / "stacks").iterdir()) == ["staging"]
    assert "staging" in result.stdout and "1" in result.stdout


def test_plan_all_follows_apply_order_and_prints_json(env: Env) -> None:
    env.canned_show("data", plan_doc(("aws_s3_bucket.lake", ["delete", "create"]), ("aws_iam_role.r", ["update"])))
    result = env.run("plan", "--all", "--json")
    assert result.exit_code == 0, result.output
    assert sorted(a for a, argv in env.calls() if argv[0] == "plan") == sorted(ORDER)
    rows = json.loads(result.stdout)  # progress went to stderr, Terraform's output to log files: stdout is pure JSON
    assert [r["account"] for r in rows] == ORDER
    data = rows[ORDER.index("data")]
    assert (data["add"], data["change"], data["destroy"], data["replace"]) == (1, 1, 1, 1)
    assert data["stateful_destroys"] == [
        {
            "address": "aws_s3_bucket.lake",
            "type": "aws_s3_bucket",
            "action": "replace",
            "reason": "replace_because_cannot_update",
        }
    ]


def test_plan_stops_at_the_first_failure_naming_account_and_step(env: Env) -> None:
    env.fail("data:init")
    result = env.run("plan", "--all", "--parallelism", "1")
    assert result.exit_code == 3
    assert "terraform init failed for account 'data' (exit 1)" in result.stderr
    assert "Error: init went wrong in data" in result.stderr
    assert "Traceback" not in result.output
    assert [a for a, argv in env.calls() if argv[0] == "init"] == ["management", "security", "data"]
    assert f"Terraform's full output: {env.out / 'stacks' / 'data' / 'plans' / 'plan.log'}" in result.stderr
    assert "Error: init went wrong in data" in (env.out / "stacks" / "data" / "plans" / "plan.log").read_text()
    assert "not started after the failure: shared-services, ml-exec, ds-dev, staging, production" in result.stderr


def test_plan_needs_account_or_all(env: Env) -> None:
    result = env.run("plan")
    assert result.exit_code == 2
    assert "--account NAME" in result.stderr and "--all" in result.stderr
    assert env.run("plan", "--account", "stagin").exit_code == 2
    assert env.calls() == []


def test_apply_uses_the_matching_saved_plan_without_asking(env: Env) -> None:
    assert env.run("plan", "--account", "staging").exit_code == 0
    env.reset_log()
    result = env.run("apply", "--account", "staging")  # no input: a prompt would abort
    assert result.exit_code == 0, result.output
    assert env.calls() == [
        ("staging", ["show", "-json", "plans/tfplan"]),
        ("staging", ["apply", "-no-color", "-input=false", "plans/tfplan"]),
    ]
    assert not (env.out / "stacks" / "staging" / "plans" / "tfplan").exists()
    assert "applied" in result.stdout


def test_apply_replans_and_asks_when_the_configuration_changed(env: Env, terminal: None) -> None:
    assert env.run("plan", "--account", "staging").exit_code == 0
    replace_text(env.config / "landing-zone.yaml", "owner: platform-team", "owner: ml-team")
    env.reset_log()
    result = env.run("apply", "--account", "staging", input="n\n")
    assert result.exit_code == 1
    assert "Apply 1 to add, 0 to change, 0 to destroy in account 'staging'?" in result.output
    assert [argv[0] for _, argv in env.calls()] == ["init", "plan", "show"]  # no apply
    assert "declined" in result.stdout

    env.reset_log()
    result = env.run("apply", "--account", "staging", input="y\n")
    assert result.exit_code == 0, result.output
    assert [argv[0] for _, argv in env.calls()] == ["init", "plan", "show", "apply"]


def test_apply_all_stops_at_first_failure_and_reports(env: Env) -> None:
    env.fail("shared-services:apply")
    lock_before = (env.config / "accounts.lock.yaml").read_text()
    result = env.run("apply", "--all", "--auto-approve", "--json", "--parallelism", "1")
    # the stand-in's management stack has no account_ids output: the lock must stay, not be emptied
    assert (env.config / "accounts.lock.yaml").read_text() == lock_before
    assert result.exit_code == 3
    assert "terraform apply failed for account 'shared-services'" in result.stderr
    # one at a time: the accounts with the longest chains of dependents first (security before the
    # rest, data and ml-exec before staging and production), then apply order
    assert [a for a, argv in env.calls() if argv[0] == "apply"] == [
        "management",
        "security",
        "data",
        "ml-exec",
        "shared-services",
    ]
    report = {r["account"]: r["result"] for r in json.loads(result.stdout)}
    assert report == {
        "management": "applied",
        "security": "applied",
        "data": "applied",
        "shared-services": "failed",
        "ml-exec": "applied",
        "ds-dev": "not started",
        "staging": "not started",
        "production": "not started",
    }
    # the failed apply's saved plan is gone: Terraform would refuse it as stale
    assert not (env.out / "stacks" / "shared-services" / "plans" / "tfplan").exists()


def test_apply_skips_unchanged_stacks(env: Env) -> None:
    env.canned_show("security", plan_doc(("aws_iam_role.r", ["no-op"]), ("data.aws_iam_policy_document.d", ["read"])))
    result = env.run("apply", "--account", "security", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert [argv[0] for _, argv in env.calls()] == ["init", "plan", "show"]
    assert "unchanged" in result.stdout


def test_apply_management_records_created_account_ids(env: Env) -> None:
    ids = {"ds-dev": "555555555555", "ml-exec": "999999999999"}
    (env.outputs / "management.json").write_text(
        json.dumps({"account_ids": {"sensitive": False, "type": ["object", {}], "value": ids}})
    )
    result = env.run("apply", "--account", "management", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert env.calls()[-1] == ("management", ["output", "-json"])
    # The ids are replaced; the Config archive the example's lock records stays.
    assert yaml.safe_load((env.config / "accounts.lock.yaml").read_text()) == {
        "accounts": ids,
        "config_bucket": CONFIG_BUCKET,
    }


CONFIG_BUCKET = "acme-ml-config-222222222222-eu-west-1"


def _config_recorders(env: Env, account: str) -> list:
    stack = json.loads((env.out / "stacks" / account / "cdk.tf.json").read_text())
    return list(stack.get("resource", {}).get("aws_config_configuration_recorder", {}))


def test_apply_all_records_the_config_archive_then_applies_management_again(env: Env) -> None:
    """The management stack applies before the Config archive (security): it delivers AWS Config only once the
    archive's stack created the bucket, so `apply --all` records the bucket and applies management a second time."""
    lock = env.config / "accounts.lock.yaml"
    replace_text(lock, f"config_bucket: {CONFIG_BUCKET}\n", "")
    (env.outputs / "security.json").write_text(json.dumps({"config_bucket": {"value": CONFIG_BUCKET}}))
    result = env.run("apply", "--all", "--auto-approve", "--json", "--parallelism", "1")
    assert result.exit_code == 0, result.output
    applies = [a for a, argv in env.calls() if argv[0] == "apply"]
    assert applies[0] == "management" and applies[-1] == "management" and applies.count("management") == 2
    assert applies.index("security") < len(applies) - 1  # the second management apply comes after the archive's
    assert yaml.safe_load(lock.read_text())["config_bucket"] == CONFIG_BUCKET
    assert len(_config_recorders(env, "management")) == 3  # every allowed region, now that the bucket exists
    report = {r["account"]: r["result"] for r in json.loads(result.stdout)}
    assert set(report.values()) == {"applied"}


def test_apply_all_applies_management_once_when_the_archive_is_recorded(env: Env) -> None:
    result = env.run("apply", "--all", "--auto-approve", "--parallelism", "1")
    assert result.exit_code == 0, result.output
    assert [a for a, argv in env.calls() if argv[0] == "apply"].count("management") == 1
    assert len(_config_recorders(env, "management")) == 3


def test_apply_records_an_archive_applied_earlier_before_synthesizing_management(env: Env) -> None:
    """A landing zone applied before the lock knew the bucket: management keeps its AWS Config (no destroy, no gap)."""
    lock = env.config / "accounts.lock.yaml"
    replace_text(lock, f"config_bucket: {CONFIG_BUCKET}\n", "")
    assert env.run("plan", "--account", "security").exit_code == 0  # its stack folder exists, as after an apply
    (env.outputs / "security.json").write_text(json.dumps({"config_bucket": {"value": CONFIG_BUCKET}}))
    result = env.run("apply", "--account", "management", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(lock.read_text())["config_bucket"] == CONFIG_BUCKET
    assert [a for a, argv in env.calls() if argv[0] == "apply"] == ["management"]
    assert len(_config_recorders(env, "management")) == 3


def test_applying_the_archive_alone_records_its_bucket(env: Env) -> None:
    lock = env.config / "accounts.lock.yaml"
    replace_text(lock, f"config_bucket: {CONFIG_BUCKET}\n", "")
    (env.outputs / "security.json").write_text(json.dumps({"config_bucket": {"value": CONFIG_BUCKET}}))
    result = env.run("apply", "--account", "security", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert [a for a, argv in env.calls() if argv[0] == "apply"] == ["security"]  # management is not in the run
    assert yaml.safe_load(lock.read_text())["config_bucket"] == CONFIG_BUCKET


def test_lock_records_the_config_archive_from_its_outputs(env: Env) -> None:
    lock = env.config / "accounts.lock.yaml"
    replace_text(lock, f"config_bucket: {CONFIG_BUCKET}\n", "")
    assert env.run("apply", "--account", "management", "--auto-approve").exit_code == 0
    assert _config_recorders(env, "management") == []  # the archive is not recorded: no delivery channel yet
    (env.outputs / "management.json").write_text(
        json.dumps({"account_ids": {"value": {"ds-dev": "555555555555", "ml-exec": "666666666666"}}})
    )
    assert env.run("plan", "--account", "security").exit_code == 0
    # Not applied yet: its outputs have no bucket, the lock stays without it.
    assert env.run("lock").exit_code == 0
    assert "config_bucket" not in yaml.safe_load(lock.read_text())
    (env.outputs / "security.json").write_text(json.dumps({"config_bucket": {"value": CONFIG_BUCKET}}))
    result = env.run("lock")
    assert result.exit_code == 0, result.output
    assert "now delivers AWS Config" in result.stdout
    assert yaml.safe_load(lock.read_text())["config_bucket"] == CONFIG_BUCKET


def test_lock_without_from_json_reads_the_management_outputs(env: Env) -> None:
    assert env.run("plan", "--account", "management").exit_code == 0
    ids = {"ds-dev": "123456789012", "ml-exec": "210987654321"}
    env.reset_log()
    result = env.run("lock")
    assert result.exit_code == 2  # nothing applied yet
    assert "has no account_ids output: apply it first" in result.stderr
    (env.outputs / "management.json").write_text(json.dumps({"account_ids": {"value": ids}}))
    env.reset_log()
    result = env.run("lock")
    assert result.exit_code == 0, result.output
    assert env.calls() == [("management", ["output", "-json"])]  # the archive's stack is not synthesized here
    assert yaml.safe_load((env.config / "accounts.lock.yaml").read_text()) == {
        "accounts": ids,
        "config_bucket": CONFIG_BUCKET,
    }


def test_destroy_refuses_production_without_force(env: Env) -> None:
    result = env.run("destroy", "--account", "production")
    assert result.exit_code == 2
    assert "--force-production" in result.stderr
    assert env.calls() == []


def test_destroy_requires_typing_the_account_name(env: Env, terminal: None) -> None:
    result = env.run("destroy", "--account", "staging", input="production\n")
    assert result.exit_code == 1
    assert "Type the account name to confirm" in result.output
    assert env.calls()[1] == ("staging", ["plan", "-no-color", "-input=false", "-destroy", "-out=plans/destroy.tfplan"])
    assert "apply" not in [argv[0] for _, argv in env.calls()]

    env.reset_log()
    result = env.run("destroy", "--account", "staging", input="staging\n")
    assert result.exit_code == 0, result.output
    assert env.calls()[-1] == ("staging", ["apply", "-no-color", "-input=false", "plans/destroy.tfplan"])


def test_output_prints_terraform_outputs(env: Env) -> None:
    assert env.run("plan", "--account", "management").exit_code == 0
    doc = {
        "organization_id": {"sensitive": False, "type": "string", "value": "o-abc"},
        "secret": {"sensitive": True, "type": "string", "value": "s"},
    }
    (env.outputs / "management.json").write_text(json.dumps(doc))
    result = env.run("output", "--account", "management", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == doc
    table = env.run("output", "--account", "management")
    assert '"o-abc"' in table.stdout and "(sensitive)" in table.stdout and '"s"' not in table.stdout


def test_apply_all_creates_accounts_first_then_synthesizes_the_rest(env: Env) -> None:
    """Without ids for the accounts to be created, only the management stack can be synthesized at first."""
    (env.config / "accounts.lock.yaml").unlink()
    assert env.run("plan", "--all").exit_code == 1  # synth says what to run first
    ids = {"ds-dev": "123456789012", "ml-exec": "210987654321"}
    (env.outputs / "management.json").write_text(json.dumps({"account_ids": {"value": ids}}))
    result = env.run("apply", "--all", "--auto-approve")
    assert result.exit_code == 0, result.output
    applies = [c for c in read_log(env.log) if c["argv"][0] == "apply"]
    assert sorted(c["account"] for c in applies) == sorted(ORDER)
    # management alone first; the others were synthesized after its ids were recorded, then applied
    management = next(c for c in applies if c["account"] == "management")
    assert all(c["start"] >= management["end"] for c in read_log(env.log) if c["account"] != "management")
    assert yaml.safe_load((env.config / "accounts.lock.yaml").read_text()) == {"accounts": ids}
    ds_dev = json.loads((env.out / "stacks" / "ds-dev" / "cdk.tf.json").read_text())
    assert (
        ds_dev["provider"]["aws"][0]["assume_role"][0]["role_arn"]
        == "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole"
    )
