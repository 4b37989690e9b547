"""Cross-account review: both sides of each grant fixed in the review, asserted against each other."""
from __future__ import annotations

import json

from config.kinds.security import trail_arn

MANAGEMENT_ID = "111111111111"


def _policies(stacks, account: str, rtype: str, attr: str = "policy") -> list[dict]:
    return [json.loads(v[attr]) for v in stacks.resources(account, rtype).values()]


def _statement(docs: list[dict], sid: str) -> dict:
    found = [s for d in docs for s in d["Statement"] if s.get("Sid") == sid]
    assert len(found) == 1, sid
    return found[0]


def test_organization_trail_grants_name_the_trail_the_management_account_owns(stacks, resolved_example):
    """CloudTrail keeps the management account the owner of a delegated administrator's organization
    trail: every aws:SourceArn, the encryption context and the AWSLogs prefix must name it."""
    arn = trail_arn(resolved_example)
    assert arn.split(":")[4] == MANAGEMENT_ID
    assert stacks.resource("security", "aws_cloudtrail")["is_organization_trail"] is True
    bucket = _policies(stacks, "security", "aws_s3_bucket_policy")
    assert _statement(bucket, "CloudTrailAclCheck")["Condition"] == {"StringEquals": {"aws:SourceArn": arn}}
    write = _statement(bucket, "CloudTrailWrite")
    assert write["Condition"]["StringEquals"]["aws:SourceArn"] == arn
    assert any(r.endswith(f"/AWSLogs/{MANAGEMENT_ID}/*") for r in write["Resource"])
    assert not any("/AWSLogs/222222222222/" in r for r in write["Resource"])
    keys = _policies(stacks, "security", "aws_kms_key")
    encrypt = _statement(keys, "CloudTrailEncryptsLogs")
    assert encrypt["Condition"]["StringEquals"] == {"aws:SourceArn": arn}
    assert encrypt["Condition"]["StringLike"] == {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{MANAGEMENT_ID}:trail/*"}
    assert _statement(keys, "CloudTrailDescribesKey")["Condition"] == {"StringEquals": {"aws:SourceArn": arn}}
    trusts = _policies(stacks, "security", "aws_iam_role", "assume_role_policy")
    logs_trust = [s for d in trusts for s in d["Statement"] if s["Principal"] == {"Service": "cloudtrail.amazonaws.com"}]
    assert [s["Condition"] for s in logs_trust] == [{"StringEquals": {"aws:SourceArn": arn}}]


def test_model_package_group_policies_let_inference_deployers_create_models(stacks):
    """Staging/production create models from ml-exec model packages: the group policy must grant
    sagemaker:CreateModel on exactly those packages to exactly the roles Terraform runs as there."""
    policies = {v["model_package_group_name"]: json.loads(v["resource_policy"])
                for v in stacks.resources("ml-exec", "aws_sagemaker_model_package_group_policy").values()}
    for account, account_id in (("staging", "777777777777"), ("production", "888888888888")):
        variables = stacks[account]["variable"]
        for model in stacks.resources(account, "aws_sagemaker_model").values():
            var = model["primary_container"]["model_package_name"].removeprefix("${var.").removesuffix("}")
            package = variables[var]["default"]
            group = package.split("/")[1]
            grant = _statement([policies_for(policies, group)], "InferenceAccountsCreateModels")
            assert grant["Action"] == "sagemaker:CreateModel"
            assert grant["Resource"] == package.rsplit("/", 1)[0] + "/*"
            roles = grant["Condition"]["ArnEquals"]["aws:PrincipalArn"]
            assert f"arn:aws:iam::{account_id}:role/acme-ml-pipeline-deploy" in roles
            assert f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole" in roles
            assert f"arn:aws:iam::{account_id}:root" in grant["Principal"]["AWS"]
            # Only the deployers: not the shared-services build role nor execution roles.
            assert all(r.split("/")[-1] in ("acme-ml-pipeline-deploy", "OrganizationAccountAccessRole") for r in roles)


def policies_for(policies: dict, group: str) -> dict:
    """The resource policy of the group a model package belongs to (the group name is a Terraform reference)."""
    found = [p for p in policies.values() if any(s["Resource"].endswith(f":model-package-group/{group}") for s in p["Statement"])]
    assert len(found) == 1, group
    return found[0]
