"""Section `inference` of staging and production accounts: endpoints, APIs, capture, monitoring, replication.

Field validators carry the AWS limits that depend on one value only; limits that depend on the
endpoint's mode (serverless cannot capture, shadow, monitor ...) are CHECKS in config/kinds/inference.py
so that each error points at the offending key and explains that `mode: instance` supports it.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
)
from pydantic_core import core_schema

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
MONITOR_SCHEDULE_FORMS = (
    "cron(0 * ? * * *) (hourly), cron(0 H ? * * *) (daily at hour H, 0-23), cron(0 H/N ? * * *) (every N hours "
    "from H, N 1-24)"
)


CAPTURE_BOTH: tuple[Literal["Input", "Output"], ...] = ("Input", "Output")  # data capture's default


class _Between:
    """An integer limit of AWS: validated with a message that names the range, and stated in the JSON Schema."""

    def __init__(self, low: int, high: int, what: str):
        self.low, self.high, self.what = low, high, what

    def check(self, value: int) -> int:
        if not self.low <= value <= self.high:
            raise ValueError(f"{self.what} must be between {self.low} and {self.high} (got {value})")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {**handler(schema), "minimum": self.low, "maximum": self.high}


def _between(low: int, high: int, what: str) -> _Between:
    """A validator for an integer limit of AWS, with a message that names the allowed range."""
    return _Between(low, high, what)


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
PinnedVersion = Annotated[
    int,
    Field(
        ge=1,
        description=(
            "Pin: serve exactly this version of the group (it must exist before apply); omit to serve what the "
            "deployment pipeline deployed"
        ),
    ),
]


class ServerlessCompute(StrictModel):
    """Serverless inference: pay per request; no capture, shadow, several variants, VPC or Model Monitor."""

    mode: Literal["serverless"] = Field(description="Compute mode: serverless")
    memory_mb: Annotated[
        int, AfterValidator(_serverless_memory), Field(json_schema_extra={"enum": list(SERVERLESS_MEMORY_MB)})
    ] = Field(default=2048, description="Memory in MB: a multiple of 1024 from 1024 to 6144")
    max_concurrency: Annotated[int, _between(1, 200, "serverless max concurrency")] = Field(
        default=20, description="Maximum concurrent invocations (1-200)"
    )
    provisioned_concurrency: Annotated[int, _between(1, 200, "serverless provisioned concurrency")] | None = Field(
        default=None, description="Provisioned concurrency (1-200, at most max_concurrency); none: on demand only"
    )
    api_capture_percentage: Annotated[int, _between(0, 100, "API capture percentage")] = Field(
        default=100,
        description="Serverless endpoints cannot capture data; the API Lambda records this share of requests instead",
    )


class Autoscaling(StrictModel):
    """Target tracking on SageMakerVariantInvocationsPerInstance."""

    min_capacity: Annotated[int, Field(ge=1, le=100)] = Field(default=1, description="Minimum instance count")
    max_capacity: Annotated[int, Field(ge=1, le=100)] = Field(default=4, description="Maximum instance count")
    target_invocations_per_instance: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=100, description="Target invocations per instance per minute of the scaling policy"
    )
    scale_in_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = Field(
        default=300, description="Seconds between scale-in activities"
    )
    scale_out_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = Field(
        default=60, description="Seconds between scale-out activities"
    )


class InstanceCompute(StrictModel):
    """Instance-based inference: dedicated instances, autoscaled."""

    mode: Literal["instance"] = Field(description="Compute mode: instance")
    instance_type: INSTANCE_TYPE = Field(
        default="ml.m5.large", description="SageMaker hosting instance type, e.g. ml.m5.large"
    )
    initial_instance_count: Annotated[int, Field(ge=1, le=100)] = Field(
        default=1, description="Instances the endpoint starts with"
    )
    volume_size_gb: Annotated[int, Field(ge=1, le=512)] | None = Field(
        default=None, description="Storage volume per instance in GB; none: the instance type's default"
    )
    autoscaling: Autoscaling | None = Field(
        default=None, description="Target-tracking autoscaling on invocations per instance; none: fixed count"
    )


Compute = Annotated[ServerlessCompute | InstanceCompute, Field(discriminator="mode")]


class Variant(StrictModel):
    """An extra production variant (A/B test) of the same group, on the endpoint's instance type."""

    name: Slug = Field(description="Variant name")
    model_version: PinnedVersion | None = Field(
        default=None,
        description=(
            "A pin: the model package version this variant serves; unpinned, its own serving parameter, else the "
            "primary's package"
        ),
    )
    weight: Annotated[float, Field(ge=0, le=1000)] = Field(
        default=1.0, description="Traffic weight relative to the other variants (the main variant weighs 1)"
    )


class Shadow(StrictModel):
    """A shadow variant: receives a copy of a share of live traffic; its responses are only logged."""

    model_version: PinnedVersion | None = Field(
        default=None,
        description=(
            "A pin: the model package version the shadow serves; unpinned, its own serving parameter, else the "
            "primary's package"
        ),
    )
    sampling_percentage: Percentage = Field(
        default=10, description="Percentage of requests copied to the shadow variant"
    )
    instance_type: INSTANCE_TYPE | None = Field(
        default=None, description="Instance type of the shadow variant; default: the endpoint's"
    )


class DataCapture(StrictModel):
    """Endpoint data capture to the account's inference-data bucket (KMS)."""

    sampling_percentage: Percentage = Field(default=100, description="Percentage of requests captured")
    capture: list[Literal["Input", "Output"]] = Field(
        default_factory=lambda: list(CAPTURE_BOTH), min_length=1, description="What is captured: Input, Output or both"
    )
    csv_content_types: list[CONTENT_TYPE] = Field(
        default_factory=lambda: ["text/csv"], description="Content types captured as CSV"
    )
    json_content_types: list[CONTENT_TYPE] = Field(
        default_factory=lambda: ["application/json"], description="Content types captured as JSON"
    )


class DriftAlarm(StrictModel):
    """A CloudWatch alarm on one feature's baseline drift metric published by Model Monitor."""

    feature: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,128}$")] = Field(
        description="Feature whose baseline drift metric the alarm watches"
    )
    threshold: Annotated[float, Field(gt=0)] = Field(description="Drift metric value above which the alarm fires")


class Monitor(StrictModel):
    """Model Monitor data quality on the captured traffic, against baselines from ml-execution."""

    schedule: Annotated[str, AfterValidator(_monitor_schedule)] = Field(
        default="cron(0 * ? * * *)", description="Model Monitor schedule, cron(...) at most hourly"
    )
    instance_type: INSTANCE_TYPE = Field(default="ml.m5.xlarge", description="Instance type of the monitoring job")
    max_runtime_seconds: Annotated[int, Field(ge=60, le=3600)] = Field(
        default=3600, description="Maximum runtime of one monitoring job in seconds"
    )
    drift_alarms: list[DriftAlarm] = Field(
        default_factory=list, description="CloudWatch alarms on drift of single features; they start retraining"
    )


class Vpc(StrictModel):
    """Subnets and security groups of the model containers."""

    subnet_ids: list[SUBNET_ID] = Field(min_length=1, max_length=16, description="Subnets of the model containers")
    security_group_ids: list[SECURITY_GROUP_ID] = Field(
        min_length=1, max_length=5, description="Security groups of the model containers"
    )


class Endpoint(StrictModel):
    """One SageMaker endpoint serving a model package group of an ml-execution account."""

    name: Slug = Field(description="Endpoint name part (the endpoint name adds prefix and account)")
    model_package_group: Slug = Field(
        description="Model package group (in an ml-execution account) the endpoint serves from"
    )
    # Unpinned (default): the endpoint exists once the deployment pipeline has deployed an approved package.
    model_version: PinnedVersion | None = Field(
        default=None,
        description=(
            "A pin: the model package version served from the first apply; unpinned (default), the endpoint "
            "exists once the deployment pipeline deployed an approved package"
        ),
    )
    compute: Compute = Field(description="Serverless or instance-based hosting")
    variants: list[Variant] = Field(
        default_factory=list, description="Extra production variants (A/B test) on the endpoint's instance type"
    )
    shadow: Shadow | None = Field(
        default=None, description="A shadow variant that receives a copy of the traffic (instance based only)"
    )
    data_capture: DataCapture | None = Field(
        default=None, description="Data capture to the inference bucket (instance based only)"
    )
    monitor: Monitor | None = Field(
        default=None, description="Model Monitor schedule and drift alarms (needs data_capture)"
    )
    vpc: Vpc | None = Field(default=None, description="Run the model containers in these subnets (instance based only)")
    network_isolation: bool = Field(default=False, description="Give the model containers no network access at all")

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
    rate_limit: Annotated[float, Field(gt=0, le=10_000)] = Field(
        default=50, description="Steady-state requests per second"
    )
    burst_limit: Annotated[int, Field(ge=1, le=5_000)] = Field(default=100, description="Maximum burst of requests")


class Quota(StrictModel):
    limit: Annotated[int, Field(ge=1)] = Field(description="Requests allowed per period")
    period: Literal["DAY", "WEEK", "MONTH"] = Field(default="DAY", description="Period of the quota")


class UsagePlan(StrictModel):
    """An API Gateway usage plan (REST APIs with api_key auth), with its own keys."""

    name: Slug = Field(description="Usage plan name")
    throttling: Throttling = Field(default_factory=Throttling, description="Throttling of the plan's API keys")
    quota: Quota | None = Field(default=None, description="Request quota of the plan's API keys; none: no quota")
    keys: list[Slug] = Field(min_length=1, description="API keys (names) in this plan")


class Api(StrictModel):
    """API Gateway in front of endpoints: POST /<endpoint> calls the Lambda that invokes SageMaker."""

    name: Slug = Field(description="API name part")
    type: ApiType = Field(description="API Gateway type: rest (usage plans, API keys) or http")
    auth: ApiAuth = Field(default=ApiAuth.iam, description="How callers authenticate")
    endpoints: list[Slug] = Field(min_length=1, description="Endpoints (endpoints[].name) exposed as POST /<endpoint>")
    throttling: Throttling = Field(default_factory=Throttling, description="Stage-wide throttling")
    usage_plans: list[UsagePlan] = Field(
        default_factory=list, description="Usage plans with API keys (rest APIs with api_key auth)"
    )
    log_retention_days: Literal[
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
    ] = Field(default=365, description="Days the access logs are kept in CloudWatch Logs")


class Replication(StrictModel):
    """Replication of the inference-data bucket to data and ml-execution accounts.

    `destinations` names them; omitted, every data and ml-execution account; [] turns replication off.
    """

    destinations: list[AccountName] | None = Field(
        default=None, description="data or ml-execution accounts receiving replicas; default: all of them; [] = none"
    )
    replicate_delete_markers: bool = Field(
        default=False,
        description="Deletions in staging/production must not erase the record that training reads: off by default",
    )

    @field_validator("destinations")
    @classmethod
    def _unique(cls, value: list[str] | None) -> list[str] | None:
        """Each destination at most once."""
        listed = value or []
        dupes = sorted({v for v in listed if listed.count(v) > 1})
        if dupes:
            raise ValueError(f"accounts listed twice: {', '.join(dupes)}")
        return value


class InferenceSection(StrictModel):
    """Settings of staging and production accounts."""

    endpoints: list[Endpoint] = Field(default_factory=list, description="SageMaker endpoints of this account")
    apis: list[Api] = Field(default_factory=list, description="API Gateway APIs in front of the endpoints")
    data_retention_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=90, description="Days captured inference data is kept in this account"
    )
    replication: Replication = Field(
        default_factory=Replication, description="Replication of inference data back to data and ml-execution accounts"
    )
