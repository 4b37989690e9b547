"""Variants the example does not use: internet egress, existing VPC, SSO profiles, CodeCommit source."""

from __future__ import annotations

import json

import pytest

from tests.conftest import read_stacks
from tests.helpers import replace_text


@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    from accounts.app import synthesize
    from config import load, resolve
    from tests.conftest import copy_example

    base = tmp_path_factory.mktemp("variants")
    root = copy_example(base)
    ds, ss = root / "accounts" / "ds-dev.yaml", root / "accounts" / "shared-services.yaml"
    replace_text(ds, "egress: none", "egress: nat")
    replace_text(ds, "auth_mode: IAM", "auth_mode: SSO")
    replace_text(
        ds, "{name: alice, persona: data-scientist}", "{name: alice, persona: data-scientist, sso_user: alice}"
    )
    replace_text(ds, "enforce_kms: true", "enforce_kms: false")
    replace_text(ds, "home_efs_on_delete: Retain", "home_efs_on_delete: Delete")
    replace_text(
        ss,
        "      type: codeconnections\n      provider: GitHub\n      repository: acme/ml-landing-zone\n",
        "      type: codecommit\n      repository: ml-landing-zone\n",
    )
    out = base / "out"
    synthesize(resolve(load(root)), ["ds-dev", "shared-services"], out, state_dir=base / "state")
    return read_stacks(out)


def test_egress_nat_adds_nat_gateway(variant):
    assert len(variant.resources("ds-dev", "aws_internet_gateway")) == 1
    nat = next(iter(variant.resources("ds-dev", "aws_nat_gateway").values()))
    assert nat["subnet_id"].startswith("${aws_subnet.network_public")
    routes = variant.resources("ds-dev", "aws_route").values()
    assert sorted(
        "nat_gateway_id" in r and r["route_table_id"].startswith("${aws_route_table.network_private") for r in routes
    ) == [False, True]
    assert all(r["destination_cidr_block"] == "0.0.0.0/0" for r in routes)
    public = [s for s in variant.resources("ds-dev", "aws_subnet").values() if s["cidr_block"] == "10.20.224.0/19"]
    assert len(public) == 1


def test_sso_profiles_and_no_kms_condition(variant):
    domain = next(iter(variant.resources("ds-dev", "aws_sagemaker_domain").values()))
    assert domain["auth_mode"] == "SSO"
    alice = next(
        p
        for p in variant.resources("ds-dev", "aws_sagemaker_user_profile").values()
        if p["user_profile_name"] == "alice"
    )
    assert (alice["single_sign_on_user_identifier"], alice["single_sign_on_user_value"]) == ("UserName", "alice")
    policies = [json.loads(p["policy"]) for p in variant.resources("ds-dev", "aws_iam_policy").values()]
    jobs = next(s for p in policies for s in p["Statement"] if s["Sid"] == "ManageMlJobsCreateVpcJobs")
    assert jobs["Condition"]["Null"] == {"sagemaker:VpcSubnets": "false"}


def test_codecommit_source(variant):
    # The deployment pipeline's repository (the model-build project's own is tests/test_model_build.py's).
    repo = next(
        v
        for k, v in variant.resources("shared-services", "aws_codecommit_repository").items()
        if not k.startswith("model-build-")
    )
    assert repo["repository_name"] == "ml-landing-zone"
    assert not variant.resources("shared-services", "aws_codeconnections_connection")
    pipeline = next(iter(variant.resources("shared-services", "aws_codepipeline").values()))
    source = pipeline["stage"][0]["action"][0]
    assert source["provider"] == "CodeCommit" and source["configuration"]["BranchName"] == "main"
    policy = next(
        p for p in variant.resources("shared-services", "aws_iam_role_policy").values() if "ReadSource" in p["policy"]
    )
    read = next(s for s in json.loads(policy["policy"])["Statement"] if s["Sid"] == "ReadSource")
    assert read["Resource"] == "arn:aws:codecommit:eu-west-1:444444444444:ml-landing-zone"


def test_home_efs_deleted_with_the_domain_when_configured(variant, stacks):
    """Delete: the domain's deletion removes the home EFS (and the mount targets that would block the VPC);
    the example keeps the default Retain."""
    domain = next(iter(variant.resources("ds-dev", "aws_sagemaker_domain").values()))
    assert domain["retention_policy"] == {"home_efs_file_system": "Delete"}
    example = next(iter(stacks.resources("ds-dev", "aws_sagemaker_domain").values()))
    assert example["retention_policy"] == {"home_efs_file_system": "Retain"}
