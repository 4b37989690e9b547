"""Shared services: ECR repositories, the model deployment pipeline, the model registry event bus."""

from __future__ import annotations

import json

from config import contracts, local_names
from config.errors import known
from config.kinds import images
from config.kinds import ml_execution as ml_kind
from config.kinds import shared_services as kind
from config.schema.account import SharedServicesAccount
from modules.ecr import EcrRepository, pull_statement
from modules.events import EventBus, EventRule, EventsRole, put_events_statement
from modules.kms import KmsKey
from modules.literal import text
from modules.pipeline import MODEL_PACKAGE_VARIABLE, ModelDeployPipeline, PipelineSettings, PipelineState
from modules.pipeline_parts import PipelineSource
from modules.policy import statement
from modules.secure_bucket import AccessLogBucket, SecureBucket

from . import model_build
from .base import AccountStack
from .baseline import access_logs

ECR_KEY_PURPOSE = kind.ECR_KEY_PURPOSE


def build(stack: AccountStack) -> None:
    section = stack.account.model(SharedServicesAccount).shared_services
    logs = access_logs(stack)
    _ecr(stack, section)
    pipeline = _pipeline(stack, section, logs)
    bus = _registry_events(stack, pipeline)
    model_build.shared_services(stack, bus)


def _ecr(stack: AccountStack, section) -> None:
    r = stack.resolved
    key = KmsKey(
        stack,
        "ecr-key",
        alias=r.kms_alias(ECR_KEY_PURPOSE),
        description="ECR image encryption",
        account_id=stack.account_id,
        partition=r.partition,
    )
    for rep in sorted(section.ecr_repositories, key=lambda x: x.name):
        statements = []
        grant = images.ecr_pull_grant(r, rep)
        if grant:
            # SageMaker pulls with the consuming account's execution roles: their roots, narrowed to the roles
            # that run this repository's images (derived from pipelines and served groups) or that it names.
            # https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html
            statements.append(pull_statement(*grant))
        repo = EcrRepository(
            stack,
            f"ecr-{rep.name}",
            name=contracts.ecr_repository_name(r, rep.name),
            kms_key_arn=key.arn,
            keep_tagged_images=rep.keep_tagged_images,
            untagged_expiry_days=rep.untagged_expiry_days,
            statements=statements,
        )
        stack.output(
            f"ecr_{rep.name.replace('-', '_')}_url",
            repo.repository.repository_url,
            f"image repository {rep.name} ({rep.purpose})",
        )


def _pipeline(stack: AccountStack, section, logs: AccessLogBucket) -> ModelDeployPipeline:
    r, acct = stack.resolved, stack.account
    targets = kind.pipeline_targets(r, acct.name)
    deploy_role = contracts.pipeline_deploy_role_name(r)
    readers = {t: [deploy_role] for kind_targets in targets.values() for t in kind_targets}
    key = KmsKey(
        stack,
        "artifacts-key",
        alias=r.kms_alias(contracts.PIPELINE_ARTIFACTS),
        description="Model deployment pipeline artifacts",
        account_id=stack.account_id,
        partition=r.partition,
    )
    bucket = SecureBucket(
        stack,
        "artifacts",
        bucket_name=r.bucket_name(acct.name, contracts.PIPELINE_ARTIFACTS),
        kms_key_arn=key.arn,
        log_bucket=logs,
        partition=r.partition,
    )
    if readers:
        principal, condition = r.cross_account_principal(readers)
        key.add_statements(
            statement(
                "TargetDeployRolesUseArtifactsKey",
                ["kms:Decrypt", "kms:DescribeKey"],
                "*",
                principal=principal,
                condition=condition,
            )
        )
        bucket.add_statements(
            statement(
                "TargetDeployRolesReadArtifacts",
                ["s3:GetObject", "s3:GetObjectVersion"],
                bucket.objects_arn,
                principal=principal,
                condition=condition,
            )
        )
    p = section.pipeline
    source = PipelineSource(
        type=p.source.type,
        repository=p.source.repository,
        branch=p.source.branch,
        provider=getattr(p.source, "provider", None),
    )
    settings = PipelineSettings(
        name=kind.pipeline_name(r, acct.name),
        partition=r.partition,
        region=acct.region,
        account_id=stack.account_id,
        build_role_name=contracts.pipeline_build_role_name(r),
        staging={t: r.role_arn(t, deploy_role) for t in targets["staging"]},
        production={t: r.role_arn(t, deploy_role) for t in targets["production"]},
        compute_type=p.build_compute_type,
        build_image=p.build_image,
        terraform_version=p.terraform_version,
        approval_timeout_minutes=p.approval_timeout_minutes,
        parameters={t: kind.deployment_parameters(r, t) for ts in targets.values() for t in ts},
        regions={t: r.accounts[t].region for ts in targets.values() for t in ts},
        model_package_arns=sorted(
            contracts.model_package_arn_pattern(r, ml.name, g.name)
            for ml in r.of_kind("ml-execution")
            for g in ml.config.ml_execution.model_package_groups
        ),
        config_path=kind.pipeline_config_path(r, acct.name),
        state=_pipeline_state(stack),
    )
    pipeline = ModelDeployPipeline(
        stack, "model-deploy", settings=settings, source=source, artifacts_bucket=bucket, artifacts_key_arn=key.arn
    )
    stack.output(
        "deploy_pipeline_name", settings.name, "CodePipeline deploying approved models to staging then production"
    )
    return pipeline


def _pipeline_state(stack: AccountStack) -> PipelineState:
    """The pipeline's way to the state; `local` never gets here (config.kinds.shared_services refuses it)."""
    r = stack.resolved
    backend = r.landing_zone.state_backend
    if backend.type == "cloud":
        # Credentials for host app.terraform.io: TF_TOKEN_app_terraform_io (dots as _, dashes as __).
        # https://developer.hashicorp.com/terraform/cli/config/config-file#environment-variable-credentials
        host = backend.hostname.replace("-", "__").replace(".", "_")
        return PipelineState(
            "cloud", token_secret_name=contracts.terraform_cloud_token_secret_name(r), token_env_var=f"TF_TOKEN_{host}"
        )
    access = known(kind.pipeline_state_access(r), "the pipeline's state access")
    backend = r.landing_zone.s3_backend()
    s3 = {
        target: {
            "bucket": access.bucket,
            "key": key,
            "region": access.region,
            "encrypt": True,
            "use_lockfile": True,
            **({"kms_key_id": backend.kms_key_id} if backend.kms_key_id else {}),
        }
        for target, key in access.keys.items()
    }
    role = r.role_arn(r.management().name, contracts.pipeline_state_role_name(r))
    return PipelineState("s3", s3_backend=s3, state_role_arn=role)


def _registry_events(stack: AccountStack, pipeline: ModelDeployPipeline) -> EventBus:
    r, acct = stack.resolved, stack.account
    sources = ml_kind.registry_event_sources(r, acct.name)
    bus_name = contracts.registry_bus_name(r)
    bus_arn = contracts.event_bus_arn(r, acct.name, bus_name)
    statements = []
    if sources:
        principal, condition = r.cross_account_principal(
            {s: [contracts.events_forwarder_role_name(r)] for s in sources}
        )
        statements.append(put_events_statement("MlExecutionForwardsRegistryEvents", bus_arn, principal, condition))
    bus = EventBus(stack, "registry-bus", name=bus_name, statements=statements)
    role = EventsRole(
        stack,
        "registry-trigger-role",
        role_name=local_names.registry_trigger_role_name(r),
        account_id=stack.account_id,
        statements=[statement("StartTriggerBuild", "codebuild:StartBuild", pipeline.trigger_project_arn)],
    )
    pattern = {
        "source": ["aws.sagemaker"],
        "detail-type": [ml_kind.MODEL_PACKAGE_STATE_CHANGE],
        "detail": {"ModelApprovalStatus": ["Approved"]},
    }
    if sources:
        pattern["account"] = sorted(r.account_id(s) for s in sources)
    template = text(
        json.dumps(
            {"environmentVariablesOverride": [{"name": MODEL_PACKAGE_VARIABLE, "type": "PLAINTEXT", "value": "<arn>"}]},
            sort_keys=True,
        )
    )
    EventRule(
        stack,
        "model-approved",
        name=local_names.model_approved_rule_name(r),
        description="Approved model package: start the deployment pipeline",
        pattern=pattern,
        target_arn=pipeline.trigger_project_arn,
        role_arn=role.arn,
        bus_name=bus.name,
        input_transformer={
            "input_paths": {"arn": "$.detail.ModelPackageArn"},
            "input_template": template.replace('"<arn>"', "<arn>"),
        },
    )
    stack.output("registry_bus_arn", bus.arn, "event bus receiving Model Package State Change events from ml-execution")
    return bus
