"""Cross-file checks, cross-account names and flows of ml-execution accounts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .. import contracts
from ..model import Flow
from ..refs import account_ref, account_refs
from ..schema.account import DataAccount, MlExecutionAccount
from .shared_services import ecr_repository_owner, pipeline_deployers

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved
    from ..schema.ml_execution import ImageRef, TrainingPipeline

SECTION = "ml_execution"
RECORD_IDENTIFIER_TYPES = ("Integral", "String")
EVENT_TIME_TYPES = ("Fractional", "String")
MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"  # detail-type forwarded to shared services


def model_package_group_owner(config: Config, group: str) -> str | None:
    """Name of the ml-execution account that defines a model package group, or None."""
    for account in config.of_kind("ml-execution"):
        if any(g.name == group for g in account.ml_execution.model_package_groups):
            return account.name
    return None


def producing_pipeline(config: Config, group: str) -> tuple[str, Any] | None:
    """(ml-execution account, pipeline) whose RegisterModel step registers packages of `group`, or None.

    check_pipelines allows one pipeline per group, so drift on an endpoint starts exactly one pipeline.
    """
    owner = model_package_group_owner(config, group)
    if owner is None:
        return None
    found = [
        p for p in config.account(owner, MlExecutionAccount).ml_execution.pipelines if p.model_package_group == group
    ]
    return (owner, found[0]) if found else None


def registered_image(pipeline: TrainingPipeline) -> ImageRef:
    """The image RegisterModel puts in each package: the inference image, else the training image.

    Endpoints serve the registered image, so the pipeline template and the ECR grants both read this.
    """
    return pipeline.inference_image or pipeline.training_image


def served_image(config: Config, group: str) -> ImageRef | None:
    """ImageRef the packages of `group` serve: the producing pipeline's registered image, else the
    group's serving_image; None when neither exists (nobody could grant it)."""
    produced = producing_pipeline(config, group)
    if produced is not None:
        return registered_image(produced[1])
    owner = model_package_group_owner(config, group)
    if owner is None:
        return None
    return next(
        g.serving_image
        for g in config.account(owner, MlExecutionAccount).ml_execution.model_package_groups
        if g.name == group
    )


def retraining_pipeline(config: Config, group: str) -> tuple[str, str] | None:
    """(ml-execution account, pipeline name) that monitoring events of endpoints serving `group` start:
    the pipeline producing the group, when its account lists it in retraining.pipelines."""
    produced = producing_pipeline(config, group)
    if produced is None:
        return None
    owner, pipeline = produced
    retraining = config.account(owner, MlExecutionAccount).ml_execution.retraining
    return (owner, pipeline.name) if retraining and pipeline.name in retraining.pipelines else None


# -- names shared by both sides ---------------------------------------------------------------
def registry_event_targets(r: Resolved, account: str) -> list[str]:
    """Shared-services accounts receiving this ml-execution account's Model Package State Change events."""
    chosen = r.accounts[account].model(MlExecutionAccount).ml_execution.registry_events_to
    return sorted(chosen) if chosen else [a.name for a in r.of_kind("shared-services")]


def registry_event_sources(r: Resolved, shared: str) -> list[str]:
    """ml-execution accounts that forward registry events to a shared-services account's bus."""
    # Only accounts with groups forward (and create the forwarder role the bus policy names).
    return [
        a.name
        for a in r.of_kind("ml-execution")
        if a.config.ml_execution.model_package_groups and shared in registry_event_targets(r, a.name)
    ]


def model_registry_readers(r: Resolved) -> dict[str, list[str]]:
    """Roles that describe and read model packages across accounts, by account.

    Staging/production: the models' SageMaker execution role, the pipeline deploy role (CodeBuild
    runs Terraform through it) and the stack's own deploy role (a person running `mlops-tf apply`).
    Shared services: the pipeline build role.
    """
    readers: dict[str, list[str]] = {}
    for account in r.of_kind(*contracts.INFERENCE_KINDS):
        roles = {*_existing_serving_roles(r, account, contracts.inference_execution_role_name(r))}
        readers[account.name] = sorted(roles | ({account.deploy_role_name} if account.deploy_role_name else set()))
    for shared in r.of_kind("shared-services"):
        readers[shared.name] = [contracts.pipeline_build_role_name(r)]
    return readers


def model_deployers(r: Resolved) -> dict[str, list[str]]:
    """Roles that create SageMaker models from model packages across accounts, by inference account.

    A cross-account CreateModel from a model package needs sagemaker:CreateModel on the package in the
    group's resource policy: Terraform runs it as the pipeline deploy role or the stack's deploy role.
    """
    return {
        a.name: sorted({*_existing_serving_roles(r, a, None)} | ({a.deploy_role_name} if a.deploy_role_name else set()))
        for a in r.of_kind(*contracts.INFERENCE_KINDS)
    }


def _existing_serving_roles(r: Resolved, account: Any, execution_role: str | None) -> list[str]:
    """Of the pipeline deploy role and the inference execution role, those the account's stack creates:
    the first when a pipeline deploys into it, the second when it has endpoints (grants name only those)."""
    roles = [contracts.pipeline_deploy_role_name(r)] if pipeline_deployers(r, account.name) else []
    if execution_role and account.config.inference.endpoints:
        roles.append(execution_role)
    return roles


def model_registry_reader_arns(r: Resolved) -> list[str]:
    return sorted(r.role_arn(acct, role) for acct, roles in model_registry_readers(r).items() for role in roles)


def registry_event_pattern(r: Resolved, account: str) -> dict[str, Any]:
    """Model Package State Change events of this account's groups (forwarded to shared services)."""
    groups = sorted(
        contracts.model_package_group_name(r, g.name)
        for g in r.accounts[account].model(MlExecutionAccount).ml_execution.model_package_groups
    )
    return {
        "source": ["aws.sagemaker"],
        "detail-type": [MODEL_PACKAGE_STATE_CHANGE],
        "detail": {"ModelPackageGroupName": groups},
    }


ML_KEY_PURPOSE = "ml-execution"
ARTIFACTS_PURPOSE = "ml-artifacts"
MODEL_CARDS_PURPOSE = "model-cards"
FEATURE_STORE_PURPOSE = "feature-store"


def feature_store_database(r: Resolved) -> str:
    """Glue database of the Feature Store offline store tables."""
    return f"{r.prefix}_feature_store".replace("-", "_")


def pipeline_execution_role_name(r: Resolved) -> str:
    """SageMaker Pipelines execution role of ml-execution accounts; it reads training data in data accounts."""
    return r.resource_name("ml-pipeline-execution")


def pipeline_name(r: Resolved, pipeline: str) -> str:
    return r.resource_name(pipeline)


# -- checks ----------------------------------------------------------------------------------
def check_model_package_groups(config: Config) -> Iterable[Diagnostic]:
    """Group names are unique across ml-execution accounts (the derived names are checked in checks/names.py)."""
    seen: dict[str, str] = {}
    for account in config.of_kind("ml-execution"):
        for i, group in enumerate(account.ml_execution.model_package_groups):
            loc = (SECTION, "model_package_groups", i, "name")
            if group.name in seen:
                yield config.error(
                    account.name,
                    loc,
                    f"model package group {group.name!r} is already defined in {seen[group.name]!r}; names "
                    "must be unique",
                )
            seen.setdefault(group.name, account.name)


def check_feature_groups(config: Config) -> Iterable[Diagnostic]:
    """Feature names unique; record identifier and event time are features of a type Feature Store accepts."""
    for account in config.of_kind("ml-execution"):
        names: set[str] = set()
        for i, group in enumerate(account.ml_execution.feature_store.feature_groups):
            loc = (SECTION, "feature_store", "feature_groups", i)
            if group.name in names:
                yield config.error(account.name, loc + ("name",), f"feature group {group.name!r} is defined twice")
            names.add(group.name)
            types: dict[str, str] = {}
            for j, feature in enumerate(group.features):
                if feature.name.lower() in {n.lower() for n in types}:
                    yield config.error(
                        account.name,
                        loc + ("features", j, "name"),
                        f"feature {feature.name!r} is defined twice (names are case-insensitive)",
                    )
                types[feature.name] = feature.type
            for field, allowed in (("record_identifier", RECORD_IDENTIFIER_TYPES), ("event_time", EVENT_TIME_TYPES)):
                name = getattr(group, field)
                if name not in types:
                    yield config.error(
                        account.name,
                        loc + (field,),
                        f"must name one of the group's features ({', '.join(types)}) (got {name!r})",
                    )
                elif types[name] not in allowed:
                    yield config.error(
                        account.name,
                        loc + (field,),
                        f"feature {name!r} is {types[name]}; Feature Store requires {' or '.join(allowed)}",
                    )


def check_pipelines(config: Config) -> Iterable[Diagnostic]:
    """Pipelines name a group of this account (one pipeline per group), defined images, data in a data account;
    retraining names pipelines of the account; serving_image only on groups no pipeline produces."""
    for account in config.of_kind("ml-execution"):
        section = account.ml_execution
        groups = [g.name for g in section.model_package_groups]
        names: set[str] = set()
        producers: dict[str, str] = {}
        for i, pipeline in enumerate(section.pipelines):
            loc = (SECTION, "pipelines", i)
            if pipeline.name in names:
                yield config.error(account.name, loc + ("name",), f"pipeline {pipeline.name!r} is defined twice")
            names.add(pipeline.name)
            if pipeline.model_package_group not in groups:
                yield config.error(
                    account.name,
                    loc + ("model_package_group",),
                    f"unknown model package group {pipeline.model_package_group!r}; this account defines: "
                    f"{', '.join(groups) or 'none'}",
                )
            elif pipeline.model_package_group in producers:
                yield config.error(
                    account.name,
                    loc + ("model_package_group",),
                    f"model package group {pipeline.model_package_group!r} is already produced by pipeline "
                    f"{producers[pipeline.model_package_group]!r}; one pipeline per group, so drift on an "
                    "endpoint starts exactly one pipeline",
                )
            producers.setdefault(pipeline.model_package_group, pipeline.name)
            # The repository policies grant these images to this account's pipeline role (derived from use).
            for field in ("processing_image", "training_image", "inference_image"):
                if getattr(pipeline, field) is not None:
                    yield from _image_defined(
                        config, account.name, loc + (field, "repository"), getattr(pipeline, field).repository
                    )
            data = pipeline.input_data
            problem = account_ref(config, account.name, loc + ("input_data", "account"), data.account, ("data",))
            if problem:
                yield problem
            elif data.account in config.accounts:
                defined = [b.name for b in config.account(data.account, DataAccount).data.buckets]
                if data.bucket not in defined:
                    yield config.error(
                        account.name,
                        loc + ("input_data", "bucket"),
                        f"data account {data.account!r} has no bucket {data.bucket!r} (buckets: "
                        f"{', '.join(defined) or 'none'})",
                    )
        for j, name in enumerate(section.retraining.pipelines if section.retraining else []):
            if name not in names:
                yield config.error(
                    account.name,
                    (SECTION, "retraining", "pipelines", j),
                    f"unknown pipeline {name!r}; this account defines: {', '.join(sorted(names)) or 'none'}",
                )
        for j, group in enumerate(section.model_package_groups):
            if group.serving_image is None:
                continue
            if group.name in producers:
                yield config.error(
                    account.name,
                    (SECTION, "model_package_groups", j, "serving_image"),
                    f"pipeline {producers[group.name]!r} registers this group's packages with its own image; "
                    "remove serving_image (it is only for groups no pipeline produces)",
                    key=True,
                )
            else:
                yield from _image_defined(
                    config,
                    account.name,
                    (SECTION, "model_package_groups", j, "serving_image", "repository"),
                    group.serving_image.repository,
                )
        yield from account_refs(
            config, account.name, (SECTION, "registry_events_to"), section.registry_events_to, ("shared-services",)
        )


def _image_defined(config: Config, owner: str, loc: tuple, repo: str) -> Iterable[Diagnostic]:
    """An image reference names a repository that a shared-services account defines."""
    if ecr_repository_owner(config, repo) is None and "shared-services" not in config.invalid_kinds:
        yield config.error(owner, loc, f"no shared-services account defines the ECR repository {repo!r}")


CHECKS = [check_model_package_groups, check_feature_groups, check_pipelines]


def flows(resolved: Resolved) -> Iterable[Flow]:
    for account in resolved.of_kind("ml-execution"):
        for shared in registry_event_targets(resolved, account.name):
            yield Flow(account.name, shared, "events", "model package state changes")
        groups = sorted(g.name for g in account.config.ml_execution.model_package_groups)
        if groups:
            for reader in sorted(model_registry_readers(resolved)):
                yield Flow(account.name, reader, "registry", f"reads model packages: {', '.join(groups)}")
        for pipeline in account.config.ml_execution.pipelines:
            yield Flow(pipeline.input_data.account, account.name, "data-access", f"training data for {pipeline.name}")
