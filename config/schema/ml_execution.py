"""Section of ml-execution accounts: Feature Store, SageMaker Pipelines, Model Registry, retraining."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from .common import AccountName, Slug, StrictModel

# Feature Store: names of 1-64 characters, letters and digits joined by '-' or '_'.
FeatureName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$")]
# Columns Feature Store adds to every offline record; a feature may not use them (case-insensitive).
RESERVED_FEATURE_NAMES = frozenset({"is_deleted", "write_time", "api_invocation_time"})
InstanceType = Annotated[str, Field(pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$")]
ImageTag = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", max_length=128)]
S3Prefix = Annotated[str, Field(pattern=r"^([A-Za-z0-9_!.*'()=-]+/)*$", max_length=512)]


class Feature(StrictModel):
    """One feature definition; Feature Store types are Integral, Fractional or String."""

    name: FeatureName = Field(description="Feature name")
    type: Literal["Integral", "Fractional", "String"] = Field(description="Feature type")

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        """Feature Store reserves is_deleted, write_time and api_invocation_time."""
        if value.lower() in RESERVED_FEATURE_NAMES:
            raise ValueError(
                "Feature Store reserves this name for its own columns (reserved: "
                f"{', '.join(sorted(RESERVED_FEATURE_NAMES))})"
            )
        return value


class FeatureGroup(StrictModel):
    """A feature group; record_identifier and event_time name features of the group."""

    name: Annotated[str, Field(pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,55}$")] = Field(description="Feature group name")
    description: str = Field(default="", max_length=128, description="Feature group description")
    record_identifier: FeatureName = Field(description="Feature (features[].name) that identifies a record")
    event_time: FeatureName = Field(description="Feature (features[].name) that holds the event time")
    online_store: bool = Field(default=True, description="Keep an online store for low-latency reads")
    features: list[Feature] = Field(min_length=1, max_length=2500, description="Feature definitions")


class FeatureStore(StrictModel):
    """Offline store (S3 + Glue catalog) and feature groups."""

    offline_store: bool = Field(default=True, description="Keep offline stores in an encrypted bucket of this account")
    feature_groups: list[FeatureGroup] = Field(default_factory=list, description="Feature groups")


class ImageRef(StrictModel):
    """An image from a shared-services ECR repository, by repository name and tag."""

    repository: Slug = Field(description="ECR repository (shared_services.ecr_repositories[].name)")
    tag: ImageTag = Field(default="latest", description="Image tag")


class ModelPackageGroup(StrictModel):
    """A Model Registry group; staging and production endpoints refer to it by name.

    The image its packages serve is the inference image of the pipeline producing it (the training
    image when the pipeline sets none); `serving_image` names it for a group no pipeline produces.
    """

    name: Slug = Field(description="Model package group name part")
    description: str = Field(default="", max_length=1024, description="Model package group description")
    serving_image: ImageRef | None = Field(
        default=None,
        description=(
            "image of packages registered outside this account's pipelines; a group a pipeline produces takes the "
            "pipeline's"
        ),
    )


class DataLocation(StrictModel):
    """An S3 prefix in a lake bucket of a data account, by account name and bucket name (its data.buckets)."""

    account: AccountName = Field(description="Data account that holds the data")
    bucket: Slug = Field(description="Lake bucket (buckets[].name) of that account")
    prefix: S3Prefix = Field(default="", description="Key prefix of the input data")


class TrainingPipeline(StrictModel):
    """A SageMaker pipeline: processing, training, evaluation, register model."""

    name: Slug = Field(description="Pipeline name part")
    model_package_group: Slug = Field(
        description="Group (model_package_groups[].name) the pipeline registers models in"
    )
    processing_image: ImageRef = Field(description="Image of the processing step")
    training_image: ImageRef = Field(description="Image of the training step")
    inference_image: ImageRef | None = Field(
        default=None, description="image registered with the model; default: training_image"
    )
    input_data: DataLocation = Field(description="Where the training data is read from")
    processing_instance_type: InstanceType = Field(
        default="ml.m5.large", description="Instance type of the processing step"
    )
    training_instance_type: InstanceType = Field(
        default="ml.m5.xlarge", description="Instance type of the training step"
    )
    training_instance_count: int = Field(default=1, ge=1, le=100, description="Instances of the training step")
    volume_size_gb: int = Field(default=30, ge=1, le=16384, description="Training volume size in GB")
    max_runtime_seconds: int = Field(
        default=86400, ge=60, le=2419200, description="Maximum training runtime in seconds"
    )
    min_accuracy: float = Field(default=0.7, ge=0, le=1, description="evaluation metric gate before registering")


class Retraining(StrictModel):
    """Pipelines that drift starts: a violation or drift alarm on an endpoint serving group G starts
    the pipeline of this list that produces G (one pipeline per group)."""

    pipelines: list[Slug] = Field(min_length=1, description="pipelines of this account that monitoring events start")

    @field_validator("pipelines")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        """Each pipeline at most once."""
        dupes = sorted({v for v in value if value.count(v) > 1})
        if dupes:
            raise ValueError(f"pipelines listed twice: {', '.join(dupes)}")
        return value


class MlExecutionSection(StrictModel):
    """Settings of ml-execution accounts."""

    model_package_groups: list[ModelPackageGroup] = Field(
        default_factory=list, description="Model package groups of the registry, shared with staging and production"
    )
    feature_store: FeatureStore = Field(default_factory=FeatureStore, description="SageMaker Feature Store")
    pipelines: list[TrainingPipeline] = Field(default_factory=list, description="SageMaker training pipelines")
    retraining: Retraining | None = Field(
        default=None, description="Which pipelines monitoring events start; none: no retraining"
    )
    model_cards: bool = Field(default=True, description="Create a model card per model package group")
    registry_events_to: list[AccountName] = Field(
        default_factory=list, description="shared-services accounts receiving model registry events; empty = all"
    )
