"""Validate is a superset of synth for names: every name in the synthesized JSON is derived, with its
AWS rule, by config/derived_names.py (which validate checks), and every rule refuses what AWS refuses."""

from __future__ import annotations

import re
import typing

import pydantic
import pytest
from conftest import copy_example, read_stacks

from config import load, resolve
from config import name_rules as rule
from config.derived_names import all_names
from config.lockfile import AccountsLock
from config.name_rules import RULES
from config.pattern_words import PATTERN_WORDS
from config.schema import Account, LandingZone
from tests.helpers import EXAMPLE_BACKEND, enroll_existing_accounts, fit_control_tower

# (resource type, attribute) -> the rule of that name. A name attribute missing here fails the test.
NAMED: dict[tuple[str, str], rule.NameRule] = {
    ("aws_s3_bucket", "bucket"): rule.S3_BUCKET,
    ("aws_cloudtrail", "s3_bucket_name"): rule.S3_BUCKET,
    ("aws_iam_role", "name"): rule.IAM_ROLE,
    ("aws_organizations_account", "role_name"): rule.IAM_ROLE,
    ("aws_iam_policy", "name"): rule.IAM_POLICY,
    ("aws_lambda_function", "function_name"): rule.LAMBDA_FUNCTION,
    ("aws_sagemaker_endpoint", "name"): rule.SAGEMAKER,
    ("aws_sagemaker_endpoint_configuration", "name_prefix"): rule.SAGEMAKER_PREFIX,
    ("aws_sagemaker_model", "name"): rule.SAGEMAKER_MODEL_PREFIX,
    ("aws_sagemaker_model_package_group", "model_package_group_name"): rule.SAGEMAKER,
    ("aws_sagemaker_data_quality_job_definition", "name"): rule.SAGEMAKER,
    ("aws_sagemaker_monitoring_schedule", "name"): rule.SAGEMAKER,
    ("aws_sagemaker_domain", "domain_name"): rule.SAGEMAKER,
    ("aws_sagemaker_studio_lifecycle_config", "studio_lifecycle_config_name"): rule.SAGEMAKER,
    ("aws_sagemaker_user_profile", "user_profile_name"): rule.STUDIO_USER,
    ("aws_sagemaker_pipeline", "pipeline_name"): rule.SAGEMAKER_PIPELINE,
    ("aws_sagemaker_pipeline", "pipeline_display_name"): rule.SAGEMAKER_PIPELINE,
    ("aws_sagemaker_feature_group", "feature_group_name"): rule.FEATURE_GROUP,
    ("aws_cloudwatch_log_group", "name"): rule.LOG_GROUP,
    ("aws_cloudwatch_metric_alarm", "alarm_name"): rule.ALARM,
    ("aws_cloudwatch_composite_alarm", "alarm_name"): rule.ALARM,
    ("aws_db_instance", "identifier"): rule.RDS_IDENTIFIER,
    ("aws_db_subnet_group", "name"): rule.DB_SUBNET_GROUP,
    ("aws_dynamodb_table", "name"): rule.DYNAMODB_TABLE,
    ("aws_efs_file_system", "creation_token"): rule.EFS_TOKEN,
    ("aws_athena_workgroup", "name"): rule.ATHENA_WORKGROUP,
    ("aws_glue_catalog_database", "name"): rule.GLUE_DATABASE,
    ("aws_glue_crawler", "name"): rule.GLUE_NAME,
    ("aws_glue_security_configuration", "name"): rule.GLUE_NAME,
    ("aws_cloudwatch_event_rule", "name"): rule.EVENT_RULE,
    ("aws_cloudwatch_event_bus", "name"): rule.EVENT_BUS,
    ("aws_codebuild_project", "name"): rule.CODEBUILD_PROJECT,
    ("aws_codepipeline", "name"): rule.CODEPIPELINE,
    ("aws_codeconnections_connection", "name"): rule.CODECONNECTION,
    ("aws_ecr_repository", "name"): rule.ECR_REPOSITORY,
    ("aws_kms_alias", "name"): rule.KMS_ALIAS,
    ("aws_sns_topic", "name"): rule.SNS_TOPIC,
    ("aws_security_group", "name"): rule.SECURITY_GROUP,
    ("aws_cloudtrail", "name"): rule.TRAIL,
    ("aws_organizations_policy", "name"): rule.SCP,
    ("aws_organizations_account", "name"): rule.ORG_ACCOUNT,
    ("aws_servicecatalog_provisioned_product", "name"): rule.PROVISIONED_PRODUCT,
    ("aws_organizations_organizational_unit", "name"): rule.OU,
    ("aws_ssoadmin_permission_set", "name"): rule.PERMISSION_SET,
    ("aws_securityhub_configuration_policy", "name"): rule.SECURITY_HUB_POLICY,
    ("aws_api_gateway_rest_api", "name"): rule.API_GATEWAY,
    ("aws_apigatewayv2_api", "name"): rule.API_GATEWAY,
    ("aws_api_gateway_api_key", "name"): rule.API_GATEWAY,
    ("aws_api_gateway_usage_plan", "name"): rule.API_GATEWAY,
    ("aws_appautoscaling_policy", "name"): rule.AUTOSCALING_POLICY,
    ("aws_accessanalyzer_analyzer", "analyzer_name"): rule.ACCESS_ANALYZER,
    ("aws_budgets_budget", "name"): rule.BUDGET,
    ("aws_config_configuration_aggregator", "name"): rule.CONFIG_AGGREGATOR,
    ("aws_config_delivery_channel", "s3_bucket_name"): rule.S3_BUCKET,
    ("aws_secretsmanager_secret", "name"): rule.SECRET,
    ("aws_redshiftserverless_namespace", "namespace_name"): rule.REDSHIFT_SERVERLESS,
    ("aws_redshiftserverless_workgroup", "workgroup_name"): rule.REDSHIFT_SERVERLESS,
    ("aws_redshiftserverless_namespace", "db_name"): rule.REDSHIFT_DATABASE,
    ("aws_glue_job", "name"): rule.GLUE_NAME,
    ("aws_glue_trigger", "name"): rule.GLUE_NAME,
    ("aws_emrserverless_application", "name"): rule.EMR_APPLICATION,
    ("aws_codecommit_repository", "repository_name"): rule.CODECOMMIT_REPOSITORY,
    ("aws_codecommit_approval_rule_template", "name"): rule.APPROVAL_RULE_TEMPLATE,
}
# Name-like attributes that are not names mlops-tf derives, and why.
NOT_DERIVED = {
    ("aws_iam_role_policy", "name"): "inline policy names are fixed words of the module (execution, pipeline, ...)",
    ("aws_guardduty_organization_configuration_feature", "name"): "AWS's own feature names",
    ("aws_vpc_endpoint", "service_name"): "AWS service endpoints",
    ("aws_api_gateway_stage", "stage_name"): "fixed stage name v1",
    ("aws_apigatewayv2_stage", "name"): "$default",
    ("aws_sns_topic", "display_name"): "free text",
    ("aws_cloudwatch_metric_alarm", "metric_name"): "the metric Model Monitor publishes",
    ("aws_sagemaker_feature_group", "event_time_feature_name"): "a feature name, checked by the schema",
    ("aws_sagemaker_feature_group", "record_identifier_feature_name"): "a feature name, checked by the schema",
    ("aws_servicecatalog_provisioned_product", "product_id"): "the configured Account Factory product",
    ("aws_servicecatalog_provisioned_product", "provisioning_artifact_name"): "the configured Account Factory artifact",
    ("aws_iam_openid_connect_provider", "url"): "the Terraform Cloud issuer",
    ("aws_identitystore_group", "display_name"): "a configured group display name, checked by the schema",
    ("aws_config_configuration_recorder", "name"): "AWS Config's one recorder per account and region, named default",
    ("aws_iam_service_linked_role", "aws_service_name"): "an AWS service principal, not a name",
}
NAME_ATTRIBUTE = re.compile(r"^(name|name_prefix|bucket|identifier|creation_token|alarm_name|.*_name)$")


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory):
    """The example under Terraform Cloud (run roles, workspaces) and Control Tower (Account Factory products)."""
    from accounts.app import synthesize

    base = tmp_path_factory.mktemp("names-variant")
    config = copy_example(base)
    lz = config / "landing-zone.yaml"
    text = lz.read_text().replace(EXAMPLE_BACKEND, "state_backend:\n  type: cloud\n  organization: acme")
    lz.write_text(
        text.replace(
            "  vending: organizations\n", "  vending: control_tower\n  account_factory_product_id: prod-abcdefghij123\n"
        )
    )
    enroll_existing_accounts(config)
    fit_control_tower(config)
    resolved = resolve(load(config))
    synthesize(resolved, None, base / "out", state_dir=base / "state")
    return read_stacks(base / "out"), resolved


@pytest.mark.parametrize("which", ["example", "cloud backend and Control Tower"])
def test_every_name_in_the_synthesized_json_is_derived_and_checked_by_validate(which, request):
    if which == "example":
        stacks, resolved = request.getfixturevalue("stacks"), request.getfixturevalue("resolved_example")
    else:
        stacks, resolved = request.getfixturevalue("variant")
    derived = {(d.rule, d.name) for d in all_names(resolved)}
    unknown, unchecked = set(), []
    for account, stack in stacks.items():
        for rtype, resources in stack.get("resource", {}).items():
            for body in resources.values():
                for attr, value in body.items():
                    if not (isinstance(value, str) and NAME_ATTRIBUTE.match(attr)) or (rtype, attr) in NOT_DERIVED:
                        continue
                    static = value.split("${")[0] if rtype == "aws_sagemaker_model" else value
                    if "${" in static:
                        continue  # a reference to another resource's name, checked where that name is written
                    if (rtype, attr) not in NAMED:
                        unknown.add((rtype, attr))
                        continue
                    if (NAMED[(rtype, attr)], static) not in derived:
                        unchecked.append(f"{account}: {rtype}.{attr} = {static!r}")
    assert not unknown, f"name attributes with no rule in NAMED (add the rule and derive the name): {sorted(unknown)}"
    assert not unchecked, "names synth writes that validate never checks:\n" + "\n".join(unchecked)


def test_the_example_names_all_pass_their_rules(resolved_example):
    failing = [
        (d.rule.what, d.name, d.rule.problem(d.name)) for d in all_names(resolved_example) if d.rule.problem(d.name)
    ]
    assert failing == []


@pytest.mark.parametrize("name", sorted(RULES))
def test_each_rule_refuses_one_character_too_many(name: str):
    r = RULES[name]
    too_long = "a" * (r.max_length - r.suffix + 1)
    assert r.problem(too_long).startswith(
        f"is {len(too_long)} characters"
    ) and f"{r.service} allows {r.max_length}" in r.problem(too_long)
    assert r.doc.startswith("https://")


@pytest.mark.parametrize(
    ("name", "bad", "words"),
    [
        ("RDS_IDENTIFIER", "1acme-metadata", "starting with a letter"),
        ("RDS_IDENTIFIER", "acme--metadata", "without two hyphens in a row"),
        ("S3_BUCKET", "Acme-raw", "lowercase letters"),
        ("SAGEMAKER", "acme_churn", "letters, digits and hyphens"),
        ("ECR_REPOSITORY", "acme/Churn", "lowercase letters and digits"),
        ("KMS_ALIAS", "alias/aws/studio", "not alias/aws/"),
        ("SECURITY_GROUP", "sg-studio", "not starting with sg-"),
    ],
)
def test_rules_refuse_what_aws_refuses_in_words(name: str, bad: str, words: str):
    problem = RULES[name].problem(bad)
    assert problem is not None and words in problem and "[" not in problem.split(":")[0]


def _patterns(tp, found: set[str], seen: set) -> None:
    if typing.get_origin(tp) is typing.Annotated:
        for meta in typing.get_args(tp)[1:]:
            for item in (meta, *getattr(meta, "metadata", ())):
                if getattr(item, "pattern", None):
                    found.add(item.pattern)
    for arg in typing.get_args(tp):
        _patterns(arg, found, seen)
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel) and tp not in seen:
        seen.add(tp)
        for field in tp.model_fields.values():
            for meta in field.metadata:
                if getattr(meta, "pattern", None):
                    found.add(meta.pattern)
            _patterns(field.annotation, found, seen)


def test_every_schema_pattern_has_words_so_no_message_shows_a_regular_expression():
    found: set[str] = set()
    for root in (Account, LandingZone, AccountsLock):
        _patterns(root, found, set())
    assert len(found) > 30
    assert sorted(found - set(PATTERN_WORDS)) == [], "add these patterns to config/pattern_words.py"
