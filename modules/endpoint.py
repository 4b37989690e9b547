"""InferenceEndpoint: SageMaker models from model packages, an endpoint configuration, the endpoint, autoscaling.

Typed inputs only (no YAML). An endpoint picks up a new configuration only when the configuration's
name changes, so the configuration uses a name prefix with create-before-destroy; models are named
after a digest of their model package ARN so a new package version creates a new model first.
Every resource takes `count` (0 or 1) from the endpoint's serving gate (modules/serving_gate.py):
nothing is created before a model package has been deployed, and references index instance 0.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cdktf import TerraformResourceLifecycle
from constructs import Construct

from .aws import aws
from .serving_gate import instance_attribute


@dataclass(frozen=True, kw_only=True)
class ServerlessSpec:
    memory_mb: int
    max_concurrency: int
    provisioned_concurrency: int | None = None


@dataclass(frozen=True, kw_only=True)
class VariantSpec:
    """One production or shadow variant. model_package_arn is the attribute value (a literal pin or an
    interpolation of the serving gate's lookup); package_expression the same as an HCL expression."""

    name: str
    model_package_arn: str
    package_expression: str
    weight: float = 1.0
    instance_type: str | None = None
    initial_instance_count: int | None = None
    volume_size_gb: int | None = None
    serverless: ServerlessSpec | None = None


@dataclass(frozen=True, kw_only=True)
class CaptureSpec:
    destination_s3_uri: str
    kms_key_arn: str
    sampling_percentage: int
    capture: tuple[str, ...] = ("Input", "Output")
    csv_content_types: tuple[str, ...] = ("text/csv",)
    json_content_types: tuple[str, ...] = ("application/json",)


@dataclass(frozen=True, kw_only=True)
class ScalingSpec:
    min_capacity: int
    max_capacity: int
    target_invocations_per_instance: int
    scale_in_cooldown_seconds: int
    scale_out_cooldown_seconds: int


@dataclass(frozen=True, kw_only=True)
class NetworkSpec:
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    network_isolation: bool = False


@dataclass(frozen=True, kw_only=True)
class EndpointSpec:
    name: str
    execution_role_arn: str
    variants: tuple[VariantSpec, ...]
    shadow: VariantSpec | None = None
    capture: CaptureSpec | None = None
    storage_kms_key_arn: str | None = None  # instance endpoints only: serverless rejects a KMS key
    scaling: ScalingSpec | None = None
    network: NetworkSpec = field(default_factory=NetworkSpec)


class InferenceEndpoint(Construct):
    """A SageMaker endpoint (serverless or instance based) with optional shadow variant and data capture."""

    def __init__(
        self, scope: Construct, id: str, *, spec: EndpointSpec, count, model_depends_on: list | None = None
    ) -> None:
        super().__init__(scope, id)
        self.spec = spec
        self.count = count
        # CreateModel checks with the execution role that it can read the model package, its artifacts and
        # image: the role's policy must be attached first (the role ARN alone orders only the role).
        self._model_depends_on = list(model_depends_on or [])
        models = {v.name: self._model(v) for v in (*spec.variants, *([spec.shadow] if spec.shadow else []))}
        # Blocks inside lists go to jsii as given: the bindings' struct classes keep them in the snake_case of
        # every other argument (a plain dict there would need the JavaScript property names, captureMode).
        config = aws.sagemaker_endpoint_configuration
        config_args: dict = {
            "name_prefix": f"{spec.name}-",
            "production_variants": [
                self._variant(
                    v,
                    instance_attribute(models[v.name], "name"),
                    config.SagemakerEndpointConfigurationProductionVariants,
                )
                for v in spec.variants
            ],
            # An endpoint uses a new configuration only through UpdateEndpoint to another configuration name.
            # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
            "lifecycle": TerraformResourceLifecycle(create_before_destroy=True),
            "count": count,
        }
        if spec.shadow is not None:
            # The shadow's weight relative to the production variants sets the share of traffic copied to it.
            config_args["shadow_production_variants"] = [
                self._variant(
                    spec.shadow,
                    instance_attribute(models[spec.shadow.name], "name"),
                    config.SagemakerEndpointConfigurationShadowProductionVariants,
                )
            ]
        if spec.capture is not None:
            config_args["data_capture_config"] = {
                "enable_capture": True,
                "initial_sampling_percentage": spec.capture.sampling_percentage,
                "destination_s3_uri": spec.capture.destination_s3_uri,
                "kms_key_id": spec.capture.kms_key_arn,
                "capture_options": [
                    config.SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions(capture_mode=mode)
                    for mode in spec.capture.capture
                ],
                "capture_content_type_header": {
                    "csv_content_types": list(spec.capture.csv_content_types),
                    "json_content_types": list(spec.capture.json_content_types),
                },
            }
        if spec.storage_kms_key_arn is not None:
            config_args["kms_key_arn"] = spec.storage_kms_key_arn
        self.configuration = aws.sagemaker_endpoint_configuration.SagemakerEndpointConfiguration(
            self, "configuration", **config_args
        )
        self.endpoint = aws.sagemaker_endpoint.SagemakerEndpoint(
            self,
            "endpoint",
            name=spec.name,
            endpoint_config_name=instance_attribute(self.configuration, "name"),
            count=count,
        )
        if spec.scaling is not None:
            for variant in spec.variants:
                self._autoscaling(variant.name, spec.scaling)

    @property
    def name_output(self) -> str:
        """The endpoint's name once it exists, else null (for outputs)."""
        return f"${{one({self.endpoint.fqn}[*].name)}}"

    def _model(self, variant: VariantSpec):
        net = self.spec.network
        # A model cannot change in place: its name follows its inputs so a change creates a new one first.
        # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html
        # The network is hashed here, not pasted into the expression: only the package is unknown at synth time.
        static = hashlib.sha1(
            json.dumps([list(net.subnet_ids), list(net.security_group_ids), net.network_isolation]).encode()
        ).hexdigest()
        digest = f'${{substr(sha1(join("|", [{variant.package_expression}, "{static}"])), 0, 8)}}'
        args: dict = {
            "name": f"{self.spec.name}-{variant.name}-{digest}",
            "execution_role_arn": self.spec.execution_role_arn,
            # CreateModel fails unless the package exists: the gate's count keeps this at 0 until one is deployed.
            "primary_container": {"model_package_name": variant.model_package_arn},
            "enable_network_isolation": net.network_isolation,
            "lifecycle": TerraformResourceLifecycle(create_before_destroy=True),
            "count": self.count,
        }
        if self._model_depends_on:
            args["depends_on"] = self._model_depends_on
        if net.subnet_ids:
            args["vpc_config"] = {"subnets": list(net.subnet_ids), "security_group_ids": list(net.security_group_ids)}
        return aws.sagemaker_model.SagemakerModel(self, f"model-{variant.name}", **args)

    @staticmethod
    def _variant(variant: VariantSpec, model_name: str, struct: Callable[..., Any]) -> Any:
        """A production or shadow variant block (struct: the binding's class of the one or the other)."""
        if variant.serverless is not None:
            serverless = variant.serverless
            return struct(
                variant_name=variant.name,
                model_name=model_name,
                initial_variant_weight=variant.weight,
                serverless_config={
                    "memory_size_in_mb": serverless.memory_mb,
                    "max_concurrency": serverless.max_concurrency,
                    "provisioned_concurrency": serverless.provisioned_concurrency,
                },
            )
        return struct(
            variant_name=variant.name,
            model_name=model_name,
            initial_variant_weight=variant.weight,
            instance_type=variant.instance_type,
            initial_instance_count=variant.initial_instance_count,
            volume_size_in_gb=variant.volume_size_gb,
        )

    def _autoscaling(self, variant: str, scaling: ScalingSpec) -> None:
        target = aws.appautoscaling_target.AppautoscalingTarget(
            self,
            f"scaling-target-{variant}",
            service_namespace="sagemaker",
            resource_id=f"endpoint/{self.spec.name}/variant/{variant}",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
            depends_on=[self.endpoint],
            count=self.count,
        )
        aws.appautoscaling_policy.AppautoscalingPolicy(
            self,
            f"scaling-policy-{variant}",
            name=f"{self.spec.name}-{variant}-invocations",
            policy_type="TargetTrackingScaling",
            service_namespace=instance_attribute(target, "service_namespace"),
            resource_id=instance_attribute(target, "resource_id"),
            scalable_dimension=instance_attribute(target, "scalable_dimension"),
            count=self.count,
            target_tracking_scaling_policy_configuration={
                "target_value": scaling.target_invocations_per_instance,
                "predefined_metric_specification": {"predefined_metric_type": "SageMakerVariantInvocationsPerInstance"},
                "scale_in_cooldown": scaling.scale_in_cooldown_seconds,
                "scale_out_cooldown": scaling.scale_out_cooldown_seconds,
            },
        )
