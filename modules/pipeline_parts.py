"""What both CodePipelines (model deploy, landing zone) build the same way: the Source stage (a CodeCommit
repository or a CodeConnections connection), access to the artifacts, build logs, service roles and
CodeBuild projects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from .aws import aws
from .policy import Statement, assume_role_trust, document, statement


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


def artifact_access(artifacts_bucket: Any, artifacts_key_arn: str) -> list[Statement]:
    """Reading and writing the pipeline's artifacts: the objects, the bucket, the key that encrypts them."""
    return [
        statement(
            "PipelineArtifacts", ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], artifacts_bucket.objects_arn
        ),
        statement(
            "ArtifactsBucket", ["s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:ListBucket"], artifacts_bucket.arn
        ),
        statement(
            "ArtifactsKey",
            ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            artifacts_key_arn,
        ),
    ]


def build_logs(arn: Any, projects: list[str]) -> Statement:
    """Writing the CodeBuild log groups of these projects (arn(service, resource) spells this account's ARNs)."""
    return statement(
        "BuildLogs",
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        [arn("logs", f"log-group:/aws/codebuild/{p}:*") for p in projects],
    )


def service_role(
    scope: Construct,
    id: str,
    *,
    name: str,
    service: str,
    account_id: str,
    policy_name: str,
    statements: list[Statement],
    source_arn: str | None = None,
) -> Any:
    """A role the service assumes for this account only (and, given source_arn, for that one resource), with
    one inline policy."""
    condition: dict = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn is not None:
        # https://docs.aws.amazon.com/codebuild/latest/userguide/cross-service-confused-deputy-prevention.html
        # Only builds of this one project assume the role.
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    trust = assume_role_trust({"Service": service}, condition, sid="ServiceAssumes")
    role = aws.iam_role.IamRole(scope, id, name=name, assume_role_policy=trust)
    aws.iam_role_policy.IamRolePolicy(
        scope, f"{id}-policy", role=role.id, name=policy_name, policy=document(*statements)
    )
    return role


def build_project(
    scope: Construct,
    id: str,
    *,
    name: str,
    role_arn: str,
    key_arn: str,
    buildspec: str,
    timeout_minutes: int,
    compute_type: str,
    image: str,
    artifacts: str = "CODEPIPELINE",
) -> Any:
    """A CodeBuild project on Linux with its buildspec inline, encrypted with key_arn, logging to
    /aws/codebuild/<name>; it reads the pipeline's artifacts, or no source when artifacts is NO_ARTIFACTS."""
    return aws.codebuild_project.CodebuildProject(
        scope,
        id,
        name=name,
        service_role=role_arn,
        encryption_key=key_arn,
        build_timeout=timeout_minutes,
        artifacts={"type": artifacts},
        source={"type": "CODEPIPELINE" if artifacts == "CODEPIPELINE" else "NO_SOURCE", "buildspec": buildspec},
        environment={
            "compute_type": compute_type,
            "image": image,
            "type": "LINUX_CONTAINER",
            "image_pull_credentials_type": "CODEBUILD",
        },
        logs_config={"cloudwatch_logs": {"status": "ENABLED", "group_name": f"/aws/codebuild/{name}"}},
    )
