"""Policies AWS services can satisfy: CloudTrail digest files, the trail's wait for its log role policy.

The bucket policy is evaluated here for concrete requests (a small evaluator of the operators it uses),
so the test shows which uploads AWS would refuse, not only which statements exist.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from tests.synth_lookup import as_list, bucket_statements

TRAIL_ARN = "arn:aws:cloudtrail:eu-west-1:111111111111:trail/acme-ml-organization-trail"
TRAIL_BUCKET = "acme-ml-cloudtrail-222222222222-eu-west-1"
OBJECTS = f"arn:aws:s3:::{TRAIL_BUCKET}/AWSLogs/o-a1b2c3d4e5/333333333333"
LOG_FILE = f"{OBJECTS}/CloudTrail/eu-west-1/2026/12/01/333333333333_CloudTrail_eu-west-1_20261201T0000Z_a.json.gz"
DIGEST = (
    f"{OBJECTS}/CloudTrail-Digest/eu-west-1/2026/12/01/"
    "333333333333_CloudTrail-Digest_eu-west-1_acme-ml-organization-trail_eu-west-1_20261201T010000Z.json.gz"
)


def _condition_holds(condition: dict[str, Any], context: dict[str, str]) -> bool:
    """Every operator of a condition block, for the operators the bucket policies use."""
    for operator, pairs in condition.items():
        for key, wanted in pairs.items():
            wanted = as_list(wanted)
            present = key in context
            if operator == "StringNotEqualsIfExists":
                ok = not present or context[key] not in wanted
            elif operator == "StringNotEquals":
                ok = not present or context[key] not in wanted  # negated operators match an absent key
            elif operator == "StringEquals":
                ok = present and context[key] in wanted
            elif operator == "Bool":
                ok = present and context[key] in wanted
            else:
                raise AssertionError(f"operator {operator} not modelled")
            if not ok:
                return False
    return True


def _denied(statements: list[dict[str, Any]], resource: str, context: dict[str, str]) -> list[str]:
    """Sids of Deny statements matching an s3:PutObject of resource with this request context."""
    out = []
    for s in statements:
        if s["Effect"] != "Deny" or not any(fnmatch.fnmatchcase("s3:PutObject", a) for a in as_list(s["Action"])):
            continue
        if any(fnmatch.fnmatchcase(resource, r) for r in as_list(s["Resource"])) and _condition_holds(
            s.get("Condition", {}), context
        ):
            out.append(s["Sid"])
    return out


def _cloudtrail(encryption: str | None) -> dict[str, str]:
    context = {"aws:SecureTransport": "true", "aws:SourceArn": TRAIL_ARN, "s3:x-amz-acl": "bucket-owner-full-control"}
    if encryption:
        context["s3:x-amz-server-side-encryption"] = encryption
    return context


def test_cloudtrail_may_write_digest_files_with_sse_s3_but_log_files_only_with_kms(stacks):
    # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
    statements = bucket_statements(stacks, "security", TRAIL_BUCKET)
    assert _denied(statements, DIGEST, _cloudtrail("AES256")) == []
    assert _denied(statements, LOG_FILE, _cloudtrail("aws:kms")) == []
    assert _denied(statements, LOG_FILE, _cloudtrail("AES256")) == ["DenyServiceUploadsNotEncryptedWithKms"]
    # Anyone else (another trail, a person) is still held to the key, digest prefix included.
    person = {"aws:SecureTransport": "true", "s3:x-amz-server-side-encryption": "AES256"}
    both = ["DenyUploadsNotEncryptedWithKms", "DenyUploadsWithAnotherKey"]
    assert _denied(statements, DIGEST, person) == both
    other_trail = {**_cloudtrail("AES256"), "aws:SourceArn": TRAIL_ARN.replace("organization-trail", "other")}
    assert _denied(statements, DIGEST, other_trail) == both
    # The digest is also under the one grant CloudTrail has.
    (write,) = [s for s in statements if s["Sid"] == "CloudTrailWrite"]
    assert any(fnmatch.fnmatchcase(DIGEST, r) for r in as_list(write["Resource"]))


def test_buckets_without_a_service_writer_keep_the_plain_kms_rule(stacks):
    statements = bucket_statements(stacks, "ml-exec", "acme-ml-ml-artifacts-666666666666-eu-west-1")
    (deny,) = [s for s in statements if s["Sid"] == "DenyUploadsNotEncryptedWithKms"]
    assert deny["Condition"] == {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}
    (key,) = [s for s in statements if s["Sid"] == "DenyUploadsWithAnotherKey"]
    assert list(key["Condition"]) == ["StringNotEqualsIfExists"]
    assert "DenyServiceUploadsNotEncryptedWithKms" not in {s["Sid"] for s in statements}


def test_trail_waits_for_its_cloudwatch_logs_role_policy(stacks):
    trail = stacks.resource("security", "aws_cloudtrail")
    (policy,) = [
        k for k, v in stacks.resources("security", "aws_iam_role_policy").items() if v["name"] == "deliver-to-log-group"
    ]
    assert f"aws_iam_role_policy.{policy}" in trail["depends_on"]
    role = stacks.resources("security", "aws_iam_role_policy")[policy]["role"]
    assert trail["cloud_watch_logs_role_arn"] == role.replace(".id}", ".arn}")


def test_config_delivers_to_the_central_bucket_without_encryption_headers(stacks):
    """Delivery channels send no SSE headers; the bucket's default SSE-KMS encrypts what Config writes.
    https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html"""
    (bucket,) = [
        b["bucket"]
        for b in stacks.resources("security", "aws_s3_bucket").values()
        if b["bucket"].startswith("acme-ml-config-")
    ]
    statements = bucket_statements(stacks, "security", bucket)
    snapshot = f"arn:aws:s3:::{bucket}/AWSLogs/777777777777/Config/eu-central-1/2026/12/1/ConfigSnapshot/x.json.gz"
    config = {
        "aws:SecureTransport": "true",
        "aws:PrincipalServiceName": "config.amazonaws.com",
        "aws:SourceAccount": "777777777777",
        "s3:x-amz-acl": "bucket-owner-full-control",
    }
    assert _denied(statements, snapshot, config) == []
    # A person (or another service) uploading without the key is still refused, and so is Config asking for SSE-S3.
    both = ["DenyUploadsNotEncryptedWithKms", "DenyUploadsWithAnotherKey"]
    assert _denied(statements, snapshot, {"aws:SecureTransport": "true"}) == both
    assert _denied(statements, snapshot, {**config, "aws:PrincipalServiceName": "cloudtrail.amazonaws.com"}) == both
    assert _denied(statements, snapshot, {**config, "aws:SecureTransport": "false"}) != []
