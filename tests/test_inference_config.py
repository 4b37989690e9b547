"""Validation of the inference section (staging, production): AWS limits, each error located at file:line:col
and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import load
from tests.helpers import config_errors, error_on, line_of, only_error, replace_text

STAGING = "accounts/staging.yaml"
PRODUCTION = "accounts/production.yaml"

# The serverless endpoint of the example staging account, for inserting keys under it.
SERVERLESS_HEAD = "    - name: fraud\n      model_package_group: fraud\n"


def add_to_serverless(root: Path, yaml_lines: str) -> None:
    replace_text(root / STAGING, SERVERLESS_HEAD, SERVERLESS_HEAD + yaml_lines)


def test_example_validates_with_both_modes():
    config = load(Path(__file__).resolve().parent.parent / "config")
    modes = {
        (a.name, ep.name): ep.compute.mode
        for a in config.of_kind("staging", "production")
        for ep in a.inference.endpoints
    }
    assert modes == {
        ("staging", "fraud"): "serverless",
        ("staging", "churn"): "instance",
        ("production", "churn"): "instance",
        ("production", "fraud"): "instance",
    }
    apis = {
        (a.name, api.type.value, api.auth.value)
        for a in config.of_kind("staging", "production")
        for api in a.inference.apis
    }
    assert apis == {("staging", "http", "iam"), ("production", "rest", "api_key")}


@pytest.mark.parametrize(
    ("key", "yaml_lines", "feature"),
    [
        ("data_capture", "      data_capture:\n        sampling_percentage: 50\n", "data capture"),
        ("shadow", "      shadow:\n        model_version: 2\n", "shadow variants"),
        (
            "variants",
            "      variants:\n        - name: challenger\n          model_version: 2\n",
            "several production variants",
        ),
        (
            "vpc",
            "      vpc:\n        subnet_ids: [subnet-0123456789abcdef0]\n        security_group_ids: "
            "[sg-0123456789abcdef0]\n",
            "VPC configuration",
        ),
        ("network_isolation", "      network_isolation: true\n", "network isolation"),
        ("monitor", "      monitor:\n        schedule: cron(0 * ? * * *)\n", "Model Monitor"),
    ],
)
def test_serverless_rejects_instance_only_features(config_copy, key, yaml_lines, feature):
    add_to_serverless(config_copy, yaml_lines)
    diag = only_error(config_copy, f"inference.endpoints[0].{key}")
    assert diag.file.endswith("config/accounts/staging.yaml")
    assert diag.line == line_of(config_copy / STAGING, f"{key}:")
    assert f"serverless endpoints do not support {feature}" in diag.message
    assert "compute.mode: instance" in diag.message


@pytest.mark.parametrize("memory", [512, 7168, 0])  # 1500: the corpus (inference-serverless-memory-not-a-step)
def test_serverless_memory_steps(config_copy, memory):
    replace_text(config_copy / STAGING, "memory_mb: 2048", f"memory_mb: {memory}")
    diag = only_error(config_copy, "inference.endpoints[0].compute.memory_mb")
    assert (diag.line, diag.column) == (line_of(config_copy / STAGING, "memory_mb:"), 20)
    assert f"multiple of 1024 between 1024 and 6144 (got {memory})" in diag.message


@pytest.mark.parametrize("value", [0, 201])
def test_serverless_max_concurrency(config_copy, value):
    replace_text(config_copy / STAGING, "max_concurrency: 10", f"max_concurrency: {value}")
    diag = only_error(config_copy, "inference.endpoints[0].compute.max_concurrency")
    assert diag.line == line_of(config_copy / STAGING, "max_concurrency:")
    assert str(value) in diag.message


def test_provisioned_concurrency_within_max(config_copy):
    replace_text(config_copy / STAGING, "provisioned_concurrency: 2", "provisioned_concurrency: 11")
    diag = only_error(config_copy, "inference.endpoints[0].compute.provisioned_concurrency")
    assert diag.line == line_of(config_copy / STAGING, "provisioned_concurrency:")
    assert "must not exceed compute.max_concurrency (10) (got 11)" in diag.message


@pytest.mark.parametrize("value", [0, 101])
def test_shadow_sampling_percentage(config_copy, value):
    replace_text(config_copy / STAGING, "sampling_percentage: 25", f"sampling_percentage: {value}")
    diag = only_error(config_copy, "inference.endpoints[1].shadow.sampling_percentage")
    assert diag.line == line_of(config_copy / STAGING, f"sampling_percentage: {value}")


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 hour)",  # cron(*/5 * * * ? *): the corpus (inference-monitor-bad-schedule)
        "cron(0 24 ? * * *)",
        "cron(0 0/25 ? * * *)",
        "cron(30 * ? * * *)",
        "hourly",
    ],
)
def test_monitor_schedule_expressions(config_copy, expression):
    replace_text(config_copy / PRODUCTION, "schedule: cron(0 0/6 ? * * *)", f"schedule: {expression}")
    diag = only_error(config_copy, "inference.endpoints[0].monitor.schedule")
    assert diag.file.endswith("config/accounts/production.yaml")
    assert diag.line == line_of(config_copy / PRODUCTION, "schedule:")
    assert "cron(0 * ? * * *)" in diag.message and repr(expression) in diag.message


@pytest.mark.parametrize(
    "expression", ["cron(0 * ? * * *)", "cron(0 23 ? * * *)", "cron(0 3/12 ? * * *)", "cron(0 00/24 ? * * *)"]
)
def test_monitor_schedule_accepted_forms(config_copy, expression):
    replace_text(config_copy / PRODUCTION, "schedule: cron(0 0/6 ? * * *)", f"schedule: {expression}")
    load(config_copy)


def test_unknown_model_package_group(config_copy):
    replace_text(config_copy / PRODUCTION, "model_package_group: fraud", "model_package_group: frauds")
    diag = only_error(config_copy, "inference.endpoints[1].model_package_group")
    assert diag.line == line_of(config_copy / PRODUCTION, "model_package_group: frauds")
    assert "unknown model package group 'frauds'; did you mean 'fraud'?" in diag.message
    assert "defined: churn, fraud" in diag.message


def test_monitor_needs_data_capture(config_copy):
    replace_text(config_copy / PRODUCTION, "      data_capture:\n        sampling_percentage: 20\n", "")
    diag = only_error(config_copy, "inference.endpoints[0].monitor")
    assert diag.line == line_of(config_copy / PRODUCTION, "monitor:")
    assert "add data_capture" in diag.message


def test_shadow_with_variants_is_rejected(config_copy):
    replace_text(
        config_copy / PRODUCTION,
        "      variants:\n",
        "      shadow:\n        model_version: 4\n      variants:\n",
    )
    diag = only_error(config_copy, "inference.endpoints[0].shadow")
    assert "one production variant with one shadow variant" in diag.message


def test_autoscaling_bounds(config_copy):
    replace_text(
        config_copy / PRODUCTION,
        "min_capacity: 2\n          max_capacity: 8",
        "min_capacity: 9\n          max_capacity: 8",
    )
    diag = only_error(config_copy, "inference.endpoints[0].compute.autoscaling.min_capacity")
    assert diag.line == line_of(config_copy / PRODUCTION, "min_capacity: 9")
    assert "must not exceed max_capacity (8) (got 9)" in diag.message


def test_usage_plans_need_api_key_auth(config_copy):
    replace_text(config_copy / PRODUCTION, "auth: api_key", "auth: iam")
    diag = only_error(config_copy, "inference.apis[0].usage_plans")
    assert diag.line == line_of(config_copy / PRODUCTION, "usage_plans:")


def test_api_routes_to_known_endpoints(config_copy):
    replace_text(config_copy / STAGING, "endpoints: [fraud, churn]", "endpoints: [fraud, chrun]")
    diag = only_error(config_copy, "inference.apis[0].endpoints[1]")
    assert diag.line == line_of(config_copy / STAGING, "endpoints: [fraud, chrun]")
    assert "unknown endpoint 'chrun'; did you mean 'churn'?" in diag.message


def test_serverless_capture_needs_an_api(config_copy):
    replace_text(config_copy / STAGING, "endpoints: [fraud, churn]", "endpoints: [churn]")
    diag = only_error(config_copy, "inference.endpoints[0].compute.api_capture_percentage")
    assert diag.line == line_of(config_copy / STAGING, "api_capture_percentage:")
    assert "captured by the API Lambda" in diag.message


def test_duplicate_endpoint_names(config_copy):
    replace_text(config_copy / PRODUCTION, "    - name: fraud\n", "    - name: churn\n")
    # Two faults: the renamed endpoint repeats a name and leaves the API's route to 'fraud' unknown.
    diag = error_on(config_errors(config_copy), "inference.endpoints[1].name")
    assert "duplicate endpoint name 'churn'" in diag.message


def test_endpoint_name_length(config_copy):
    long_name = "a" * 30
    replace_text(config_copy / STAGING, "    - name: churn\n", f"    - name: {long_name}\n")
    replace_text(config_copy / STAGING, "endpoints: [fraud, churn]", f"endpoints: [fraud, {long_name}]")
    diag = only_error(config_copy, "inference.endpoints[1].name")
    assert (
        "endpoint configuration name 'acme-ml-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-' is 39 characters plus the 26-character "
        "suffix Terraform appends; SageMaker allows 63" in diag.message
    )


def test_unknown_key_suggests(config_copy):
    replace_text(config_copy / STAGING, "      shadow:\n", "      shadwo:\n")
    diag = only_error(config_copy, "inference.endpoints[1].shadwo")
    assert "did you mean 'shadow'?" in diag.message


def test_every_error_reported_in_one_run(config_copy):
    replace_text(config_copy / STAGING, "memory_mb: 2048", "memory_mb: 1500")
    replace_text(config_copy / PRODUCTION, "model_package_group: fraud", "model_package_group: nope")
    fields = {(Path(d.file).name, d.field) for d in config_errors(config_copy)}
    assert ("staging.yaml", "inference.endpoints[0].compute.memory_mb") in fields
    assert ("production.yaml", "inference.endpoints[1].model_package_group") in fields


def test_api_name_length(config_copy):
    long_name = "b" * 32
    replace_text(config_copy / STAGING, "    - name: scoring\n", f"    - name: {long_name}\n")
    # acme-ml- (8) + 32 + -api (4) = 44: fits; the limit bites with a long landing-zone prefix.
    load(config_copy)
    replace_text(config_copy / "landing-zone.yaml", "prefix: acme-ml", "prefix: acme-ml-platform-eu-central-z")
    diag = next(d for d in config_errors(config_copy) if d.field == "inference.apis[0].name")
    assert "is 66 characters; Lambda allows 64" in diag.message
    assert diag.line == line_of(config_copy / STAGING, long_name)


ML_EXEC = "accounts/ml-exec.yaml"
FRAUD_PIPELINE = (
    "    # No inference_image: fraud packages serve the training image (a framework image that also serves).\n"
    """    - name: fraud-training
      model_package_group: fraud
      processing_image: {repository: fraud-processing, tag: "2.1.0"}
      training_image: {repository: fraud-training, tag: "2.1.0"}
      input_data: {account: data, bucket: curated, prefix: transactions/v2/}
      min_accuracy: 0.9
"""
)


def _drop_fraud_pipeline(root: Path) -> None:
    replace_text(root / ML_EXEC, FRAUD_PIPELINE, "")
    replace_text(root / ML_EXEC, "pipelines: [churn-training, fraud-training]", "pipelines: [churn-training]")


def test_endpoint_serving_an_image_nobody_grants(config_copy):
    """Without a pipeline or a serving_image the packages' image is unknown: no repository can grant it."""
    _drop_fraud_pipeline(config_copy)
    diags = config_errors(config_copy)
    staging = error_on(diags, "inference.endpoints[0].model_package_group")
    assert staging.file.endswith("staging.yaml") and staging.line == line_of(
        config_copy / STAGING, "model_package_group: fraud"
    )
    assert (
        "no pipeline of 'ml-exec' produces model package group 'fraud'" in staging.message
        and "serving_image" in staging.message
    )
    # The production fraud endpoint is monitored: its monitor reads a baseline nobody writes.
    monitor = [d for d in diags if d.field == "inference.endpoints[1].monitor" and d.file.endswith("production.yaml")]
    assert len(monitor) == 1 and "no pipeline of 'ml-exec' produces that group" in monitor[0].message
    prod_lines = (config_copy / PRODUCTION).read_text().splitlines()
    assert monitor[0].line == [i for i, line in enumerate(prod_lines, 1) if line.strip() == "monitor:"][1]


def test_serving_image_lets_an_unproduced_group_serve(config_copy):
    """serving_image names the image of hand-registered packages; the monitor still needs a baseline writer."""
    _drop_fraud_pipeline(config_copy)
    replace_text(
        config_copy / ML_EXEC,
        "      description: Card fraud scorer\n",
        '      description: Card fraud scorer\n      serving_image: {repository: fraud-training, tag: "2.1.0"}\n',
    )
    diags = config_errors(config_copy)
    assert [d.field for d in diags] == ["inference.endpoints[1].monitor"]
    replace_text(
        config_copy / ML_EXEC,
        "serving_image: {repository: fraud-training,",
        "serving_image: {repository: fraud-serving,",
    )
    d = error_on(config_errors(config_copy), "ml_execution.model_package_groups[1].serving_image.repository")
    assert "no shared-services account defines the ECR repository 'fraud-serving'" in d.message


@pytest.mark.parametrize(
    "value,field,message",
    [
        ("[ml-exec, dta]", "inference.replication.destinations[1]", "unknown account 'dta'; did you mean 'data'?"),
        (
            "[ml-exec, production]",
            "inference.replication.destinations[1]",
            "expected an account of kind data or ml-execution",
        ),
        ("[ml-exec, ml-exec]", "inference.replication.destinations", "accounts listed twice: ml-exec"),
    ],
)
def test_replication_destinations_are_data_or_ml_execution(config_copy, value, field, message):
    replace_text(config_copy / STAGING, "destinations: [ml-exec]", f"destinations: {value}")
    d = only_error(config_copy, field)
    assert message in d.message and d.line == line_of(config_copy / STAGING, "destinations:")


def test_endpoint_in_another_region_than_its_image_and_model(config_copy):
    """SageMaker takes an endpoint's image and model data from its own region only."""
    replace_text(config_copy / PRODUCTION, "ou: Workloads/Prod\n", "ou: Workloads/Prod\nregion: eu-central-1\n")
    diags = [d for d in config_errors(config_copy) if d.file.endswith("production.yaml")]
    churn = [d.message for d in diags if d.field == "inference.endpoints[0].model_package_group"]
    assert len(churn) == 2
    assert (
        "repository 'churn-inference' in 'shared-services' (eu-west-1)" in churn[0]
        and "endpoint's region (eu-central-1)" in churn[0]
    )
    # The artifacts' region is config/checks/consistency.py's check: one root cause, one message each.
    assert "model package group 'churn' is registered in 'ml-exec' in eu-west-1" in churn[1]
    assert {d.line for d in diags if d.field == "inference.endpoints[0].model_package_group"} == {
        line_of(config_copy / PRODUCTION, "model_package_group: churn")
    }
