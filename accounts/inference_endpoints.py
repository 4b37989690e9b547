"""Endpoints of a staging/production account: the execution role, one Terraform variable per model
package (default from the configuration, overridden by the deployment pipeline), and the endpoints."""
from __future__ import annotations

from typing import TYPE_CHECKING

from cdktf import TerraformVariable

from config import contracts
from config.kinds import inference as names
from config.kinds.ml_execution import model_package_group_owner
from modules.endpoint import (
    CaptureSpec, EndpointSpec, InferenceEndpoint, NetworkSpec, ScalingSpec, ServerlessSpec, VariantSpec,
)
from modules.literal import hcl_string
from modules.policy import statement
from modules.service_role import ServiceRole

if TYPE_CHECKING:
    from .inference import InferenceContext


def build(ctx: "InferenceContext") -> dict[str, InferenceEndpoint]:
    """One InferenceEndpoint per configured endpoint, by configured name."""
    if not ctx.section.endpoints:
        return {}
    role = _execution_role(ctx)
    built: dict[str, InferenceEndpoint] = {}
    for ep in ctx.section.endpoints:
        owner = model_package_group_owner(ctx.resolved.config, ep.model_package_group)
        built[ep.name] = InferenceEndpoint(ctx.stack, f"endpoint-{ep.name}", spec=_spec(ctx, ep, owner, role.arn), model_depends_on=[role.policy])
        ctx.stack.output(f"endpoint_{_ident(ep.name)}", built[ep.name].endpoint.name, f"SageMaker endpoint {ep.name} ({ep.compute.mode})")
    return built


def _spec(ctx: "InferenceContext", ep, owner: str, role_arn: str) -> EndpointSpec:
    r = ctx.resolved
    compute = ep.compute

    def package(suffix: str, version: int, what: str) -> str:
        return _package_variable(ctx, ep, owner, suffix, version, what)

    if compute.mode == "serverless":
        serverless = ServerlessSpec(compute.memory_mb, compute.max_concurrency, compute.provisioned_concurrency)
        primary = VariantSpec("primary", package("", ep.model_version, "primary variant"), serverless=serverless)
        return EndpointSpec(name=names.endpoint_name(r, ep.name), execution_role_arn=role_arn, variants=(primary,))

    def instance_variant(name: str, arn: str, weight: float, instance_type: str | None = None) -> VariantSpec:
        return VariantSpec(name, arn, weight=weight, instance_type=instance_type or compute.instance_type,
                           initial_instance_count=compute.initial_instance_count, volume_size_gb=compute.volume_size_gb)

    variants = [instance_variant("primary", package("", ep.model_version, "primary variant"), 1.0)]
    variants += [instance_variant(v.name, package(f"_{v.name}", v.model_version, f"variant {v.name}"), v.weight) for v in ep.variants]
    shadow = None
    if ep.shadow is not None:
        # SageMaker copies traffic to the shadow in the ratio of its weight to the production variant's.
        shadow = instance_variant("shadow", package("_shadow", ep.shadow.model_version, "shadow variant"),
                                  ep.shadow.sampling_percentage / 100, ep.shadow.instance_type)
    capture = None
    if ep.data_capture is not None:
        dc = ep.data_capture
        capture = CaptureSpec(ctx.s3_uri(names.DATA_CAPTURE_PREFIX), ctx.data_key.arn, dc.sampling_percentage,
                              tuple(dc.capture), tuple(dc.csv_content_types), tuple(dc.json_content_types))
    scaling = None
    if compute.autoscaling is not None:
        a = compute.autoscaling
        scaling = ScalingSpec(a.min_capacity, a.max_capacity, a.target_invocations_per_instance, a.scale_in_cooldown_seconds, a.scale_out_cooldown_seconds)
    network = NetworkSpec(
        tuple(ep.vpc.subnet_ids) if ep.vpc else (), tuple(ep.vpc.security_group_ids) if ep.vpc else (), ep.network_isolation
    )
    return EndpointSpec(
        name=names.endpoint_name(r, ep.name), execution_role_arn=role_arn, variants=tuple(variants), shadow=shadow,
        capture=capture, storage_kms_key_arn=ctx.data_key.arn, scaling=scaling, network=network,
    )


def _package_variable(ctx: "InferenceContext", ep, owner: str, suffix: str, version: int, what: str) -> str:
    """A Terraform variable for one model package ARN, validated against the endpoint's group."""
    r = ctx.resolved
    pattern = contracts.model_package_arn_pattern(r, owner, ep.model_package_group)
    prefix = pattern[:-1]
    variable = TerraformVariable(
        ctx.stack, f"model_package_arn_{_ident(ep.name)}{suffix}",
        type="string",
        default=names.model_package_arn(r, owner, ep.model_package_group, version),
        description=f"Model package (version of group {ep.model_package_group} in {owner}) served by the {what} of endpoint {ep.name}; the deployment pipeline passes it",
        validation=[{
            "condition": f'${{can(regex({hcl_string("^" + _regex_escape(prefix) + "[0-9]+$")}, var.model_package_arn_{_ident(ep.name)}{suffix}))}}',
            "errorMessage": f"must be a version of {prefix}<version>",
        }],
    )
    return variable.string_value


def _execution_role(ctx: "InferenceContext") -> ServiceRole:
    """Role the models run as: reads model packages and artifacts in ml-execution, images, writes capture."""
    r = ctx.resolved
    owners = sorted({model_package_group_owner(r.config, ep.model_package_group) for ep in ctx.section.endpoints})
    groups = sorted({(model_package_group_owner(r.config, ep.model_package_group), ep.model_package_group) for ep in ctx.section.endpoints})
    statements = [
        statement("DescribeServedModelPackages", "sagemaker:DescribeModelPackage",
                  [contracts.model_package_arn_pattern(r, owner, group) for owner, group in groups]),
        # Model artifacts live in the owning ml-execution account's landing-zone buckets.
        statement("ReadModelArtifacts", "s3:GetObject", [f"{r.bucket_arn(owner, '*')}/*" for owner in owners]),
        statement("DecryptModelArtifacts", "kms:Decrypt", [r.kms_key_arn_pattern(owner) for owner in owners],
                  condition={"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}),
        statement("EcrLogin", "ecr:GetAuthorizationToken", "*"),  # no resource-level permission exists
        statement("PullModelImages", ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                  [contracts.ecr_repository_arn(r, ss.name, "*") for ss in r.of_kind("shared-services")] or ctx.arn("ecr", "repository/*")),
        statement("WriteDataCapture", "s3:PutObject", f"{ctx.bucket.arn}/{names.DATA_CAPTURE_PREFIX}/*"),
        statement("EncryptDataCapture", ["kms:Encrypt", "kms:GenerateDataKey"], ctx.data_key.arn),
        statement("EndpointLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                  ctx.arn("logs", "log-group:/aws/sagemaker/Endpoints/*")),
        statement("EndpointMetrics", "cloudwatch:PutMetricData", "*",
                  condition={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints*"}}),
    ]
    if any(ep.vpc for ep in ctx.section.endpoints):
        statements.append(statement(
            "ModelContainersInVpc",
            ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
             "ec2:DeleteNetworkInterfacePermission", "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces",
             "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"],
            "*",  # these EC2 calls do not support resource-level permissions
        ))
    return ServiceRole(
        ctx.stack, "inference-execution-role", role_name=names.inference_execution_role_name(r),
        description="SageMaker execution role of the inference endpoints", service="sagemaker.amazonaws.com",
        statements=statements, trust_condition={"StringEquals": {"aws:SourceAccount": ctx.stack.account_id}},
    )


def _ident(name: str) -> str:
    return name.replace("-", "_")


def _regex_escape(text: str) -> str:
    """Escape the RE2 metacharacters of text; hcl_string then quotes the pattern for Terraform."""
    out = ""
    for ch in text:
        out += "\\" + ch if ch in ".*+?()[]{}|^$\\" else ch
    return out
