"""The synthesized management stack: organization, OUs, accounts, SCPs, attachments, delegated admins."""

from __future__ import annotations

import json

import pytest

from tests.conftest import read_stacks, statements
from tests.helpers import enroll_existing_accounts, fit_control_tower, replace_text


def by_attr(resources: dict, attr: str) -> dict:
    return {r[attr]: r for r in resources.values()}


def test_organization_is_imported_with_trusted_access(stacks):
    org = stacks.resource("management", "aws_organizations_organization")
    assert org["feature_set"] == "ALL"
    # Imported: ours plus whatever is enabled today (tests/test_organization_adoption.py has the details).
    assert org["enabled_policy_types"].startswith('${sort(setunion(["SERVICE_CONTROL_POLICY", "TAG_POLICY"], ')
    assert all(
        f'"{p}"' in org["aws_service_access_principals"]
        for p in ("guardduty.amazonaws.com", "securityhub.amazonaws.com", "access-analyzer.amazonaws.com")
    )
    assert {"id": "o-a1b2c3d4e5", "to": "aws_organizations_organization.organization"} in stacks["management"]["import"]


def test_ram_shares_within_the_organization_need_no_acceptance(stacks):
    sharing = stacks.resource("management", "aws_ram_sharing_with_organization")
    assert sharing["depends_on"] == ["aws_organizations_organization.organization"]
    assert (
        '"ram.amazonaws.com"'
        in stacks.resource("management", "aws_organizations_organization")["aws_service_access_principals"]
    )


def test_ous_nested_by_path(stacks):
    ous = stacks.resources("management", "aws_organizations_organizational_unit")
    assert sorted(ou["name"] for ou in ous.values()) == [
        "Dev",
        "Infrastructure",
        "Prod",
        "Security",
        "Staging",
        "Workloads",
    ]
    assert ous["ou-workloads"]["parent_id"] == "${aws_organizations_organization.organization.roots[0].id}"
    assert ous["ou-workloads-prod"]["parent_id"] == "${aws_organizations_organizational_unit.ou-workloads.id}"


def test_member_accounts_created_for_emails(stacks):
    accounts = stacks.resources("management", "aws_organizations_account")
    # Existing accounts are adopted too (tests/test_organization_adoption.py); these two are created.
    created = {a for a in accounts if a not in {i["to"].split(".")[1] for i in stacks["management"]["import"]}}
    assert sorted(created) == ["account-ds-dev", "account-ml-exec"]
    ds = accounts["account-ds-dev"]
    assert ds["email"] == "aws+ds-dev@acme.example"
    assert ds["parent_id"] == "${aws_organizations_organizational_unit.ou-workloads-dev.id}"
    assert ds["role_name"] == "OrganizationAccountAccessRole"
    assert ds["close_on_deletion"] is False
    assert ds["lifecycle"] == {"ignore_changes": ["role_name", "iam_user_access_to_billing"], "prevent_destroy": True}
    outputs = stacks["management"]["output"]["account_ids"]["value"]
    assert outputs == {
        "ds-dev": "${aws_organizations_account.account-ds-dev.id}",
        "ml-exec": "${aws_organizations_account.account-ml-exec.id}",
    }


def scps(stacks) -> dict[str, dict]:
    return {p["name"]: p for p in stacks.resources("management", "aws_organizations_policy").values()}


def test_scp_documents(stacks):
    policies = scps(stacks)
    assert set(policies) == {
        f"acme-ml-{g}"
        for g in ("deny-leave-organization", "deny-unapproved-regions", "deny-root-user", "protect-security-services")
    }
    for policy in policies.values():
        assert policy["type"] == "SERVICE_CONTROL_POLICY"
        json.loads(policy["content"])
    [leave] = statements(policies["acme-ml-deny-leave-organization"]["content"])
    assert leave["Effect"] == "Deny" and leave["Action"] == "organizations:LeaveOrganization"
    [regions] = statements(policies["acme-ml-deny-unapproved-regions"]["content"])
    assert regions["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == ["eu-central-1", "eu-west-1", "us-east-1"]
    assert "iam:*" in regions["NotAction"] and "sts:*" in regions["NotAction"]
    [protect] = statements(policies["acme-ml-protect-security-services"]["content"])
    assert {
        "cloudtrail:StopLogging",
        "guardduty:DeleteDetector",
        "securityhub:DisableSecurityHub",
        "config:StopConfigurationRecorder",
    } <= set(protect["Action"])
    assert protect["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == "arn:aws:iam::*:role/OrganizationAccountAccessRole"
    [root] = statements(policies["acme-ml-deny-root-user"]["content"])
    assert root["Condition"]["StringLike"]["aws:PrincipalArn"] == "arn:aws:iam::*:root"


def test_scp_attachments_follow_ou_guardrails(stacks):
    attachments = stacks.resources("management", "aws_organizations_policy_attachment")
    pairs = {(a["policy_id"].split(".")[1], a["target_id"].split(".")[1]) for a in attachments.values()}
    assert ("scp-deny-unapproved-regions", "ou-workloads-prod") in pairs
    assert ("scp-protect-security-services", "ou-security") in pairs
    # The Security OU is region-governed like the others: its services run only in allowed regions.
    assert ("scp-deny-unapproved-regions", "ou-security") in pairs
    assert len(attachments) == 4 + 3 + 2 + 3 + 4


def test_delegated_administrators(stacks):
    guardduty = stacks.resources("management", "aws_guardduty_organization_admin_account").values()
    assert len(guardduty) == 3 and {g["admin_account_id"] for g in guardduty} == {
        "222222222222"
    }  # one per allowed region
    assert (
        stacks.resource("management", "aws_securityhub_organization_admin_account")["admin_account_id"]
        == "222222222222"
    )
    # The security issue adds a second delegated administrator (sso.amazonaws.com): pick by service.
    (analyzer,) = [
        d
        for d in stacks.resources("management", "aws_organizations_delegated_administrator").values()
        if d["service_principal"] == "access-analyzer.amazonaws.com"
    ]
    assert analyzer == {**analyzer, "account_id": "222222222222", "service_principal": "access-analyzer.amazonaws.com"}


def test_no_control_tower_resources_under_organizations(stacks):
    assert not stacks.resources("management", "aws_controltower_control")
    assert not stacks.resources("management", "aws_servicecatalog_provisioned_product")


@pytest.fixture(scope="module")
def control_tower_stacks(tmp_path_factory):
    from accounts.app import synthesize
    from config import load, resolve
    from tests.conftest import copy_example

    base = tmp_path_factory.mktemp("ct")
    root = copy_example(base)
    replace_text(
        root / "landing-zone.yaml",
        "vending: organizations",
        "vending: control_tower\n  account_factory_product_id: prod-abcdefghijklm",
    )
    replace_text(
        root / "landing-zone.yaml",
        "    - path: Workloads/Prod\n",
        "    - path: Workloads/Prod\n      controls: [AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS]\n",
    )
    enroll_existing_accounts(root)
    fit_control_tower(root)
    synthesize(resolve(load(root)), ["management", "staging"], base / "out", state_dir=base / "state")
    return read_stacks(base / "out")


def test_control_tower_vending(control_tower_stacks):
    stacks = control_tower_stacks
    # Under Control Tower Account Factory places every account but those of its Security OU (adopted and moved);
    # each account whose id is known is an imported Organizations member that never sets its OU.
    assert sorted(stacks.resources("management", "aws_organizations_account")) == [
        "account-security",
        "member-data",
        "member-ds-dev",
        "member-ml-exec",
        "member-production",
        "member-shared-services",
        "member-staging",
    ]
    assert sorted(stacks.resources("management", "aws_servicecatalog_provisioned_product")) == [
        "account-data",
        "account-ds-dev",
        "account-ml-exec",
        "account-production",
        "account-shared-services",
        "account-staging",
    ]
    products = stacks.resources("management", "aws_servicecatalog_provisioned_product")
    ds = products["account-ds-dev"]
    assert ds["product_id"] == "prod-abcdefghijklm"
    params = {p["key"]: p["value"] for p in ds["provisioning_parameters"]}
    assert params["AccountEmail"] == "aws+ds-dev@acme.example" and params["AccountName"] == "ds-dev"
    assert params["ManagedOrganizationalUnit"] == "Dev (${aws_organizations_organizational_unit.ou-workloads-dev.id})"
    assert "AccountId" in stacks["management"]["output"]["account_ids"]["value"]["ds-dev"]


def test_control_tower_controls_and_role(control_tower_stacks):
    [control] = control_tower_stacks.resources("management", "aws_controltower_control").values()
    assert (
        control["control_identifier"] == "arn:aws:controltower:eu-west-1::control/AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS"
    )
    assert control["target_identifier"] == "${aws_organizations_organizational_unit.ou-workloads-prod.arn}"
    provider = control_tower_stacks["staging"]["provider"]["aws"][0]
    assert provider["assume_role"][0]["role_arn"] == "arn:aws:iam::777777777777:role/AWSControlTowerExecution"
