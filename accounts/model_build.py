"""Model-build projects across accounts (config/kinds/model_build.py): the repository, image build and card
build in shared services, the start role in ml-execution, the push permission of data-science personas."""

from __future__ import annotations

from config import contracts
from config.errors import known
from config.kinds import ml_execution as ml_kind
from config.kinds import model_build as kind
from modules.aws import aws
from modules.kms import KmsKey
from modules.model_build import (
    CardBuild,
    ModelBuild,
    ModelBuildSettings,
    Pushers,
    render_card_buildspec,
    render_images_buildspec,
)
from modules.policy import document, statement

from .base import AccountStack

MODEL_BUILD_KEY_PURPOSE = kind.KEY_PURPOSE
# Docker and the AWS CLI v2: https://docs.aws.amazon.com/codebuild/latest/userguide/ec2-compute-images.html
BUILD_IMAGE = "aws/codebuild/standard:7.0"


def shared_services(stack: AccountStack, registry_bus) -> None:
    """Every project of this shared-services account: repository, push roles, image build, card build."""
    r, acct = stack.resolved, stack.account
    projects = [p for ss, p in kind.projects(r) if ss == acct.name]
    if not projects:
        return
    key = KmsKey(
        stack,
        "model-build-key",
        alias=r.kms_alias(MODEL_BUILD_KEY_PURPOSE),
        description="Model-build repositories and builds",
        account_id=stack.account_id,
        partition=r.partition,
    )
    carded = {p.name for p in kind.card_projects(r, acct.name)}
    for project in projects:
        ml = project.pipeline.account
        pipeline = known(kind.project_pipeline(r.config, project), f"the pipeline of project {project.name!r}")
        start_role_arn = r.role_arn(ml, kind.start_role_name(r, project.name))
        builds = kind.image_builds(project, pipeline)
        uris = {
            b.repository: contracts.ecr_image_uri(r, acct.name, b.repository).rsplit(":", 1)[0] for b in builds
        }  # without the tag
        images = [
            dict(
                repository=contracts.ecr_repository_name(r, b.repository),
                uri=uris[b.repository],
                context=b.context,
                roles=b.roles,
                variable=f"{b.repository.upper().replace('-', '_')}_DIGEST",
            )
            for b in builds
        ]
        by_repo = {b.repository: i for b, i in zip(builds, images, strict=True)}
        refs = {
            "processing": pipeline.processing_image,
            "training": pipeline.training_image,
            "inference": ml_kind.registered_image(pipeline),
        }
        parameters = []
        for role in kind.IMAGE_ROLES:
            image = by_repo[refs[role].repository]
            parameters += [
                {"name": kind.IMAGE_PARAMETERS[role], "value": f"{image['uri']}:$COMMIT"},
                {"name": kind.DIGEST_PARAMETERS[role], "value": f"${image['variable']}"},
            ]
        pipeline_name = ml_kind.pipeline_name(r, pipeline.name)
        common = dict(
            project=project.name,
            pipeline_name=pipeline_name,
            pipeline_account=ml,
            pipeline_region=r.accounts[ml].region,
            start_role_arn=start_role_arn,
        )
        settings = ModelBuildSettings(
            project=project.name,
            partition=r.partition,
            region=acct.region,
            account_id=stack.account_id,
            repository=kind.repository_name(r, project),
            branch=project.branch,
            kms_key_arn=key.arn,
            build_role_name=kind.build_role_name(r, project.name),
            images_project=kind.build_project_name(r, project.name, "images"),
            card_project=kind.build_project_name(r, project.name, "card"),
            ecr_repository_arns=[contracts.ecr_repository_arn(r, acct.name, b.repository) for b in builds],
            start_role_arn=start_role_arn,
            compute_type=project.build_compute_type,
            build_image=BUILD_IMAGE,
            images_buildspec=render_images_buildspec(
                **common,
                branch=project.branch,
                repository=kind.repository_name(r, project),
                region=acct.region,
                registry=f"{r.account_id(acct.name)}.dkr.ecr.{acct.region}.amazonaws.com",
                images=images,
                commit_parameter=kind.COMMIT_PARAMETER,
                parameters=parameters,
            ),
            events_role_name=kind.project_resource_name(r, project.name, "trigger"),
            rule_name=kind.project_resource_name(r, project.name, "push"),
        )
        pushers = [
            Pushers(kind.push_role_name(r, project.name, main), *r.cross_account_principal(grants), main)
            for main in (False, True)
            if (grants := kind.push_grants(r, project, main))
        ]
        card = None
        if project.name in carded:
            group = contracts.model_package_group_name(r, pipeline.model_package_group)
            card = CardBuild(
                group_name=group,
                bus_name=registry_bus.name,
                # The registry events ml-execution forwards to this bus
                # (config.kinds.ml_execution.registry_event_pattern).
                pattern={
                    "source": ["aws.sagemaker"],
                    "detail-type": [ml_kind.MODEL_PACKAGE_STATE_CHANGE],
                    "account": [r.account_id(ml)],
                    "detail": {"ModelPackageGroupName": [group]},
                },
                buildspec=render_card_buildspec(
                    **common, group=group, card_prefix=kind.model_card_prefix(r, pipeline.model_package_group)
                ),
            )
        built = ModelBuild(stack, f"model-build-{project.name}", settings=settings, pushers=pushers, card=card)
        slug = project.name.replace("-", "_")
        stack.output(
            f"model_build_{slug}_clone_url",
            built.repository.clone_url_http,
            f"repository of project {project.name} (git-remote-codecommit: "
            f"codecommit::{acct.region}://<profile>@{settings.repository})",
        )
        for main, push_role in sorted(built.push_roles.items()):
            stack.output(
                f"model_build_{slug}_{'release' if main else 'push'}_role_arn",
                push_role.arn,
                f"role the personas of project {project.name} assume to push",
            )


def ml_execution(stack: AccountStack, pipelines: dict[str, str]) -> None:
    """The start role of every project feeding a pipeline here: start exactly that pipeline, write its group's cards."""
    r, acct = stack.resolved, stack.account
    arn = lambda res: f"arn:{r.partition}:sagemaker:{acct.region}:{stack.account_id}:{res}"  # noqa: E731
    for ss, project in kind.pipeline_projects(r, acct.name):
        pipeline = known(kind.project_pipeline(r.config, project), f"the pipeline of project {project.name!r}")
        name = ml_kind.pipeline_name(r, pipeline.name)
        principal, condition = r.cross_account_principal({ss: [kind.build_role_name(r, project.name)]})
        statements = [statement("StartPipeline", "sagemaker:StartPipelineExecution", pipelines[pipeline.name])]
        if project in kind.card_projects(r, ss):
            group = pipeline.model_package_group
            statements += [
                statement(
                    "ReadExecutions",
                    ["sagemaker:DescribePipelineExecution", "sagemaker:ListPipelineExecutionSteps"],
                    arn(f"pipeline/{name}/execution/*"),
                ),
                # Pipelines name their training jobs pipelines-<execution id>-<step>-<suffix>.
                statement("ReadTrainingJobs", "sagemaker:DescribeTrainingJob", arn("training-job/pipelines-*")),
                statement(
                    "ReadPackages",
                    "sagemaker:DescribeModelPackage",
                    contracts.model_package_arn_pattern(r, acct.name, group),
                ),
                # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
                # (model-card resource type)
                statement(
                    "WriteGroupCards",
                    ["sagemaker:CreateModelCard", "sagemaker:DescribeModelCard"],
                    kind.model_card_arn_pattern(r, acct.name, group),
                ),
            ]
        role = aws.iam_role.IamRole(
            stack,
            f"model-build-start-{project.name}",
            name=kind.start_role_name(r, project.name),
            description=(
                f"Shared-services build of project {project.name} starts pipeline {name} and writes its model cards"
            ),
            assume_role_policy=document(
                statement("ProjectBuildAssumes", "sts:AssumeRole", None, principal=principal, condition=condition)
            ),
        )
        aws.iam_role_policy.IamRolePolicy(
            stack,
            f"model-build-start-{project.name}-policy",
            role=role.id,
            name="start-pipeline",
            policy=document(*statements),
        )


def data_science_push(stack: AccountStack, roles: dict) -> None:
    """Personas of this account named by a project assume its push (or release) role in shared services."""
    r = stack.resolved
    for persona, arns in kind.persona_push_roles(r, stack.account.name).items():
        aws.iam_role_policy.IamRolePolicy(
            stack,
            f"persona-{persona}-model-build",
            role=roles[persona].role.id,
            name="model-build-push",
            policy=document(statement("AssumeProjectPushRoles", "sts:AssumeRole", arns)),
        )
