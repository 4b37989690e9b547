"""Schema of `landing_zone_pipeline` in landing-zone.yaml: the GitOps pipeline of the landing zone itself."""

from __future__ import annotations

from pydantic import Field, field_validator

from .common import Slug, StrictModel
from .shared_services import BuildComputeType, CodeCommitSource, PipelineSource, RepositoryFolder, inside_repository


class LandingZonePipeline(StrictModel):
    """On every commit: validate, synth, plan --all (summaries kept), manual approval, apply the saved plans in order.

    It lives in the management account: the member deploy roles trust that account only, and the
    state bucket of the s3 backend is there.
    """

    name: Slug = Field(default="landing-zone", description="Pipeline name part: <prefix>-<name>")
    source: PipelineSource = Field(
        default_factory=lambda: CodeCommitSource(type="codecommit", repository="mlops-landing-zone"),
        description=(
            "The landing-zone repository (config/ and mlops-tf); every commit to its branch starts the pipeline"
        ),
    )
    build_compute_type: BuildComputeType = Field(
        default="BUILD_GENERAL1_MEDIUM", description="CodeBuild compute type of the plan and apply builds"
    )
    build_image: str = Field(
        default="aws/codebuild/standard:7.0",
        pattern=r"^[A-Za-z0-9_./:-]+$",
        max_length=255,
        description="CodeBuild image",
    )
    terraform_version: str = Field(
        default="1.11.4", pattern=r"^\d+\.\d+\.\d+$", description="Terraform version the builds install"
    )
    approval_timeout_minutes: int = Field(
        default=10080, ge=5, le=86400, description="How long the approval waits (CodePipeline allows up to 7 days)"
    )
    build_timeout_minutes: int = Field(default=120, ge=5, le=2160, description="Limit of each CodeBuild build")
    config_path: RepositoryFolder | None = Field(
        default=None,
        description="Folder of the landing-zone configuration in the source repository; default: the folder mlops-tf "
        "synthesizes from, relative to its git repository",
    )

    _config_path_inside = field_validator("config_path")(inside_repository)
