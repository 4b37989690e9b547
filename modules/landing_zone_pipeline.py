"""LandingZonePipeline: CodePipeline that plans every stack on each commit, waits for approval, applies the saved plans.

Source (CodeCommit or CodeConnections) -> Plan (CodeBuild: validate, synth, plan --all, summaries as
artifacts) -> Approve (manual) -> Apply (CodeBuild: the saved plans, in apply order). The plan and apply
roles may assume the member accounts' deploy roles and touch exactly the state objects, lock files and
state key of the s3 backend.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from .aws import aws
from .events import EventRule, EventsRole
from .literal import text
from .pipeline_parts import PipelineSource, artifact_access, build_logs, build_project, git_source, service_role
from .policy import Statement, statement
from .templates import render

PLAN_TEMPLATE = "landing_zone_plan.yaml.j2"
APPLY_TEMPLATE = "landing_zone_apply.yaml.j2"


@dataclass(frozen=True)
class StateAccess:
    """What the pipeline may touch of the s3 backend."""

    bucket_arn: str
    object_arns: list[str]  # the state key of every account
    lock_arns: list[str]  # <key>.tflock of every account
    key_arn: str
    key_condition: dict | None  # narrows key/* to the state key by its alias when its id is not configured


@dataclass(frozen=True)
class LandingZonePipelineSettings:
    name: str
    partition: str
    region: str
    account_id: str
    compute_type: str
    build_image: str
    terraform_version: str
    config_path: str  # configuration folder in the source repository
    approval_timeout_minutes: int
    build_timeout_minutes: int
    deploy_role_arns: list[str]  # roles the stacks' providers assume (every member, management if it names one)
    acts_in_management: bool  # management has no deploy role: the build roles themselves act there
    state: StateAccess


class LandingZonePipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: LandingZonePipelineSettings,
        source: PipelineSource,
        artifacts_bucket,
        artifacts_key_arn: str,
    ) -> None:
        super().__init__(scope, id)
        s = self.settings = settings
        arn = lambda service, resource: f"arn:{s.partition}:{service}:{s.region}:{s.account_id}:{resource}"  # noqa: E731
        self.pipeline_arn = arn("codepipeline", s.name)
        project_names = {stage: f"{s.name}-{stage}" for stage in ("plan", "apply")}
        artifact_statements = artifact_access(artifacts_bucket, artifacts_key_arn)
        self.buildspecs = {
            "plan": render(
                PLAN_TEMPLATE, pipeline_name=s.name, terraform_version=s.terraform_version, config_path=s.config_path
            ),
            "apply": render(APPLY_TEMPLATE, pipeline_name=s.name, terraform_version=s.terraform_version),
        }
        self.roles = {}
        projects = {}
        for stage in ("plan", "apply"):
            name = project_names[stage]
            self.roles[stage] = self._role(
                f"{stage}-role",
                name,
                "codebuild.amazonaws.com",
                arn("codebuild", f"project/{name}"),
                [
                    *artifact_statements,
                    build_logs(arn, [name]),
                    *self._state(stage),
                    *(
                        [statement("AssumeDeployRoles", "sts:AssumeRole", sorted(s.deploy_role_arns))]
                        if s.deploy_role_arns
                        else []
                    ),
                ],
            )
            if s.acts_in_management:
                # The management stack (Organizations, IAM, SCPs) runs with the build role's own rights:
                # reading everything to plan, administering to apply. Only this project's builds assume it.
                policy = "ReadOnlyAccess" if stage == "plan" else "AdministratorAccess"
                aws.iam_role_policy_attachment.IamRolePolicyAttachment(
                    self,
                    f"{stage}-role-{policy}",
                    role=self.roles[stage].name,
                    policy_arn=f"arn:{s.partition}:iam::aws:policy/{policy}",
                )
            projects[stage] = self._project(
                stage, name, self.roles[stage].arn, artifacts_key_arn, self.buildspecs[stage]
            )

        source_statements, source_action = self._source(source, arn)
        self.pipeline_role = self._role(
            "pipeline-role",
            f"{s.name}-pipeline",
            "codepipeline.amazonaws.com",
            None,
            [
                *artifact_statements,
                *source_statements,
                statement(
                    "RunBuilds",
                    ["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
                    sorted(arn("codebuild", f"project/{n}") for n in project_names.values()),
                ),
            ],
        )
        build = lambda name, stage, inputs, outputs=None: {  # noqa: E731
            "name": name,
            "category": "Build",
            "owner": "AWS",
            "provider": "CodeBuild",
            "version": "1",
            "inputArtifacts": [inputs],
            **({"outputArtifacts": [outputs]} if outputs else {}),
            "configuration": {"ProjectName": projects[stage].name},
        }
        self.pipeline = aws.codepipeline.Codepipeline(
            self,
            "pipeline",
            name=s.name,
            role_arn=self.pipeline_role.arn,
            pipeline_type="V2",
            execution_mode="QUEUED",
            artifact_store=[
                {
                    "location": artifacts_bucket.bucket.id,
                    "type": "S3",
                    "encryptionKey": {"id": artifacts_key_arn, "type": "KMS"},
                }
            ],
            stage=[
                {"name": "Source", "action": [source_action]},
                {"name": "Plan", "action": [build("PlanAllAccounts", "plan", "source", "plans")]},
                {
                    "name": "Approve",
                    "action": [
                        {
                            "name": "ApprovePlans",
                            "category": "Approval",
                            "owner": "AWS",
                            "provider": "Manual",
                            "version": "1",
                            "timeoutInMinutes": s.approval_timeout_minutes,
                            "configuration": {
                                "CustomData": text(
                                    "Review plan-summaries/ (plan.json and one <account>.txt per account) in "
                                    "the Plan action's output "
                                    "artifact or build log; approving applies exactly those saved plans, in "
                                    "apply order."
                                )
                            },
                        }
                    ],
                },
                {"name": "Apply", "action": [build("ApplySavedPlans", "apply", "plans")]},
            ],
        )

    def _source(self, source: PipelineSource, arn) -> tuple[list[Statement], dict]:
        s = self.settings
        # Every push to the branch starts the pipeline (CodeConnections' DetectChanges, CodeCommit's rule below).
        found = git_source(
            self,
            pipeline_name=s.name,
            source=source,
            repository_arn=arn("codecommit", source.repository),
            description="mlops-tf landing zone",
            detect_changes=True,
        )
        if found.repository is not None:
            # https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-trigger-source-repo-changes-cfn.html
            # Every commit to the branch starts the pipeline through EventBridge (no polling).
            role = EventsRole(
                self,
                "events-role",
                role_name=f"{s.name}-events",
                account_id=s.account_id,
                statements=[statement("StartPipeline", "codepipeline:StartPipelineExecution", self.pipeline_arn)],
            )
            EventRule(
                self,
                "on-commit",
                name=f"{s.name}-on-commit",
                description=f"Commits to {source.repository}/{source.branch} start {s.name}",
                pattern={
                    "source": ["aws.codecommit"],
                    "detail-type": ["CodeCommit Repository State Change"],
                    "resources": [found.arn],
                    "detail": {
                        "event": ["referenceCreated", "referenceUpdated"],
                        "referenceType": ["branch"],
                        "referenceName": [source.branch],
                    },
                },
                target_arn=self.pipeline_arn,
                role_arn=role.arn,
            )
        return found.statements, found.action

    def _state(self, stage: str) -> list[Statement]:
        """The state objects (written only by apply), the lock files (written by both) and the state key."""
        st = self.settings.state
        writes = ["s3:GetObject", "s3:PutObject"] if stage == "apply" else ["s3:GetObject"]
        return [
            statement("StateBucket", "s3:ListBucket", st.bucket_arn),
            statement("StateObjects", writes, sorted(st.object_arns)),
            statement("StateLockFiles", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], sorted(st.lock_arns)),
            statement(
                "StateKey",
                ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
                st.key_arn,
                condition=st.key_condition,
            ),
        ]

    def _role(self, id: str, name: str, service: str, source_arn: str | None, statements: list[Statement]):
        return service_role(
            self,
            id,
            name=name,
            service=service,
            account_id=self.settings.account_id,
            policy_name="landing-zone-pipeline",
            statements=statements,
            source_arn=source_arn,
        )

    def _project(self, stage: str, name: str, role_arn: str, key_arn: str, buildspec: str):
        s = self.settings
        return build_project(
            self,
            stage,
            name=name,
            role_arn=role_arn,
            key_arn=key_arn,
            buildspec=buildspec,
            timeout_minutes=s.build_timeout_minutes,
            compute_type=s.compute_type,
            image=s.build_image,
        )
