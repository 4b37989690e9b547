"""ModelBuild: a project's CodeCommit repository with its push roles, the image build a push to the main
branch starts, and the model-card build a registered version starts (all in shared services).

The roles in other accounts (the start role in ml-execution, the persona roles in data science) are named
by the caller; this module only grants to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from .aws import aws
from .cross_account_role import CrossAccountRole
from .events import EventRule, EventsRole
from .policy import Statement, assume_role_trust, document, statement
from .templates import render

# What a contributor may do in the repository; merges and pushes into the main branch are denied to the push role.
# https://docs.aws.amazon.com/codecommit/latest/userguide/auth-and-access-control-permissions-reference.html
PUSH_ACTIONS = [
    "codecommit:CreateBranch",
    "codecommit:CreatePullRequest",
    "codecommit:GetBranch",
    "codecommit:GetCommit",
    "codecommit:GetDifferences",
    "codecommit:GetPullRequest",
    "codecommit:GetRepository",
    "codecommit:GitPull",
    "codecommit:GitPush",
    "codecommit:ListBranches",
    "codecommit:ListPullRequests",
    "codecommit:MergePullRequestByFastForward",
    "codecommit:MergePullRequestBySquash",
    "codecommit:MergePullRequestByThreeWay",
    "codecommit:PostCommentForPullRequest",
    "codecommit:UpdatePullRequestDescription",
]
# Every action that changes a branch: denied on the main branch to the push role.
# https://docs.aws.amazon.com/codecommit/latest/userguide/how-to-conditional-branch.html
BRANCH_WRITE_ACTIONS = [
    "codecommit:DeleteBranch",
    "codecommit:DeleteFile",
    "codecommit:GitPush",
    "codecommit:MergeBranchesByFastForward",
    "codecommit:MergeBranchesBySquash",
    "codecommit:MergeBranchesByThreeWay",
    "codecommit:MergePullRequestByFastForward",
    "codecommit:MergePullRequestBySquash",
    "codecommit:MergePullRequestByThreeWay",
    "codecommit:PutFile",
]
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
ECR_PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]
# A CMK-encrypted repository: users need these on the key.
# https://docs.aws.amazon.com/codecommit/latest/userguide/encryption.html
REPOSITORY_KEY_ACTIONS = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncrypt*",
]


@dataclass(frozen=True)
class Pushers:
    """Persona roles of other accounts (root principal plus aws:PrincipalArn) allowed to push; main: also to the
    main branch."""

    role_name: str
    principal: dict[str, Any]
    condition: dict[str, Any]
    main: bool


@dataclass(frozen=True)
class CardBuild:
    """What the model-card build needs: the group's packages, the registry bus and the events that name them."""

    group_name: str
    bus_name: str
    pattern: dict[str, Any]
    buildspec: str


@dataclass(frozen=True)
class ModelBuildSettings:
    project: str
    partition: str
    region: str
    account_id: str
    repository: str
    branch: str
    kms_key_arn: str
    build_role_name: str
    images_project: str
    card_project: str
    ecr_repository_arns: list[str]
    start_role_arn: str
    compute_type: str
    build_image: str
    images_buildspec: str
    events_role_name: str
    rule_name: str


class ModelBuild(Construct):
    def __init__(
        self, scope: Construct, id: str, *, settings: ModelBuildSettings, pushers: list[Pushers], card: CardBuild | None
    ) -> None:
        super().__init__(scope, id)
        s = self.settings = settings
        arn = lambda service, resource: f"arn:{s.partition}:{service}:{s.region}:{s.account_id}:{resource}"  # noqa: E731
        self.repository_arn = arn("codecommit", s.repository)
        self.repository = aws.codecommit_repository.CodecommitRepository(
            self,
            "repository",
            repository_name=s.repository,
            default_branch=None,
            kms_key_id=s.kms_key_arn,
            description=(
                f"model build of project {s.project}: a push to {s.branch} builds its images and starts its pipeline"
            ),
        )
        self.push_roles = {p.main: self._push_role(p) for p in pushers}
        self._approval_rule(next(p.role_name for p in pushers if p.main))
        projects = [s.images_project] + ([s.card_project] if card else [])
        self.build_role = aws.iam_role.IamRole(
            self,
            "build-role",
            name=s.build_role_name,
            assume_role_policy=assume_role_trust(
                {"Service": "codebuild.amazonaws.com"},
                {"StringEquals": {"aws:SourceAccount": s.account_id}},
                sid="CodeBuildAssumes",
            ),
        )
        aws.iam_role_policy.IamRolePolicy(
            self,
            "build-role-policy",
            role=self.build_role.id,
            name="model-build",
            policy=document(
                statement(
                    "BuildLogs",
                    ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    [arn("logs", f"log-group:/aws/codebuild/{p}:*") for p in projects],
                ),
                statement("CloneRepository", "codecommit:GitPull", self.repository_arn),
                statement(
                    "RepositoryKey",
                    ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"],
                    s.kms_key_arn,
                ),
                # GetAuthorizationToken has no resource-level permissions.
                # https://docs.aws.amazon.com/AmazonECR/latest/userguide/security_iam_id-based-policy-examples.html
                statement("EcrToken", "ecr:GetAuthorizationToken", "*"),
                statement("PushImages", ECR_PUSH_ACTIONS, sorted(s.ecr_repository_arns)),
                statement("AssumeStartRole", "sts:AssumeRole", s.start_role_arn),
            ),
        )
        self.images_project = self._project(
            "images",
            s.images_project,
            {
                "type": "CODECOMMIT",
                "location": self.repository.clone_url_http,
                "git_clone_depth": 1,
                "buildspec": s.images_buildspec,
            },
            privileged=True,
        )
        self._push_trigger(arn, projects)
        self.card_project = self._card(card) if card else None

    def _push_role(self, p: Pushers) -> CrossAccountRole:
        s = self.settings
        statements: list[Statement] = [
            statement("WorkInRepository", PUSH_ACTIONS, self.repository_arn),
            statement("RepositoryKey", REPOSITORY_KEY_ACTIONS, s.kms_key_arn),
        ]
        if not p.main:
            statements.append(
                statement(
                    "KeepMainBranch",
                    BRANCH_WRITE_ACTIONS,
                    self.repository_arn,
                    effect="Deny",
                    condition={
                        "StringEqualsIfExists": {"codecommit:References": [f"refs/heads/{s.branch}"]},
                        "Null": {"codecommit:References": "false"},
                    },
                )
            )
        return CrossAccountRole(
            self,
            "release-role" if p.main else "push-role",
            role_name=p.role_name,
            trusted=p.principal,
            trust_condition=p.condition,
            description=f"Data-science personas push to {s.repository}"
            + (f" including {s.branch}" if p.main else f" except {s.branch}"),
            inline_policies={"repository": document(*statements)},
        )

    def _approval_rule(self, release_role: str) -> None:
        """A pull request into the main branch needs one approval by a session of the release role."""
        # https://docs.aws.amazon.com/codecommit/latest/userguide/approval-rule-templates.html
        s = self.settings
        content = {
            "Version": "2018-11-08",
            "DestinationReferences": [f"refs/heads/{s.branch}"],
            "Statements": [
                {
                    "Type": "Approvers",
                    "NumberOfApprovalsNeeded": 1,
                    "ApprovalPoolMembers": [f"arn:{s.partition}:sts::{s.account_id}:assumed-role/{release_role}/*"],
                }
            ],
        }
        template = aws.codecommit_approval_rule_template.CodecommitApprovalRuleTemplate(
            self,
            "approval-rule",
            name=s.repository,
            description=f"pull requests into {s.branch} of {s.repository}: one approval by a release-role session",
            content=json.dumps(content, sort_keys=True, separators=(",", ":")),
        )
        aws.codecommit_approval_rule_template_association.CodecommitApprovalRuleTemplateAssociation(
            self,
            "approval-rule-association",
            approval_rule_template_name=template.name,
            repository_name=self.repository.repository_name,
        )

    def _push_trigger(self, arn, projects: list[str]) -> None:
        """A push to the branch starts the image build at exactly the pushed commit."""
        s = self.settings
        role = EventsRole(
            self,
            "events-role",
            role_name=s.events_role_name,
            account_id=s.account_id,
            statements=[
                statement(
                    "StartModelBuilds",
                    "codebuild:StartBuild",
                    sorted(arn("codebuild", f"project/{p}") for p in projects),
                )
            ],
        )
        self.events_role = role
        # https://docs.aws.amazon.com/codecommit/latest/userguide/monitoring-events.html
        pattern = {
            "source": ["aws.codecommit"],
            "detail-type": ["CodeCommit Repository State Change"],
            "resources": [self.repository_arn],
            "detail": {
                "event": ["referenceCreated", "referenceUpdated"],
                "referenceType": ["branch"],
                "referenceName": [s.branch],
            },
        }
        # The StartBuild request as the target input:
        # https://docs.aws.amazon.com/codebuild/latest/APIReference/API_StartBuild.html
        template = json.dumps({"sourceVersion": "<commit>"}, sort_keys=True).replace('"<commit>"', "<commit>")
        self.push_rule = EventRule(
            self,
            "push-rule",
            name=s.rule_name,
            description=f"A push to {s.branch} of {s.repository}: build the images and start the pipeline",
            pattern=pattern,
            target_arn=self.images_project.arn,
            role_arn=role.arn,
            input_transformer={"input_paths": {"commit": "$.detail.commitId"}, "input_template": template},
        )

    def _card(self, card: CardBuild):
        s = self.settings
        project = self._project(
            "card", s.card_project, {"type": "NO_SOURCE", "buildspec": card.buildspec}, privileged=False
        )
        template = json.dumps(
            {"environmentVariablesOverride": [{"name": "MODEL_PACKAGE_ARN", "type": "PLAINTEXT", "value": "<arn>"}]},
            sort_keys=True,
        )
        self.card_rule = EventRule(
            self,
            "card-rule",
            name=f"{s.rule_name}-card",
            description=f"A version of {card.group_name} registered or changed: write its model card",
            pattern=card.pattern,
            target_arn=project.arn,
            role_arn=self.events_role.arn,
            bus_name=card.bus_name,
            input_transformer={
                "input_paths": {"arn": "$.detail.ModelPackageArn"},
                "input_template": template.replace('"<arn>"', "<arn>"),
            },
        )
        return project

    def _project(self, id: str, name: str, source: dict[str, Any], *, privileged: bool):
        s = self.settings
        return aws.codebuild_project.CodebuildProject(
            self,
            id,
            name=name,
            service_role=self.build_role.arn,
            encryption_key=s.kms_key_arn,
            build_timeout=60,
            artifacts={"type": "NO_ARTIFACTS"},
            source=source,
            # Docker builds need privileged mode:
            # https://docs.aws.amazon.com/codebuild/latest/userguide/sample-docker.html
            environment={
                "compute_type": s.compute_type,
                "image": s.build_image,
                "type": "LINUX_CONTAINER",
                "image_pull_credentials_type": "CODEBUILD",
                "privileged_mode": privileged,
            },
            logs_config={"cloudwatch_logs": {"status": "ENABLED", "group_name": f"/aws/codebuild/{name}"}},
        )


def render_images_buildspec(**values: Any) -> str:
    return render("model_build_buildspec.yaml.j2", **values)


def render_card_buildspec(**values: Any) -> str:
    return render("model_card_buildspec.yaml.j2", **values)
