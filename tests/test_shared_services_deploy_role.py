"""The trusting side of the pipeline: accounts.pipeline_targets builds the deploy role the
inference stacks carry; its trust must name exactly the shared-services build role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import contracts


@pytest.fixture(scope="module")
def deploy_stacks(resolved_example, tmp_path_factory):
    from cdktf import App, Testing

    from accounts import pipeline_targets
    from accounts.base import AccountStack

    out = {}
    tmp = tmp_path_factory.mktemp("deploy-role")
    for name in ("staging", "production", "ml-exec"):
        app = App(outdir=str(tmp / name))
        stack = AccountStack(
            app,
            resolved_example,
            resolved_example.accounts[name],
            stack_dir=Path(tmp / name),
            state_dir=Path(tmp / "state"),
        )
        pipeline_targets.build(stack)
        out[name] = json.loads(Testing.synth(stack))
    return out


def test_deploy_role_trusts_exactly_the_build_role(resolved_example, stacks):
    r = resolved_example
    for target in ("staging", "production"):
        # The synthesized account stack (not the module alone): what Terraform applies.
        roles = stacks.resources(target, "aws_iam_role")
        role = next(v for v in roles.values() if v["name"] == contracts.pipeline_deploy_role_name(r))
        trust = json.loads(role["assume_role_policy"])["Statement"][0]
        build_role_arn = r.role_arn("shared-services", contracts.pipeline_build_role_name(r))
        assert trust["Principal"] == {"AWS": r.root_arn("shared-services")}
        assert trust["Condition"] == {"ArnEquals": {"aws:PrincipalArn": build_role_arn}}
        assert trust["Action"] == "sts:AssumeRole"
        # The assuming side: the build role exists with that name and may assume this role's ARN.
        names = [v["name"] for v in stacks.resources("shared-services", "aws_iam_role").values()]
        assert contracts.pipeline_build_role_name(r) in names
        policy = next(
            p
            for p in stacks.resources("shared-services", "aws_iam_role_policy").values()
            if "AssumeTargetDeployRoles" in p["policy"]
        )
        assert r.role_arn(target, contracts.pipeline_deploy_role_name(r)) in policy["policy"]


def test_deploy_role_permissions(deploy_stacks):
    res = deploy_stacks["staging"]["resource"]
    attachment = next(iter(res["aws_iam_role_policy_attachment"].values()))
    assert attachment["policy_arn"] == "arn:aws:iam::aws:policy/PowerUserAccess"
    inline = json.loads(next(iter(res["aws_iam_role_policy"].values()))["policy"])
    for stmt in inline["Statement"]:
        resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
        if stmt["Sid"] == "WriteServedModelPackages":
            # The served package of each unpinned endpoint variant, in this account only.
            assert resources == [
                f"arn:aws:ssm:eu-west-1:777777777777:parameter/acme-ml/serving/{p}/model-package-arn"
                for p in ("churn/primary", "churn/shadow", "fraud/primary")
            ]
            continue
        if stmt["Sid"] == "ReadServiceLinkedRoles":
            # Refreshing AWS Config's service-linked role (account baseline) reads it; nothing else.
            assert stmt["Action"] == "iam:GetRole" and resources == [
                "arn:aws:iam::777777777777:role/aws-service-role/*"
            ]
            continue
        assert all(x.startswith("arn:aws:iam::777777777777:") and x.endswith("/acme-ml-*") for x in resources)


def test_no_deploy_role_where_no_pipeline_deploys(deploy_stacks):
    assert "aws_iam_role" not in deploy_stacks["ml-exec"].get("resource", {})
