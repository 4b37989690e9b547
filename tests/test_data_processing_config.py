"""Warehouse, Glue jobs and EMR applications of data accounts: schema limits, cross-file checks at file:line:col,
derived names, and the consumer grants both sides read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.derived_names import all_names
from config.kinds.data_processing import PROCESSING, REDSHIFT_SERVERLESS, derived, warehouse_access
from config.schema.data_processing import EmrApplication, GlueJob, Warehouse
from tests.helpers import config_errors, edit_yaml, error_on, line_of

NET = {
    "vpc_id": "vpc-0a1b2c3d4e5f60718",
    "subnet_ids": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003"],
}
JOB = {
    "name": "j",
    "script": "scripts/j.py",
    "inputs": ["customers"],
    "output": {"bucket": "curated", "prefix": "churn/"},
}


@pytest.mark.parametrize("rpu", [4, 8, 16, 256, 512])
def test_base_capacity_accepts_aws_steps(rpu):
    assert Warehouse(base_capacity_rpu=rpu, **NET).base_capacity_rpu == rpu


@pytest.mark.parametrize("rpu", [0, 6, 12, 520, 1024])
def test_base_capacity_rejects_other_values(rpu):
    with pytest.raises(ValidationError, match="4, or 8 to 512 RPUs in steps of 8"):
        Warehouse(base_capacity_rpu=rpu, **NET)


def test_warehouse_subnets_distinct():
    with pytest.raises(ValidationError, match="distinct"):
        Warehouse(vpc_id=NET["vpc_id"], subnet_ids=[NET["subnet_ids"][0]] * 3)


@pytest.mark.parametrize(
    "schedule, ok",
    [
        ("cron(0 3 * * ? *)", True),
        ("cron(15 12 ? * MON-FRI *)", True),
        ("cron(0 3 * * * *)", False),
        ("cron(0 3 ? * ? *)", False),
        ("rate(1 day)", False),
        ("cron(0 3 * * ?)", False),
    ],
)
def test_glue_schedule_is_a_cron_glue_accepts(schedule, ok):
    if ok:
        assert GlueJob(**JOB, schedule=schedule).schedule == schedule
    else:
        with pytest.raises(ValidationError):
            GlueJob(**JOB, schedule=schedule)


@pytest.mark.parametrize("script", ["/etc/passwd.py", "../outside.py", "scripts/job.sh", "scripts/../../x.py"])
def test_glue_script_stays_in_the_config_folder(script):
    with pytest.raises(ValidationError, match="relative to the config folder"):
        GlueJob(**{**JOB, "script": script})


@pytest.mark.parametrize(
    "label, message", [("emr-6.5.0", "starts at emr-6.6.0"), ("7.5.0", "emr-<major>"), ("emr-7.5", "emr-<major>")]
)
def test_emr_release_label(label, message):
    with pytest.raises(ValidationError, match=message):
        EmrApplication(
            name="a",
            release_label=label,
            vpc_id=NET["vpc_id"],
            subnet_ids=NET["subnet_ids"][:1],
            inputs=["x"],
            output={"bucket": "curated", "prefix": "x/"},
        )


def _warehouse(config_copy, **changes):
    def mutate(data):
        data["data"]["warehouse"].update(changes)

    edit_yaml(config_copy / "accounts" / "data.yaml", mutate)
    return config_errors(config_copy)


def test_consumer_persona_must_exist_in_that_account(config_copy):
    diagnostics = _warehouse(config_copy, consumers=[{"account": "ds-dev", "personas": ["data-analyst"]}])
    error = error_on(diagnostics, "data.warehouse.consumers[0].personas[0]")
    assert "has no persona 'data-analyst'" in error.message and "data-scientist" in error.message
    assert error.line == line_of(config_copy / "accounts" / "data.yaml", "data-analyst")


def test_ml_execution_consumer_names_no_personas(config_copy):
    diagnostics = _warehouse(config_copy, consumers=[{"account": "ml-exec", "personas": ["data-scientist"]}])
    assert "pipeline execution role" in error_on(diagnostics, "data.warehouse.consumers[0].personas").message


def test_consumer_must_be_data_science_or_ml_execution(config_copy):
    diagnostics = _warehouse(config_copy, consumers=[{"account": "staging"}])
    assert (
        "expected an account of kind data-science or ml-execution"
        in error_on(diagnostics, "data.warehouse.consumers[0].account").message
    )


def test_unknown_datasets_and_duplicate_jobs(config_copy):
    def mutate(data):
        data["data"]["warehouse"]["datasets"] = ["customers", "orders"]
        data["data"]["glue_jobs"].append(dict(data["data"]["glue_jobs"][0]))
        data["data"]["emr_applications"][0]["inputs"] = ["clicks"]

    edit_yaml(config_copy / "accounts" / "data.yaml", mutate)
    diagnostics = config_errors(config_copy)
    assert "unknown dataset 'orders'" in error_on(diagnostics, "data.warehouse.datasets[1]").message
    assert "duplicate name 'curate-churn'" in error_on(diagnostics, "data.glue_jobs[1].name").message
    assert "unknown dataset 'clicks'" in error_on(diagnostics, "data.emr_applications[0].inputs[0]").message


def test_derived_names_checked_against_aws_rules(config_copy):
    """A long landing-zone prefix pushes the warehouse's roles past IAM's 64 characters: reported on the name."""
    long_prefix = "a" * 30
    edit_yaml(config_copy / "landing-zone.yaml", lambda data: data.update(prefix=long_prefix))
    edit_yaml(config_copy / "accounts" / "data.yaml", lambda data: data["data"]["warehouse"].update(name="w" * 30))
    diagnostics = [d for d in config_errors(config_copy) if d.field == "data.warehouse.name"]
    assert any(
        f"derived IAM role name '{long_prefix}-{'w' * 30}-spectrum' is 70 characters; IAM allows 64" in d.message
        for d in diagnostics
    )


def test_derived_lists_every_processing_name(resolved_example):
    section = resolved_example.accounts["data"].config.data
    names = {(rule.what, name) for _, rule, name in derived("acme-ml", section)}
    bucket = resolved_example.bucket_name("data", PROCESSING)
    assert ("bucket name", bucket) in {(d.rule.what, d.name) for d in all_names(resolved_example)}
    assert ("Redshift database name", "analytics") in names and ("KMS alias name", "alias/acme-ml/warehouse") in names
    assert (REDSHIFT_SERVERLESS.what, "acme-ml-warehouse") in names
    assert {n for w, n in names if w == "IAM role name"} == {
        "acme-ml-warehouse-spectrum",
        "acme-ml-warehouse-query",
        "acme-ml-glue-curate-churn",
        "acme-ml-emr-features-jobs",
    }


def test_warehouse_access_gives_both_sides_one_value(resolved_example):
    r = resolved_example
    by_consumer = {a.consumer: a for a in warehouse_access(r)}
    assert sorted(by_consumer) == ["ds-dev", "ml-exec"]
    assert by_consumer["ds-dev"].roles == ("acme-ml-persona-data-scientist",)
    assert by_consumer["ml-exec"].roles == ("acme-ml-ml-pipeline-execution",)
    assert {a.query_role_arn for a in by_consumer.values()} == {r.role_arn("data", "acme-ml-warehouse-query")}
    assert warehouse_access(r, consumer="ds-dev") == [by_consumer["ds-dev"]]
