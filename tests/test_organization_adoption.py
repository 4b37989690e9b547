"""Adoption of an existing organization: member accounts and OUs imported, trusted access merged, never disabled.

The example imports its organization, adopts the Security OU by id and five existing accounts; a variant
adopts nested OUs, another creates a new organization (plain lists, nothing read or imported).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import load, resolve
from tests.conftest import copy_example, read_stacks
from tests.helpers import config_errors, error_on, replace_text

MEMBERS = {
    "data": "Infrastructure",
    "production": "Workloads/Prod",
    "security": "Security",
    "shared-services": "Infrastructure",
    "staging": "Workloads/Staging",
}
OURS = [
    "access-analyzer.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "config-multiaccountsetup.amazonaws.com",
    "config.amazonaws.com",
    "guardduty.amazonaws.com",
    "malware-protection.guardduty.amazonaws.com",
    "ram.amazonaws.com",
    "securityhub.amazonaws.com",
    "sso.amazonaws.com",
]


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]", "-", path.lower())


def imports(stacks) -> dict[str, str]:
    """Import blocks of the management stack: resource address -> id."""
    return {i["to"]: i["id"] for i in stacks["management"].get("import", [])}


def test_every_existing_account_is_adopted_into_its_ou(stacks, resolved_example):
    accounts = stacks.resources("management", "aws_organizations_account")
    adopted = imports(stacks)
    for name, ou in MEMBERS.items():
        address = f"aws_organizations_account.account-{name}"
        assert adopted[address] == resolved_example.account_id(name)
        member = accounts[f"account-{name}"]
        # parent_id puts the account under its OU, so every SCP attached there applies to it.
        assert member["parent_id"] == f"${{aws_organizations_organizational_unit.ou-{_slug(ou)}.id}}"
        assert member["close_on_deletion"] is False
        assert member["lifecycle"] == {
            "ignore_changes": ["name", "email", "role_name", "iam_user_access_to_billing"],
            "prevent_destroy": True,
        }
        assert "role_name" not in member and "iam_user_access_to_billing" not in member
        assert member["tags"]["mlops-tf:account"] == name
    # The management account is never a member resource; created accounts are not imported.
    assert "account-management" not in accounts
    assert not any(resolved_example.landing_zone.management_account_id == i for i in adopted.values())
    assert "aws_organizations_account.account-ds-dev" not in adopted


def test_removing_an_adopted_account_is_documented_at_its_real_address(stacks):
    """Deleting the file drops the block with its prevent_destroy, and close_on_deletion false means the destroy
    removes the account from the organization: docs/lifecycle.md gives the state rm of the address synth writes."""
    lifecycle = (Path(__file__).parent.parent / "docs" / "lifecycle.md").read_text()
    assert "state rm aws_organizations_account.account-<name>" in lifecycle
    accounts = stacks.resources("management", "aws_organizations_account")
    for name in MEMBERS:
        assert accounts[f"account-{name}"]["close_on_deletion"] is False
    assert "RemoveAccountFromOrganization" in lifecycle and "removed {" in lifecycle


def test_every_guardrail_reaches_the_accounts_of_its_ou(stacks):
    """For each SCP attachment, the accounts whose parent is the attached OU (example: none is left out)."""
    accounts = stacks.resources("management", "aws_organizations_account")
    attached = {
        (a["policy_id"], a["target_id"])
        for a in stacks.resources("management", "aws_organizations_policy_attachment").values()
    }
    deny_root = "${aws_organizations_policy.scp-deny-root-user.id}"
    under_deny_root = {
        name.removeprefix("account-") for name, a in accounts.items() if (deny_root, a["parent_id"]) in attached
    }
    assert under_deny_root == {"data", "production", "security", "shared-services", "staging"}


def test_ou_adopted_by_id_and_others_created(stacks):
    ous = stacks.resources("management", "aws_organizations_organizational_unit")
    assert imports(stacks)["aws_organizations_organizational_unit.ou-security"] == "ou-a1b2-c3d4e5f6"
    assert ous["ou-security"]["lifecycle"] == {"prevent_destroy": True}
    assert ous["ou-security"]["parent_id"] == "${aws_organizations_organization.organization.roots[0].id}"
    assert "lifecycle" not in ous["ou-infrastructure"]
    assert "aws_organizations_organizational_unit.ou-infrastructure" not in imports(stacks)


def test_imported_organization_keeps_what_is_enabled_today(stacks):
    org = stacks.resource("management", "aws_organizations_organization")
    (today,) = stacks.data("management", "aws_organizations_organization")
    listed = ", ".join(f'"{p}"' for p in OURS)
    assert org["aws_service_access_principals"] == (
        f"${{sort(setunion([{listed}], "
        f"tolist(data.aws_organizations_organization.{today}.aws_service_access_principals)))}}"
    )
    assert org["enabled_policy_types"] == (
        f'${{sort(setunion(["SERVICE_CONTROL_POLICY", "TAG_POLICY"], '
        f"tolist(data.aws_organizations_organization.{today}.enabled_policy_types)))}}"
    )
    assert org["lifecycle"] == {"prevent_destroy": True}


@pytest.fixture(scope="module")
def nested_stacks(tmp_path_factory):
    """The example with Workloads and Workloads/Prod adopted by id too."""
    from accounts.app import synthesize

    base = tmp_path_factory.mktemp("nested-ous")
    root = copy_example(base)
    replace_text(
        root / "landing-zone.yaml",
        "    - path: Workloads/Dev\n",
        "    - path: Workloads\n      id: ou-a1b2-workload5\n    - path: Workloads/Dev\n",
    )
    replace_text(
        root / "landing-zone.yaml",
        "    - path: Workloads/Prod\n",
        "    - path: Workloads/Prod\n      id: ou-a1b2-prod0001\n",
    )
    synthesize(resolve(load(root)), ["management"], base / "out", state_dir=base / "state")
    return read_stacks(base / "out")


def test_nested_ous_adopted_under_their_adopted_parent(nested_stacks):
    ous = nested_stacks.resources("management", "aws_organizations_organizational_unit")
    adopted = imports(nested_stacks)
    assert adopted["aws_organizations_organizational_unit.ou-workloads"] == "ou-a1b2-workload5"
    assert adopted["aws_organizations_organizational_unit.ou-workloads-prod"] == "ou-a1b2-prod0001"
    assert ous["ou-workloads-prod"]["parent_id"] == "${aws_organizations_organizational_unit.ou-workloads.id}"
    # Staging is new, created under the adopted Workloads.
    assert "aws_organizations_organizational_unit.ou-workloads-staging" not in adopted
    assert ous["ou-workloads-staging"]["parent_id"] == "${aws_organizations_organizational_unit.ou-workloads.id}"
    # A Workloads guardrail-free OU gets no attachment, the adopted Prod keeps its four.
    targets = [
        a["target_id"] for a in nested_stacks.resources("management", "aws_organizations_policy_attachment").values()
    ]
    assert targets.count("${aws_organizations_organizational_unit.ou-workloads-prod.id}") == 4
    assert "${aws_organizations_organizational_unit.ou-workloads.id}" not in targets


@pytest.fixture(scope="module")
def new_org_stacks(tmp_path_factory):
    """A landing zone that creates its organization: every member account is created, nothing adopted."""
    from accounts.app import synthesize

    base = tmp_path_factory.mktemp("new-org")
    root = copy_example(base)
    lz = root / "landing-zone.yaml"
    replace_text(lz, "  organization_id: o-a1b2c3d4e5\n", "  extra_service_access_principals: [backup.amazonaws.com]\n")
    replace_text(lz, "      id: ou-a1b2-c3d4e5f6\n", "")
    lock = ["  ds-dev: '555555555555'", "  ml-exec: '666666666666'"]
    for name, account_id in {
        "data": "333333333333",
        "production": "888888888888",
        "security": "222222222222",
        "shared-services": "444444444444",
        "staging": "777777777777",
    }.items():
        replace_text(
            root / "accounts" / f"{name}.yaml", f'account_id: "{account_id}"', f"email: aws+{name}@acme.example"
        )
        lock.append(f"  {name}: '{account_id}'")
    (root / "accounts.lock.yaml").write_text("accounts:\n" + "\n".join(lock) + "\n")
    # A created account has no AWS Config service-linked role before mlops-tf makes it.
    production = root / "accounts" / "production.yaml"
    production.write_text(re.sub(r"config_service_linked_role_exists: true.*\n", "", production.read_text()))
    synthesize(resolve(load(root)), ["management"], base / "out", state_dir=base / "state")
    return read_stacks(base / "out")


def test_new_organization_lists_are_literal_and_nothing_is_imported(new_org_stacks):
    org = new_org_stacks.resource("management", "aws_organizations_organization")
    assert org["aws_service_access_principals"] == sorted([*OURS, "backup.amazonaws.com"])
    assert org["enabled_policy_types"] == ["SERVICE_CONTROL_POLICY", "TAG_POLICY"]
    assert not new_org_stacks.data("management", "aws_organizations_organization")
    # Nothing of an organization is imported; the management account's own GuardDuty detector (management.yaml:
    # guardduty_detector_regions) predates any organization and stays adopted.
    imported = [i["to"] for i in new_org_stacks["management"]["import"]]
    assert imported == ["aws_guardduty_detector.guardduty"]
    accounts = new_org_stacks.resources("management", "aws_organizations_account")
    assert accounts["account-security"]["email"] == "aws+security@acme.example"
    assert accounts["account-security"]["role_name"] == "OrganizationAccountAccessRole"


# -- configuration errors (no Node) -----------------------------------------------------------------


def test_ou_adoption_needs_an_imported_organization(config_copy: Path):
    replace_text(config_copy / "landing-zone.yaml", "  organization_id: o-a1b2c3d4e5\n", "")
    diags = config_errors(config_copy)
    assert "organization.organization_id" in error_on(diags, "organization.organizational_units[0].id").message
    # The existing accounts of the example cannot be adopted into a new organization either.
    assert "must import" in error_on([d for d in diags if "security.yaml" in str(d)], "account_id").message


def test_duplicate_ou_ids_are_an_error(config_copy: Path):
    replace_text(
        config_copy / "landing-zone.yaml",
        "    - path: Infrastructure\n",
        "    - path: Infrastructure\n      id: ou-a1b2-c3d4e5f6\n",
    )
    d = error_on(config_errors(config_copy), "organization.organizational_units[1].id")
    assert "duplicate OU id ou-a1b2-c3d4e5f6; already adopted as 'Security'" in d.message


def test_group_id_takes_no_description(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"
    replace_text(
        path,
        "security-team: {group_id: 9067a2b4c1-4f3e2d1c-aaaa-bbbb-cccc-0123456789ab}",
        "security-team: {group_id: 9067a2b4c1-4f3e2d1c-aaaa-bbbb-cccc-0123456789ab, description: Team}",
    )
    d = error_on(config_errors(config_copy), "security.identity_center.groups.security-team.description")
    assert "only a group mlops-tf creates" in d.message


def test_created_group_display_names_are_unique(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"
    replace_text(path, "auditors: {display_name: External Auditors}", "auditors: {display_name: ML Engineers}")
    d = error_on(config_errors(config_copy), "security.identity_center.groups.auditors.display_name")
    assert d.message == "duplicate group display_name 'ML Engineers'; already used by group 'ml-engineers'"


def test_external_identity_source_accepts_group_ids_only(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"
    replace_text(path, "identity_source: identity_center", "identity_source: external")
    diags = config_errors(config_copy)
    assert {d.field for d in diags} == {
        f"security.identity_center.groups.{g}.display_name"
        for g in ("platform-admins", "ml-engineers", "data-scientists", "data-engineers", "auditors")
    }


@pytest.mark.parametrize(
    ("engine", "version", "major"),
    [("postgres", "16.4", "'16'"), ("mysql", "8", "'8.0'"), ("mariadb", "10.11.8", "'10.11'")],
)
def test_rds_engine_version_is_the_major_version(config_copy: Path, engine: str, version: str, major: str):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "engine: postgres", f"engine: {engine}")
    replace_text(path, 'engine_version: "16"', f'engine_version: "{version}"')
    d = error_on(config_errors(config_copy), "data.stores[1].engine_version")
    assert f"give the major version only ({major} for {engine})" in d.message


def test_rds_major_versions_are_valid(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "engine: postgres", "engine: mysql")
    replace_text(path, 'engine_version: "16"', 'engine_version: "8.0"')
    load(config_copy)
