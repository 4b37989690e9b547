"""Endpoints of a staging/production account: the execution role, one serving gate per endpoint (which
model package each variant serves, from the SSM parameters the deployment pipeline writes), and the
endpoints, created only once a package has been deployed (or pinned in the configuration)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config import contracts
from config.errors import known
from config.kinds import images
from config.kinds import inference as names
from config.kinds.ml_execution import model_package_group_owner
from modules.endpoint import (
    CaptureSpec,
    EndpointSpec,
    InferenceEndpoint,
    NetworkSpec,
    ScalingSpec,
    ServerlessSpec,
    VariantSpec,
)
from modules.policy import statement
from modules.service_role import ServiceRole
from modules.serving_gate import GatedVariant, ServingGate

if TYPE_CHECKING:
    from config import Resolved

    from .inference import InferenceContext


def gates(ctx: InferenceContext) -> dict[str, ServingGate]:
    """One ServingGate per configured endpoint: the endpoint, its API routes and monitors share its count."""
    r = ctx.resolved
    out: dict[str, ServingGate] = {}
    for ep in ctx.section.endpoints:
        owner = known(model_package_group_owner(r.config, ep.model_package_group), "the group's owner")
        variants = {
            variant: GatedVariant(
                contracts.serving_parameter_name(r, ep.name, variant),
                None if pin is None else names.model_package_arn(r, owner, ep.model_package_group, pin),
            )
            for variant, pin in ep.serving_variants().items()
        }
        out[ep.name] = ServingGate(
            ctx.stack, f"serving-{ep.name}", path=contracts.serving_parameter_path(r, ep.name), variants=variants
        )
    return out


def build(ctx: InferenceContext) -> dict[str, InferenceEndpoint]:
    """One InferenceEndpoint per configured endpoint, by configured name, each counted by its gate."""
    if not ctx.section.endpoints:
        return {}
    role = _execution_role(ctx)
    built: dict[str, InferenceEndpoint] = {}
    for ep in ctx.section.endpoints:
        gate = ctx.gates[ep.name]
        built[ep.name] = InferenceEndpoint(
            ctx.stack,
            f"endpoint-{ep.name}",
            spec=_spec(ctx, ep, gate, role.arn),
            count=gate.count,
            model_depends_on=[role.policy],
        )
        ctx.stack.output(
            f"endpoint_{_ident(ep.name)}",
            built[ep.name].name_output,
            f"SageMaker endpoint {ep.name} ({ep.compute.mode}); null until a model package is deployed",
        )
    return built


def _spec(ctx: InferenceContext, ep, gate: ServingGate, role_arn: str) -> EndpointSpec:
    r = ctx.resolved
    compute = ep.compute

    if compute.mode == "serverless":
        serverless = ServerlessSpec(
            memory_mb=compute.memory_mb,
            max_concurrency=compute.max_concurrency,
            provisioned_concurrency=compute.provisioned_concurrency,
        )
        primary = VariantSpec(
            name="primary",
            model_package_arn=gate.model_package_arn("primary"),
            package_expression=gate.package_expression("primary"),
            serverless=serverless,
        )
        return EndpointSpec(name=names.endpoint_name(r, ep.name), execution_role_arn=role_arn, variants=(primary,))

    def instance_variant(name: str, weight: float, instance_type: str | None = None) -> VariantSpec:
        return VariantSpec(
            name=name,
            model_package_arn=gate.model_package_arn(name),
            package_expression=gate.package_expression(name),
            weight=weight,
            instance_type=instance_type or compute.instance_type,
            initial_instance_count=compute.initial_instance_count,
            volume_size_gb=compute.volume_size_gb,
        )

    variants = [instance_variant("primary", 1.0)]
    variants += [instance_variant(v.name, v.weight) for v in ep.variants]
    shadow = None
    if ep.shadow is not None:
        # SageMaker copies traffic to the shadow in the ratio of its weight to the production variant's.
        shadow = instance_variant("shadow", ep.shadow.sampling_percentage / 100, ep.shadow.instance_type)
    capture = None
    if ep.data_capture is not None:
        dc = ep.data_capture
        capture = CaptureSpec(
            destination_s3_uri=ctx.s3_uri(names.capture_prefix(r, ctx.account.name)),
            kms_key_arn=ctx.data_key.arn,
            sampling_percentage=dc.sampling_percentage,
            capture=tuple(dc.capture),
            csv_content_types=tuple(dc.csv_content_types),
            json_content_types=tuple(dc.json_content_types),
        )
    scaling = None
    if compute.autoscaling is not None:
        a = compute.autoscaling
        scaling = ScalingSpec(
            min_capacity=a.min_capacity,
            max_capacity=a.max_capacity,
            target_invocations_per_instance=a.target_invocations_per_instance,
            scale_in_cooldown_seconds=a.scale_in_cooldown_seconds,
            scale_out_cooldown_seconds=a.scale_out_cooldown_seconds,
        )
    network = NetworkSpec(
        subnet_ids=tuple(ep.vpc.subnet_ids) if ep.vpc else (),
        security_group_ids=tuple(ep.vpc.security_group_ids) if ep.vpc else (),
        network_isolation=ep.network_isolation,
    )
    return EndpointSpec(
        name=names.endpoint_name(r, ep.name),
        execution_role_arn=role_arn,
        variants=tuple(variants),
        shadow=shadow,
        capture=capture,
        storage_kms_key_arn=ctx.data_key.arn,
        scaling=scaling,
        network=network,
    )


def _group_owner(r: Resolved, group: str) -> str:
    """The ml-execution account of a served group (the checks made sure there is one)."""
    return known(model_package_group_owner(r.config, group), f"the owner of model package group {group!r}")


def _execution_role(ctx: InferenceContext) -> ServiceRole:
    """Role the models run as: reads model packages and artifacts in ml-execution, images, writes capture."""
    r = ctx.resolved
    owner_of = {ep.model_package_group: _group_owner(r, ep.model_package_group) for ep in ctx.section.endpoints}
    owners = sorted(set(owner_of.values()))
    groups = sorted({(owner_of[ep.model_package_group], ep.model_package_group) for ep in ctx.section.endpoints})
    statements = [
        statement(
            "DescribeServedModelPackages",
            "sagemaker:DescribeModelPackage",
            [contracts.model_package_arn_pattern(r, owner, group) for owner, group in groups],
        ),
        # Model artifacts live in the owning ml-execution account's landing-zone buckets.
        statement("ReadModelArtifacts", "s3:GetObject", [f"{r.bucket_arn(owner, '*')}/*" for owner in owners]),
        statement(
            "DecryptModelArtifacts",
            "kms:Decrypt",
            [r.kms_key_arn_pattern(owner) for owner in owners],
            condition={"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
        ),
        statement("EcrLogin", "ecr:GetAuthorizationToken", "*"),  # no resource-level permission exists
        # Exactly the repositories of the images its endpoints serve; their policies grant this role
        # (config.kinds.images).
        statement(
            "PullModelImages",
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            [
                contracts.ecr_repository_arn(r, owner, repo)
                for owner, repo in images.served_repositories(r, ctx.account.name)
            ],
        ),
        statement(
            "WriteDataCapture", "s3:PutObject", f"{ctx.bucket.arn}/{names.capture_prefix(r, ctx.account.name)}/*"
        ),
        statement("EncryptDataCapture", ["kms:Encrypt", "kms:GenerateDataKey"], ctx.data_key.arn),
        statement(
            "EndpointLogs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            ctx.arn("logs", "log-group:/aws/sagemaker/Endpoints/*"),
        ),
        statement(
            "EndpointMetrics",
            "cloudwatch:PutMetricData",
            "*",
            condition={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints*"}},
        ),
    ]
    if any(ep.vpc for ep in ctx.section.endpoints):
        statements.append(
            statement(
                "ModelContainersInVpc",
                [
                    "ec2:CreateNetworkInterface",
                    "ec2:CreateNetworkInterfacePermission",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DeleteNetworkInterfacePermission",
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                ],
                "*",  # these EC2 calls do not support resource-level permissions
            )
        )
    return ServiceRole(
        ctx.stack,
        "inference-execution-role",
        role_name=contracts.inference_execution_role_name(r),
        description="SageMaker execution role of the inference endpoints",
        service="sagemaker.amazonaws.com",
        statements=statements,
        trust_condition={"StringEquals": {"aws:SourceAccount": ctx.stack.account_id}},
    )


def _ident(name: str) -> str:
    return name.replace("-", "_")
