"""The security account's synthesized stack, the security-audit role in every account, and the
management side of delegation."""

from __future__ import annotations

import json

import pytest

from tests.conftest import read_stacks
from tests.helpers import replace_text
from tests.synth_lookup import bucket_part, bucket_statements, by_sid, key_for_alias, key_statements, named

# Organization trails are owned by the management account even when the security account creates them.
TRAIL_ARN = "arn:aws:cloudtrail:eu-west-1:111111111111:trail/acme-ml-organization-trail"
TRAIL_BUCKET = "acme-ml-cloudtrail-222222222222-eu-west-1"


def test_permission_sets_for_every_persona(stacks):
    sets = {p["name"]: p for p in stacks.resources("security", "aws_ssoadmin_permission_set").values()}
    assert sorted(sets) == [
        "data-engineer",
        "data-scientist",
        "ml-engineer",
        "platform-admin",
        "read-only",
        "security-auditor",
    ]
    assert sets["ml-engineer"]["session_duration"] == "PT8H" and sets["platform-admin"]["session_duration"] == "PT4H"
    attached = sorted(
        a["managed_policy_arn"] for a in stacks.resources("security", "aws_ssoadmin_managed_policy_attachment").values()
    )
    assert "arn:aws:iam::aws:policy/job-function/DataScientist" in attached
    assert attached.count("arn:aws:iam::aws:policy/ReadOnlyAccess") == 3
    inline = {
        v["permission_set_arn"].split(".")[1]: json.loads(v["inline_policy"])["Statement"]
        for v in stacks.resources("security", "aws_ssoadmin_permission_set_inline_policy").values()
    }
    auditor_key = next(
        k
        for k, v in stacks.resources("security", "aws_ssoadmin_permission_set").items()
        if v["name"] == "security-auditor"
    )
    assert inline[auditor_key] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Resource": "arn:aws:iam::222222222222:role/acme-ml-security-auditor",
            "Sid": "AssumeSecurityAuditorRole",
        }
    ]


def test_groups_created_or_by_id_and_assignments_by_account_name(stacks):
    # Created, never looked up: a data source would fail on a fresh organization (provider issue 17279).
    assert not stacks.data("security", "aws_identitystore_group")
    created = stacks.resources("security", "aws_identitystore_group")
    assert {g["display_name"] for g in created.values()} == {
        "Platform Administrators",
        "ML Engineers",
        "Data Scientists",
        "Data Engineers",
        "External Auditors",
    }
    admins = next(k for k, g in created.items() if g["display_name"] == "Platform Administrators")
    assert created[admins]["description"] == "Administer the landing zone"
    [instances] = stacks.data("security", "aws_ssoadmin_instances")
    assert {g["identity_store_id"] for g in created.values()} == {
        f"${{element(data.aws_ssoadmin_instances.{instances}.identity_store_ids, 0)}}"
    }
    assignments = list(stacks.resources("security", "aws_ssoadmin_account_assignment").values())
    assert len(assignments) == 7 + 3 + 1 + 1 + 1 + 1 + 2
    assert all(a["principal_type"] == "GROUP" and a["target_type"] == "AWS_ACCOUNT" for a in assignments)
    to_admins = [a for a in assignments if a["principal_id"] == f"${{aws_identitystore_group.{admins}.group_id}}"]
    assert len(to_admins) == 7
    by_id = [a for a in assignments if a["principal_id"] == "9067a2b4c1-4f3e2d1c-aaaa-bbbb-cccc-0123456789ab"]
    assert [a["target_id"] for a in by_id] == ["222222222222"]
    targets = {a["target_id"] for a in assignments}
    assert "111111111111" not in targets and {"555555555555", "666666666666", "888888888888"} <= targets


def test_organization_trail(stacks):
    trail = stacks.resource("security", "aws_cloudtrail")
    assert trail["name"] == "acme-ml-organization-trail" and trail["s3_bucket_name"] == TRAIL_BUCKET
    flags = (
        "is_organization_trail",
        "is_multi_region_trail",
        "include_global_service_events",
        "enable_log_file_validation",
    )
    assert all(trail[f] is True for f in flags)
    key_logical, key = key_for_alias(stacks, "security", "alias/acme-ml/cloudtrail")
    assert trail["kms_key_id"] == f"${{aws_kms_key.{key_logical}.arn}}" and key["enable_key_rotation"] is True
    assert trail["cloud_watch_logs_group_arn"].endswith(".arn}:*")
    group = stacks.resource("security", "aws_cloudwatch_log_group")
    assert group["name"] == "/aws/cloudtrail/acme-ml-organization-trail" and group["retention_in_days"] == 365
    assert group["kms_key_id"] == f"${{aws_kms_key.{key_logical}.arn}}"


def test_trail_bucket_and_key_policies_name_the_trail(stacks):
    statements = by_sid(bucket_statements(stacks, "security", TRAIL_BUCKET))
    assert statements["CloudTrailAclCheck"]["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}
    write = statements["CloudTrailWrite"]
    assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert write["Resource"] == [
        f"arn:aws:s3:::{TRAIL_BUCKET}/AWSLogs/111111111111/*",
        f"arn:aws:s3:::{TRAIL_BUCKET}/AWSLogs/o-a1b2c3d4e5/*",
    ]
    assert write["Condition"]["StringEquals"] == {
        "aws:SourceArn": TRAIL_ARN,
        "s3:x-amz-acl": "bucket-owner-full-control",
    }
    lifecycle = {
        r["id"]: r
        for r in bucket_part(stacks, "security", TRAIL_BUCKET, "aws_s3_bucket_lifecycle_configuration")["rule"]
    }
    assert lifecycle["retain-trail-logs"]["transition"] == [{"days": 90, "storage_class": "GLACIER"}]
    assert lifecycle["retain-trail-logs"]["expiration"] == [{"days": 2555}]
    key = by_sid(key_statements(stacks, "security", "alias/acme-ml/cloudtrail"))
    encrypt = key["CloudTrailEncryptsLogs"]
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"] == {
        "StringEquals": {"aws:SourceArn": TRAIL_ARN},
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111111111111:trail/*"},
    }
    assert key["CloudWatchLogsEncryptTrailEvents"]["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert "TrailAccountDeployerDescribesKey" not in key  # same account: no cross-account describe


def test_guardduty_auto_enables_members_and_features(stacks):
    # One organization configuration per allowed region (tests/test_baseline_synth.py checks the regions).
    orgs = stacks.resources("security", "aws_guardduty_organization_configuration").values()
    assert len(orgs) == 3 and {o["auto_enable_organization_members"] for o in orgs} == {"ALL"}
    features = sorted(
        {
            (f["name"], f["auto_enable"])
            for f in stacks.resources("security", "aws_guardduty_organization_configuration_feature").values()
        }
    )
    assert features == [
        ("EBS_MALWARE_PROTECTION", "ALL"),
        ("LAMBDA_NETWORK_LOGS", "ALL"),
        ("RDS_LOGIN_EVENTS", "ALL"),
        ("S3_DATA_EVENTS", "ALL"),
    ]


def test_security_hub_central_configuration(stacks):
    aggregator = stacks.resource("security", "aws_securityhub_finding_aggregator")
    assert aggregator == {
        **aggregator,
        "linking_mode": "SPECIFIED_REGIONS",
        "specified_regions": ["eu-central-1", "us-east-1"],
    }
    org = stacks.resource("security", "aws_securityhub_organization_configuration")
    assert org["organization_configuration"] == {"configuration_type": "CENTRAL"} and org["auto_enable"] is False
    policy = stacks.resource("security", "aws_securityhub_configuration_policy")["configuration_policy"]
    assert policy["service_enabled"] is True
    assert policy["enabled_standard_arns"] == [
        "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0",
        "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0",
    ]
    association = stacks.resource("security", "aws_securityhub_configuration_policy_association")
    assert association["target_id"].startswith("${data.aws_organizations_organization.")


def test_findings_alerts_at_or_above_high_to_encrypted_topic(stacks):
    rules = {
        r["name"]: json.loads(r["event_pattern"])
        for r in stacks.resources("security", "aws_cloudwatch_event_rule").values()
    }
    assert rules["acme-ml-security-findings-guardduty"]["detail"] == {"severity": [{"numeric": [">=", 7]}]}
    assert rules["acme-ml-security-findings-securityhub"]["detail"]["findings"]["Severity"] == {
        "Label": ["HIGH", "CRITICAL"]
    }
    topic = stacks.resource("security", "aws_sns_topic")
    key_logical, _ = key_for_alias(stacks, "security", "alias/acme-ml/security-alerts")
    assert topic["kms_master_key_id"] == f"${{aws_kms_key.{key_logical}.arn}}"
    key = by_sid(key_statements(stacks, "security", "alias/acme-ml/security-alerts"))
    assert key["EventBridgePublishesEncrypted"]["Principal"] == {"Service": "events.amazonaws.com"}
    publish = by_sid(json.loads(stacks.resource("security", "aws_sns_topic_policy")["policy"])["Statement"])[
        "EventBridgePublishesFindings"
    ]
    assert publish["Condition"] == {
        "ArnEquals": {
            "aws:SourceArn": [
                "arn:aws:events:eu-west-1:222222222222:rule/acme-ml-security-findings-guardduty",
                "arn:aws:events:eu-west-1:222222222222:rule/acme-ml-security-findings-securityhub",
            ]
        }
    }
    emails = sorted(
        (s["protocol"], s["endpoint"]) for s in stacks.resources("security", "aws_sns_topic_subscription").values()
    )
    assert emails == [("email", "platform-oncall@acme.example"), ("email", "security-alerts@acme.example")]
    targets = {t["rule"].split(".")[1] for t in stacks.resources("security", "aws_cloudwatch_event_target").values()}
    assert len(targets) == 2


def test_security_audit_role_in_every_account_trusts_only_the_auditor_role(stacks, resolved_example):
    for account in resolved_example.accounts:
        role = named(stacks, account, "aws_iam_role", "name", "acme-ml-security-audit")
        trust = json.loads(role["assume_role_policy"])["Statement"]
        assert trust == [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                "Sid": "Trust",
                "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/acme-ml-security-auditor"}
                },
            }
        ]
        attached = sorted(
            a["policy_arn"]
            for a in stacks.resources(account, "aws_iam_role_policy_attachment").values()
            if "security-audit" in a["role"]
        )
        assert attached == [
            "arn:aws:iam::aws:policy/SecurityAudit",
            "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
        ], account


def test_auditor_role_is_reached_only_from_audit_personas(stacks, resolved_example):
    role = named(stacks, "security", "aws_iam_role", "name", "acme-ml-security-auditor")
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    assert trust["Condition"] == {
        "ArnLike": {
            "aws:PrincipalArn": "arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/"
            "*AWSReservedSSO_security-auditor_*"
        }
    }
    policy = next(
        p
        for p in stacks.resources("security", "aws_iam_role_policy").values()
        if p["name"] == "assume-security-audit-roles"
    )
    resources = json.loads(policy["policy"])["Statement"][0]["Resource"]
    assert resources == sorted(
        f"arn:aws:iam::{resolved_example.account_id(a)}:role/acme-ml-security-audit" for a in resolved_example.accounts
    )


def test_management_delegates_cloudtrail_and_identity_center(stacks):
    cloudtrail = stacks.resource("management", "aws_cloudtrail_organization_delegated_admin_account")
    assert cloudtrail["account_id"] == "222222222222"
    sso = named(
        stacks, "management", "aws_organizations_delegated_administrator", "service_principal", "sso.amazonaws.com"
    )
    assert sso["account_id"] == "222222222222"
    for resource in (cloudtrail, sso):
        (address,) = resource["depends_on"]
        rtype, name = address.split(".")
        assert name in stacks.resources("management", rtype), f"{address} must exist in the management stack"
    assert not stacks.resources("management", "aws_ssoadmin_permission_set")


def test_only_the_administrator_runs_organization_services(stacks):
    for account in ("data", "staging", "management"):
        assert not stacks.resources(account, "aws_guardduty_organization_configuration")
        assert not stacks.resources(account, "aws_cloudtrail")


@pytest.fixture(scope="module")
def separate_archive(tmp_path_factory) -> dict:
    """The example with a second security account, log-archive, holding the trail's logs."""
    from accounts.app import synthesize
    from config import load, resolve
    from tests.conftest import copy_example

    base = tmp_path_factory.mktemp("archive")
    root = copy_example(base)
    (root / "accounts" / "log-archive.yaml").write_text(
        "name: log-archive\nkind: security\naccount_id: '999999999999'\nou: Security\n"
    )
    replace_text(
        root / "accounts" / "security.yaml", "log_archive_account: security", "log_archive_account: log-archive"
    )
    resolved = resolve(load(root))
    synthesize(resolved, ["security", "log-archive"], base / "out", state_dir=base / "state")
    return read_stacks(base / "out")


def test_separate_log_archive_account(separate_archive):
    stacks = separate_archive
    bucket = "acme-ml-cloudtrail-999999999999-eu-west-1"
    write = by_sid(bucket_statements(stacks, "log-archive", bucket))["CloudTrailWrite"]
    assert write["Condition"]["StringEquals"]["aws:SourceArn"] == TRAIL_ARN
    assert f"arn:aws:s3:::{bucket}/AWSLogs/111111111111/*" in write["Resource"]
    key = by_sid(key_statements(stacks, "log-archive", "alias/acme-ml/cloudtrail"))
    describe = key["TrailAccountDeployerDescribesKey"]
    assert describe["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    assert describe["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"}
    }
    assert key["ArchiveAccountDecryptsLogs"]["Condition"]["StringEquals"] == {"kms:CallerAccount": "999999999999"}
    trail = stacks.resource("security", "aws_cloudtrail")
    assert trail["s3_bucket_name"] == bucket
    ((lookup_name, lookup),) = stacks.data("security", "aws_kms_key").items()
    assert lookup["key_id"] == "arn:aws:kms:eu-west-1:999999999999:alias/acme-ml/cloudtrail"
    assert trail["kms_key_id"] == f"${{data.aws_kms_key.{lookup_name}.arn}}"
    assert not [b for b in stacks.resources("security", "aws_s3_bucket").values() if "cloudtrail" in b["bucket"]]
    assert not stacks.resources("log-archive", "aws_cloudtrail")
    assert not stacks.resources("log-archive", "aws_ssoadmin_permission_set")
    # The trail account keeps its CloudWatch Logs delivery with a key of its own.
    logs_key = by_sid(key_statements(stacks, "security", "alias/acme-ml/cloudtrail-logs"))
    assert logs_key["CloudWatchLogsEncryptTrailEvents"]["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}


def test_security_hub_account_that_delegation_enabled_is_adopted_not_enabled_again(stacks):
    """Designating the delegated administrator enables Security Hub there; a second enable fails."""
    ((address, hub),) = stacks.resources("security", "aws_securityhub_account").items()
    imports = {i["to"]: i["id"] for i in stacks["security"]["import"]}
    assert imports[f"aws_securityhub_account.{address}"] == "222222222222"
    assert hub["lifecycle"] == {"prevent_destroy": True, "ignore_changes": ["enable_default_standards"]}
