"""Section `inference` of staging and production accounts: endpoints, APIs, capture, monitoring, replication.

Field validators carry the AWS limits that depend on one value only; limits that depend on the
endpoint's mode (serverless cannot capture, shadow, monitor ...) are CHECKS in config/kinds/inference.py
so that each error points at the offending key and explains that `mode: instance` supports it.
"""
from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from .common import AccountName, Slug, StrictModel

SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
INSTANCE_TYPE = Annotated[str, StringConstraints(pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$")]
SUBNET_ID = Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")]
SECURITY_GROUP_ID = Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]{8,17}$")]
CONTENT_TYPE = Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=256)]

# Model Monitor accepts only these schedule forms (hourly, daily at an hour, every N hours) and NOW.
_CRON_HOURLY = r"cron\(0 \* \? \* \* \*\)"
_CRON_DAILY = r"cron\(0 (?:[01]?\d|2[0-3]) \? \* \* \*\)"
_CRON_EVERY_N_HOURS = r"cron\(0 (?:[01]?\d|2[0-3])/(?:[1-9]|1\d|2[0-4]) \? \* \* \*\)"
MONITOR_SCHEDULE_FORMS = "cron(0 * ? * * *) (hourly), cron(0 H ? * * *) (daily at hour H, 0-23), cron(0 H/N ? * * *) (every N hours from H, N 1-24)"


def _between(low: int, high: int, what: str):
    """A validator for an integer limit of AWS, with a message that names the allowed range."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"{what} must be between {low} and {high} (got {value})")
        return value

    check.__doc__ = f"{what}: {low} to {high}."
    return AfterValidator(check)


def _serverless_memory(value: int) -> int:
    """Serverless memory is 1024 to 6144 MB in 1024 MB steps."""
    if value not in SERVERLESS_MEMORY_MB:
        raise ValueError(f"must be a multiple of 1024 between 1024 and 6144 (got {value})")
    return value


def _monitor_schedule(value: str) -> str:
    """A schedule expression Model Monitor accepts."""
    if not any(re.fullmatch(form, value) for form in (_CRON_HOURLY, _CRON_DAILY, _CRON_EVERY_N_HOURS)):
        raise ValueError(f"Model Monitor accepts only {MONITOR_SCHEDULE_FORMS} (got {value!r})")
    return value


Percentage = Annotated[int, _between(1, 100, "sampling percentage")]
# A pinned version is served as written and must exist before apply; without a pin a variant serves the
# package the deployment pipeline wrote to its SSM parameter (config.contracts.serving_parameter_name).
PinnedVersion = Annotated[int, Field(ge=1, description="Pin: serve exactly this version of the group (it must exist before apply); omit to serve what the deployment pipeline deployed")]


class ServerlessCompute(StrictModel):
    """Serverless inference: pay per request; no capture, shadow, several variants, VPC or Model Monitor."""

    mode: Literal["serverless"]
    memory_mb: Annotated[int, AfterValidator(_serverless_memory)] = 2048
    max_concurrency: Annotated[int, _between(1, 200, "serverless max concurrency")] = 20
    provisioned_concurrency: Annotated[int, _between(1, 200, "serverless provisioned concurrency")] | None = None
    # Serverless endpoints cannot capture data; the API Lambda records this share of requests instead.
    api_capture_percentage: Annotated[int, _between(0, 100, "API capture percentage")] = 100


class Autoscaling(StrictModel):
    """Target tracking on SageMakerVariantInvocationsPerInstance."""

    min_capacity: Annotated[int, Field(ge=1, le=100)] = 1
    max_capacity: Annotated[int, Field(ge=1, le=100)] = 4
    target_invocations_per_instance: Annotated[int, Field(ge=1, le=100_000)] = 100
    scale_in_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    scale_out_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 60


class InstanceCompute(StrictModel):
    """Instance-based inference: dedicated instances, autoscaled."""

    mode: Literal["instance"]
    instance_type: INSTANCE_TYPE = "ml.m5.large"
    initial_instance_count: Annotated[int, Field(ge=1, le=100)] = 1
    volume_size_gb: Annotated[int, Field(ge=1, le=512)] | None = None
    autoscaling: Autoscaling | None = None


Compute = Annotated[Union[ServerlessCompute, InstanceCompute], Field(discriminator="mode")]


class Variant(StrictModel):
    """An extra production variant (A/B test) of the same group, on the endpoint's instance type."""

    name: Slug
    model_version: PinnedVersion | None = None  # unpinned: its own parameter, else the primary's package
    weight: Annotated[float, Field(ge=0, le=1000)] = 1.0


class Shadow(StrictModel):
    """A shadow variant: receives a copy of a share of live traffic; its responses are only logged."""

    model_version: PinnedVersion | None = None  # unpinned: its own parameter, else the primary's package
    sampling_percentage: Percentage = 10
    instance_type: INSTANCE_TYPE | None = None  # default: the endpoint's


class DataCapture(StrictModel):
    """Endpoint data capture to the account's inference-data bucket (KMS)."""

    sampling_percentage: Percentage = 100
    capture: list[Literal["Input", "Output"]] = Field(default_factory=lambda: ["Input", "Output"], min_length=1)
    csv_content_types: list[CONTENT_TYPE] = Field(default_factory=lambda: ["text/csv"])
    json_content_types: list[CONTENT_TYPE] = Field(default_factory=lambda: ["application/json"])


class DriftAlarm(StrictModel):
    """A CloudWatch alarm on one feature's baseline drift metric published by Model Monitor."""

    feature: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]
    threshold: Annotated[float, Field(gt=0)]


class Monitor(StrictModel):
    """Model Monitor data quality on the captured traffic, against baselines from ml-execution."""

    schedule: Annotated[str, AfterValidator(_monitor_schedule)] = "cron(0 * ? * * *)"
    instance_type: INSTANCE_TYPE = "ml.m5.xlarge"
    max_runtime_seconds: Annotated[int, Field(ge=60, le=3600)] = 3600
    drift_alarms: list[DriftAlarm] = Field(default_factory=list)


class Vpc(StrictModel):
    """Subnets and security groups of the model containers."""

    subnet_ids: list[SUBNET_ID] = Field(min_length=1, max_length=16)
    security_group_ids: list[SECURITY_GROUP_ID] = Field(min_length=1, max_length=5)


class Endpoint(StrictModel):
    """One SageMaker endpoint serving a model package group of an ml-execution account."""

    name: Slug
    model_package_group: Slug
    # Unpinned (default): the endpoint exists once the deployment pipeline has deployed an approved package.
    model_version: PinnedVersion | None = None
    compute: Compute
    variants: list[Variant] = Field(default_factory=list)
    shadow: Shadow | None = None
    data_capture: DataCapture | None = None
    monitor: Monitor | None = None
    vpc: Vpc | None = None
    network_isolation: bool = False

    def serving_variants(self) -> dict[str, int | None]:
        """Variant name -> pinned version, or None when the variant serves what the deployment pipeline wrote
        to its SSM parameter (contracts.serving_parameter_name). Primary first, then A/B variants, then shadow."""
        out: dict[str, int | None] = {"primary": self.model_version}
        out.update({v.name: v.model_version for v in self.variants})
        if self.shadow is not None:
            out["shadow"] = self.shadow.model_version
        return out


class ApiType(str, Enum):
    rest = "rest"
    http = "http"


class ApiAuth(str, Enum):
    iam = "iam"
    api_key = "api_key"


class Throttling(StrictModel):
    rate_limit: Annotated[float, Field(gt=0, le=10_000)] = 50
    burst_limit: Annotated[int, Field(ge=1, le=5_000)] = 100


class Quota(StrictModel):
    limit: Annotated[int, Field(ge=1)]
    period: Literal["DAY", "WEEK", "MONTH"] = "DAY"


class UsagePlan(StrictModel):
    """An API Gateway usage plan (REST APIs with api_key auth), with its own keys."""

    name: Slug
    throttling: Throttling = Field(default_factory=Throttling)
    quota: Quota | None = None
    keys: list[Slug] = Field(min_length=1)


class Api(StrictModel):
    """API Gateway in front of endpoints: POST /<endpoint> calls the Lambda that invokes SageMaker."""

    name: Slug
    type: ApiType
    auth: ApiAuth = ApiAuth.iam
    endpoints: list[Slug] = Field(min_length=1)
    throttling: Throttling = Field(default_factory=Throttling)
    usage_plans: list[UsagePlan] = Field(default_factory=list)
    log_retention_days: Literal[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] = 365


class Replication(StrictModel):
    """Replication of the inference-data bucket to data and ml-execution accounts.

    `destinations` names them; omitted, every data and ml-execution account; [] turns replication off.
    """

    destinations: list[AccountName] | None = Field(
        default=None, description="data or ml-execution accounts receiving replicas; default: all of them; [] = none"
    )
    # Deletions in staging/production must not erase the record that training reads: off by default.
    replicate_delete_markers: bool = False

    @field_validator("destinations")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        """Each destination at most once."""
        dupes = sorted({v for v in value or [] if value.count(v) > 1})
        if dupes:
            raise ValueError(f"accounts listed twice: {', '.join(dupes)}")
        return value


class InferenceSection(StrictModel):
    """Settings of staging and production accounts."""

    endpoints: list[Endpoint] = Field(default_factory=list)
    apis: list[Api] = Field(default_factory=list)
    data_retention_days: Annotated[int, Field(ge=1, le=3650)] = 90
    replication: Replication = Field(default_factory=Replication)
