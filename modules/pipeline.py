"""ModelDeployPipeline: CodePipeline (source, build, staging, approval, production) with CodeBuild.

The build role assumes a deploy role in each target account, writes the approved package into the
target's serving parameters (SSM) and applies the target's stack; the trigger project lets EventBridge
start the pipeline with the exact approved model package ARN as a pipeline variable. Terraform state is
reached as the backend needs (`PipelineState`): s3 through a role in the state's account, cloud with a
Terraform Cloud token kept in Secrets Manager.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from constructs import Construct

from .aws import aws
from .literal import text
from .pipeline_parts import PipelineSource, artifact_access, build_logs, build_project, git_source, service_role
from .policy import Statement, statement
from .templates import render

MODEL_PACKAGE_VARIABLE = "MODEL_PACKAGE_ARN"
MODEL_VARIANT_VARIABLE = "MODEL_VARIANT"  # which variant receives the package; default primary


@dataclass(frozen=True)
class PipelineState:
    """How the builds reach Terraform state. s3: the full backend block (with assume_role of state_role_arn)
    that the override file carries; cloud: a Terraform Cloud token in a secret, as token_env_var."""

    type: str  # s3 | cloud
    s3_backend: dict[str, dict] | None = None  # target -> its s3 backend settings (bucket, key, region, ...)
    state_role_arn: str | None = None
    token_secret_name: str | None = None
    token_env_var: str | None = None


@dataclass(frozen=True)
class PipelineSettings:
    name: str
    partition: str
    region: str
    account_id: str
    build_role_name: str
    staging: dict[str, str]  # target account name -> deploy role ARN
    production: dict[str, str]
    compute_type: str
    build_image: str
    terraform_version: str
    approval_timeout_minutes: int
    parameters: dict[str, dict[str, dict[str, list[str]]]]  # target -> package group -> variant -> SSM parameters
    regions: dict[str, str]  # target -> region (of its serving parameters)
    model_package_arns: list[str]  # model packages the build may describe
    config_path: str  # configuration folder in the source repository
    state: PipelineState


class ModelDeployPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: PipelineSettings,
        source: PipelineSource,
        artifacts_bucket,
        artifacts_key_arn: str,
    ) -> None:
        super().__init__(scope, id)
        s = settings
        self.settings = s
        arn = lambda service, resource: f"arn:{s.partition}:{service}:{s.region}:{s.account_id}:{resource}"  # noqa: E731
        self.pipeline_arn = arn("codepipeline", s.name)
        build_project_arns = [arn("codebuild", f"project/{s.name}-{p}") for p in ("build", "deploy")]
        artifact_statements = artifact_access(artifacts_bucket, artifacts_key_arn)
        self.source_statements, source_action = self._source(source)
        targets = {**s.staging, **s.production}

        self.build_role = self._role(
            "build-role",
            s.build_role_name,
            "codebuild.amazonaws.com",
            [
                *artifact_statements,
                build_logs(arn, [f"{s.name}-build", f"{s.name}-deploy"]),
                statement("AssumeTargetDeployRoles", "sts:AssumeRole", sorted(targets.values())),
                statement(
                    "DescribeApprovedModelPackages", ["sagemaker:DescribeModelPackage"], sorted(s.model_package_arns)
                ),
                *self._state_access(artifacts_key_arn),
            ],
        )
        common_template = dict(
            pipeline_name=s.name,
            terraform_version=s.terraform_version,
            parameters=s.parameters,
            regions=s.regions,
            targets=sorted(targets),
            deploy_roles=targets,
            first_target=sorted(s.staging)[0] if s.staging else sorted(targets)[0],
            config_path=s.config_path,
            state=s.state,
            overrides=self._overrides(targets),
            # A remote (cloud) run takes the workspace's own lock; -lock-timeout is for the s3 lock file.
            lock_flag=" -lock-timeout=5m" if s.state.type == "s3" else "",
        )
        self.buildspecs = {
            stage: render("buildspec.yaml.j2", stage=stage, **common_template) for stage in ("build", "deploy")
        }
        # CreatePipeline validates that the artifact bucket exists: reference resources, not their plain names,
        # so Terraform creates the bucket and the build projects before the pipeline.
        projects = {
            stage: self._project(
                stage,
                f"{s.name}-{stage}",
                self.build_role.arn,
                artifacts_key_arn,
                self.buildspecs[stage],
                "CODEPIPELINE",
            )
            for stage in ("build", "deploy")
        }

        self.pipeline_role = self._role(
            "pipeline-role",
            f"{s.name}-pipeline",
            "codepipeline.amazonaws.com",
            [
                *artifact_statements,
                *self.source_statements,
                statement("RunBuilds", ["codebuild:BatchGetBuilds", "codebuild:StartBuild"], build_project_arns),
            ],
        )

        def env(target: str | None = None) -> str:
            return text(
                json.dumps(
                    [
                        {"name": v, "type": "PLAINTEXT", "value": f"#{{variables.{v}}}"}
                        for v in (MODEL_PACKAGE_VARIABLE, MODEL_VARIANT_VARIABLE)
                    ]
                    + ([{"name": "TARGET_ACCOUNT", "type": "PLAINTEXT", "value": target}] if target else []),
                    sort_keys=True,
                )
            )

        build = lambda name, project, target=None, inputs="source", outputs=None: {  # noqa: E731
            "name": name,
            "category": "Build",
            "owner": "AWS",
            "provider": "CodeBuild",
            "version": "1",
            "inputArtifacts": [inputs],
            **({"outputArtifacts": [outputs]} if outputs else {}),
            "configuration": {"ProjectName": projects[project].name, "EnvironmentVariables": env(target)},
        }
        stages = [
            {"name": "Source", "action": [source_action]},
            {"name": "Build", "action": [build("SynthAndPlan", "build", outputs="synthesized")]},
            {
                "name": "DeployStaging",
                "action": [build(f"Deploy-{t}", "deploy", t, "synthesized") for t in sorted(s.staging)],
            },
            {
                "name": "Approve",
                "action": [
                    {
                        "name": "ApproveProduction",
                        "category": "Approval",
                        "owner": "AWS",
                        "provider": "Manual",
                        "version": "1",
                        "timeoutInMinutes": s.approval_timeout_minutes,
                        "configuration": {
                            "CustomData": (
                                f"Staging runs model package #{{variables.{MODEL_PACKAGE_VARIABLE}}}; approve to "
                                "deploy it to production."
                            )
                        },
                    }
                ],
            },
            {
                "name": "DeployProduction",
                "action": [build(f"Deploy-{t}", "deploy", t, "synthesized") for t in sorted(s.production)],
            },
        ]
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
            variable=[
                {
                    "name": MODEL_PACKAGE_VARIABLE,
                    "defaultValue": "none",
                    "description": "ARN of the approved model package to deploy",
                },
                {
                    "name": MODEL_VARIANT_VARIABLE,
                    "defaultValue": "primary",
                    "description": "Endpoint variant receiving it: primary, shadow or an A/B variant",
                },
            ],
            stage=[st for st in stages if st["action"]],
        )

        trigger_name = f"{s.name}-trigger"
        self.trigger_role = self._role(
            "trigger-role",
            trigger_name,
            "codebuild.amazonaws.com",
            [
                build_logs(arn, [trigger_name]),
                statement("StartDeployPipeline", "codepipeline:StartPipelineExecution", self.pipeline_arn),
            ],
        )
        self.trigger_buildspec = render("trigger_buildspec.yaml.j2", pipeline_name=s.name)
        self.trigger = self._project(
            "trigger", trigger_name, self.trigger_role.arn, artifacts_key_arn, self.trigger_buildspec, "NO_ARTIFACTS"
        )
        self.trigger_project_arn = arn("codebuild", f"project/{trigger_name}")

    def _state_access(self, key_arn: str) -> list[Statement]:
        """What the build role needs of the state: assume the s3 state role, or read the Terraform Cloud token."""
        state = self.settings.state
        if state.type == "s3":
            return [statement("AssumeStateRole", "sts:AssumeRole", state.state_role_arn)]
        # The token is set once by an administrator (put-secret-value); CodeBuild reads it into the environment.
        # https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.env.secrets-manager
        self.token_secret = aws.secretsmanager_secret.SecretsmanagerSecret(
            self,
            "terraform-cloud-token",
            name=state.token_secret_name,
            kms_key_id=key_arn,
            description="Terraform Cloud team token of the model deployment pipeline (set the value once by hand)",
        )
        return [statement("ReadTerraformCloudToken", "secretsmanager:GetSecretValue", self.token_secret.arn)]

    def _overrides(self, targets: dict[str, str]) -> dict[str, str]:
        """zz_pipeline_deploy_override.tf.json per target (s3 only): the provider assumes the target's pipeline
        deploy role; the backend block, replaced whole by an override, adds assume_role of the state role.
        A cloud run executes remotely with the workspace's own credentials and takes no override."""
        # https://developer.hashicorp.com/terraform/language/files/override
        state = self.settings.state
        if state.type != "s3":
            return {}
        if state.s3_backend is None:
            raise ValueError("an s3 pipeline state needs the s3 backend block of every target")
        backends = state.s3_backend
        return {
            target: json.dumps(
                {
                    "provider": {"aws": [{"assume_role": [{"role_arn": role, "session_name": self.settings.name}]}]},
                    "terraform": {
                        "backend": {"s3": {**backends[target], "assume_role": {"role_arn": state.state_role_arn}}}
                    },
                },
                sort_keys=True,
            )
            for target, role in sorted(targets.items())
        }

    def _source(self, source: PipelineSource) -> tuple[list[Statement], dict]:
        s = self.settings
        # DetectChanges off: the pipeline deploys approved models; commits alone do not start it.
        found = git_source(
            self,
            pipeline_name=s.name,
            source=source,
            repository_arn=f"arn:{s.partition}:codecommit:{s.region}:{s.account_id}:{source.repository}",
            description="mlops-tf landing zone",
            detect_changes=False,
        )
        self.source_arn = found.arn
        return found.statements, found.action

    def _role(self, id: str, name: str, service: str, statements: list[Statement]):
        return service_role(
            self,
            id,
            name=name,
            service=service,
            account_id=self.settings.account_id,
            policy_name="pipeline",
            statements=statements,
        )

    def _project(self, id: str, name: str, role_arn: str, key_arn: str, buildspec: str, artifacts: str):
        s = self.settings
        return build_project(
            self,
            id,
            name=name,
            role_arn=role_arn,
            key_arn=key_arn,
            buildspec=buildspec,
            timeout_minutes=60,
            compute_type=s.compute_type,
            image=s.build_image,
            artifacts=artifacts,
        )
