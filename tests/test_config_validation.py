"""Each foundation check, on a copy of the example with one fault: file, line, field and message."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load
from tests.helpers import (
    EXAMPLE_BACKEND,
    config_errors,
    edit_yaml,
    enroll_existing_accounts,
    fit_control_tower,
    line_of,
    located,
    only_error,
    replace_text,
)


def test_example_is_valid():
    config = load(Path(__file__).resolve().parent.parent / "config")
    assert sorted(config.accounts) == [
        "data",
        "ds-dev",
        "management",
        "ml-exec",
        "production",
        "security",
        "shared-services",
        "staging",
    ]


def test_unknown_key_with_hint(config_copy: Path):
    path = config_copy / "accounts" / "staging.yaml"
    replace_text(path, "ou: Workloads/Staging", "ou: Workloads/Staging\nregoin: eu-west-1")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "regoin"), "regoin")
    assert "did you mean 'region'?" in error


def test_unknown_nested_key_in_landing_zone(config_copy: Path):
    path = config_copy / "landing-zone.yaml"
    replace_text(
        path,
        "      id: ou-a1b2-c3d4e5f6\n",
        "      id: ou-a1b2-c3d4e5f6\n      guardrail: [deny-leave-organization]\n",
    )
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "guardrail:"), "organization.organizational_units[0].guardrail")
    assert "did you mean 'guardrails'?" in error


def test_wrong_type(config_copy: Path):
    path = config_copy / "landing-zone.yaml"
    replace_text(path, "required_tags: [cost-center, owner]", "required_tags: cost-center")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "required_tags"), "required_tags")


@pytest.mark.parametrize(
    ("value", "message"),
    [('"12345"', "12-digit AWS account id"), ("333333333333", "put the value in quotes")],
)
def test_account_id_format(config_copy: Path, value: str, message: str):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, 'account_id: "333333333333"', f"account_id: {value}")
    error = str(only_error(config_copy))
    located(error, path, 2 + 1, "account_id")
    assert message in error


def test_email_format(config_copy: Path):
    path = config_copy / "accounts" / "ds-dev.yaml"
    replace_text(path, "email: aws+ds-dev@acme.example", "email: not-an-email")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "email:"), "email")
    assert "email address" in error


def test_duplicate_account_id(config_copy: Path):
    path = config_copy / "accounts" / "staging.yaml"
    replace_text(path, '"777777777777"', '"888888888888"')
    errors = [str(d) for d in config_errors(config_copy)]
    assert any("duplicate account id 888888888888" in e for e in errors), errors
    flagged = [e for e in errors if "duplicate account id" in e][0]
    assert "production.yaml" in flagged or "staging.yaml" in flagged


def test_member_reuses_management_id(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, '"333333333333"', '"111111111111"')
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "account_id"), "account_id")
    assert "the management account" in error


def test_duplicate_email(config_copy: Path):
    path = config_copy / "accounts" / "ml-exec.yaml"
    replace_text(path, "aws+ml-exec@acme.example", "AWS+ds-dev@acme.example")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "email:"), "email")
    assert "already used by account 'ds-dev'" in error


def test_account_id_and_email_together(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, 'account_id: "333333333333"', 'account_id: "333333333333"\nemail: data@acme.example')
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "account_id"), "account_id")
    assert "exactly one of account_id" in error


def test_undefined_ou(config_copy: Path):
    path = config_copy / "accounts" / "staging.yaml"
    replace_text(path, "ou: Workloads/Staging", "ou: Workloads/Stage")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "ou:"), "ou")
    assert "'Workloads/Stage' is not defined" in error


def test_region_not_allowed(config_copy: Path):
    path = config_copy / "accounts" / "staging.yaml"
    replace_text(path, "ou: Workloads/Staging", "ou: Workloads/Staging\nregion: ap-south-1")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "region:"), "region")
    assert "not in allowed_regions" in error


def test_two_management_accounts(config_copy: Path):
    path = config_copy / "accounts" / "management2.yaml"
    path.write_text("name: management2\nkind: management\n")
    error = str(only_error(config_copy))
    located(error, path, 2, "kind")
    assert "only one management account" in error


def test_no_management_account(config_copy: Path):
    (config_copy / "accounts" / "management.yaml").unlink()
    error = str(only_error(config_copy))
    assert "no account of kind 'management'" in error
    located(
        error,
        config_copy / "landing-zone.yaml",
        line_of(config_copy / "landing-zone.yaml", "management_account_id"),
        "management_account_id",
    )


def test_no_security_account(config_copy: Path):
    (config_copy / "accounts" / "security.yaml").unlink()
    edit_yaml(config_copy / "accounts" / "management.yaml", lambda d: d.pop("management"))
    error = str(only_error(config_copy))
    assert "at least one security account" in error


def test_reference_to_wrong_kind(config_copy: Path):
    path = config_copy / "accounts" / "management.yaml"
    replace_text(path, "delegated_administrator: security", "delegated_administrator: data")
    error = str(only_error(config_copy))
    assert "expected an account of kind security" in error


def test_required_tag_missing(config_copy: Path):
    lz = config_copy / "landing-zone.yaml"
    replace_text(lz, "required_tags: [cost-center, owner]", "required_tags: [cost-center, owner, data-classification]")
    errors = [str(d) for d in config_errors(config_copy)]
    assert len(errors) == 8  # every account misses it
    staging = config_copy / "accounts" / "staging.yaml"
    flagged = [e for e in errors if e.startswith(staging.as_posix())][0]
    assert "missing required tags: data-classification" in flagged


def test_name_must_match_file(config_copy: Path):
    path = config_copy / "accounts" / "staging.yaml"
    replace_text(path, "name: staging", "name: stage")
    error = str(only_error(config_copy))
    located(error, path, 1, "name")


def test_bad_name_form(config_copy: Path):
    path = config_copy / "accounts" / "Staging_1.yaml"
    path.write_text('name: Staging_1\nkind: staging\naccount_id: "999999999999"\nou: Workloads/Staging\n')
    error = str(only_error(config_copy))
    located(error, path, 1, "name")
    assert "kebab-case" in error


def test_section_of_another_kind(config_copy: Path):
    path = config_copy / "accounts" / "staging.yaml"
    replace_text(path, "ou: Workloads/Staging", "ou: Workloads/Staging\nmanagement: {}")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "management:"), "management")
    assert "belongs to accounts of kind management" in error


def test_unknown_kind(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "kind: data", "kind: datalake")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "kind:"), "kind")
    assert "must be one of management, security" in error


def test_invalid_yaml_is_located(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    path.write_text("name: data\nkind: [data\n")
    error = str(only_error(config_copy))
    # Where the [ opened, not the line after, where the parser noticed.
    assert error.startswith(f"{path.as_posix()}:2:7: invalid YAML: the list '[' opened here is not closed"), error


def test_control_tower_needs_account_factory(config_copy: Path):
    path = config_copy / "landing-zone.yaml"
    replace_text(path, "vending: organizations", "vending: control_tower")
    enroll_existing_accounts(config_copy)
    fit_control_tower(config_copy)
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "vending:"), "organization.vending")
    assert "account_factory_product_id" in error


def test_backend_template_needs_account(config_copy: Path):
    path = config_copy / "landing-zone.yaml"
    replace_text(
        path, EXAMPLE_BACKEND, "state_backend:\n  type: cloud\n  organization: acme\n  workspace_template: mlops"
    )
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "workspace_template"), "state_backend.workspace_template")
    assert "{account}" in error


def test_all_errors_from_all_files_in_one_run(config_copy: Path):
    replace_text(config_copy / "accounts" / "staging.yaml", "ou: Workloads/Staging", "ou: Nowhere")
    replace_text(config_copy / "accounts" / "data.yaml", 'account_id: "333333333333"', 'account_id: "3"')
    replace_text(config_copy / "accounts" / "ds-dev.yaml", "ou: Workloads/Dev", "ou: Workloads/Dev\nregoin: x")
    errors = [str(d) for d in config_errors(config_copy)]
    assert [e.split(":", 1)[0].rsplit("/", 1)[-1] for e in errors] == ["data.yaml", "ds-dev.yaml", "staging.yaml"], (
        errors
    )
    assert ": account_id: " in errors[0] and ": regoin: " in errors[1] and ": ou: " in errors[2]


def test_landing_zone_errors_still_report_account_file_errors(config_copy: Path):
    replace_text(config_copy / "landing-zone.yaml", "prefix: acme-ml", "prefix: Acme_ML")
    replace_text(config_copy / "accounts" / "data.yaml", 'account_id: "333333333333"', 'account_id: "3"')
    errors = [str(d) for d in config_errors(config_copy)]
    assert len(errors) == 2 and ": prefix: " in errors[1] and ": account_id: " in errors[0], errors


def test_unknown_variant_of_a_nested_union(config_copy: Path):
    path = config_copy / "landing-zone.yaml"
    replace_text(path, "  type: s3", "  type: s4")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "type: s4"), "state_backend.type")
    assert "must be one of local, s3, cloud (got 's4')" in error


def test_missing_variant_tag(config_copy: Path):
    path = config_copy / "landing-zone.yaml"
    replace_text(path, EXAMPLE_BACKEND, "state_backend:\n  bucket: x")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "bucket: x"), "state_backend.type")
    assert "required field is missing" in error


def test_an_invalid_security_file_is_not_also_reported_missing(config_copy: Path):
    path = config_copy / "accounts" / "security.yaml"
    replace_text(path, "ou: Security", "ou: Security\nregoin: x")
    error = str(only_error(config_copy))
    located(error, path, line_of(path, "regoin"), "regoin")


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("enforce_vpc: true", "enforce_vpc: 'yes'", "data_science.enforce_vpc", "must be true or false (got 'yes')"),
        (
            "memory_mb: 2048",
            "memory_mb: true",
            "inference.endpoints[0].compute.memory_mb",
            "must be a whole number (got true)",
        ),
        (
            "memory_mb: 2048",
            "memory_mb: 2048.0",
            "inference.endpoints[0].compute.memory_mb",
            "must be a whole number (got 2048.0)",
        ),
    ],
)
def test_no_loose_conversions(config_copy: Path, old: str, new: str, field: str, message: str):
    """No stringly booleans, no booleans or fractions as whole numbers."""
    path = config_copy / "accounts" / ("ds-dev.yaml" if "enforce_vpc" in old else "staging.yaml")
    replace_text(path, old, new)
    error = str(only_error(config_copy))
    located(error, path, line_of(path, new), field)
    assert error.endswith(message), error
