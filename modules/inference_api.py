"""The inference API: a Lambda that calls SageMaker InvokeEndpoint, behind API Gateway (REST or HTTP).

REST APIs support IAM auth or API keys with usage plans; HTTP APIs support IAM auth (they have no API
keys). Every route is POST /<route>. Access logs go to a KMS-encrypted log group.

A route exists only while its endpoint does: `route_counts` holds each route's `count` (the endpoint's
serving gate). A REST deployment needs at least one method, so the deployment, stage, method settings
and usage plans take `deployed_count` (1 when any route exists).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from .aws import aws
from .lambda_package import LambdaPackage
from .literal import json_text
from .policy import Statement, statement
from .service_role import ServiceRole
from .serving_gate import instance_attribute

# One JSON line per request: enough to trace a call to its caller, route and Lambda. REST and HTTP APIs
# accept different $context variables and reject the stage if the format names one they do not know:
# HTTP APIs have no API keys ($context.identity.apiKeyId) and log the route key instead of the resource path.
_COMMON_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "user": "$context.identity.userArn",
    "time": "$context.requestTime",
    "method": "$context.httpMethod",
    "status": "$context.status",
    "latency": "$context.responseLatency",
    "integrationError": "$context.integrationErrorMessage",
}
REST_ACCESS_LOG_FORMAT = json_text(
    {**_COMMON_LOG_FIELDS, "path": "$context.path", "apiKeyId": "$context.identity.apiKeyId"}
)
# API-level setting that takes effect with the next deployment (part of the redeployment trigger).
BINARY_MEDIA_TYPES = ["*/*"]
HTTP_ACCESS_LOG_FORMAT = json_text({**_COMMON_LOG_FIELDS, "path": "$context.routeKey"})


@dataclass(frozen=True, kw_only=True)
class ThrottleSpec:
    rate_limit: float
    burst_limit: int


@dataclass(frozen=True, kw_only=True)
class UsagePlanSpec:
    name: str
    throttle: ThrottleSpec
    keys: tuple[str, ...]
    quota_limit: int | None = None
    quota_period: str = "DAY"


def log_group(scope: Construct, id: str, *, name: str, kms_key_arn: str, retention_days: int):
    return aws.cloudwatch_log_group.CloudwatchLogGroup(
        scope, id, name=name, kms_key_id=kms_key_arn, retention_in_days=retention_days
    )


class InferenceFunction(Construct):
    """The Lambda (Python handler zipped at synth) with its role and encrypted log group."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function_name: str,
        package: LambdaPackage,
        environment: dict[str, str],
        role_statements: list[Statement],
        log_kms_key_arn: str,
        log_retention_days: int,
        source_account: str,
    ) -> None:
        super().__init__(scope, id)
        self.log_group = log_group(
            self,
            "logs",
            name=f"/aws/lambda/{function_name}",
            kms_key_arn=log_kms_key_arn,
            retention_days=log_retention_days,
        )
        self.role = ServiceRole(
            self,
            "role",
            role_name=function_name,
            description=f"Execution role of the {function_name} inference API function",
            service="lambda.amazonaws.com",
            # X-Ray trace upload has no resource-level permissions: "*" is the only resource it takes.
            statements=[
                *role_statements,
                statement("XRayTraces", ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "*"),
            ],
            trust_condition={"StringEquals": {"aws:SourceAccount": source_account}},
        )
        self.function = aws.lambda_function.LambdaFunction(
            self,
            "function",
            function_name=function_name,
            role=self.role.arn,
            runtime="python3.12",
            architectures=["arm64"],
            handler="inference_handler.handler",
            filename=package.path,
            source_code_hash=package.source_code_hash,
            timeout=30,
            memory_size=256,
            environment={"variables": dict(sorted(environment.items()))},
            logging_config={"log_format": "JSON", "log_group": self.log_group.name},
            tracing_config={"mode": "Active"},
            depends_on=[self.log_group, self.role.policy],
        )


class RestInferenceApi(Construct):
    """REST API: POST /<route> per route, IAM auth or API keys with usage plans, stage throttling."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        function: InferenceFunction,
        routes: list[str],
        iam_auth: bool,
        throttle: ThrottleSpec,
        usage_plans: list[UsagePlanSpec],
        log_kms_key_arn: str,
        log_retention_days: int,
        route_counts: dict[str, object],
        deployed_count: object,
        served_routes: str,
        stage_name: str = "v1",
        stage_depends_on: list | None = None,
    ) -> None:
        super().__init__(scope, id)
        # Every type is binary: a request body reaches the Lambda base64-encoded, and a response the Lambda
        # marks isBase64Encoded is decoded whatever the caller's Accept header; text responses pass unchanged.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/lambda-proxy-binary-media.html
        self.api = aws.api_gateway_rest_api.ApiGatewayRestApi(
            self,
            "api",
            name=name,
            endpoint_configuration={"types": ["REGIONAL"]},
            binary_media_types=BINARY_MEDIA_TYPES,
        )
        pieces = []
        for route in routes:
            count = route_counts[route]
            resource = aws.api_gateway_resource.ApiGatewayResource(
                self,
                f"resource-{route}",
                rest_api_id=self.api.id,
                parent_id=self.api.root_resource_id,
                path_part=route,
                count=count,
            )
            method = aws.api_gateway_method.ApiGatewayMethod(
                self,
                f"method-{route}",
                rest_api_id=self.api.id,
                resource_id=instance_attribute(resource, "id"),
                http_method="POST",
                authorization="AWS_IAM" if iam_auth else "NONE",
                api_key_required=not iam_auth,
                count=count,
            )
            integration = aws.api_gateway_integration.ApiGatewayIntegration(
                self,
                f"integration-{route}",
                rest_api_id=self.api.id,
                resource_id=instance_attribute(resource, "id"),
                http_method=instance_attribute(method, "http_method"),
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=function.function.invoke_arn,
                count=count,
            )
            pieces += [resource, method, integration]
        # A REST deployment is a snapshot: redeploy whenever the routes, their auth or which of them exist change.
        shape = hashlib.sha256(
            json.dumps({"routes": routes, "iam": iam_auth, "binary": BINARY_MEDIA_TYPES}, sort_keys=True).encode()
        ).hexdigest()
        # CreateDeployment fails on an API without methods: no deployment (and stage) before a route exists.
        # https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDeployment.html
        deployment = aws.api_gateway_deployment.ApiGatewayDeployment(
            self,
            "deployment",
            rest_api_id=self.api.id,
            triggers={"redeployment": shape, "served": served_routes},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=pieces,
            count=deployed_count,
        )
        self.access_logs = log_group(
            self,
            "access-logs",
            name=f"/aws/apigateway/{name}",
            kms_key_arn=log_kms_key_arn,
            retention_days=log_retention_days,
        )
        self.stage = aws.api_gateway_stage.ApiGatewayStage(
            self,
            "stage",
            rest_api_id=self.api.id,
            deployment_id=instance_attribute(deployment, "id"),
            stage_name=stage_name,
            access_log_settings={"destination_arn": self.access_logs.arn, "format": REST_ACCESS_LOG_FORMAT},
            xray_tracing_enabled=True,
            depends_on=stage_depends_on,
            count=deployed_count,
        )
        aws.api_gateway_method_settings.ApiGatewayMethodSettings(
            self,
            "method-settings",
            rest_api_id=self.api.id,
            stage_name=instance_attribute(self.stage, "stage_name"),
            method_path="*/*",
            settings={
                "metrics_enabled": True,
                "logging_level": "ERROR",
                "throttling_rate_limit": throttle.rate_limit,
                "throttling_burst_limit": throttle.burst_limit,
            },
            count=deployed_count,
        )
        for plan in usage_plans:
            self._usage_plan(name, plan, deployed_count)
        aws.lambda_permission.LambdaPermission(
            self,
            "invoke",
            statement_id=f"AllowApiGateway-{name}",
            action="lambda:InvokeFunction",
            function_name=function.function.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.api.execution_arn}/{stage_name}/POST/*",
        )

    @property
    def invoke_url(self) -> str:
        """The stage's invoke URL once a route exists, else null (for outputs)."""
        return f"${{one({self.stage.fqn}[*].invoke_url)}}"

    def _usage_plan(self, api_name: str, plan: UsagePlanSpec, count) -> None:
        args: dict = {
            "name": f"{api_name}-{plan.name}",
            # A usage plan names an existing stage: it exists with the stage.
            "api_stages": [
                aws.api_gateway_usage_plan.ApiGatewayUsagePlanApiStages(
                    api_id=self.api.id, stage=instance_attribute(self.stage, "stage_name")
                )
            ],
            "throttle_settings": {"rate_limit": plan.throttle.rate_limit, "burst_limit": plan.throttle.burst_limit},
            "count": count,
        }
        if plan.quota_limit is not None:
            args["quota_settings"] = {"limit": plan.quota_limit, "period": plan.quota_period}
        usage_plan = aws.api_gateway_usage_plan.ApiGatewayUsagePlan(self, f"usage-plan-{plan.name}", **args)
        for key_name in plan.keys:
            # The key value is generated by API Gateway and kept out of the configuration.
            key = aws.api_gateway_api_key.ApiGatewayApiKey(
                self, f"api-key-{key_name}", name=f"{api_name}-{key_name}", enabled=True
            )
            aws.api_gateway_usage_plan_key.ApiGatewayUsagePlanKey(
                self,
                f"usage-plan-key-{key_name}",
                key_id=key.id,
                key_type="API_KEY",
                usage_plan_id=instance_attribute(usage_plan, "id"),
                count=count,
            )


class HttpInferenceApi(Construct):
    """HTTP API: POST /<route> per route, IAM auth (or none), default-route throttling, $default stage."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        function: InferenceFunction,
        routes: list[str],
        iam_auth: bool,
        throttle: ThrottleSpec,
        log_kms_key_arn: str,
        log_retention_days: int,
        route_counts: dict[str, object],
    ) -> None:
        super().__init__(scope, id)
        self.api = aws.apigatewayv2_api.Apigatewayv2Api(self, "api", name=name, protocol_type="HTTP")
        integration = aws.apigatewayv2_integration.Apigatewayv2Integration(
            self,
            "integration",
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_method="POST",
            integration_uri=function.function.invoke_arn,
            payload_format_version="2.0",
        )
        for route in routes:
            aws.apigatewayv2_route.Apigatewayv2Route(
                self,
                f"route-{route}",
                api_id=self.api.id,
                route_key=f"POST /{route}",
                authorization_type="AWS_IAM" if iam_auth else "NONE",
                target=f"integrations/{integration.id}",
                count=route_counts[route],  # the $default stage auto-deploys a route when it appears
            )
        self.access_logs = log_group(
            self,
            "access-logs",
            name=f"/aws/apigateway/{name}",
            kms_key_arn=log_kms_key_arn,
            retention_days=log_retention_days,
        )
        self.stage = aws.apigatewayv2_stage.Apigatewayv2Stage(
            self,
            "stage",
            api_id=self.api.id,
            name="$default",
            auto_deploy=True,
            access_log_settings={"destination_arn": self.access_logs.arn, "format": HTTP_ACCESS_LOG_FORMAT},
            default_route_settings={
                "throttling_rate_limit": throttle.rate_limit,
                "throttling_burst_limit": throttle.burst_limit,
                "detailed_metrics_enabled": True,
            },
        )
        self.invoke_url = self.stage.invoke_url
        aws.lambda_permission.LambdaPermission(
            self,
            "invoke",
            statement_id=f"AllowApiGateway-{name}",
            action="lambda:InvokeFunction",
            function_name=function.function.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.api.execution_arn}/*/*",
        )
