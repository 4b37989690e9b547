"""Section of shared-services accounts: ECR repositories, the source repository, the deployment pipeline."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from .common import AccountName, Slug, StrictModel
from .data_science import PersonaName

# CodeBuild compute types that run a Terraform apply comfortably; larger ones only cost more.
BuildComputeType = Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"]
GitBranch = Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]+$", max_length=255)]


def _inside(value: str) -> str:
    """A relative folder inside a repository: no '..' part."""
    if ".." in value.split("/"):
        raise ValueError(f"must be a folder inside the repository, without '..' (got {value!r})")
    return value


# A folder of a repository, relative; shell-safe characters only (it reaches a buildspec's docker build).
RepoFolder = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-][A-Za-z0-9._/-]*$", max_length=255), AfterValidator(_inside)]


class EcrRepository(StrictModel):
    """A private ECR repository for a custom training, processing or inference image.

    `pull_accounts` names (by account name) the accounts whose SageMaker jobs and endpoints pull it;
    `pull_kinds` adds every account of those kinds (e.g. all staging and production accounts).
    """

    name: Slug = Field(description="Repository name part")
    purpose: Literal["training", "processing", "inference"] = Field(
        default="training", description="What the images are for: training, processing or inference"
    )
    pull_accounts: list[AccountName] = Field(
        default_factory=list, description="Further accounts allowed to pull (users of Studio, say)"
    )
    pull_kinds: list[Literal["data-science", "ml-execution", "staging", "production"]] = Field(
        default_factory=list, description="Every account of these kinds may pull"
    )
    keep_tagged_images: int = Field(default=50, ge=1, le=10000, description="Tagged images kept (older ones expire)")
    untagged_expiry_days: int = Field(default=7, ge=1, le=3650, description="Days before untagged images expire")


class CodeCommitSource(StrictModel):
    """A CodeCommit repository created in this account."""

    type: Literal["codecommit"] = Field(description="Source type")
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=100)] = Field(
        description="CodeCommit repository name"
    )
    branch: GitBranch = Field(default="main", description="Branch that starts the pipeline")


class CodeConnectionsSource(StrictModel):
    """A repository on GitHub, GitLab or Bitbucket through a CodeConnections connection.

    The connection is created PENDING; an administrator completes the handshake once in the console.
    """

    type: Literal["codeconnections"] = Field(description="Source type")
    provider: Literal["GitHub", "GitLab", "Bitbucket"] = Field(description="Git provider of the connection")
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+$", description="owner/name")]
    branch: GitBranch = Field(default="main", description="Branch that starts the pipeline")


PipelineSource = Annotated[CodeCommitSource | CodeConnectionsSource, Field(discriminator="type")]


# A folder of the source repository the pipelines check out (the landing-zone configuration's).
RepositoryFolder = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-][A-Za-z0-9._/-]*$", max_length=255)]


def inside_repository(cls: type, value: str | None) -> str | None:
    """A relative folder inside the source repository: no '..' component."""
    if value is not None and ".." in value.split("/"):
        raise ValueError(f"must be a folder inside the source repository, without '..' (got {value!r})")
    return value


class DeploymentPipeline(StrictModel):
    """The model deployment pipeline: source, build, staging, manual approval, production.

    `staging` and `production` name the target accounts; when empty, every account of that kind.
    """

    name: Slug = Field(default="model-deploy", description="Pipeline name part")
    source: PipelineSource = Field(
        default_factory=lambda: CodeCommitSource(type="codecommit", repository="mlops-landing-zone"),
        description="Where the landing zone's repository is: codecommit or codeconnections",
    )
    staging: list[AccountName] = Field(
        default_factory=list, description="Staging accounts the pipeline deploys to; empty: every staging account"
    )
    production: list[AccountName] = Field(
        default_factory=list,
        description="Production accounts the pipeline deploys to after approval; empty: every production account",
    )
    build_compute_type: BuildComputeType = Field(default="BUILD_GENERAL1_SMALL", description="CodeBuild compute type")
    build_image: str = Field(
        default="aws/codebuild/standard:7.0",
        pattern=r"^[A-Za-z0-9_./:-]+$",
        max_length=255,
        description="CodeBuild image",
    )
    terraform_version: str = Field(
        default="1.11.4", pattern=r"^\d+\.\d+\.\d+$", description="Terraform version the build installs"
    )
    approval_timeout_minutes: int = Field(
        default=10080, ge=5, le=86400, description="Minutes the manual approval waits"
    )
    config_path: RepositoryFolder | None = Field(
        default=None,
        description=(
            "Folder of the landing-zone configuration in the source repository; default: the folder mlops-tf "
            "synthesizes from, relative to its git repository"
        ),
    )

    _config_path_inside = field_validator("config_path")(inside_repository)

    @field_validator("staging", "production")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        """Each target account at most once."""
        dupes = sorted({v for v in value if value.count(v) > 1})
        if dupes:
            raise ValueError(f"accounts listed twice: {', '.join(dupes)}")
        return value


# git check-ref-format and CodeCommit: no '..', '@{', '//', control characters, space or ~^:?*[\\; no component
# starting with '.' or ending in '.lock'; not ending in '/' or '.'; not '@'.
# https://git-scm.com/docs/git-check-ref-format
# https://docs.aws.amazon.com/codecommit/latest/APIReference/API_CreateBranch.html
_BAD_REF = re.compile(r"\.\.|@\{|//|[\x00-\x20\x7f~^:?*\[\\]|(^|/)\.|\.lock(/|$)|[/.]$|^/")


def _branch(value: str) -> str:
    """A branch name git and CodeCommit accept."""
    if value == "@" or _BAD_REF.search(value):
        raise ValueError(
            f"{value!r} is not a branch name git accepts: no '..', '@{{', '//', spaces or any of ~^:?*[\\, no "
            "part starting "
            "with '.' or ending in '.lock', not ending in '/' or '.' (git check-ref-format)"
        )
    return value


BuildBranch = Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]+$", max_length=256), AfterValidator(_branch)]


class PipelineRef(StrictModel):
    """A SageMaker pipeline of an ml-execution account (its ml_execution.pipelines), by account and pipeline name."""

    account: AccountName = Field(description="The ml-execution account of the pipeline")
    name: Slug = Field(description="The pipeline name (ml_execution.pipelines)")


class ProjectPushers(StrictModel):
    """Personas of a data-science account that push to the project's repository from Studio."""

    account: AccountName = Field(description="The data-science account of the personas")
    personas: list[PersonaName] = Field(
        min_length=1, description="Personas of that account whose Studio roles may push"
    )
    main: bool = Field(
        default=False, description="may also push to and merge into the project's main branch (which starts a build)"
    )


class ImageContexts(StrictModel):
    """Folder of each image's Dockerfile (the docker build context) in the project's repository."""

    processing: RepoFolder = Field(
        default="processing", description="Folder of the processing image's Dockerfile in the repository"
    )
    training: RepoFolder = Field(
        default="training", description="Folder of the training image's Dockerfile in the repository"
    )
    inference: RepoFolder = Field(
        default="inference", description="Folder of the inference image's Dockerfile in the repository"
    )


class ModelBuildProject(StrictModel):
    """An ML project: a CodeCommit repository whose main branch builds the pipeline's images and starts it.

    Declared next to the ECR repositories its images go to; `pipeline` names the SageMaker pipeline it feeds.
    """

    name: Slug = Field(description="Project name: the repository is <prefix>-<name> unless repository is set")
    pipeline: PipelineRef = Field(
        description="The SageMaker pipeline (ml-execution account and name) a push to the branch starts"
    )
    repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=100)] | None = Field(
        default=None, description="CodeCommit repository created here; default <prefix>-<name>"
    )
    branch: BuildBranch = Field(
        default="main", description="the branch whose pushes build images and start the pipeline"
    )
    pushers: list[ProjectPushers] = Field(min_length=1, description="Data-science personas that may push")
    images: ImageContexts = Field(
        default_factory=ImageContexts, description="Folders of the Dockerfiles the build uses per image"
    )
    build_compute_type: BuildComputeType = Field(
        default="BUILD_GENERAL1_MEDIUM", description="CodeBuild compute type of the image build"
    )

    @field_validator("repository")
    @classmethod
    def _no_git_suffix(cls, value: str | None) -> str | None:
        """CodeCommit rejects a repository name ending in .git."""
        # https://docs.aws.amazon.com/codecommit/latest/userguide/limits.html
        if value is not None and value.endswith(".git"):
            raise ValueError("CodeCommit repository names cannot end in '.git'")
        return value


class SharedServicesSection(StrictModel):
    """Settings of shared-services accounts."""

    ecr_repositories: list[EcrRepository] = Field(
        default_factory=list, description="ECR repositories for custom images"
    )
    pipeline: DeploymentPipeline = Field(
        default_factory=DeploymentPipeline, description="The model deployment pipeline"
    )
    projects: list[ModelBuildProject] = Field(
        default_factory=list, description="model-build repositories, one per ML pipeline they feed"
    )
