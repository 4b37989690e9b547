"""Terraform Cloud (workspaces, OIDC run roles) and the bootstrap state-bucket stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.conftest import statements
from tests.helpers import EXAMPLE_BACKEND, only_error, replace_text
from tests.terraform_fakes import read_log, write_fake_terraform

runner = CliRunner()
CLOUD = "state_backend:\n  type: cloud\n  organization: acme\n  project: ml-platform\n"
S3 = "state_backend:\n  type: s3\n  bucket: acme-ml-tfstate\n  region: eu-central-1\n"


def _backend(config: Path, text: str) -> None:
    replace_text(config / "landing-zone.yaml", EXAMPLE_BACKEND + "\n", text)


# -- Terraform Cloud ---------------------------------------------------------------------------
ACCOUNT_IDS = {
    "management": "111111111111",
    "security": "222222222222",
    "data": "333333333333",
    "shared-services": "444444444444",
    "ds-dev": "555555555555",
    "ml-exec": "666666666666",
    "staging": "777777777777",
    "production": "888888888888",
}


def test_tfc_lists_workspaces_with_dynamic_credential_variables(config_copy: Path) -> None:
    _backend(config_copy, CLOUD)
    result = runner.invoke(app, ["tfc", "--config", str(config_copy), "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["account"]: r for r in json.loads(result.stdout)}
    assert list(rows)[0] == "management"
    assert rows["staging"] == {
        "account": "staging",
        "organization": "acme",
        "project": "ml-platform",
        "hostname": "app.terraform.io",
        "workspace": "acme-ml-staging",
        "note": None,
        # Every run role lives in the management account.
        "variables": {
            "TFC_AWS_PROVIDER_AUTH": "true",
            "TFC_AWS_RUN_ROLE_ARN": "arn:aws:iam::111111111111:role/acme-ml-tfc-run-staging",
        },
    }
    assert (
        rows["management"]["variables"]["TFC_AWS_RUN_ROLE_ARN"]
        == "arn:aws:iam::111111111111:role/acme-ml-tfc-run-management"
    )
    table = runner.invoke(app, ["tfc", "--config", str(config_copy)], env={"COLUMNS": "200"})
    assert (
        "acme-ml-production" in table.stdout
        and "arn:aws:iam::111111111111:role/acme-ml-tfc-run-production" in table.stdout
    )


def test_tfc_notes_accounts_without_ids_and_refuses_other_backends(config_copy: Path) -> None:
    _backend(config_copy, CLOUD)
    (config_copy / "accounts.lock.yaml").unlink()
    rows = {
        r["account"]: r for r in json.loads(runner.invoke(app, ["tfc", "--config", str(config_copy), "--json"]).stdout)
    }
    # The run role ARN is known (management account); the note says the account itself is still to be created.
    assert (
        rows["ds-dev"]["variables"]["TFC_AWS_RUN_ROLE_ARN"] == "arn:aws:iam::111111111111:role/acme-ml-tfc-run-ds-dev"
    )
    assert "mlops-tf lock" in rows["ds-dev"]["note"] and rows["staging"]["note"] is None
    replace_text(config_copy / "landing-zone.yaml", CLOUD, EXAMPLE_BACKEND + "\n")
    result = runner.invoke(app, ["tfc", "--config", str(config_copy)])
    assert result.exit_code == 2
    assert "state_backend.type is 's3'" in result.stderr


@pytest.fixture(scope="module")
def cloud_stacks(tmp_path_factory: pytest.TempPathFactory):
    """Management and staging stacks of the example with the cloud backend (default deploy roles)."""
    from accounts.app import synthesize
    from config import load, resolve
    from tests.conftest import copy_example, read_stacks

    base = tmp_path_factory.mktemp("cloud")
    root = copy_example(base)
    _backend(root, CLOUD)
    synthesize(resolve(load(root)), ["management", "staging"], base / "out", state_dir=base / "state")
    return read_stacks(base / "out")


def _run_roles(stack: dict) -> dict[str, dict]:
    """Run roles of a stack by role name."""
    return {r["name"]: r for r in stack.get("resource", {}).get("aws_iam_role", {}).values() if "-tfc-run" in r["name"]}


def _trust(subject: str) -> dict:
    return {
        "Sid": "TerraformCloudWorkspace",
        "Effect": "Allow",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "${aws_iam_openid_connect_provider.tfc-oidc-provider.arn}"},
        "Condition": {
            "StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
            "StringLike": {"app.terraform.io:sub": subject},
        },
    }


def test_management_stack_has_one_run_role_per_workspace_trusting_exactly_it(cloud_stacks) -> None:
    management = cloud_stacks["management"]
    (provider,) = management["resource"]["aws_iam_openid_connect_provider"].values()
    assert provider["url"] == "https://app.terraform.io" and provider["client_id_list"] == ["aws.workload.identity"]
    roles = _run_roles(management)
    assert sorted(roles) == sorted(f"acme-ml-tfc-run-{a}" for a in ACCOUNT_IDS)
    for account in ACCOUNT_IDS:
        (trust,) = statements(roles[f"acme-ml-tfc-run-{account}"]["assume_role_policy"])
        assert trust == _trust(f"organization:acme:project:ml-platform:workspace:acme-ml-{account}:run_phase:*")
    # Member stacks carry no OIDC provider or run role: their deploy role trusts only the management account.
    assert "aws_iam_openid_connect_provider" not in cloud_stacks["staging"]["resource"]
    assert _run_roles(cloud_stacks["staging"]) == {}
    assert cloud_stacks["staging"]["terraform"]["cloud"]["workspaces"]["name"] == "acme-ml-staging"
    outputs = management["output"]["tfc_run_role_arns"]["value"]
    assert sorted(outputs) == sorted(ACCOUNT_IDS)


def _policies_of(stack: dict, role_name: str) -> tuple[list[dict], list[str]]:
    """(inline policy statements, attached managed policy ARNs) of a role, found by its name."""
    res = stack["resource"]
    (address,) = [f"aws_iam_role.{k}" for k, r in res["aws_iam_role"].items() if r["name"] == role_name]
    inline = [
        s
        for p in res.get("aws_iam_role_policy", {}).values()
        if p["role"] == f"${{{address}.id}}"
        for s in statements(p["policy"])
    ]
    attached = [
        a["policy_arn"]
        for a in res.get("aws_iam_role_policy_attachment", {}).values()
        if a["role"] == f"${{{address}.name}}"
    ]
    return inline, attached


def test_member_run_role_may_only_assume_its_accounts_deploy_role(cloud_stacks) -> None:
    for account, account_id in ACCOUNT_IDS.items():
        if account == "management":
            continue
        inline, attached = _policies_of(cloud_stacks["management"], f"acme-ml-tfc-run-{account}")
        assert inline == [
            {
                "Sid": "AssumeDeployRole",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Resource": f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
            }
        ]
        assert attached == []


def test_management_run_role_is_administrator_without_a_management_deploy_role(cloud_stacks) -> None:
    inline, attached = _policies_of(cloud_stacks["management"], "acme-ml-tfc-run-management")
    assert inline == [] and attached == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert "assume_role" not in cloud_stacks["management"]["provider"]["aws"][0]


def test_explicit_management_deploy_role_is_assumed_and_bounds_its_run_role(tmp_path: Path, config_copy: Path) -> None:
    _backend(config_copy, CLOUD)
    replace_text(
        config_copy / "accounts" / "management.yaml",
        "kind: management\n",
        "kind: management\ndeploy_role_name: PlatformDeploy\n",
    )
    (config_copy / "accounts.lock.yaml").unlink()  # ds-dev and ml-exec are created by this very stack
    out = tmp_path / "out"
    result = runner.invoke(app, ["synth", "--account", "management", "--config", str(config_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    stack = json.loads((out / "stacks" / "management" / "cdk.tf.json").read_text())
    assert stack["provider"]["aws"][0]["assume_role"] == [
        {"role_arn": "arn:aws:iam::111111111111:role/PlatformDeploy", "session_name": "mlops-tf"}
    ]
    inline, attached = _policies_of(stack, "acme-ml-tfc-run-management")
    assert attached == [] and [s["Resource"] for s in inline] == ["arn:aws:iam::111111111111:role/PlatformDeploy"]
    (ds_dev,) = _policies_of(stack, "acme-ml-tfc-run-ds-dev")[0]
    assert (
        ds_dev["Resource"]
        == "arn:aws:iam::${aws_organizations_account.account-ds-dev.id}:role/OrganizationAccountAccessRole"
    )


def test_too_long_run_role_name_is_a_located_config_error(config_copy: Path) -> None:
    from config import load
    from tests.helpers import line_of

    _backend(config_copy, CLOUD)
    long_name = "ds-" + "a" * 37  # 40 characters, the longest account name
    (config_copy / "accounts" / "ds-dev.yaml").rename(config_copy / "accounts" / f"{long_name}.yaml")
    for file in config_copy.rglob("*.yaml"):  # the account and every reference to it
        file.write_text(file.read_text().replace("ds-dev", long_name))
    path = config_copy / "accounts" / f"{long_name}.yaml"
    # The Studio lifecycle configuration name (<prefix>-<account>-studio-<script>) is the first to outgrow
    # SageMaker's 63 characters; without lifecycle scripts, acme-ml-tfc-run-<it> is 56 and fits.
    replace_text(
        path,
        "    lifecycle_configurations:\n",
        "    lifecycle_configurations: []\n    unused_lifecycle_configurations:\n",
    )
    text = path.read_text()
    path.write_text(
        text[: text.index("    unused_lifecycle_configurations:")] + text[text.index("\n\n  # Role Manager") :]
    )
    load(config_copy)
    replace_text(config_copy / "landing-zone.yaml", "prefix: acme-ml\n", "prefix: acme-ml-platform\n")  # now 65
    error = str(only_error(config_copy))  # every name of this one value, in one error
    assert error.startswith(f"{path.as_posix()}:{line_of(path, 'name: ds-')}:") and ": name: " in error
    assert f"derived IAM role name 'acme-ml-platform-{long_name}-flow-logs' is 67 characters; IAM allows 64" in error
    assert f"IAM role name 'acme-ml-platform-tfc-run-{long_name}'" in error
    assert f"SageMaker name 'acme-ml-platform-{long_name}-studio'" in error


def test_no_oidc_resources_without_the_cloud_backend_or_when_switched_off(
    stacks, tmp_path: Path, config_copy: Path
) -> None:
    for account in stacks:
        assert stacks.resources(account, "aws_iam_openid_connect_provider") == {}
        assert _run_roles(stacks[account]) == {}
    _backend(config_copy, CLOUD + "  oidc_run_roles: false\n")
    out = tmp_path / "out"
    assert (
        runner.invoke(
            app, ["synth", "--account", "management", "--config", str(config_copy), "--out", str(out)]
        ).exit_code
        == 0
    )
    stack = json.loads((out / "stacks" / "management" / "cdk.tf.json").read_text())
    assert "aws_iam_openid_connect_provider" not in stack.get("resource", {}) and _run_roles(stack) == {}


# -- bootstrap ---------------------------------------------------------------------------------
@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAKE_TF_LOG", str(tmp_path / "tf.log"))
    monkeypatch.delenv("FAKE_TF_SHOW_DIR", raising=False)
    monkeypatch.setenv("FAKE_TF_FAIL", "")
    return write_fake_terraform(tmp_path)


def test_bootstrap_plans_the_state_bucket_stack_with_a_local_state(
    tmp_path: Path, config_copy: Path, fake: Path
) -> None:
    _backend(config_copy, S3)
    folder, state = tmp_path / "boot", tmp_path / "state"
    args = [
        "bootstrap",
        "--config",
        str(config_copy),
        "--dir",
        str(folder),
        "--state-dir",
        str(state),
        "--terraform-bin",
        str(fake),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"run `mlops-tf bootstrap --apply --config {config_copy}` to create it" in result.stdout
    calls = read_log(tmp_path / "tf.log")
    assert [c["argv"][0] for c in calls] == ["init", "plan", "show"]
    assert {c["chdir"] for c in calls} == {str(folder.resolve())}

    stack = json.loads((folder / "cdk.tf.json").read_text())
    assert stack["terraform"]["backend"] == {"local": {"path": "../state/bootstrap.tfstate"}}
    assert stack["provider"]["aws"][0]["region"] == "eu-central-1"  # the backend's region, not the management account's
    assert "assume_role" not in stack["provider"]["aws"][0]  # the caller's management credentials
    res = stack["resource"]

    def one(rtype: str) -> dict:
        (value,) = res[rtype].values()
        return value

    assert one("aws_s3_bucket")["bucket"] == "acme-ml-tfstate"
    assert one("aws_s3_bucket")["lifecycle"] == {"prevent_destroy": True}
    assert one("aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}
    key_address = "aws_kms_key." + next(iter(res["aws_kms_key"]))
    (rule,) = one("aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule == {
        "apply_server_side_encryption_by_default": {
            "sse_algorithm": "aws:kms",
            "kms_master_key_id": f"${{{key_address}.arn}}",
        },
        "bucket_key_enabled": True,
    }
    assert one("aws_kms_key")["enable_key_rotation"] is True and one("aws_kms_key")["lifecycle"] == {
        "prevent_destroy": True
    }
    assert one("aws_kms_alias")["name"] == "alias/acme-ml/terraform-state"
    assert one("aws_s3_bucket_ownership_controls")["rule"] == {"object_ownership": "BucketOwnerEnforced"}
    block = one("aws_s3_bucket_public_access_block")
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    deny = {s["Sid"]: s for s in statements(one("aws_s3_bucket_policy")["policy"])}
    assert deny["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["DenyInsecureTransport"]["Resource"] == [
        "arn:aws:s3:::acme-ml-tfstate",
        "arn:aws:s3:::acme-ml-tfstate/*",
    ]
    assert deny["DenyUploadsWithAnotherKey"]["Condition"] == {
        "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": f"${{{key_address}.arn}}"}
    }
    assert stack["output"]["state_kms_key_arn"]["value"] == f"${{{key_address}.arn}}"

    result = runner.invoke(app, [*args, "--apply", "--auto-approve", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"] == "applied"
    assert read_log(tmp_path / "tf.log")[-1]["argv"] == ["apply", "-no-color", "-input=false", "plans/tfplan"]


def test_bootstrap_needs_the_s3_backend(tmp_path: Path, config_copy: Path, fake: Path) -> None:
    _backend(config_copy, CLOUD)
    result = runner.invoke(
        app, ["bootstrap", "--config", str(config_copy), "--dir", str(tmp_path / "b"), "--terraform-bin", str(fake)]
    )
    assert result.exit_code == 2
    assert "state_backend.type is 'cloud'" in result.stderr
    assert not (tmp_path / "b").exists()
