"""Configuration mistakes a user makes by hand: each message says what the field takes, no pydantic jargon."""

from __future__ import annotations

from pathlib import Path

from config import load
from config.paths import display_path
from tests.helpers import EXAMPLE_BACKEND, config_errors, line_of, only_error, replace_text


def rel(root: Path, name: str) -> str:
    return display_path(root / name)


def test_list_where_a_mapping_is_expected_names_the_keys(config_copy: Path):
    management = config_copy / "accounts/management.yaml"
    management.write_text(management.read_text().split("management:\n")[0] + "management:\n  - security\n")
    assert str(only_error(config_copy)) == (
        f"{rel(config_copy, 'accounts/management.yaml')}:6:3: management: must be a mapping with the keys "
        "delegated_administrator, delegated_services, guardduty_detector_regions (got a list)"
    )


def test_mapping_where_a_list_is_expected(config_copy: Path):
    replace_text(config_copy / "accounts/data.yaml", "admin_personas: [platform-admin]", "admin_personas: {a: b}")
    assert (
        str(only_error(config_copy))
        == f"{rel(config_copy, 'accounts/data.yaml')}:39:21: data.lake_formation.admin_personas: must be a list (got "
        "a mapping)"
    )


def test_wrong_scalar_types_in_words(config_copy: Path):
    staging = config_copy / "accounts/staging.yaml"
    replace_text(staging, "memory_mb: 2048", "memory_mb: lots")
    replace_text(staging, "ou: Workloads/Staging", "ou: 2024-01-01")
    ds = config_copy / "accounts/ds-dev.yaml"
    replace_text(ds, "enforce_vpc: true", "enforce_vpc: maybe")
    replace_text(ds, "owner: data-science-team", "owner: yes")
    assert [str(e) for e in config_errors(config_copy)] == [
        f"{rel(config_copy, 'accounts/ds-dev.yaml')}:6:10: tags.owner: must be a string: put the value in quotes "
        "(got yes, which YAML 1.1 reads as a boolean)",
        f"{rel(config_copy, 'accounts/ds-dev.yaml')}:{line_of(ds, 'enforce_vpc: maybe')}:16: "
        "data_science.enforce_vpc: must be true or false (got 'maybe')",
        f"{rel(config_copy, 'accounts/staging.yaml')}:4:5: ou: must be a string: put the value in quotes (YAML reads "
        "it as a date) (got 2024-01-01)",
        f"{rel(config_copy, 'accounts/staging.yaml')}:12:20: inference.endpoints[0].compute.memory_mb: must be a "
        "whole number (got 'lots')",
    ]


def test_empty_section_takes_the_defaults(config_copy: Path):
    (config_copy / "accounts/management.yaml").write_text(
        "name: management\nkind: management\nmanagement:\n  # delegated_administrator: security\n"
    )
    assert load(config_copy).accounts["management"].management.delegated_administrator is None


def test_empty_nested_mapping_says_so(config_copy: Path):
    replace_text(
        config_copy / "accounts/data.yaml",
        "  athena:\n    workgroup: analytics\n    bytes_scanned_cutoff_gb: 100\n    results_expiration_days: 30\n",
        "  athena:\n",
    )
    assert str(only_error(config_copy)) == (
        f"{rel(config_copy, 'accounts/data.yaml')}:32:10: data.athena: must be a mapping with the keys "
        "bytes_scanned_cutoff_gb, results_expiration_days, workgroup (got nothing)"
    )


def test_number_as_a_key_is_refused_with_a_hint(config_copy: Path):
    replace_text(config_copy / "accounts/staging.yaml", "ou: Workloads/Staging", "ou: Workloads/Staging\n12: x")
    assert (
        str(only_error(config_copy))
        == f"{rel(config_copy, 'accounts/staging.yaml')}:5:1: invalid YAML: mapping keys must be strings (got 12: put "
        "it in quotes)"
    )


def test_invalid_defining_file_does_not_make_references_to_it_unknown(config_copy: Path):
    replace_text(
        config_copy / "accounts/ml-exec.yaml", "record_identifier: customer_id", "record_identifer: customer_id"
    )
    replace_text(config_copy / "accounts/shared-services.yaml", "keep_tagged_images: 100", "keep_tagged: 100")
    errors = [f"{Path(e.file).name}: {e.field}" for e in config_errors(config_copy)]
    # Staging/production endpoints name ml-exec's groups and ml-exec's pipeline shared-services' repositories:
    # only the two broken files are reported.
    assert errors == [
        "ml-exec.yaml: ml_execution.feature_store.feature_groups[0].record_identifier",
        "ml-exec.yaml: ml_execution.feature_store.feature_groups[0].record_identifer",
        "shared-services.yaml: shared_services.ecr_repositories[2].keep_tagged",
    ]


def test_yaml_syntax_error_in_the_only_security_account_is_not_also_a_missing_security_account(config_copy: Path):
    replace_text(config_copy / "accounts/security.yaml", "    min_severity: high", "    min_severity: [high")
    assert "invalid YAML" in str(only_error(config_copy))


def test_lock_file_errors_are_located_and_worded(config_copy: Path):
    (config_copy / "accounts.lock.yaml").write_text("accounts:\n  ml-exec: 666666666666\n")
    assert str(only_error(config_copy, resolving=True)) == (
        f"{rel(config_copy, 'accounts.lock.yaml')}:2:12: accounts.ml-exec: must be a string: put the value in quotes "
        "(YAML reads bare digits as a number) (got 666666666666)"
    )
    (config_copy / "accounts.lock.yaml").write_text("- ml-exec\n")
    assert (
        str(only_error(config_copy, resolving=True))
        == f"{rel(config_copy, 'accounts.lock.yaml')}:1:1: expected a mapping with the key accounts at the top of "
        "the file"
    )


def test_lock_file_that_is_a_folder_is_an_error(config_copy: Path):
    (config_copy / "accounts.lock.yaml").unlink()
    (config_copy / "accounts.lock.yaml").mkdir()
    assert "accounts.lock.yaml:1:1: is a directory; a configuration file must be a regular YAML file" in str(
        only_error(config_copy, resolving=True)
    )


def test_account_factory_product_without_control_tower_is_an_error(config_copy: Path):
    replace_text(
        config_copy / "landing-zone.yaml",
        "  organization_id: o-a1b2c3d4e5\n",
        "  organization_id: o-a1b2c3d4e5\n  account_factory_product_id: prod-abcdefghijklm\n",
    )
    assert str(only_error(config_copy)) == (
        f"{rel(config_copy, 'landing-zone.yaml')}:11:31: organization.account_factory_product_id: Account Factory "
        "needs "
        "vending: control_tower; with vending: organizations accounts are created through Organizations, so remove it "
        "(got 'prod-abcdefghijklm')"
    )


def test_missing_variant_tag_lists_the_variants(config_copy: Path):
    (config_copy / "accounts/staging.yaml").write_text("name: staging\n")
    assert str(only_error(config_copy)) == (
        f"{rel(config_copy, 'accounts/staging.yaml')}:1:1: kind: required field is missing: kind chooses which "
        "variant this is "
        "(one of management, security, data, shared-services, data-science, ml-execution, staging, production)"
    )


def test_missing_nested_variant_tag_lists_the_variants(config_copy: Path):
    replace_text(config_copy / "landing-zone.yaml", EXAMPLE_BACKEND, "state_backend:\n  bucket: acme-tf-state")
    assert str(only_error(config_copy)) == (
        f"{rel(config_copy, 'landing-zone.yaml')}:35:3: state_backend.type: required field is missing: type chooses "
        "which "
        "variant this is (one of local, s3, cloud)"
    )


def test_second_yaml_document_is_explained(config_copy: Path):
    replace_text(config_copy / "accounts/staging.yaml", "name: staging", "name: staging\n---")
    assert str(only_error(config_copy)) == (
        f"{rel(config_copy, 'accounts/staging.yaml')}:2:1: invalid YAML: expected a single document in the stream but "
        "found another document"
    )
