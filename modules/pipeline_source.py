"""The Source stage both CodePipelines share: a CodeCommit repository or a CodeConnections connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from .aws import aws
from .policy import Statement, statement


@dataclass(frozen=True)
class PipelineSource:
    """CodeCommit (repository name) or CodeConnections (provider + owner/name)."""

    type: str  # codecommit | codeconnections
    repository: str
    branch: str
    provider: str | None = None


@dataclass(frozen=True)
class GitSource:
    """What a pipeline gets from its source: the pipeline role's statements, the Source action, the ARN the
    action reads (repository or connection) and, for CodeCommit, the repository created for it."""

    statements: list[Statement]
    action: dict
    arn: str
    repository: Any | None


def git_source(
    scope: Construct,
    *,
    pipeline_name: str,
    source: PipelineSource,
    repository_arn: str,
    description: str,
    detect_changes: bool,
) -> GitSource:
    """Create the repository or connection under scope and the Source action that reads it.

    detect_changes: a push to the branch starts the pipeline (CodeConnections' DetectChanges; for CodeCommit
    the caller adds an EventBridge rule on the repository, since polling stays off).
    """
    repository = None
    if source.type == "codecommit":
        repository = aws.codecommit_repository.CodecommitRepository(
            scope, "repository", repository_name=source.repository, description=description
        )
        arn = repository_arn
        actions = [
            "codecommit:GetBranch",
            "codecommit:GetCommit",
            "codecommit:GetUploadArchiveStatus",
            "codecommit:UploadArchive",
        ]
        statements = [statement("ReadSource", actions, arn)]
        configuration = {
            "RepositoryName": repository.repository_name,
            "BranchName": source.branch,
            "PollForSourceChanges": "false",
            "OutputArtifactFormat": "CODE_ZIP",
        }
        provider = "CodeCommit"
    else:
        connection = aws.codeconnections_connection.CodeconnectionsConnection(
            scope, "connection", name=pipeline_name[:32], provider_type=source.provider
        )
        arn = connection.arn
        # The action's prefix must match the connection ARN's (codeconnections since the 2024 rename).
        statements = [statement("UseConnection", "codeconnections:UseConnection", arn)]
        # https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html
        configuration = {
            "ConnectionArn": arn,
            "FullRepositoryId": source.repository,
            "BranchName": source.branch,
            "DetectChanges": "true" if detect_changes else "false",
            "OutputArtifactFormat": "CODE_ZIP",
        }
        provider = "CodeStarSourceConnection"
    action = {
        "name": "Source",
        "category": "Source",
        "owner": "AWS",
        "provider": provider,
        "version": "1",
        "outputArtifacts": ["source"],
        "configuration": configuration,
    }
    return GitSource(statements, action, arn, repository)
