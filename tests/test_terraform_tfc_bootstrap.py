"""Terraform Cloud (workspaces, OIDC run roles) and the bootstrap state-bucket stack."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.conftest import statements
from tests.helpers import replace_text
from tests.terraform_fakes import read_log, write_fake_terraform

runner = CliRunner()
CLOUD = "state_backend:\n  type: cloud\n  organization: acme\n  project: ml-platform\n"
S3 = "state_backend:\n  type: s3\n  bucket: acme-ml-tfstate\n  region: eu-central-1\n"


def _backend(config: Path, text: str) -> None:
    replace_text(config / "landing-zone.yaml", "state_backend:\n  type: local\n", text)


# -- Terraform Cloud ---------------------------------------------------------------------------
def test_tfc_lists_workspaces_with_dynamic_credential_variables(config_copy: Path) -> None:
    _backend(config_copy, CLOUD)
    result = runner.invoke(app, ["tfc", "--config", str(config_copy), "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["account"]: r for r in json.loads(result.stdout)}
    assert list(rows)[0] == "management"
    assert rows["staging"] == {
        "account": "staging", "organization": "acme", "project": "ml-platform", "hostname": "app.terraform.io",
        "workspace": "acme-ml-staging", "note": None,
        "variables": {"TFC_AWS_PROVIDER_AUTH": "true", "TFC_AWS_RUN_ROLE_ARN": "arn:aws:iam::777777777777:role/acme-ml-tfc-run"},
    }
    table = runner.invoke(app, ["tfc", "--config", str(config_copy)])
    assert "acme-ml-production" in table.stdout and "arn:aws:iam::888888888888:role/acme-ml-tfc-run" in table.stdout


def test_tfc_notes_accounts_without_ids_and_refuses_other_backends(config_copy: Path) -> None:
    _backend(config_copy, CLOUD)
    (config_copy / "accounts.lock.yaml").unlink()
    rows = {r["account"]: r for r in json.loads(runner.invoke(app, ["tfc", "--config", str(config_copy), "--json"]).stdout)}
    assert rows["ds-dev"]["variables"] == {} and "mlops-tf lock" in rows["ds-dev"]["note"]
    replace_text(config_copy / "landing-zone.yaml", CLOUD, "state_backend:\n  type: local\n")
    result = runner.invoke(app, ["tfc", "--config", str(config_copy)])
    assert result.exit_code == 2
    assert "state_backend.type is 'local'" in result.stderr


def test_run_role_trusts_exactly_its_own_workspace(tmp_path: Path, config_copy: Path) -> None:
    _backend(config_copy, CLOUD)
    out = tmp_path / "out"
    result = runner.invoke(app, ["synth", "--account", "security", "--account", "staging", "--config", str(config_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for account, account_id in (("security", "222222222222"), ("staging", "777777777777")):
        stack = json.loads((out / "stacks" / account / "cdk.tf.json").read_text())
        provider = stack["resource"]["aws_iam_openid_connect_provider"]["tfc-oidc-provider"]
        assert provider["url"] == "https://app.terraform.io"
        assert provider["client_id_list"] == ["aws.workload.identity"]
        role = stack["resource"]["aws_iam_role"]["tfc-run-role"]
        assert role["name"] == "acme-ml-tfc-run"
        (trust,) = statements(role["assume_role_policy"])
        assert trust == {
            "Sid": "TerraformCloudWorkspace", "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": "${aws_iam_openid_connect_provider.tfc-oidc-provider.arn}"},
            "Condition": {
                "StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
                "StringLike": {"app.terraform.io:sub": f"organization:acme:project:ml-platform:workspace:acme-ml-{account}:run_phase:*"},
            },
        }
        (allow,) = statements(stack["resource"]["aws_iam_role_policy"]["tfc-run-role-assume-deploy"]["policy"])
        assert allow["Action"] == ["sts:AssumeRole", "sts:TagSession"]
        assert allow["Resource"] == f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
        assert stack["terraform"]["cloud"]["workspaces"]["name"] == f"acme-ml-{account}"


def test_no_oidc_resources_without_the_cloud_backend_or_when_switched_off(stacks, tmp_path: Path, config_copy: Path) -> None:
    for account in stacks:
        assert stacks.resources(account, "aws_iam_openid_connect_provider") == {}
        assert "tfc-run-role" not in stacks.resources(account, "aws_iam_role")
    _backend(config_copy, CLOUD + "  oidc_run_roles: false\n")
    out = tmp_path / "out"
    assert runner.invoke(app, ["synth", "--account", "security", "--config", str(config_copy), "--out", str(out)]).exit_code == 0
    stack = json.loads((out / "stacks" / "security" / "cdk.tf.json").read_text())
    assert "aws_iam_openid_connect_provider" not in stack.get("resource", {})


# -- bootstrap ---------------------------------------------------------------------------------
@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAKE_TF_LOG", str(tmp_path / "tf.log"))
    monkeypatch.delenv("FAKE_TF_SHOW_DIR", raising=False)
    monkeypatch.setenv("FAKE_TF_FAIL", "")
    return write_fake_terraform(tmp_path)


def test_bootstrap_plans_the_state_bucket_stack_with_a_local_state(tmp_path: Path, config_copy: Path, fake: Path) -> None:
    _backend(config_copy, S3)
    folder, state = tmp_path / "boot", tmp_path / "state"
    args = ["bootstrap", "--config", str(config_copy), "--dir", str(folder), "--state-dir", str(state), "--terraform-bin", str(fake)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "run `mlops-tf bootstrap --apply` to create it" in result.stdout
    calls = read_log(tmp_path / "tf.log")
    assert [c["argv"][0] for c in calls] == ["init", "plan", "show"]
    assert {c["chdir"] for c in calls} == {str(folder.resolve())}

    stack = json.loads((folder / "cdk.tf.json").read_text())
    assert stack["terraform"]["backend"] == {"local": {"path": "../state/bootstrap.tfstate"}}
    assert stack["provider"]["aws"][0]["region"] == "eu-central-1"  # the backend's region, not the management account's
    assert stack["provider"]["aws"][0]["assume_role"][0]["role_arn"] == "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
    res = stack["resource"]

    def one(rtype: str) -> dict:
        (value,) = res[rtype].values()
        return value

    assert one("aws_s3_bucket")["bucket"] == "acme-ml-tfstate"
    assert one("aws_s3_bucket")["lifecycle"] == {"prevent_destroy": True}
    assert one("aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}
    key_address = "aws_kms_key." + next(iter(res["aws_kms_key"]))
    (rule,) = one("aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule == {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": f"${{{key_address}.arn}}"},
                    "bucket_key_enabled": True}
    assert one("aws_kms_key")["enable_key_rotation"] is True and one("aws_kms_key")["lifecycle"] == {"prevent_destroy": True}
    assert one("aws_kms_alias")["name"] == "alias/acme-ml/terraform-state"
    assert one("aws_s3_bucket_ownership_controls")["rule"] == {"object_ownership": "BucketOwnerEnforced"}
    block = one("aws_s3_bucket_public_access_block")
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    deny = {s["Sid"]: s for s in statements(one("aws_s3_bucket_policy")["policy"])}
    assert deny["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["DenyInsecureTransport"]["Resource"] == ["arn:aws:s3:::acme-ml-tfstate", "arn:aws:s3:::acme-ml-tfstate/*"]
    assert deny["DenyUploadsWithAnotherKey"]["Condition"] == {
        "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": f"${{{key_address}.arn}}"}}
    assert stack["output"]["state_kms_key_arn"]["value"] == f"${{{key_address}.arn}}"

    result = runner.invoke(app, [*args, "--apply", "--auto-approve", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"] == "applied"
    assert read_log(tmp_path / "tf.log")[-1]["argv"] == ["apply", "-no-color", "-input=false", "plans/tfplan"]


def test_bootstrap_needs_the_s3_backend(tmp_path: Path, config_copy: Path, fake: Path) -> None:
    result = runner.invoke(app, ["bootstrap", "--config", str(config_copy), "--dir", str(tmp_path / "b"), "--terraform-bin", str(fake)])
    assert result.exit_code == 2
    assert "state_backend.type is 'local'" in result.stderr
    assert not (tmp_path / "b").exists()
