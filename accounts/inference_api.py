"""The inference APIs of a staging/production account: one Lambda per API (the handler in
modules/lambda_src, packaged once per stack) behind API Gateway REST or HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config import contracts, local_names
from config.kinds import inference as names
from modules.aws import aws
from modules.inference_api import HttpInferenceApi, InferenceFunction, RestInferenceApi, ThrottleSpec, UsagePlanSpec
from modules.lambda_package import package_asset
from modules.literal import json_text
from modules.policy import assume_role_trust, statement

if TYPE_CHECKING:
    from .inference import InferenceContext

HANDLER_MODULE = "inference_handler"


def build(ctx: InferenceContext) -> None:
    apis = ctx.section.apis
    if not apis:
        return
    package = package_asset(ctx.stack, "inference-handler-package", HANDLER_MODULE)
    logging_setting = _rest_logging_role(ctx) if any(api.type.value == "rest" for api in apis) else None
    by_name = {ep.name: ep for ep in ctx.section.endpoints}
    for api in apis:
        name = names.api_function_name(ctx.resolved, api.name)
        routes = {route: by_name[route] for route in api.endpoints}
        function = InferenceFunction(
            ctx.stack,
            f"api-{api.name}-function",
            function_name=name,
            package=package,
            environment=_environment(ctx, routes),
            role_statements=_function_statements(ctx, name, routes),
            log_kms_key_arn=ctx.logs_key.arn,
            log_retention_days=api.log_retention_days,
            source_account=ctx.stack.account_id,
        )
        throttle = ThrottleSpec(rate_limit=api.throttling.rate_limit, burst_limit=api.throttling.burst_limit)
        # A route exists exactly while its endpoint does: both take the endpoint's serving gate count.
        gates = [ctx.gates[route] for route in routes]
        common = dict(
            name=name,
            function=function,
            routes=list(routes),
            iam_auth=api.auth.value == "iam",
            throttle=throttle,
            log_kms_key_arn=ctx.logs_key.arn,
            log_retention_days=api.log_retention_days,
            route_counts={route: ctx.gates[route].count for route in routes},
        )
        if api.type.value == "rest":
            plans = [
                UsagePlanSpec(
                    name=p.name,
                    throttle=ThrottleSpec(rate_limit=p.throttling.rate_limit, burst_limit=p.throttling.burst_limit),
                    keys=tuple(p.keys),
                    quota_limit=p.quota.limit if p.quota else None,
                    quota_period=p.quota.period if p.quota else "DAY",
                )
                for p in api.usage_plans
            ]
            # Access logs need the account's CloudWatch role in place first.
            served = f"${{jsonencode([{', '.join(g.exists_expression for g in gates)}])}}"
            built: RestInferenceApi | HttpInferenceApi = RestInferenceApi(
                ctx.stack,
                f"api-{api.name}",
                usage_plans=plans,
                stage_depends_on=[logging_setting],
                deployed_count=gates[0].any_count(gates[1:]),
                served_routes=served,
                **common,
            )
        else:
            built = HttpInferenceApi(ctx.stack, f"api-{api.name}", **common)
        ctx.stack.output(
            f"api_{api.name.replace('-', '_')}_url",
            built.invoke_url,
            f"Invoke URL of the {api.type.value.upper()} API {api.name} (POST /<endpoint>); REST: null until "
            "an endpoint serves a model",
        )


def _environment(ctx: InferenceContext, routes: dict) -> dict[str, str]:
    table = {
        route: {
            "endpoint": names.endpoint_name(ctx.resolved, ep.name),
            # Instance endpoints capture themselves; serverless ones rely on the Lambda.
            "capture_percentage": ep.compute.api_capture_percentage if ep.compute.mode == "serverless" else 0,
        }
        for route, ep in sorted(routes.items())
    }
    return {
        "ENDPOINTS": json_text(table),
        "CAPTURE_BUCKET": ctx.bucket.name,
        "CAPTURE_KMS_KEY_ARN": ctx.data_key.arn,
        "CAPTURE_PREFIX": names.capture_prefix(ctx.resolved, ctx.account.name),
    }


def _function_statements(ctx: InferenceContext, function_name: str, routes: dict) -> list:
    endpoint_arns = sorted(
        ctx.arn("sagemaker", f"endpoint/{names.endpoint_name(ctx.resolved, ep.name)}") for ep in routes.values()
    )
    statements = [
        statement(
            "WriteOwnLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            ctx.arn("logs", f"log-group:/aws/lambda/{function_name}:*"),
        ),
        statement("InvokeRoutedEndpoints", "sagemaker:InvokeEndpoint", endpoint_arns),
    ]
    if any(ep.compute.mode == "serverless" and ep.compute.api_capture_percentage > 0 for ep in routes.values()):
        statements += [
            statement(
                "WriteApiCapture",
                "s3:PutObject",
                f"{ctx.bucket.arn}/{names.capture_prefix(ctx.resolved, ctx.account.name)}/*",
            ),
            statement("EncryptApiCapture", "kms:GenerateDataKey", ctx.data_key.arn),
        ]
    return statements


def _rest_logging_role(ctx: InferenceContext):
    """REST API access logging needs the account-level API Gateway CloudWatch role (one per region)."""
    role = aws.iam_role.IamRole(
        ctx.stack,
        "apigateway-cloudwatch-role",
        name=local_names.apigateway_cloudwatch_role_name(ctx.resolved),
        description="API Gateway writes REST API access and execution logs to CloudWatch",
        assume_role_policy=assume_role_trust(
            {"Service": "apigateway.amazonaws.com"},
            {"StringEquals": {"aws:SourceAccount": ctx.stack.account_id}},
            sid="ApiGateway",
        ),
    )
    aws.iam_role_policy_attachment.IamRolePolicyAttachment(
        ctx.stack,
        "apigateway-cloudwatch-policy",
        role=role.name,
        policy_arn=contracts.aws_managed_policy_arn(ctx.partition, "service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
    )
    return aws.api_gateway_account.ApiGatewayAccount(ctx.stack, "apigateway-account", cloudwatch_role_arn=role.arn)
