"""Every name the stacks write, with the YAML value that produced it, checked at validate time.

The names come from the same functions the stacks call (contracts, the kinds' modules, the Resolved
methods); a name a module composes from what it is given (`<name>-flow-logs`) is composed here with
the module's rule. tests/test_name_rules.py synthesizes the example and requires every name in the
JSON to be one listed here, so a new resource cannot reach AWS with a name validate never saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import contracts, landing_zone_pipeline, local_names, tfc
from . import name_rules as rule
from .errors import known
from .kinds import (
    baseline,
    data,
    data_processing,
    data_science,
    inference,
    ml_execution,
    model_build,
    retraining,
    security,
    shared_services,
)
from .name_rules import NameRule
from .yaml_source import Loc

if TYPE_CHECKING:
    from .model import Resolved

PREFIX: Loc = ("prefix",)
NAME: Loc = ("name",)
PERSONA_POLICY_PARTS = 9  # a persona's managed policies are numbered <role>-1 ... (modules/personas.py)


@dataclass(frozen=True)
class Derived:
    """One derived name: the account whose stack writes it (None: landing-zone.yaml), the YAML value it comes from."""

    account: str | None
    loc: Loc
    rule: NameRule
    name: str


def all_names(r: Resolved) -> Iterator[Derived]:
    """Every name of every stack. Account ids not known yet are 12 digits of the same length."""
    yield from _organization(r)
    for account in sorted(r.accounts.values(), key=lambda a: a.name):
        yield from _every_account(r, account)
        yield from _BY_KIND.get(account.kind, _none)(r, account)


def _none(r: Resolved, account: Any) -> Iterator[Derived]:
    return iter(())


def _bucket(r: Resolved, account: Any, purpose: str, loc: Loc | None = None) -> Derived:
    """A bucket of this account; loc is the configured value in its name, None for a fixed purpose
    (then the landing zone's prefix decides, or the account's own region when it sets one)."""
    name = contracts.bucket_name_of(r.prefix, purpose, r.accounts[account.name].account_id or "0" * 12, account.region)
    if loc is not None:
        return Derived(account.name, loc, rule.S3_BUCKET, name)
    if account.config.region:
        return Derived(account.name, ("region",), rule.S3_BUCKET, name)
    return Derived(None, PREFIX, rule.S3_BUCKET, name)


def _organization(r: Resolved) -> Iterator[Derived]:
    lz = r.landing_zone
    management = r.management().name
    for i, ou in enumerate(lz.organization.organizational_units):
        for part in ou.path.split("/"):
            yield Derived(None, ("organization", "organizational_units", i, "path"), rule.OU, part)
        for j, guardrail in enumerate(ou.guardrails):
            yield Derived(
                None,
                ("organization", "organizational_units", i, "guardrails", j),
                rule.SCP,
                local_names.guardrail_policy_name(r, guardrail.value),
            )
    for account in r.accounts.values():
        if account.kind != "management" and not account.created and account.ou is not None:
            yield Derived(
                account.name, NAME, rule.ORG_ACCOUNT, account.name
            )  # adopted: accounts/organization_adoption.py
            if baseline.enrolled(lz, account.config):  # enrolled through Account Factory: accounts/account_factory.py
                yield Derived(
                    account.name, NAME, rule.PROVISIONED_PRODUCT, contracts.provisioned_product_name(r, account.name)
                )
        if account.created:
            yield Derived(account.name, NAME, rule.ORG_ACCOUNT, account.name)
            role_file = account.name if account.config.deploy_role_name else None
            role = known(account.deploy_role_name, "a created account's deploy role")
            yield Derived(role_file, ("deploy_role_name",), rule.IAM_ROLE, role)
            if lz.organization.vending.value == "control_tower":
                yield Derived(
                    account.name, NAME, rule.PROVISIONED_PRODUCT, contracts.provisioned_product_name(r, account.name)
                )
    if lz.state_backend.type == "cloud":
        for name in r.accounts:
            yield Derived(None, ("state_backend", "workspace_template"), rule.TFC_WORKSPACE, r.workspace_name(name))
            if lz.state_backend.oidc_run_roles:
                yield Derived(name, NAME, rule.IAM_ROLE, tfc.run_role_name(r, name))
    if lz.state_backend.type == "s3":
        for name in r.accounts:
            yield Derived(None, ("state_backend", "key_pattern"), rule.S3_KEY, r.state_key(name))
        yield Derived(None, PREFIX, rule.IAM_ROLE, contracts.pipeline_state_role_name(r))
    if lz.state_backend.type == "cloud" and r.of_kind("shared-services"):
        yield Derived(None, PREFIX, rule.SECRET, contracts.terraform_cloud_token_secret_name(r))
    yield Derived(management, NAME, rule.KMS_ALIAS, r.kms_alias(contracts.STATE_KEY_PURPOSE))
    if landing_zone_pipeline.enabled(r):  # accounts/landing_zone_pipeline.py, modules/landing_zone_pipeline.py
        loc, name = ("landing_zone_pipeline", "name"), landing_zone_pipeline.pipeline_name(r)
        yield Derived(None, loc, rule.CODEPIPELINE, name)
        for stage in ("plan", "apply"):
            yield Derived(None, loc, rule.CODEBUILD_PROJECT, f"{name}-{stage}")
            yield Derived(None, loc, rule.IAM_ROLE, f"{name}-{stage}")
        yield from (Derived(None, loc, rule.IAM_ROLE, f"{name}-{role}") for role in ("pipeline", "events"))
        yield Derived(None, loc, rule.EVENT_RULE, f"{name}-on-commit")
        for purpose in (landing_zone_pipeline.ARTIFACTS_PURPOSE, landing_zone_pipeline.LOGS_PURPOSE):
            yield _bucket(r, r.accounts[management], purpose)
        yield Derived(None, PREFIX, rule.KMS_ALIAS, r.kms_alias(landing_zone_pipeline.ARTIFACTS_PURPOSE))


def _every_account(r: Resolved, account: Any) -> Iterator[Derived]:
    """What every stack has: the security audit role, the access-log bucket (most kinds)."""
    yield Derived(None, PREFIX, rule.IAM_ROLE, contracts.security_audit_role_name(r))
    if account.kind != "management":
        yield _bucket(r, account, data.ACCESS_LOGS)
    if r.landing_zone.baseline.budget.enabled:
        yield Derived(account.name, NAME, rule.BUDGET, local_names.budget_name(r, account.name))
    if baseline.config_archive_account(r) == account.name:
        yield _bucket(r, account, baseline.CONFIG)
        yield Derived(None, PREFIX, rule.KMS_ALIAS, r.kms_alias(baseline.CONFIG))
    if baseline.config_aggregator_account(r) == account.name:
        yield Derived(None, PREFIX, rule.CONFIG_AGGREGATOR, local_names.config_aggregator_name(r))
        yield Derived(None, PREFIX, rule.IAM_ROLE, local_names.config_aggregator_name(r))  # its role has the same name


def _security(r: Resolved, account: Any) -> Iterator[Derived]:
    yield Derived(None, PREFIX, rule.IAM_ROLE, security.security_auditor_role_name(r))
    yield Derived(None, PREFIX, rule.ACCESS_ANALYZER, local_names.access_analyzer_name(r))
    yield _bucket(r, account, security.CLOUDTRAIL)
    for purpose in (security.CLOUDTRAIL, security.SECURITY_ALERTS, f"{security.CLOUDTRAIL}-logs"):
        yield Derived(None, PREFIX, rule.KMS_ALIAS, r.kms_alias(purpose))
    trail = security.trail_name(r)
    for what, name in (
        (rule.TRAIL, trail),
        (rule.LOG_GROUP, f"/aws/cloudtrail/{trail}"),
        (rule.IAM_ROLE, f"{trail}-logs"),
    ):
        yield Derived(None, PREFIX, what, name)
    yield Derived(None, PREFIX, rule.SECURITY_HUB_POLICY, local_names.security_hub_policy_name(r))
    topic = local_names.findings_topic_name(r)
    yield Derived(None, PREFIX, rule.SNS_TOPIC, topic)
    for source in ("guardduty", "securityhub"):  # modules/findings_alerts.py: one rule per finding source
        yield Derived(None, PREFIX, rule.EVENT_RULE, f"{topic}-{source}")
    ic = account.config.security.identity_center
    for persona in ic.personas if ic is not None else ():
        yield Derived(account.name, ("security", "identity_center", "personas", persona), rule.PERMISSION_SET, persona)


def _data(r: Resolved, account: Any) -> Iterator[Derived]:
    section = account.config.data
    for i, bucket in enumerate(section.buckets):
        yield _bucket(r, account, data.lake_bucket_purpose(bucket.name), ("data", "buckets", i, "name"))
    for purpose in (contracts.INFERENCE_DATA, data.ATHENA_RESULTS):
        yield _bucket(r, account, purpose)
    for purpose in (data.DATA_LAKE, data.DATA_STORES, contracts.INFERENCE_DATA):
        yield Derived(None, PREFIX, rule.KMS_ALIAS, r.kms_alias(purpose))
    for i, dataset in enumerate(section.datasets):
        loc = ("data", "datasets", i, "name")
        yield Derived(account.name, loc, rule.GLUE_DATABASE, data.glue_database_name(r, dataset.name))
        yield Derived(account.name, loc, rule.GLUE_NAME, data.crawler_name(r, dataset.name))
    for name in (local_names.crawler_role_name(r), local_names.lake_formation_access_role_name(r)):
        yield Derived(None, PREFIX, rule.IAM_ROLE, name)
    yield Derived(None, PREFIX, rule.GLUE_NAME, local_names.glue_security_configuration_name(r))
    yield Derived(
        account.name,
        ("data", "athena", "workgroup"),
        rule.ATHENA_WORKGROUP,
        local_names.athena_workgroup_name(r, section.athena.workgroup),
    )
    for i, store in enumerate(section.stores):
        loc, name = ("data", "stores", i, "name"), data.store_name(r, store.name)
        if store.type == "dynamodb":
            yield Derived(account.name, loc, rule.DYNAMODB_TABLE, name)
        elif store.type == "rds":
            yield from (
                Derived(account.name, loc, what, n)
                for what, n in (
                    (rule.RDS_IDENTIFIER, name),
                    (rule.RDS_IDENTIFIER, f"{name}-final"),
                    (rule.DB_SUBNET_GROUP, name),
                    (rule.SECURITY_GROUP, f"{name}-db"),
                )
            )
        else:
            yield from (
                Derived(account.name, loc, what, n)
                for what, n in ((rule.EFS_TOKEN, name), (rule.SECURITY_GROUP, f"{name}-efs"))
            )
    yield from (
        Derived(account.name, loc, what, name) for loc, what, name in data_processing.derived(r.prefix, section)
    )
    if section.glue_jobs or section.emr_applications:
        yield _bucket(r, account, data_processing.PROCESSING)
    yield from _replication_destination(r)


def _replication_destination(r: Resolved) -> Iterator[Derived]:
    yield Derived(None, PREFIX, rule.IAM_ROLE, contracts.replication_role_name(r))


def _shared_services(r: Resolved, account: Any) -> Iterator[Derived]:
    section = account.config.shared_services
    yield _bucket(r, account, contracts.PIPELINE_ARTIFACTS)
    for purpose in (contracts.PIPELINE_ARTIFACTS, shared_services.ECR_KEY_PURPOSE):
        yield Derived(None, PREFIX, rule.KMS_ALIAS, r.kms_alias(purpose))
    for i, repo in enumerate(section.ecr_repositories):
        yield Derived(
            account.name,
            ("shared_services", "ecr_repositories", i, "name"),
            rule.ECR_REPOSITORY,
            contracts.ecr_repository_name(r, repo.name),
        )
    pipeline, loc = shared_services.pipeline_name(r, account.name), ("shared_services", "pipeline", "name")
    yield Derived(account.name, loc, rule.CODEPIPELINE, pipeline)
    yield Derived(account.name, loc, rule.CODECONNECTION, pipeline[:32])
    for stage in ("build", "deploy"):
        yield Derived(account.name, loc, rule.CODEBUILD_PROJECT, f"{pipeline}-{stage}")
        yield Derived(account.name, loc, rule.LOG_GROUP, f"/aws/codebuild/{pipeline}-{stage}")
    for suffix in ("pipeline", "trigger"):
        yield Derived(account.name, loc, rule.IAM_ROLE, f"{pipeline}-{suffix}")
    yield Derived(account.name, loc, rule.CODEBUILD_PROJECT, f"{pipeline}-trigger")
    if section.projects:  # accounts/model_build.py
        yield Derived(None, PREFIX, rule.KMS_ALIAS, r.kms_alias(model_build.KEY_PURPOSE))
    for i, project in enumerate(section.projects):
        here = ("shared_services", "projects", i, "name")
        repository, repo_loc = (
            model_build.repository_name(r, project),
            ("shared_services", "projects", i, "repository" if project.repository else "name"),
        )
        yield Derived(account.name, repo_loc, rule.CODECOMMIT_REPOSITORY, repository)
        yield Derived(account.name, repo_loc, rule.APPROVAL_RULE_TEMPLATE, repository)
        roles = [model_build.push_role_name(r, project.name, main) for main in (False, True)]
        roles += [
            model_build.build_role_name(r, project.name),
            model_build.project_resource_name(r, project.name, "trigger"),
        ]
        yield from (Derived(account.name, here, rule.IAM_ROLE, role) for role in roles)
        yield Derived(
            account.name, here, rule.IAM_ROLE, model_build.start_role_name(r, project.name)
        )  # written in the pipeline's account, named here
        for stage in ("images", "card"):
            yield Derived(
                account.name, here, rule.CODEBUILD_PROJECT, model_build.build_project_name(r, project.name, stage)
            )
        push_rule = model_build.project_resource_name(r, project.name, "push")
        yield from (Derived(account.name, here, rule.EVENT_RULE, name) for name in (push_rule, f"{push_rule}-card"))
    yield Derived(account.name, loc, rule.LOG_GROUP, f"/aws/codebuild/{pipeline}-trigger")
    for name in (contracts.pipeline_build_role_name(r), local_names.registry_trigger_role_name(r)):
        yield Derived(None, PREFIX, rule.IAM_ROLE, name)
    yield Derived(None, PREFIX, rule.EVENT_BUS, contracts.registry_bus_name(r))
    yield Derived(None, PREFIX, rule.EVENT_RULE, local_names.model_approved_rule_name(r))


def _ml_execution(r: Resolved, account: Any) -> Iterator[Derived]:
    section = account.config.ml_execution
    for purpose in (
        contracts.INFERENCE_DATA,
        ml_execution.ARTIFACTS_PURPOSE,
        ml_execution.MODEL_CARDS_PURPOSE,
        ml_execution.FEATURE_STORE_PURPOSE,
    ):
        yield _bucket(r, account, purpose)
    carded = {p.model_package_group for p in section.pipelines if p.name in model_build.fed_pipelines(r, account.name)}
    for i, group in enumerate(section.model_package_groups):
        loc = ("ml_execution", "model_package_groups", i, "name")
        yield Derived(account.name, loc, rule.SAGEMAKER, contracts.model_package_group_name(r, group.name))
        if group.name in carded:  # the model-build card step names cards <group>-<version> (up to 5 digits)
            yield Derived(
                account.name,
                loc,
                rule.SAGEMAKER,
                f"{model_build.model_card_prefix(r, group.name)}{'9' * model_build.CARD_VERSION_DIGITS}",
            )
    for i, group in enumerate(section.feature_store.feature_groups):
        yield Derived(
            account.name, ("ml_execution", "feature_store", "feature_groups", i, "name"), rule.FEATURE_GROUP, group.name
        )
    yield Derived(None, PREFIX, rule.GLUE_DATABASE, ml_execution.feature_store_database(r))
    for i, pipeline in enumerate(section.pipelines):
        yield Derived(
            account.name,
            ("ml_execution", "pipelines", i, "name"),
            rule.SAGEMAKER_PIPELINE,
            ml_execution.pipeline_name(r, pipeline.name),
        )
    for name in (
        ml_execution.pipeline_execution_role_name(r),
        local_names.feature_store_role_name(r),
        contracts.events_forwarder_role_name(r),
        local_names.retraining_start_role_name(r),
        contracts.replication_role_name(r),
    ):
        yield Derived(None, PREFIX, rule.IAM_ROLE, name)
    yield Derived(None, PREFIX, rule.EVENT_BUS, contracts.retraining_bus_name(r))
    yield Derived(None, PREFIX, rule.KMS_ALIAS, r.kms_alias(ml_execution.ML_KEY_PURPOSE))
    for target in ml_execution.registry_event_targets(r, account.name):
        yield Derived(target, NAME, rule.EVENT_RULE, local_names.registry_forward_rule_name(r, target))
    position = {p.name: i for i, p in enumerate(section.pipelines)}
    for pipeline, patterns in retraining.retraining_rules(r, account.name).items():
        at: Loc = ("ml_execution", "pipelines", position[pipeline], "name") if pipeline in position else NAME
        for trigger in patterns:
            yield Derived(account.name, at, rule.EVENT_RULE, retraining.retraining_rule_name(r, pipeline, trigger))


def _data_science(r: Resolved, account: Any) -> Iterator[Derived]:
    section = account.config.data_science
    for i, bucket in enumerate(section.project_buckets):
        yield _bucket(r, account, bucket, ("data_science", "project_buckets", i))
    network_name = data_science.network_name(r, account.name)
    for what, name in (
        (rule.IAM_ROLE, f"{network_name}-flow-logs"),
        (rule.LOG_GROUP, f"/aws/vpc/{network_name}/flow-logs"),
        (rule.SAGEMAKER, local_names.studio_name(r, account.name)),
        (rule.SECURITY_GROUP, f"{network_name}-studio"),
        (rule.SECURITY_GROUP, f"{network_name}-endpoints"),
        (rule.SECURITY_GROUP, local_names.studio_name(r, account.name)),
    ):
        yield Derived(account.name, NAME, what, name)
    for i, script in enumerate(section.studio.lifecycle_configurations):
        name = f"{local_names.studio_name(r, account.name)}-{script.name}"
        yield Derived(
            account.name, ("data_science", "studio", "lifecycle_configurations", i, "name"), rule.SAGEMAKER, name
        )
    for i, persona in enumerate(section.personas):
        role, loc = data_science.persona_role_name(r, persona.name), ("data_science", "personas", i, "name")
        yield Derived(account.name, loc, rule.IAM_ROLE, role)
        yield from (
            Derived(account.name, loc, rule.IAM_POLICY, f"{role}-{n}") for n in range(1, PERSONA_POLICY_PARTS + 1)
        )
    for i, profile in enumerate(section.user_profiles):
        yield Derived(account.name, ("data_science", "user_profiles", i, "name"), rule.STUDIO_USER, profile.name)
    for i, workgroup in enumerate(section.athena_workgroups):
        yield Derived(
            account.name,
            ("data_science", "athena_workgroups", i),
            rule.ATHENA_WORKGROUP,
            local_names.athena_workgroup_name(r, workgroup),
        )
    yield Derived(None, PREFIX, rule.KMS_ALIAS, r.kms_alias(data_science.STUDIO_KEY_PURPOSE))


def _inference(r: Resolved, account: Any) -> Iterator[Derived]:
    section = account.config.inference
    for purpose in (contracts.INFERENCE_DATA, inference.LOGS_PURPOSE):
        yield _bucket(r, account, purpose)
        yield Derived(None, PREFIX, rule.KMS_ALIAS, r.kms_alias(purpose))
    for name in (
        contracts.inference_execution_role_name(r),
        inference.model_monitor_role_name(r),
        contracts.replication_role_name(r),
        contracts.pipeline_deploy_role_name(r),
        contracts.events_forwarder_role_name(r),
        local_names.apigateway_cloudwatch_role_name(r),
    ):
        yield Derived(None, PREFIX, rule.IAM_ROLE, name)
    for i, ep in enumerate(section.endpoints):
        loc, endpoint = ("inference", "endpoints", i, "name"), inference.endpoint_name(r, ep.name)
        yield Derived(account.name, loc, rule.SAGEMAKER, endpoint)
        yield Derived(account.name, loc, rule.SAGEMAKER_PREFIX, f"{endpoint}-")
        variants = ["primary", *(v.name for v in ep.variants), *(["shadow"] if ep.shadow else [])]
        for variant in variants:
            yield Derived(account.name, loc, rule.SAGEMAKER_MODEL_PREFIX, f"{endpoint}-{variant}-")
            yield Derived(account.name, loc, rule.AUTOSCALING_POLICY, f"{endpoint}-{variant}-invocations")
        if ep.monitor is not None:
            yield Derived(account.name, loc, rule.SAGEMAKER, inference.monitoring_schedule_name(r, ep.name))
            for j, alarm in enumerate(ep.monitor.drift_alarms):
                yield Derived(
                    account.name,
                    ("inference", "endpoints", i, "monitor", "drift_alarms", j, "feature"),
                    rule.ALARM,
                    inference.drift_alarm_name(r, ep.name, alarm.feature),
                )
            if ep.monitor.drift_alarms:
                yield Derived(account.name, loc, rule.ALARM, inference.drift_signal_name(r, ep.name))
    for ml, patterns in retraining.forwarding(r, account.name).items():
        for trigger in patterns:
            yield Derived(ml, NAME, rule.EVENT_RULE, retraining.forward_rule_name(r, ml, trigger))
    for i, api in enumerate(section.apis):
        loc, name = ("inference", "apis", i, "name"), inference.api_function_name(r, api.name)
        for what, value in (
            (rule.LAMBDA_FUNCTION, name),
            (rule.IAM_ROLE, name),
            (rule.API_GATEWAY, name),
            (rule.LOG_GROUP, f"/aws/lambda/{name}"),
            (rule.LOG_GROUP, f"/aws/apigateway/{name}"),
        ):
            yield Derived(account.name, loc, what, value)
        for p, plan in enumerate(api.usage_plans):
            yield Derived(account.name, (*loc[:-1], "usage_plans", p, "name"), rule.API_GATEWAY, f"{name}-{plan.name}")
            for k, key in enumerate(plan.keys):
                yield Derived(account.name, (*loc[:-1], "usage_plans", p, "keys", k), rule.API_GATEWAY, f"{name}-{key}")


_BY_KIND = {
    "security": _security,
    "data": _data,
    "shared-services": _shared_services,
    "ml-execution": _ml_execution,
    "data-science": _data_science,
    "staging": _inference,
    "production": _inference,
}
