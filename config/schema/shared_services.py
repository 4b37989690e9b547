"""Section of shared-services accounts: ECR repositories, the source repository, the deployment pipeline."""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator

from .common import AccountName, Slug, StrictModel

# CodeBuild compute types that run a Terraform apply comfortably; larger ones only cost more.
BuildComputeType = Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"]
GitBranch = Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]+$", max_length=255)]


class EcrRepository(StrictModel):
    """A private ECR repository for a custom training, processing or inference image.

    `pull_accounts` names (by account name) the accounts whose SageMaker jobs and endpoints pull it;
    `pull_kinds` adds every account of those kinds (e.g. all staging and production accounts).
    """

    name: Slug
    purpose: Literal["training", "processing", "inference"] = "training"
    pull_accounts: list[AccountName] = Field(default_factory=list)
    pull_kinds: list[Literal["data-science", "ml-execution", "staging", "production"]] = Field(default_factory=list)
    keep_tagged_images: int = Field(default=50, ge=1, le=10000)
    untagged_expiry_days: int = Field(default=7, ge=1, le=3650)


class CodeCommitSource(StrictModel):
    """A CodeCommit repository created in this account."""

    type: Literal["codecommit"]
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=100)]
    branch: GitBranch = "main"


class CodeConnectionsSource(StrictModel):
    """A repository on GitHub, GitLab or Bitbucket through a CodeConnections connection.

    The connection is created PENDING; an administrator completes the handshake once in the console.
    """

    type: Literal["codeconnections"]
    provider: Literal["GitHub", "GitLab", "Bitbucket"]
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+$", description="owner/name")]
    branch: GitBranch = "main"


PipelineSource = Annotated[Union[CodeCommitSource, CodeConnectionsSource], Field(discriminator="type")]


class DeploymentPipeline(StrictModel):
    """The model deployment pipeline: source, build, staging, manual approval, production.

    `staging` and `production` name the target accounts; when empty, every account of that kind.
    """

    name: Slug = "model-deploy"
    source: PipelineSource = Field(default_factory=lambda: CodeCommitSource(type="codecommit", repository="mlops-landing-zone"))
    staging: list[AccountName] = Field(default_factory=list)
    production: list[AccountName] = Field(default_factory=list)
    build_compute_type: BuildComputeType = "BUILD_GENERAL1_SMALL"
    build_image: str = Field(default="aws/codebuild/standard:7.0", pattern=r"^[A-Za-z0-9_./:-]+$", max_length=255)
    terraform_version: str = Field(default="1.11.4", pattern=r"^\d+\.\d+\.\d+$")
    approval_timeout_minutes: int = Field(default=10080, ge=5, le=86400)
    config_path: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-][A-Za-z0-9._/-]*$", max_length=255)] | None = Field(
        default=None,
        description="Folder of the landing-zone configuration in the source repository; default: the folder mlops-tf synthesizes from, relative to its git repository",
    )

    @field_validator("config_path")
    @classmethod
    def _inside_repository(cls, value: str | None) -> str | None:
        """A relative folder inside the source repository: no '..' component."""
        if value is not None and ".." in value.split("/"):
            raise ValueError(f"must be a folder inside the source repository, without '..' (got {value!r})")
        return value

    @field_validator("staging", "production")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        """Each target account at most once."""
        dupes = sorted({v for v in value if value.count(v) > 1})
        if dupes:
            raise ValueError(f"accounts listed twice: {', '.join(dupes)}")
        return value


class SharedServicesSection(StrictModel):
    """Settings of shared-services accounts."""

    ecr_repositories: list[EcrRepository] = Field(default_factory=list)
    pipeline: DeploymentPipeline = Field(default_factory=DeploymentPipeline)
