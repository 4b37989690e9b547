"""The baseline's configuration, without Node: control identifier forms, budget addresses, what
Control Tower owns, the Config archive and its flows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config import load, resolve
from config.kinds.baseline import (
    config_aggregator_account,
    config_archive_account,
    config_bucket_name,
    records_config,
    resolved_budget_emails,
)
from config.kinds.security import log_archive_account, trail_account
from config.schema.landing_zone import OrganizationalUnit
from tests.helpers import enroll_existing_accounts, fit_control_tower, only_error, replace_text


@pytest.mark.parametrize(
    "control",
    [
        "AWS-GR_ENCRYPTED_VOLUMES",
        "arn:aws:controltower:eu-west-1::control/AWS-GR_RESTRICT_ROOT_USER",  # the form mlops-tf builds itself
        "arn:aws:controlcatalog:::control/497wrxw1a3kdpd5yvcmvjmlsp",
        "arn:aws-us-gov:controltower:us-gov-west-1::control/AWS-GR_REGION_DENY",
    ],
)
def test_documented_control_forms_are_accepted(control):
    assert OrganizationalUnit(path="Workloads", controls=[control]).controls == [control]


@pytest.mark.parametrize(
    ("control", "hint"),
    [
        ("AWS-GR-ENCRYPTED-VOLUMES", "did you mean 'AWS-GR_ENCRYPTED_VOLUMES'?"),
        ("aws-gr_restrict_root_user", "did you mean 'AWS-GR_RESTRICT_ROOT_USER'?"),
        ("arn:aws:controltower:eu-west-1::control/AWS-GR-REGION-DENY", "did you mean 'AWS-GR_REGION_DENY'?"),
    ],
)
def test_control_typos_are_errors_with_a_hint(control, hint):
    with pytest.raises(ValidationError) as raised:
        OrganizationalUnit(path="Workloads", controls=[control])
    assert "unknown control identifier" in str(raised.value) and hint in str(raised.value)


def test_control_without_any_form_has_no_wrong_hint():
    with pytest.raises(ValidationError) as raised:
        OrganizationalUnit(path="Workloads", controls=["encrypt everything"])
    assert "did you mean" not in str(raised.value)


def test_config_archive_is_the_trail_log_archive(resolved_example):
    r = resolved_example
    assert config_archive_account(r) == log_archive_account(r) == "security"
    assert config_bucket_name(r) == "acme-ml-config-222222222222-eu-west-1"
    assert config_aggregator_account(r) == "security"
    delivery = sorted((f.source, f.first) for f in r.flows if f.label == "AWS Config delivery")
    assert ("management", None) in delivery and ("production", "security") in delivery and len(delivery) == 7


def test_budget_addresses_default_to_the_security_alerts(config_copy):
    replace_text(config_copy / "landing-zone.yaml", "    alert_emails: [ml-platform-finance@acme.example]\n", "")
    assert resolved_budget_emails(resolve(load(config_copy))) == [
        "security-alerts@acme.example",
        "platform-oncall@acme.example",
    ]


def test_control_tower_owns_trail_and_config(config_copy):
    replace_text(
        config_copy / "landing-zone.yaml",
        "  vending: organizations\n",
        "  vending: control_tower\n  account_factory_product_id: prod-abcdefghijklm\n",
    )
    enroll_existing_accounts(config_copy)
    fit_control_tower(config_copy)
    r = resolve(load(config_copy))
    assert trail_account(r) is None and config_archive_account(r) is None and config_aggregator_account(r) is None
    assert not [f for f in r.flows if f.label in ("AWS Config delivery", "organization trail log archive")]


def test_control_tower_reserves_two_scps_per_ou(config_copy):
    replace_text(
        config_copy / "landing-zone.yaml",
        "  vending: organizations\n",
        "  vending: control_tower\n  account_factory_product_id: prod-abcdefghijklm\n",
    )
    enroll_existing_accounts(config_copy)
    fit_control_tower(config_copy)
    resolve(load(config_copy))  # 2 guardrails per OU fit: FullAWSAccess + 2 of Control Tower + 2
    replace_text(
        config_copy / "landing-zone.yaml",
        "Workloads/Dev\n      guardrails: [deny-leave-organization, deny-unapproved-regions]",
        "Workloads/Dev\n      guardrails: [deny-leave-organization, deny-unapproved-regions, deny-root-user]",
    )
    error = only_error(config_copy, "organization.organizational_units[2].guardrails")
    assert error.message == (
        "OU 'Workloads/Dev' would carry 6 directly attached SCPs (FullAWSAccess, 3 guardrails, 2 of Control Tower); "
        "AWS Organizations allows 5 per OU: list at most 2 guardrails here (Control Tower's preventive controls may "
        "attach more)"
    )


def test_adopted_ou_states_the_control_tower_registration_prerequisite():
    description = OrganizationalUnit.model_fields["id"].description or ""
    assert "An OU adopted by id under control_tower must already be registered with Control Tower" in description


def test_budget_can_be_turned_off_without_an_address(config_copy):
    replace_text(
        config_copy / "landing-zone.yaml",
        "    alert_emails: [ml-platform-finance@acme.example]\n",
        "    enabled: false\n",
    )
    replace_text(
        config_copy / "accounts" / "security.yaml",
        "    emails: [security-alerts@acme.example, platform-oncall@acme.example]\n",
        "",
    )
    load(config_copy)  # valid: no budget, no address needed
    replace_text(config_copy / "landing-zone.yaml", "    enabled: false\n", "")
    error = only_error(config_copy, "baseline.budget")
    assert error.message.startswith("every account gets a monthly budget, which needs an alert address")


def test_config_bucket_policy_must_fit_s3s_limit(config_copy):
    for i in range(150):
        (config_copy / "accounts" / f"audit-{i:03d}.yaml").write_text(
            f'name: audit-{i:03d}\nkind: security\naccount_id: "{900000000000 + i}"\nou: Security\n'
        )
    error = str(only_error(config_copy))
    assert "158 accounts make the central AWS Config bucket policy about" in error
    assert "landing-zone.yaml" in error.split("158 accounts")[0]


def test_management_records_config_once_the_lock_has_the_archive(config_copy):
    """The management stack applies before the archive: its delivery channels wait for the recorded bucket."""
    lock = config_copy / "accounts.lock.yaml"
    r = resolve(load(config_copy))
    assert r.recorded_config_bucket == config_bucket_name(r) == "acme-ml-config-222222222222-eu-west-1"
    assert all(records_config(r, name) for name in r.accounts)
    replace_text(lock, "config_bucket: acme-ml-config-222222222222-eu-west-1\n", "")
    r = resolve(load(config_copy))
    assert not records_config(r, "management")
    assert all(records_config(r, name) for name in r.accounts if name != "management")
    # A bucket of another archive (the archive account changed) is not this landing zone's: still waiting.
    lock.write_text(lock.read_text() + "config_bucket: acme-ml-config-999999999999-eu-west-1\n")
    assert not records_config(resolve(load(config_copy)), "management")
    # Every other stack applies after the archive: an ordering flow, unlike the management's.
    flows = {(f.source, f.first) for f in r.flows if f.label == "AWS Config delivery"}
    assert ("management", None) in flows and ("data", "security") in flows
