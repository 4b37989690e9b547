"""ML execution: Model Registry with cross-account policies, registry and retraining events, model
cards bucket and the inference-data destination. Feature Store and Pipelines: ml_pipelines.py.
"""

from __future__ import annotations

from config import contracts, local_names
from config.kinds import inference as inference_names
from config.kinds import ml_execution as kind
from config.kinds import retraining
from config.kinds.data import replication_destination
from config.schema.account import MlExecutionAccount
from modules.aws import aws
from modules.events import EventBus, EventRule, EventsRole, put_events_statement
from modules.kms import KmsKey, service_use_statement
from modules.literal import text
from modules.policy import document, statement
from modules.replication import ReplicationDestination
from modules.secure_bucket import AccessLogBucket, SecureBucket

from . import data_processing, lake_links, ml_pipelines, model_build
from .base import AccountStack, child
from .baseline import access_logs

ML_KEY_PURPOSE = kind.ML_KEY_PURPOSE
ARTIFACTS_PURPOSE = kind.ARTIFACTS_PURPOSE
MODEL_CARDS_PURPOSE = kind.MODEL_CARDS_PURPOSE


def build(stack: AccountStack) -> None:
    r, acct = stack.resolved, stack.account
    section = acct.model(MlExecutionAccount).ml_execution
    logs = access_logs(stack)
    key = KmsKey(
        stack,
        "ml-key",
        alias=r.kms_alias(ML_KEY_PURPOSE),
        description="ML execution: features, artifacts, model cards",
        account_id=stack.account_id,
        partition=r.partition,
        statements=[
            service_use_statement(
                "SageMakerUsesKey",
                "sagemaker.amazonaws.com",
                account_id=stack.account_id,
                actions=["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*"],
            )
        ],
    )
    artifacts = SecureBucket(
        stack,
        "ml-artifacts",
        bucket_name=r.bucket_name(acct.name, ARTIFACTS_PURPOSE),
        kms_key_arn=key.arn,
        log_bucket=logs,
        partition=r.partition,
    )
    _share_model_artifacts(stack, key, artifacts)
    cards = None
    if section.model_cards:
        cards = SecureBucket(
            stack,
            "model-cards",
            bucket_name=r.bucket_name(acct.name, MODEL_CARDS_PURPOSE),
            kms_key_arn=key.arn,
            log_bucket=logs,
            partition=r.partition,
        )
        stack.output("model_cards_bucket", cards.name, "bucket receiving model card exports (PDF)")
    _model_registry(stack)
    lake = lake_links.build(stack)
    inference_data = _inference_data(stack, logs)
    pipelines = ml_pipelines.build(
        stack, key=key, artifacts=artifacts, cards=cards, logs=logs, inference_data=inference_data, lake=lake
    )
    _registry_forwarding(stack)
    model_build.ml_execution(stack, pipelines)
    _retraining(stack, pipelines)
    roles = {}
    if stack.node.try_find_child("pipeline-role") is not None:  # built when the account has pipelines
        roles[kind.pipeline_execution_role_name(r)] = child(stack, "pipeline-role", aws.iam_role.IamRole)
    data_processing.grant_warehouse_access(stack, roles)


def _share_model_artifacts(stack: AccountStack, key: KmsKey, artifacts: SecureBucket) -> None:
    """Endpoints in staging/production load model data registered here (pipelines/*/models/ only),
    as the inference accounts' SageMaker execution role (config.kinds.inference), root plus condition.
    """
    r = stack.resolved
    # Only accounts serving a group of this account create the execution role the grant names.
    inference = inference_names.serving_accounts(r, stack.account.name)
    if not inference:
        return
    principal, condition = r.cross_account_principal(
        {a: [contracts.inference_execution_role_name(r)] for a in inference}
    )
    artifacts.add_statements(
        statement(
            "InferenceAccountsReadModels",
            "s3:GetObject",
            f"{artifacts.arn}/pipelines/*/models/*",
            principal=principal,
            condition=condition,
        )
    )
    key.add_statements(
        statement(
            "InferenceAccountsDecryptModels",
            ["kms:Decrypt", "kms:DescribeKey"],
            "*",
            principal=principal,
            condition=condition,
        )
    )


def _model_registry(stack: AccountStack) -> None:
    r, acct = stack.resolved, stack.account
    readers = kind.model_registry_readers(r)
    principal, condition = r.cross_account_principal(readers) if readers else (None, None)
    for group in sorted(acct.model(MlExecutionAccount).ml_execution.model_package_groups, key=lambda g: g.name):
        name = contracts.model_package_group_name(r, group.name)
        resource = aws.sagemaker_model_package_group.SagemakerModelPackageGroup(
            stack,
            f"model-package-group-{group.name}",
            model_package_group_name=name,
            model_package_group_description=text(group.description) or None,
        )
        if principal is None:
            continue
        policy = document(
            statement(
                "DescribeGroup",
                ["sagemaker:DescribeModelPackageGroup"],
                contracts.model_package_group_arn(r, acct.name, group.name),
                principal=principal,
                condition=condition,
            ),
            statement(
                "ReadModelPackages",
                ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"],
                contracts.model_package_arn_pattern(r, acct.name, group.name),
                principal=principal,
                condition=condition,
            ),
            *_create_model_grant(r, contracts.model_package_arn_pattern(r, acct.name, group.name)),
        )
        aws.sagemaker_model_package_group_policy.SagemakerModelPackageGroupPolicy(
            stack,
            f"model-package-group-{group.name}-policy",
            model_package_group_name=resource.model_package_group_name,
            resource_policy=policy,
        )


def _create_model_grant(r, packages: str) -> list:
    """Inference accounts' deployers create models from this group's packages (cross-account CreateModel)."""
    deployers = kind.model_deployers(r)
    if not deployers:
        return []
    principal, condition = r.cross_account_principal(deployers)
    return [
        statement(
            "InferenceAccountsCreateModels", "sagemaker:CreateModel", packages, principal=principal, condition=condition
        )
    ]


def _registry_forwarding(stack: AccountStack) -> None:
    """Forward this account's Model Package State Change events to each shared-services registry bus."""
    r, acct = stack.resolved, stack.account
    targets = kind.registry_event_targets(r, acct.name)
    if not targets or not acct.model(MlExecutionAccount).ml_execution.model_package_groups:
        return
    bus_arns = {t: contracts.event_bus_arn(r, t, contracts.registry_bus_name(r)) for t in targets}
    role = EventsRole(
        stack,
        "events-forwarder",
        role_name=contracts.events_forwarder_role_name(r),
        account_id=stack.account_id,
        statements=[statement("PutOnRegistryBuses", "events:PutEvents", sorted(bus_arns.values()))],
    )
    for target, bus_arn in sorted(bus_arns.items()):
        EventRule(
            stack,
            f"forward-registry-{target}",
            name=local_names.registry_forward_rule_name(r, target),
            description=f"Model package state changes to {target}",
            pattern=kind.registry_event_pattern(r, acct.name),
            target_arn=bus_arn,
            role_arn=role.arn,
        )


def _retraining(stack: AccountStack, pipelines: dict[str, str]) -> None:
    """A bus admitting exactly the forwarder roles of the serving accounts that route events here, and per
    retraining pipeline one rule per trigger matching exactly the endpoints that serve its group."""
    r, acct = stack.resolved, stack.account
    if acct.model(MlExecutionAccount).ml_execution.retraining is None:
        return
    senders = retraining.retraining_senders(r, acct.name)
    bus_name = contracts.retraining_bus_name(r)
    statements = []
    if senders:
        # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html
        principal, condition = r.cross_account_principal(
            {s: [contracts.events_forwarder_role_name(r)] for s in senders}
        )
        statements.append(
            put_events_statement(
                "ServingAccountsSendMonitoringEvents",
                contracts.event_bus_arn(r, acct.name, bus_name),
                principal,
                condition,
            )
        )
    bus = EventBus(stack, "retraining-bus", name=bus_name, statements=statements)
    stack.output("retraining_bus_arn", bus.arn, "event bus receiving monitoring events from staging and production")
    rules = retraining.retraining_rules(r, acct.name)
    if not rules:
        return  # no monitored endpoint serves a group this account retrains (yet)
    role = EventsRole(
        stack,
        "retraining-role",
        role_name=local_names.retraining_start_role_name(r),
        account_id=stack.account_id,
        statements=[
            statement(
                "StartRetrainingPipelines", "sagemaker:StartPipelineExecution", sorted(pipelines[p] for p in rules)
            )
        ],
    )
    for pipeline, patterns in sorted(rules.items()):
        for trigger, pattern in sorted(patterns.items()):
            # A SageMaker pipeline as a rule target, started with parameters: https://docs.aws.amazon.com/sagemaker/latest/dg/pipeline-eventbridge.html
            EventRule(
                stack,
                f"retraining-{pipeline}-{trigger}",
                name=retraining.retraining_rule_name(r, pipeline, trigger),
                description=f"Model Monitor {trigger} on endpoints serving {pipeline}'s group: retrain",
                pattern=pattern,
                target_arn=pipelines[pipeline],
                role_arn=role.arn,
                bus_name=bus.name,
                sagemaker_pipeline_target={
                    "pipeline_parameter_list": [{"name": "ModelApprovalStatus", "value": "PendingManualApproval"}]
                },
            )


def _inference_data(stack: AccountStack, logs: AccessLogBucket) -> ReplicationDestination:
    """Replicated inference data from staging/production, and the Model Monitor baselines they read."""
    r, acct = stack.resolved, stack.account
    # The same destination construct and resolver spec as the data account (issue 3).
    spec = replication_destination(r, acct.name)
    dest = ReplicationDestination(
        stack,
        "inference-data",
        bucket_name=spec.bucket_name,
        kms_alias=spec.kms_alias,
        account_id=stack.account_id,
        grants=spec.grants,
        log_bucket=logs,
        partition=r.partition,
    )
    monitors = inference_names.monitoring_accounts(r, acct.name)
    if monitors:
        # Model Monitor jobs in staging/production read the baselines the pipelines write here; only
        # accounts monitoring an endpoint of this account's groups create the role named.
        principal, condition = r.cross_account_principal(
            {a: [inference_names.model_monitor_role_name(r)] for a in monitors}
        )
        dest.bucket.add_statements(
            statement(
                "ModelMonitorReadsBaselines",
                "s3:GetObject",
                f"{dest.bucket.arn}/{inference_names.BASELINES_PREFIX}/*",
                principal=principal,
                condition=condition,
            )
        )
        dest.key.add_statements(
            statement("ModelMonitorDecryptsBaselines", "kms:Decrypt", "*", principal=principal, condition=condition)
        )
    stack.output(
        "inference_data_bucket",
        dest.bucket.name,
        "bucket receiving inference data replicated from staging and production",
    )
    return dest
