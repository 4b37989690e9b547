"""Data section: schema rules, located errors, the replication destination contract, Lake Formation shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.contracts import INFERENCE_DATA, inference_accounts, replication_role_name
from config.kinds.data import glue_database_name, lake_formation_shares, replication_destination
from config.schema.data import DataSection, LifecycleRule
from tests.helpers import config_errors, edit_yaml, error_on, line_of, replace_text


def test_defaults_give_raw_curated_analytics():
    section = DataSection()
    assert [b.name for b in section.buckets] == ["raw", "curated", "analytics"]
    assert section.buckets[0].lifecycle[0].transition_days == 30
    assert section.athena.bytes_scanned_cutoff_gb == 100


def test_lifecycle_rules_follow_s3_limits():
    with pytest.raises(ValueError, match="only after 30 days"):
        LifecycleRule(id="early", transition_days=10, storage_class="STANDARD_IA")
    with pytest.raises(ValueError, match="greater than transition_days"):
        LifecycleRule(id="backwards", transition_days=90, storage_class="GLACIER", expiration_days=60)
    assert LifecycleRule(id="tiering", transition_days=0, storage_class="INTELLIGENT_TIERING").transition_days == 0


def test_replication_destination_grants_each_inference_account(resolved_example):
    r = resolved_example
    spec = replication_destination(r, "data")
    assert spec.bucket_name == "acme-ml-inference-data-333333333333-eu-west-1" == r.bucket_name("data", INFERENCE_DATA)
    assert spec.kms_alias == "alias/acme-ml/inference-data"
    # staging.yaml sends its replicas to ml-exec only (inference.replication.destinations).
    assert [g.source for g in spec.grants] == ["production"]
    assert sorted(inference_accounts(r)) == ["production", "staging"]
    for grant in spec.grants:
        role = r.role_arn(grant.source, replication_role_name(r))
        assert grant.role_arn == role
        assert grant.principal == {"AWS": r.root_arn(grant.source)}
        assert grant.condition == {"ArnEquals": {"aws:PrincipalArn": role}}
    # The ml-execution account gets the same shape from the same function.
    ml = replication_destination(r, "ml-exec")
    assert ml.bucket_name == "acme-ml-inference-data-666666666666-eu-west-1"
    assert [g.source for g in ml.grants] == ["production", "staging"]


def test_replication_flows_apply_destination_first(resolved_example):
    flows = [f for f in resolved_example.flows if f.kind == "replication" and f.target == "data"]
    assert {(f.source, f.first) for f in flows} == {("production", "data")}
    to_ml = [f for f in resolved_example.flows if f.kind == "replication" and f.target == "ml-exec"]
    assert {(f.source, f.first) for f in to_ml} == {("staging", "ml-exec"), ("production", "ml-exec")}
    order = resolved_example.order
    assert order.index("data") < order.index("production") and order.index("ml-exec") < order.index("staging")


def test_lake_formation_shares_for_consumers(resolved_example):
    shares = lake_formation_shares(resolved_example, "ml-exec")
    assert [(s.data_account, s.catalog_id, s.database_name, s.bucket, s.prefix) for s in shares] == [
        ("data", "333333333333", "acme_ml_churn", "curated", "churn/"),
        ("data", "333333333333", "acme_ml_customers", "curated", "customers/"),
        ("data", "333333333333", "acme_ml_transactions", "curated", "transactions/v2/"),
    ]
    assert shares[0].permissions == ("DESCRIBE", "SELECT") and shares[0].grantable
    assert [s.database_name for s in lake_formation_shares(resolved_example, "ds-dev")] == ["acme_ml_customers"]
    assert lake_formation_shares(resolved_example, "staging") == []
    assert glue_database_name(resolved_example, "clickstream_raw") == "acme_ml_clickstream_raw"


def test_derived_bucket_name_too_long(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "- name: analytics", "- name: analytics-quarterly-reporting")
    d = error_on(config_errors(config_copy), "data.buckets[2].name")
    assert d.file.endswith("accounts/data.yaml") and d.line == line_of(path, "analytics-quarterly")
    assert "'acme-ml-lake-analytics-quarterly-reporting-333333333333-eu-west-1' is 65 characters" in d.message
    assert "S3 allows 63" in d.message


def test_dataset_in_unknown_bucket(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "      bucket: raw\n", "      bucket: bronze\n")
    d = error_on(config_errors(config_copy), "data.datasets[2].bucket")
    assert d.line == line_of(path, "bucket: bronze") and "defined: analytics, curated, raw" in d.message


def test_lake_formation_grant_to_wrong_kind_and_unknown_dataset(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "- account: ds-dev", "- account: staging")
    replace_text(path, "datasets: [customers, transactions, churn]", "datasets: [customers, transaction, churn]")
    diags = config_errors(config_copy)
    kind = error_on(diags, "data.lake_formation.grants[1].account")
    assert kind.line == line_of(path, "- account: staging")
    assert "kind 'staging'" in kind.message and "ml-execution or data-science" in kind.message
    dataset = error_on(diags, "data.lake_formation.grants[0].datasets[1]")
    assert dataset.line == line_of(path, "transaction, churn]") and "unknown dataset 'transaction'" in dataset.message


def test_lake_formation_grant_to_unknown_account(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "- account: ml-exec", "- account: ml-execution")
    d = error_on(config_errors(config_copy), "data.lake_formation.grants[0].account")
    assert "unknown account 'ml-execution'" in d.message and "did you mean 'ml-exec'" in d.message


def test_rds_needs_two_subnets_and_known_engine(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"

    def mutate(data):
        rds = data["data"]["stores"][1]
        rds["subnet_ids"] = rds["subnet_ids"][:1]
        rds["engine"] = "oracle-ee"

    edit_yaml(path, mutate)
    diags = config_errors(config_copy)
    assert "at least two Availability Zones" in error_on(diags, "data.stores[1].subnet_ids").message
    assert "'postgres'" in error_on(diags, "data.stores[1].engine").message


def test_dynamodb_capacity_must_match_billing_mode(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(
        path, "sort_key: {name: event_time, type: N}", "sort_key: {name: event_time, type: N}\n      write_capacity: 5"
    )
    d = error_on(config_errors(config_copy), "data.stores[0].write_capacity")
    assert d.line == line_of(path, "write_capacity: 5") and "PAY_PER_REQUEST takes no" in d.message


def test_duplicate_store_and_bucket_names(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(path, "- name: curated\n", "- name: raw\n")
    diags = config_errors(config_copy)
    assert "duplicate bucket name 'raw'" in error_on(diags, "data.buckets[1].name").message


def test_dataset_shared_twice_with_one_consumer(config_copy: Path):
    path = config_copy / "accounts" / "data.yaml"
    replace_text(
        path,
        "      - account: ds-dev\n        datasets: [customers]",
        "      - account: ml-exec\n        datasets: [customers]",
    )
    error = error_on(config_errors(config_copy), "data.lake_formation.grants[1].datasets[0]")
    lines = path.read_text().splitlines()
    assert error.line == lines.index("        datasets: [customers]") + 1
    assert "already shared with 'ml-exec' by account 'data'" in error.message


def test_two_data_accounts_share_one_database_name_with_one_consumer(config_copy: Path):
    source = (config_copy / "accounts" / "data.yaml").read_text()
    second = config_copy / "accounts" / "data2.yaml"
    second.write_text(source.replace("name: data\n", "name: data2\n").replace('"333333333333"', '"313131313131"'))
    diagnostics = config_errors(config_copy)
    error = error_on(diagnostics, "data.lake_formation.grants[0].datasets[0]")
    assert error.file.endswith("data2.yaml") and "already shared with 'ml-exec' by account 'data'" in error.message
    assert error.line == line_of(second, "datasets: [customers, transactions, churn]")
