"""Configuration errors of ml-execution accounts (Feature Store, pipelines, registry), located."""

from __future__ import annotations

import pytest

from config.kinds import images
from config.kinds.ml_execution import (
    model_package_group_owner,
    model_registry_readers,
    registry_event_sources,
    retraining_pipeline,
    served_image,
)
from config.kinds.retraining import retraining_routes, retraining_senders
from tests.helpers import config_errors, error_on, line_of, replace_text

ML = ("accounts", "ml-exec.yaml")


def test_resolver_functions(resolved_example):
    assert model_package_group_owner(resolved_example.config, "churn") == "ml-exec"
    assert model_package_group_owner(resolved_example.config, "fraud") == "ml-exec"
    assert model_package_group_owner(resolved_example.config, "credit") is None
    assert registry_event_sources(resolved_example, "shared-services") == ["ml-exec"]
    assert model_registry_readers(resolved_example) == {
        "production": ["OrganizationAccountAccessRole", "acme-ml-inference-execution", "acme-ml-pipeline-deploy"],
        "staging": ["OrganizationAccountAccessRole", "acme-ml-inference-execution", "acme-ml-pipeline-deploy"],
        "shared-services": ["acme-ml-model-deploy-build"],
    }
    # Each group's packages serve the registered image of the pipeline producing it.
    assert served_image(resolved_example.config, "churn").repository == "churn-inference"
    assert (
        served_image(resolved_example.config, "fraud").repository == "fraud-training"
    )  # no inference_image: training image
    assert retraining_pipeline(resolved_example.config, "churn") == ("ml-exec", "churn-training")
    assert retraining_pipeline(resolved_example.config, "fraud") == ("ml-exec", "fraud-training")
    routes = {(x.source, x.endpoint): x.pipeline for x in retraining_routes(resolved_example)}
    assert routes == {
        ("staging", "churn"): "churn-training",
        ("production", "churn"): "churn-training",
        ("production", "fraud"): "fraud-training",
    }
    assert retraining_senders(resolved_example, "ml-exec") == ["production", "staging"]


def test_repository_users_are_derived_from_use(resolved_example):
    """Pipelines and endpoints are granted the images they run without being listed in pull_accounts."""
    r = resolved_example
    repos = {rep.name: rep for rep in r.accounts["shared-services"].config.shared_services.ecr_repositories}
    pipeline, serving = ["acme-ml-ml-pipeline-execution"], ["acme-ml-inference-execution"]
    assert images.repository_users(r, repos["fraud-training"]) == {
        "ml-exec": pipeline,
        "production": serving,
        "staging": serving,
    }
    assert images.repository_users(r, repos["fraud-processing"]) == {"ml-exec": pipeline}
    assert images.repository_users(r, repos["churn-inference"]) == {
        "ml-exec": pipeline,
        "production": serving,
        "staging": serving,
    }
    # churn-training serves nothing (churn registers churn-inference): no serving account may pull it.
    assert sorted(images.repository_users(r, repos["churn-training"])) == ["ds-dev", "ml-exec"]
    assert images.served_repositories(r, "staging") == [
        ("shared-services", "churn-inference"),
        ("shared-services", "fraud-training"),
    ]


@pytest.mark.parametrize(
    "old,new,field,message",
    [
        (
            "{name: tenure_months, type: Integral}",
            "{name: tenure_months, type: Boolean}",
            "ml_execution.feature_store.feature_groups[0].features[2].type",
            "must be one of 'Integral', 'Fractional', 'String'",
        ),
        (
            "{name: tenure_months, type: Integral}",
            "{name: is_deleted, type: Integral}",
            "ml_execution.feature_store.feature_groups[0].features[2].name",
            "reserves this name",
        ),
        (
            "{name: tenure_months, type: Integral}",
            "{name: tenure months, type: Integral}",
            "ml_execution.feature_store.feature_groups[0].features[2].name",
            "must be 1-64 letters, digits, '-' and '_'",
        ),
        (
            "{name: tenure_months, type: Integral}",
            "{name: Customer_ID, type: Integral}",
            "ml_execution.feature_store.feature_groups[0].features[2].name",
            "defined twice",
        ),
    ],
)
def test_feature_errors(config_copy, old, new, field, message):
    path = config_copy.joinpath(*ML)
    replace_text(path, old, new)
    d = error_on(config_errors(config_copy), field)
    assert d.line == line_of(path, new) and message in d.message and d.file.endswith("ml-exec.yaml")


def test_record_identifier_must_be_a_feature(config_copy):
    path = config_copy.joinpath(*ML)
    replace_text(path, "record_identifier: customer_id", "record_identifier: customer")
    d = error_on(config_errors(config_copy), "ml_execution.feature_store.feature_groups[0].record_identifier")
    assert d.line == line_of(path, "record_identifier: customer") and "customer_id" in d.message


def test_serving_image_only_without_pipeline(config_copy):
    path = config_copy.joinpath(*ML)
    replace_text(
        path,
        "      description: Card fraud scorer\n",
        "      description: Card fraud scorer\n      serving_image: {repository: fraud-training}\n",
    )
    d = error_on(config_errors(config_copy), "ml_execution.model_package_groups[1].serving_image")
    assert "pipeline 'fraud-training' registers this group's packages" in d.message and d.line == line_of(
        path, "serving_image:"
    )


def test_pipeline_unknown_group_and_data_account(config_copy):
    path = config_copy.joinpath(*ML)
    replace_text(path, "model_package_group: churn", "model_package_group: chrun")
    replace_text(
        path,
        "input_data: {account: data, bucket: curated, prefix: churn/}",
        "input_data: {account: ds-dev, bucket: curated, prefix: churn/}",
    )
    diags = {d.field: d for d in config_errors(config_copy)}
    assert diags["ml_execution.pipelines[0].model_package_group"].line == line_of(path, "model_package_group: chrun")
    assert "expected an account of kind data" in diags["ml_execution.pipelines[0].input_data.account"].message


def test_retraining_unknown_pipeline(config_copy):
    path = config_copy.joinpath(*ML)
    replace_text(path, "pipelines: [churn-training, fraud-training]", "pipelines: [churn-training, fraud]")
    d = error_on(config_errors(config_copy), "ml_execution.retraining.pipelines[1]")
    assert d.line == line_of(path, "pipelines: [churn-training, fraud]") and "fraud-training" in d.message


def test_retraining_rule_name_too_long(config_copy):
    path = config_copy.joinpath(*ML)
    long = "fraud-training-with-a-long-name"  # 31 characters: a valid name, too long once prefixed for a rule
    replace_text(path, "- name: fraud-training", f"- name: {long}")
    replace_text(path, "pipelines: [churn-training, fraud-training]", f"pipelines: [churn-training, {long}]")
    replace_text(config_copy / "landing-zone.yaml", "prefix: acme-ml", "prefix: acme-ml-platform")
    d = error_on(config_errors(config_copy), "ml_execution.pipelines[1].name")
    assert "derived EventBridge rule name 'acme-ml-platform-retrain-fraud-training-with-a-long-name-" in d.message
    assert "EventBridge allows 64" in d.message


def test_group_name_too_long_with_prefix(config_copy):
    path = config_copy.joinpath(*ML)
    long = "g" * 32
    replace_text(path, "    - name: churn\n", f"    - name: {long}\n")
    replace_text(path, "model_package_group: churn", f"model_package_group: {long}")
    for inference in ("staging.yaml", "production.yaml"):  # every reference follows the rename
        replace_text(config_copy / "accounts" / inference, "model_package_group: churn", f"model_package_group: {long}")
    (config_copy / "landing-zone.yaml").write_text(
        (config_copy / "landing-zone.yaml")
        .read_text()
        .replace("prefix: acme-ml", "prefix: acme-machine-learning-platform-x")
    )
    d = error_on(config_errors(config_copy), "ml_execution.model_package_groups[0].name")
    assert "SageMaker allows 63" in d.message and d.line == line_of(path, f"- name: {long}")


def test_registry_events_to_must_be_shared_services(config_copy):
    path = config_copy.joinpath(*ML)
    replace_text(path, "registry_events_to: [shared-services]", "registry_events_to: [data]")
    d = error_on(config_errors(config_copy), "ml_execution.registry_events_to[0]")
    assert "shared-services" in d.message and d.line == line_of(path, "registry_events_to")


def test_pipeline_input_bucket_must_exist(config_copy):
    path = config_copy.joinpath(*ML)
    replace_text(
        path,
        "input_data: {account: data, bucket: curated, prefix: churn/}",
        "input_data: {account: data, bucket: gold, prefix: churn/}",
    )
    d = error_on(config_errors(config_copy), "ml_execution.pipelines[0].input_data.bucket")
    assert "has no bucket 'gold'" in d.message and d.line == line_of(path, "bucket: gold")
