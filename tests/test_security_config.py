"""Security section: schema defaults, located errors, cross-account names and flows (no cdktf)."""

from __future__ import annotations

import shutil
from pathlib import Path

from config import load, resolve
from config.kinds.security import (
    audit_role_trust,
    identity_center_home,
    log_archive_account,
    security_auditor_role_name,
    trail_account,
    trail_arn,
)
from config.schema.security import SecuritySection, Severity, Standard
from tests.helpers import config_errors, edit_yaml, error_on, line_of, replace_text


def test_defaults_use_every_feature():
    section = SecuritySection()
    assert sorted(section.identity_center.personas) == [
        "data-engineer",
        "data-scientist",
        "ml-engineer",
        "platform-admin",
        "read-only",
        "security-auditor",
    ]
    assert section.identity_center.personas["security-auditor"].audit_access is True
    assert section.organization_trail.enabled and section.organization_trail.cloudwatch_logs.enabled
    assert section.security_hub.standards == [Standard.fsbp, Standard.cis_3_0]
    assert section.alerts.min_severity is Severity.high


def test_example_resolves_trail_identity_center_and_audit_trust(resolved_example):
    r = resolved_example
    assert trail_account(r) == "security" and log_archive_account(r) == "security"
    # created by the security account (delegated administrator), owned by the management account
    assert trail_arn(r) == "arn:aws:cloudtrail:eu-west-1:111111111111:trail/acme-ml-organization-trail"
    admin, ic = identity_center_home(r)
    assert admin == "security" and "ml-engineers" in ic.groups
    principal, condition = audit_role_trust(r)
    assert principal == {"AWS": "arn:aws:iam::222222222222:root"}
    assert condition == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::222222222222:role/{security_auditor_role_name(r)}"}
    }


def test_example_flows_audit_trust_and_identity_center(resolved_example):
    flows = [f for f in resolved_example.flows if f.source == "security"]
    audited = {f.target for f in flows if f.label == "security audit role"}
    assert audited == set(resolved_example.accounts) - {"security"}
    # Only the persona roles a data account's Lake Formation names need Identity Center to apply first.
    assert all(f.first is None for f in flows if f.label != "Identity Center roles named by Lake Formation")
    assigned = {f.target for f in flows if f.label == "Identity Center assignments"}
    assert assigned == {"data", "shared-services", "ds-dev", "ml-exec", "staging", "production"}


def test_unknown_persona_group_and_account_are_located(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"
    replace_text(path, "personas: [data-scientist]", "personas: [data-scientst]")
    replace_text(path, "- group: data-engineers", "- group: data-engineerz")
    replace_text(path, "accounts: [ml-exec, shared-services]", "accounts: [ml-exec, shared-service]")
    diags = config_errors(config_copy)
    persona = error_on(diags, "security.identity_center.assignments[3].personas[0]")
    assert persona.file.endswith("accounts/security.yaml") and persona.line == line_of(path, "data-scientst")
    assert "unknown persona 'data-scientst'" in persona.message and "data-scientist" in persona.message
    group = error_on(diags, "security.identity_center.assignments[4].group")
    assert group.line == line_of(path, "data-engineerz") and "unknown group" in group.message
    account = error_on(diags, "security.identity_center.assignments[1].accounts[1]")
    assert account.line == line_of(path, "shared-service]") and "did you mean 'shared-services'" in account.message


def test_group_needs_exactly_one_of_name_or_id(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"
    replace_text(path, "auditors: {display_name: External Auditors}", "auditors: {}")
    d = error_on(config_errors(config_copy), "security.identity_center.groups.auditors")
    assert d.line == line_of(path, "auditors: {}") and "exactly one of display_name" in d.message


def test_delegated_administrator_cannot_assign_the_management_account(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"
    replace_text(path, "account_kinds: [security, data,", "account_kinds: [management, data,")
    replace_text(path, "accounts: [ml-exec, shared-services]", "accounts: [ml-exec, management]")
    diags = config_errors(config_copy)
    by_kind = error_on(diags, "security.identity_center.assignments[0].account_kinds[0]")
    assert by_kind.line == line_of(path, "account_kinds: [management,") and "management account" in by_kind.message
    by_name = error_on(diags, "security.identity_center.assignments[1].accounts[1]")
    assert by_name.line == line_of(path, "accounts: [ml-exec, management]")


def test_assignment_needs_a_target(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"
    replace_text(path, "        account_kinds: [production]\n", "")
    d = error_on(config_errors(config_copy), "security.identity_center.assignments[2]")
    assert "give accounts (names) or account_kinds" in d.message


def test_assignments_by_kind_follow_the_accounts(config_copy: Path):
    (config_copy / "accounts" / "production-us.yaml").write_text(
        "name: production-us\nkind: production\naccount_id: '123456789012'\nou: Workloads/Prod\nregion: us-east-1\n"
    )
    (config_copy / "accounts" / "staging.yaml").unlink()
    r = resolve(load(config_copy))
    _, ic = identity_center_home(r)
    from config.kinds.security import assignment_accounts

    assert assignment_accounts(r.accounts, ic.assignments[2]) == ["production", "production-us"]
    assert assignment_accounts(r.accounts, ic.assignments[1]) == ["ml-exec", "shared-services"]


def test_organization_wide_settings_only_in_the_administrator(config_copy: Path):
    (config_copy / "accounts" / "log-archive.yaml").write_text(
        "name: log-archive\nkind: security\naccount_id: '999999999999'\nou: Security\n"
        "security:\n  alerts:\n    min_severity: low\n"
    )
    d = error_on(config_errors(config_copy), "security.alerts")
    assert d.file.endswith("accounts/log-archive.yaml") and d.line == 6
    assert "administering security account 'security'" in d.message


def test_separate_log_archive_account_orders_the_apply(config_copy: Path):
    (config_copy / "accounts" / "log-archive.yaml").write_text(
        "name: log-archive\nkind: security\naccount_id: '999999999999'\nou: Security\n"
    )
    replace_text(
        config_copy / "accounts" / "security.yaml", "log_archive_account: security", "log_archive_account: log-archive"
    )
    r = resolve(load(config_copy))
    assert log_archive_account(r) == "log-archive" and trail_account(r) == "security"
    flow = next(f for f in r.flows if f.label == "organization trail log archive")
    assert (flow.source, flow.target, flow.first) == ("security", "log-archive", "log-archive")
    assert r.order.index("log-archive") < r.order.index("security")
    principal, condition = audit_role_trust(r)
    # Roots in account-name order (log-archive, security); role ARNs sorted.
    assert principal == {"AWS": ["arn:aws:iam::999999999999:root", "arn:aws:iam::222222222222:root"]}
    assert condition["ArnEquals"]["aws:PrincipalArn"] == [
        "arn:aws:iam::222222222222:role/acme-ml-security-auditor",
        "arn:aws:iam::999999999999:role/acme-ml-security-auditor",
    ]


def test_inline_statement_ids_are_unique_and_resources_are_arns(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"

    def mutate(data):
        persona = data["security"]["identity_center"]["personas"]["data-engineer"]
        persona["inline_policy"].append(
            {"sid": "LakeFormationDataAccess", "actions": ["glue:GetTable"], "resources": ["bucket/*"]}
        )

    edit_yaml(path, mutate)
    diags = config_errors(config_copy)
    assert error_on(
        diags, "security.identity_center.personas.data-engineer.inline_policy[1].resources[0]"
    ).message.startswith("must be a resource ARN such as arn:aws:s3:::my-bucket/*")


def test_permission_set_session_limit(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"
    replace_text(path, "session_duration_hours: 4\n      ml-engineer", "session_duration_hours: 13\n      ml-engineer")
    d = error_on(config_errors(config_copy), "security.identity_center.personas.platform-admin.session_duration_hours")
    assert d.line == line_of(path, "session_duration_hours: 13") and "12" in d.message


def test_the_corpus_base_is_valid_with_security_defaults(tmp_path: Path):
    """The bad-input corpus's base names no security section: the defaults turn the organization trail on."""
    shutil.copytree(Path(__file__).parent / "bad_input" / "_base" / "config", tmp_path / "config")
    assert load(tmp_path / "config").accounts["security"].security.organization_trail.enabled
