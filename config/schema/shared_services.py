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

    name: Slug = Field(description="Repository name part")
    purpose: Literal["training", "processing", "inference"] = Field(default="training", description="What the images are for: training, processing or inference")
    pull_accounts: list[AccountName] = Field(default_factory=list, description="Further accounts allowed to pull (users of Studio, say)")
    pull_kinds: list[Literal["data-science", "ml-execution", "staging", "production"]] = Field(default_factory=list, description="Every account of these kinds may pull")
    keep_tagged_images: int = Field(default=50, ge=1, le=10000, description="Tagged images kept (older ones expire)")
    untagged_expiry_days: int = Field(default=7, ge=1, le=3650, description="Days before untagged images expire")


class CodeCommitSource(StrictModel):
    """A CodeCommit repository created in this account."""

    type: Literal["codecommit"] = Field(description="Source type")
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=100)] = Field(description="CodeCommit repository name")
    branch: GitBranch = Field(default="main", description="Branch that starts the pipeline")


class CodeConnectionsSource(StrictModel):
    """A repository on GitHub, GitLab or Bitbucket through a CodeConnections connection.

    The connection is created PENDING; an administrator completes the handshake once in the console.
    """

    type: Literal["codeconnections"] = Field(description="Source type")
    provider: Literal["GitHub", "GitLab", "Bitbucket"] = Field(description="Git provider of the connection")
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+$", description="owner/name")]
    branch: GitBranch = Field(default="main", description="Branch that starts the pipeline")


PipelineSource = Annotated[Union[CodeCommitSource, CodeConnectionsSource], Field(discriminator="type")]


class DeploymentPipeline(StrictModel):
    """The model deployment pipeline: source, build, staging, manual approval, production.

    `staging` and `production` name the target accounts; when empty, every account of that kind.
    """

    name: Slug = Field(default="model-deploy", description="Pipeline name part")
    source: PipelineSource = Field(default_factory=lambda: CodeCommitSource(type="codecommit", repository="mlops-landing-zone"), description="Where the landing zone's repository is: codecommit or codeconnections")
    staging: list[AccountName] = Field(default_factory=list, description="Staging accounts the pipeline deploys to; empty: every staging account")
    production: list[AccountName] = Field(default_factory=list, description="Production accounts the pipeline deploys to after approval; empty: every production account")
    build_compute_type: BuildComputeType = Field(default="BUILD_GENERAL1_SMALL", description="CodeBuild compute type")
    build_image: str = Field(default="aws/codebuild/standard:7.0", pattern=r"^[A-Za-z0-9_./:-]+$", max_length=255, description="CodeBuild image")
    terraform_version: str = Field(default="1.11.4", pattern=r"^\d+\.\d+\.\d+$", description="Terraform version the build installs")
    approval_timeout_minutes: int = Field(default=10080, ge=5, le=86400, description="Minutes the manual approval waits")

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

    ecr_repositories: list[EcrRepository] = Field(default_factory=list, description="ECR repositories for custom images")
    pipeline: DeploymentPipeline = Field(default_factory=DeploymentPipeline, description="The model deployment pipeline")
