"""Real `terraform validate` of every synthesized stack, offline, against the stand-in hashicorp/aws.

The landing zones exercise every feature between them: the example (CodeConnections source, REST and
HTTP APIs, a shadow variant, serverless and instance endpoints, Organizations vending, local backend),
a variant with Control Tower vending, a CodeCommit source, VPC-attached endpoints in staging and
production, an S3 backend and template characters in every free-text field, and a variant with a
Terraform Cloud backend. Planted defects show the check fails with Terraform's own messages.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from tf.gen import tfplugin_pb2 as pb
from typer.testing import CliRunner

from cli import offline_provider
from cli.app import app
from cli.offline_provider import planning
from cli.offline_provider.schema import cached_schema
from cli.terraform_validate import Finding, validate_stacks
from tests.conftest import copy_example, read_stacks
from tests.helpers import EXAMPLE_BACKEND, enroll_existing_accounts, fit_control_tower, replace_text

TERRAFORM = shutil.which("terraform")
pytestmark = pytest.mark.skipif(TERRAFORM is None, reason="no terraform binary on PATH")
# Shell and template directives a user may well write in a description: they must reach AWS verbatim.
TEMPLATE_TEXT = "uses ${HOME} and %{ if x } literally"
VPC = (
    "      vpc:\n        subnet_ids: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n        "
    "security_group_ids: [sg-0123456789abcdef0]\n"
)


def _variant(base: Path) -> Path:
    root = copy_example(base)
    lz = root / "landing-zone.yaml"
    replace_text(
        lz, "vending: organizations", "vending: control_tower\n  account_factory_product_id: prod-abcdefghijklm"
    )
    enroll_existing_accounts(root)
    fit_control_tower(root)
    replace_text(
        lz,
        "    - path: Workloads/Prod\n",
        "    - path: Workloads/Prod\n      controls: [AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS]\n",
    )
    replace_text(
        lz,
        EXAMPLE_BACKEND,
        "state_backend:\n  type: s3\n  bucket: acme-tf-state\n  region: eu-west-1\n  kms_key_id: "
        "alias/acme-ml/terraform-state",
    )
    replace_text(
        root / "accounts/shared-services.yaml",
        "      type: codeconnections\n      provider: GitHub\n      repository: acme/ml-landing-zone\n",
        "      type: codecommit\n      repository: ml-landing-zone\n",
    )
    replace_text(root / "accounts/production.yaml", "      variants:\n", VPC + "      variants:\n")
    replace_text(
        root / "accounts/staging.yaml", "      network_isolation: true\n", "      network_isolation: true\n" + VPC
    )
    for path, old in [
        ("accounts/data.yaml", "Customer profiles, one row per customer"),
        ("accounts/ml-exec.yaml", "Customer churn classifier"),
        ("accounts/ml-exec.yaml", "Customer features for churn"),
        ("accounts/security.yaml", "Administers the landing zone"),
    ]:
        replace_text(root / path, f"description: {old}\n", f"description: '{old} {TEMPLATE_TEXT}'\n")
    return root


@pytest.fixture(scope="module")
def variant_out(tmp_path_factory) -> Path:
    from accounts.app import synthesize
    from config import load, resolve

    base = tmp_path_factory.mktemp("variant")
    synthesize(resolve(load(_variant(base))), None, base / "out", state_dir=base / "state")
    return base / "out"


@pytest.fixture(scope="module")
def cloud_out(tmp_path_factory) -> Path:
    from accounts.app import synthesize
    from config import load, resolve

    base = tmp_path_factory.mktemp("cloud")
    root = copy_example(base)
    replace_text(
        root / "landing-zone.yaml",
        EXAMPLE_BACKEND,
        "state_backend:\n  type: cloud\n  organization: acme\n  project: ml-platform",
    )
    synthesize(resolve(load(root)), ["management", "staging"], base / "out", state_dir=base / "state")
    return base / "out"


def _validate(out: Path) -> dict[str, list[Finding]]:
    accounts = sorted(p.name for p in (out / "stacks").iterdir())
    return {r.account: list(r.findings) for r in validate_stacks(TERRAFORM, out, accounts)}


def test_example_stacks_are_valid_terraform(example_out):
    results = _validate(example_out)
    assert len(results) == 8
    assert {a: [str(f) for f in fs] for a, fs in results.items() if fs} == {}


@pytest.mark.slow
def test_every_feature_variant_is_valid_terraform(variant_out):
    stacks = read_stacks(variant_out)
    # The variant really has what it is meant to exercise.
    assert stacks.resources("management", "aws_servicecatalog_provisioned_product")
    assert stacks.resources("shared-services", "aws_codecommit_repository")
    assert all("s3" in s["terraform"]["backend"] for s in stacks.values())
    for account in ("staging", "production"):
        assert any("vpc_config" in m for m in stacks.resources(account, "aws_sagemaker_model").values())
    assert {
        g["model_package_group_description"]
        for g in stacks.resources("ml-exec", "aws_sagemaker_model_package_group").values()
    } >= {"Customer churn classifier uses $${HOME} and %%{ if x } literally"}
    results = _validate(variant_out)
    assert len(results) == 8
    assert {a: [str(f) for f in fs] for a, fs in results.items() if fs} == {}


def test_cloud_backend_stacks_are_valid_terraform(cloud_out):
    assert "cloud" in read_stacks(cloud_out)["staging"]["terraform"]
    results = _validate(cloud_out)
    assert sorted(results) == ["management", "staging"]
    assert {a: [str(f) for f in fs] for a, fs in results.items() if fs} == {}


def _first(stack: dict, rtype: str) -> tuple[str, dict]:
    name = sorted(stack["resource"][rtype])[0]
    return name, stack["resource"][rtype][name]


def _unknown_argument(stack: dict) -> tuple[str, str, str]:
    name, body = _first(stack, "aws_s3_bucket")
    body["bucket_nmae"] = "typo"
    return (
        f"aws_s3_bucket.{name}",
        "Extraneous JSON object property",
        'No argument or block type is named "bucket_nmae".',
    )


def _missing_attribute(stack: dict) -> tuple[str, str, str]:
    name, _ = _first(stack, "aws_s3_bucket")
    output = sorted(stack["output"])[0]
    stack["output"][output]["value"] = f"${{aws_s3_bucket.{name}.arnn}}"
    return (
        f"output.{output}",
        "Unsupported attribute",
        'This object has no argument, nested block, or exported attribute named "arnn". Did you mean "arn"?',
    )


def _missing_required(stack: dict) -> tuple[str, str, str]:
    name, body = _first(stack, "aws_iam_role_policy")
    del body["role"]
    return (
        f"aws_iam_role_policy.{name}",
        "Missing required argument",
        'The argument "role" is required, but no definition was found.',
    )


def _misspelt_nested_key(stack: dict) -> tuple[str, str, str]:
    name, body = _first(stack, "aws_s3_bucket_server_side_encryption_configuration")
    rule = body["rule"][0] if isinstance(body["rule"], list) else body["rule"]
    default = rule["apply_server_side_encryption_by_default"]
    default = default[0] if isinstance(default, list) else default
    default["sse_algorithmm"] = default.pop("sse_algorithm")
    return (
        f"aws_s3_bucket_server_side_encryption_configuration.{name}",
        "Extraneous JSON object property",
        'No argument or block type is named "sse_algorithmm".',
    )


def _wrong_type(stack: dict) -> tuple[str, str, str]:
    name, body = _first(stack, "aws_cloudwatch_log_group")
    body["retention_in_days"] = {"days": 30}
    return f"aws_cloudwatch_log_group.{name}", "Incorrect attribute value type", "number required"


DEFECTS = {
    "unknown-argument": _unknown_argument,
    "missing-attribute": _missing_attribute,
    "missing-required": _missing_required,
    "misspelt-nested-key": _misspelt_nested_key,
    "wrong-type": _wrong_type,
}


def test_planted_defects_fail_with_terraforms_messages(example_out, tmp_path):
    """One defect per stack copy: Terraform stops checking references once a block does not decode."""
    expected = {}
    for defect, plant in DEFECTS.items():
        stack = json.loads((example_out / "stacks/staging/cdk.tf.json").read_text())
        expected[defect] = plant(stack)
        (tmp_path / "stacks" / defect).mkdir(parents=True)
        (tmp_path / "stacks" / defect / "cdk.tf.json").write_text(json.dumps(stack, indent=2))
    results = validate_stacks(TERRAFORM, tmp_path, list(DEFECTS))
    for result in results:
        address, summary, detail = expected[result.account]
        errors = [f for f in result.findings if f.severity == "error"]
        assert {f.address for f in errors} == {address}, [str(f) for f in errors]
        [error] = [f for f in errors if f.summary == summary]
        assert detail in error.detail
        assert str(error).startswith(f"stacks/{result.account}/cdk.tf.json:")
    # The nested misspelling also leaves the required sse_algorithm unset: Terraform says both.
    nested = next(r for r in results if r.account == "misspelt-nested-key")
    assert sorted(f.summary for f in nested.findings) == [
        "Extraneous JSON object property",
        "Missing required argument",
    ]
    assert sum(len(r.findings) for r in results) == len(DEFECTS) + 1


def test_schema_from_the_bindings():
    schema = pb.GetProviderSchema.Response.FromString(cached_schema(offline_provider.cache_dir()).read_bytes())
    assert len(schema.resource_schemas) > 1500 and len(schema.data_source_schemas) > 600
    bucket = {a.name: a for a in schema.resource_schemas["aws_s3_bucket"].block.attributes}
    assert (
        bucket["bucket"].optional
        and not bucket["bucket"].required
        and bucket["arn"].computed
        and not bucket["arn"].optional
    )
    assert json.loads(bucket["tags"].type) == ["map", "string"]
    policy = {a.name: a for a in schema.resource_schemas["aws_iam_role_policy"].block.attributes}
    assert policy["role"].required and policy["policy"].required
    endpoint = {a.name: a for a in schema.resource_schemas["aws_vpc_endpoint"].block.attributes}
    assert json.loads(endpoint["dns_entry"].type) == [
        "list",
        ["object", {"dns_name": "string", "hosted_zone_id": "string"}],
    ]
    assert json.loads(endpoint["subnet_ids"].type) == ["set", "string"]
    source = {b.type_name: b for b in schema.resource_schemas["aws_codebuild_project"].block.block_types}["source"]
    assert source.nesting == pb.Schema.NestedBlock.LIST and source.min_items == 1
    assert "alias" not in {a.name for a in schema.provider.block.attributes}
    assert "assume_role" in {b.type_name for b in schema.provider.block.block_types}


def test_cli_reports_account_address_and_message(example_out, tmp_path, monkeypatch):
    broken = json.loads((example_out / "stacks/staging/cdk.tf.json").read_text())
    bucket, body = _first(broken, "aws_s3_bucket")
    body["bucket_nmae"] = "typo"

    def fake_synth(config, names, out, state_dir):  # the real synth is tested above; this plants a defect in its place
        (out / "stacks/staging").mkdir(parents=True)
        (out / "stacks/staging/cdk.tf.json").write_text(json.dumps(broken))
        return ["staging"]

    monkeypatch.setattr("cli.validate.run_synth", fake_synth)
    # First as a user's own terraform runs it: Terraform starts the plugin through dev_overrides alone.
    monkeypatch.setenv(offline_provider.SHARED_ENV, "0")
    result = CliRunner().invoke(app, ["validate", "--terraform", "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is False
    [stack] = report["stacks"]
    assert stack["account"] == "staging" and stack["valid"] is False
    [finding] = stack["findings"]
    assert finding["address"] == f"aws_s3_bucket.{bucket}" and finding["summary"] == "Extraneous JSON object property"
    assert finding["location"].startswith("stacks/staging/cdk.tf.json:")
    assert "mlops-tf: terraform validate found 1 error(s) in 1 of 1 stack(s)" in result.stderr
    shutil.rmtree(tmp_path / "out")
    monkeypatch.delenv(offline_provider.SHARED_ENV)  # then with the one shared plugin (TF_REATTACH_PROVIDERS)
    result = CliRunner().invoke(app, ["validate", "--terraform", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"staging: aws_s3_bucket.{bucket}: error: Extraneous JSON object property: " in result.stderr
    assert "staging: INVALID (1 errors" in result.stdout


def test_cli_plan_needs_terraform():
    result = CliRunner().invoke(app, ["validate", "--plan"])
    assert result.exit_code == 2
    assert "--plan needs --terraform" in result.stderr


def test_cli_without_terraform_exits_3(tmp_path):
    result = CliRunner().invoke(
        app,
        ["validate", "--terraform", "--terraform-bin", str(tmp_path / "no-terraform"), "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 3
    assert not (tmp_path / "out").exists()


def test_offline_plan_of_an_empty_state(example_out):
    """Management imports the organization; security reads data sources (placeholders) and creates the rest."""
    results = {r.account: r for r in validate_stacks(TERRAFORM, example_out, ["management", "security"], plan=True)}
    stacks = read_stacks(example_out)
    for account, result in results.items():
        assert [str(f) for f in result.findings] == []
        imports = stacks[account].get("import", [])
        resources = sum(len(v) for v in stacks[account]["resource"].values())
        assert result.changes["import"] == len(imports)
        assert result.changes["add"] == resources - len(imports)
        # Every created resource is in exactly one level, after everything it references.
        placed = {address: n for n, level in enumerate(result.levels) for address in level}
        assert len(placed) == sum(len(level) for level in result.levels) == resources - len(imports)
        assert len(result.levels) > 1
    security = {address: n for n, level in enumerate(results["security"].levels) for address in level}
    for address, level in security.items():
        rtype, name = address.split(".")
        refs = re.findall(
            r"\$\{(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)\.", json.dumps(stacks["security"]["resource"][rtype][name])
        )
        assert all(security[r] < level for r in refs if r in security), address
    # The organization, the adopted OU and the existing member accounts are imported, nothing else.
    imported = {i["to"] for i in stacks["management"]["import"]}
    assert (
        results["management"].changes["import"] == len(imported)
        and "aws_organizations_organization.organization" in imported
    )
    assert stacks["security"]["data"]


def test_planned_state_marks_unset_computed_values_unknown():
    schema = pb.GetProviderSchema.Response.FromString(cached_schema(offline_provider.cache_dir()).read_bytes())
    block = schema.resource_schemas["aws_vpc_endpoint"].block
    proposed = planning.empty(block, vpc_id="vpc-1", service_name="com.amazonaws.eu-west-1.s3")
    planned = planning.plan(block, proposed, None)
    assert (
        planned["arn"] is planning.UNKNOWN
        and planned["dns_entry"] is planning.UNKNOWN
        and planned["id"] is planning.UNKNOWN
    )
    assert planned["vpc_id"] == "vpc-1" and planned["policy"] is None  # configured stays, optional-only stays null
    roundtrip = planning.decode(planning.encode(planned))
    assert roundtrip["arn"] is planning.UNKNOWN and roundtrip["vpc_id"] == "vpc-1"
    data = planning.read_data_source(schema.data_source_schemas["aws_ssoadmin_instances"].block, {})
    assert len(data["arns"]) == 1 and len(data["identity_store_ids"]) == 1
