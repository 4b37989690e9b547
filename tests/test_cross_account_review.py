"""Cross-account review: both sides of each grant fixed in the review, asserted against each other."""

from __future__ import annotations

import json
import re

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
    assert encrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{MANAGEMENT_ID}:trail/*"
    }
    assert _statement(keys, "CloudTrailDescribesKey")["Condition"] == {"StringEquals": {"aws:SourceArn": arn}}
    trusts = _policies(stacks, "security", "aws_iam_role", "assume_role_policy")
    logs_trust = [
        s for d in trusts for s in d["Statement"] if s["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    ]
    assert [s["Condition"] for s in logs_trust] == [{"StringEquals": {"aws:SourceArn": arn}}]


def test_model_package_group_policies_let_inference_deployers_create_models(stacks, resolved_example):
    """Staging/production create models from ml-exec model packages: the group policy must grant
    sagemaker:CreateModel on exactly those packages to exactly the roles Terraform runs as there."""
    policies = {
        v["model_package_group_name"]: json.loads(v["resource_policy"])
        for v in stacks.resources("ml-exec", "aws_sagemaker_model_package_group_policy").values()
    }
    for account, account_id in (("staging", "777777777777"), ("production", "888888888888")):
        for model in stacks.resources(account, "aws_sagemaker_model").values():
            # The package is what the pipeline deployed (SSM): its group is in the parameter the model reads.
            parameter = re.search(
                r'"(/acme-ml/serving/([a-z0-9-]+)/[a-z0-9-]+/model-package-arn)"',
                model["primary_container"]["model_package_name"],
            )
            endpoint = parameter.group(2)
            group = next(
                ep.model_package_group
                for ep in resolved_example.accounts[account].config.inference.endpoints
                if ep.name == endpoint
            )
            grant = _statement([policies_for(policies, f"acme-ml-{group}")], "InferenceAccountsCreateModels")
            assert grant["Action"] == "sagemaker:CreateModel"
            assert grant["Resource"] == f"arn:aws:sagemaker:eu-west-1:666666666666:model-package/acme-ml-{group}/*"
            roles = grant["Condition"]["ArnEquals"]["aws:PrincipalArn"]
            assert f"arn:aws:iam::{account_id}:role/acme-ml-pipeline-deploy" in roles
            assert f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole" in roles
            assert f"arn:aws:iam::{account_id}:root" in grant["Principal"]["AWS"]
            # Only the deployers: not the shared-services build role nor execution roles.
            assert all(r.split("/")[-1] in ("acme-ml-pipeline-deploy", "OrganizationAccountAccessRole") for r in roles)


def policies_for(policies: dict, group: str) -> dict:
    """The resource policy of the group a model package belongs to (the group name is a Terraform reference)."""
    found = [
        p
        for p in policies.values()
        if any(s["Resource"].endswith(f":model-package-group/{group}") for s in p["Statement"])
    ]
    assert len(found) == 1, group
    return found[0]


def _grants_to(docs: list[dict], role_arn: str, action: str) -> list[dict]:
    """Allow statements of resource policies that let role_arn (via its account root) perform action."""
    account = role_arn.split(":")[4]
    out = []
    for doc in docs:
        for s in doc["Statement"]:
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            roots = s.get("Principal", {}).get("AWS", []) if isinstance(s.get("Principal"), dict) else []
            roots = roots if isinstance(roots, list) else [roots]
            arns = s.get("Condition", {}).get("ArnEquals", {}).get("aws:PrincipalArn", [])
            arns = arns if isinstance(arns, list) else [arns]
            if (
                s["Effect"] == "Allow"
                and action in actions
                and f"arn:aws:iam::{account}:root" in roots
                and role_arn in arns
            ):
                out.append(s)
    return out


def _identity_reads(stacks, account: str, role_name: str) -> tuple[set[str], set[str]]:
    """(object ARNs granted s3:GetObject on the data account's lake, whether kms:Decrypt on its keys) of one role."""
    roles = [k for k, v in stacks.resources(account, "aws_iam_role").items() if v["name"] == role_name]
    assert len(roles) == 1, role_name
    attached = {
        v["policy_arn"]
        for v in stacks.resources(account, "aws_iam_role_policy_attachment").values()
        if v["role"] in (f"${{aws_iam_role.{roles[0]}.name}}", f"${{aws_iam_role.{roles[0]}.id}}")
    }
    docs = [
        json.loads(v["policy"])
        for v in stacks.resources(account, "aws_iam_role_policy").values()
        if v["role"] in (f"${{aws_iam_role.{roles[0]}.name}}", f"${{aws_iam_role.{roles[0]}.id}}")
    ]
    docs += [
        json.loads(v["policy"])
        for k, v in stacks.resources(account, "aws_iam_policy").items()
        if f"${{aws_iam_policy.{k}.arn}}" in attached
    ]
    objects, decrypt = set(), False
    for doc in docs:
        for s in doc["Statement"]:
            res = s.get("Resource", [])
            res = res if isinstance(res, list) else [res]
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            if "s3:GetObject" in actions:
                objects |= {r for r in res if ":::acme-ml-lake-" in r}
            if "kms:Decrypt" in actions and "arn:aws:kms:eu-west-1:333333333333:key/*" in res:
                decrypt = True
    return objects, decrypt


def test_lake_reads_from_other_accounts_are_granted_by_the_data_account(stacks):
    """Studio personas (ds-dev) and the pipeline execution role (ml-exec) read lake objects with their
    identity policies; the data account's bucket policy and lake key must grant exactly those roles."""
    bucket_docs = _policies(stacks, "data", "aws_s3_bucket_policy")
    key_docs = [
        json.loads(v["policy"])
        for v in stacks.resources("data", "aws_kms_key").values()
        if "AllowS3ServerAccessLogDelivery" not in v["policy"]
    ]
    readers = {
        "arn:aws:iam::555555555555:role/acme-ml-persona-data-scientist": ("ds-dev", "acme-ml-persona-data-scientist"),
        "arn:aws:iam::555555555555:role/acme-ml-persona-sagemaker-compute": (
            "ds-dev",
            "acme-ml-persona-sagemaker-compute",
        ),
        "arn:aws:iam::666666666666:role/acme-ml-ml-pipeline-execution": ("ml-exec", "acme-ml-ml-pipeline-execution"),
    }
    for role_arn, (account, role_name) in readers.items():
        wanted, decrypt = _identity_reads(stacks, account, role_name)
        assert wanted and decrypt, role_arn  # the consumer side asks for lake objects and the lake key
        granted = {
            r
            for s in _grants_to(bucket_docs, role_arn, "s3:GetObject")
            for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
        }
        assert wanted <= granted, (role_arn, wanted, granted)
        assert granted <= wanted, (role_arn, "bucket grants more than the role asks for")
        lists = _grants_to(bucket_docs, role_arn, "s3:ListBucket")
        assert {s["Resource"] for s in lists} == {w.split("/", 1)[0] for w in wanted}
        # Through S3 exactly once; a role that also queries the catalog has a second, Glue-only grant.
        key = _grants_to(key_docs, role_arn, "kms:Decrypt")
        via = sorted(k["Condition"]["StringEquals"]["kms:ViaService"] for k in key)
        assert via in (["s3.eu-west-1.amazonaws.com"], ["glue.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"])
    pipeline = _grants_to(bucket_docs, "arn:aws:iam::666666666666:role/acme-ml-ml-pipeline-execution", "s3:ListBucket")
    assert pipeline[0]["Condition"]["StringLike"] == {"s3:prefix": "churn/*"}
