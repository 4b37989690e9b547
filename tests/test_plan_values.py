"""Values the AWS provider's bindings accept but AWS rejects at apply, or that apply in the wrong order.

The cdktf bindings check argument names only; these tests pin the values and dependencies a review
against the AWS documentation found wrong.
"""

from __future__ import annotations

import json
import re

# $context variables an HTTP API access log may name (API Gateway developer guide, "Customize HTTP API
# access logs"); API Gateway rejects the stage if the format names any other, e.g. the REST-only
# $context.identity.apiKeyId (HTTP APIs have no API keys).
HTTP_API_LOG_VARIABLES = {
    "$context.accountId",
    "$context.apiId",
    "$context.awsEndpointRequestId",
    "$context.dataProcessed",
    "$context.domainName",
    "$context.error.message",
    "$context.extendedRequestId",
    "$context.httpMethod",
    "$context.identity.accountId",
    "$context.identity.caller",
    "$context.identity.principalOrgId",
    "$context.identity.sourceIp",
    "$context.identity.user",
    "$context.identity.userAgent",
    "$context.identity.userArn",
    "$context.integrationErrorMessage",
    "$context.integrationLatency",
    "$context.integrationStatus",
    "$context.path",
    "$context.protocol",
    "$context.requestId",
    "$context.requestTime",
    "$context.responseLatency",
    "$context.responseLength",
    "$context.routeKey",
    "$context.stage",
    "$context.status",
}


def _variables(log_format: str) -> set[str]:
    return set(re.findall(r"\$context(?:\.[A-Za-z0-9]+)+", log_format))


def test_http_api_access_log_names_only_http_api_variables(stacks):
    log_format = stacks.resource("staging", "aws_apigatewayv2_stage")["access_log_settings"]["format"]
    assert _variables(log_format) <= HTTP_API_LOG_VARIABLES, _variables(log_format) - HTTP_API_LOG_VARIABLES
    assert json.loads(log_format) == {
        "caller": "$context.identity.caller",
        "integrationError": "$context.integrationErrorMessage",
        "ip": "$context.identity.sourceIp",
        "latency": "$context.responseLatency",
        "method": "$context.httpMethod",
        "path": "$context.routeKey",
        "requestId": "$context.requestId",
        "status": "$context.status",
        "time": "$context.requestTime",
        "user": "$context.identity.userArn",
    }


def test_rest_api_access_log_keeps_api_key_and_resource_path(stacks):
    fields = json.loads(stacks.resource("production", "aws_api_gateway_stage")["access_log_settings"]["format"])
    assert fields["apiKeyId"] == "$context.identity.apiKeyId"
    assert fields["path"] == "$context.path"


def test_feature_group_waits_for_its_glue_database_bucket_and_role_policy(stacks):
    resources = stacks.resources("ml-exec", "aws_sagemaker_feature_group")
    group = next(v for v in resources.values() if v["feature_group_name"] == "customers")
    database = group["offline_store_config"]["data_catalog_config"]["database"]
    db_ids = [k for k, v in stacks.resources("ml-exec", "aws_glue_catalog_database").items() if v["name"] == database]
    assert db_ids == ["feature-store-db"]
    role_id = group["role_arn"].split(".")[1]
    policy_ids = [
        k
        for k, v in stacks.resources("ml-exec", "aws_iam_role_policy").items()
        if v["role"] == f"${{aws_iam_role.{role_id}.id}}"
    ]
    bucket_policies = [
        k for k, v in stacks.resources("ml-exec", "aws_s3_bucket_policy").items() if k.startswith("feature-store_")
    ]
    assert len(policy_ids) == 1 and len(bucket_policies) == 1
    assert set(group["depends_on"]) == {
        f"aws_glue_catalog_database.{db_ids[0]}",
        f"aws_iam_role_policy.{policy_ids[0]}",
        f"aws_s3_bucket_policy.{bucket_policies[0]}",
    }


def test_data_location_access_is_granted_on_the_registered_location(stacks):
    registered = {k: v["arn"] for k, v in stacks.resources("data", "aws_lakeformation_resource").items()}
    grants = [v for v in stacks.resources("data", "aws_lakeformation_permissions").values() if "data_location" in v]
    crawler = [g for g in grants if g["principal"].startswith("${aws_iam_role.catalog_crawler-role")]
    assert len(crawler) == len(registered) == 3  # plus the data-engineer persona's (test_data_synth)
    assert sorted(g["data_location"]["arn"] for g in crawler) == sorted(
        f"${{aws_lakeformation_resource.{k}.arn}}" for k in registered
    )
    assert {g["data_location"]["arn"] for g in grants} <= {
        f"${{aws_lakeformation_resource.{k}.arn}}" for k in registered
    }


def test_pipeline_references_its_artifact_bucket_and_build_projects(stacks):
    # CreatePipeline fails ("No bucket with the name ... was found") if the artifact bucket is not there yet.
    pipeline = stacks.resource("shared-services", "aws_codepipeline")
    buckets = {v["bucket"]: k for k, v in stacks.resources("shared-services", "aws_s3_bucket").items()}
    assert (
        pipeline["artifact_store"][0]["location"]
        == f"${{aws_s3_bucket.{buckets['acme-ml-pipeline-artifacts-444444444444-eu-west-1']}.id}}"
    )
    projects = {v["name"]: k for k, v in stacks.resources("shared-services", "aws_codebuild_project").items()}
    used = [
        a["configuration"]["ProjectName"]
        for st in pipeline["stage"]
        for a in st["action"]
        if a["provider"] == "CodeBuild"
    ]
    assert used == [
        f"${{aws_codebuild_project.{projects['acme-ml-model-deploy-build']}.name}}",
        f"${{aws_codebuild_project.{projects['acme-ml-model-deploy-deploy']}.name}}",
        f"${{aws_codebuild_project.{projects['acme-ml-model-deploy-deploy']}.name}}",
    ]


def test_models_wait_for_the_execution_role_policy(stacks):
    for account in ("staging", "production"):
        models = stacks.resources(account, "aws_sagemaker_model").values()
        role_ids = {m["execution_role_arn"].split(".")[1] for m in models}
        assert len(role_ids) == 1
        role_ref = f"${{aws_iam_role.{role_ids.pop()}.id}}"
        policies = [k for k, v in stacks.resources(account, "aws_iam_role_policy").items() if v["role"] == role_ref]
        assert len(policies) == 1
        assert {tuple(m["depends_on"]) for m in models} == {(f"aws_iam_role_policy.{policies[0]}",)}
