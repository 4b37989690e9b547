"""Cross-field checks, cross-account names and flows of the inference section (staging and production).

The names defined here cross an account boundary (ml-execution grants them): the ml-execution side
must call these same functions.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .. import contracts
from ..model import Flow
from ..refs import account_refs
from .ml_execution import model_package_group_owner

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved

DATA_CAPTURE_PREFIX = "data-capture"
MONITORING_REPORTS_PREFIX = "monitoring-reports"
MODEL_MONITOR_REPOSITORY = "sagemaker-model-monitor-analyzer"
BASELINES_PREFIX = "monitoring-baselines"  # in the ml-execution account's inference-data bucket

# Accounts publishing the Model Monitor analyzer image, per region (SageMaker documentation,
# "Amazon SageMaker Model Monitor prebuilt container"). A region missing here cannot run Model Monitor.
MODEL_MONITOR_IMAGE_ACCOUNTS = {
    "af-south-1": "875698925577",
    "ap-east-1": "001633400207",
    "ap-northeast-1": "574779866223",
    "ap-northeast-2": "709848358524",
    "ap-south-1": "126357580389",
    "ap-southeast-1": "245545462676",
    "ap-southeast-2": "563025443158",
    "ca-central-1": "536280801234",
    "cn-north-1": "453000072557",
    "cn-northwest-1": "453252182341",
    "eu-central-1": "048819808253",
    "eu-north-1": "895015795356",
    "eu-south-1": "933208885752",
    "eu-west-1": "468650794304",
    "eu-west-2": "749857270468",
    "eu-west-3": "680080141114",
    "me-south-1": "607024016150",
    "sa-east-1": "539772159869",
    "us-east-1": "156813124566",
    "us-east-2": "777275614652",
    "us-gov-west-1": "362178532790",
    "us-west-1": "890145073186",
    "us-west-2": "159807026194",
}


# -- cross-account names (the ml-execution side grants these) -----------------------------
LOGS_PURPOSE = "inference-logs"  # KMS key of the log groups, and the purpose of the S3 access-log bucket


def api_function_name(r: Resolved, api: str) -> str:
    """The Lambda function of an API, its role, and the API itself carry this name."""
    return r.resource_name(f"{api}-api")


def model_monitor_role_name(r: Resolved) -> str:
    """Role of the Model Monitor jobs in each staging/production account: reads baselines in ml-execution."""
    return r.resource_name("model-monitor")


def endpoint_name(r: Resolved, endpoint: str) -> str:
    return r.resource_name(endpoint)


def model_package_arn(r: Resolved, ml_account: str, group: str, version: int) -> str:
    """ARN of one version of a model package group (the pattern's trailing '*' replaced by the version)."""
    return contracts.model_package_arn_pattern(r, ml_account, group)[:-1] + str(version)


def baseline_s3_uri(r: Resolved, ml_account: str, group: str) -> str:
    """Where the ml-execution account keeps the data quality baseline (constraints.json, statistics.json) of a group.

    The group's pipeline writes it (its Baseline step's output) and every monitor of an endpoint serving
    the group reads it: both sides call this function.
    """
    return (
        f"s3://{r.bucket_name(ml_account, contracts.INFERENCE_DATA)}/{BASELINES_PREFIX}"
        f"/{contracts.model_package_group_name(r, group)}"
    )


def baseline_files(r: Resolved, ml_account: str, group: str) -> tuple[str, str]:
    """(constraints, statistics) S3 URIs: the names Model Monitor's analyzer writes into its output path."""
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-create-baseline.html
    base = baseline_s3_uri(r, ml_account, group)
    return f"{base}/constraints.json", f"{base}/statistics.json"


# -- key layout of the inference-data buckets (replication keeps keys, so replicas keep it too) --
def capture_prefix(r: Resolved, account: str) -> str:
    """data-capture/<stage>/<account>: SageMaker then appends <endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl.

    S3 replication keeps object keys (it cannot rename them), so the serving account and its stage
    (its kind) are in the key: replicas from staging and production never share a key.
    """
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture-endpoint.html
    return f"{DATA_CAPTURE_PREFIX}/{r.accounts[account].kind}/{account}"


def reports_root(r: Resolved, account: str) -> str:
    """monitoring-reports/<stage>/<account>: Model Monitor reports of the account, apart like the capture."""
    return f"{MONITORING_REPORTS_PREFIX}/{r.accounts[account].kind}/{account}"


def reports_prefix(r: Resolved, account: str, endpoint: str) -> str:
    """<reports_root>/<endpoint name>: where the endpoint's Model Monitor runs write."""
    return f"{reports_root(r, account)}/{endpoint_name(r, endpoint)}"


# -- Model Monitor names: the serving account creates them, the retraining rules match their ARNs --
def monitoring_schedule_name(r: Resolved, endpoint: str) -> str:
    """Name of the data quality job definition and of the monitoring schedule of an endpoint."""
    return f"{endpoint_name(r, endpoint)}-data-quality"


def monitoring_schedule_arn(r: Resolved, account: str, endpoint: str) -> str:
    region = r.accounts[account].region
    return (
        f"arn:{r.partition}:sagemaker:{region}:{r.account_id(account)}"
        f":monitoring-schedule/{monitoring_schedule_name(r, endpoint)}"
    )


def drift_alarm_name(r: Resolved, endpoint: str, feature: str) -> str:
    return f"{monitoring_schedule_name(r, endpoint)}-drift-{feature}"


def drift_signal_name(r: Resolved, endpoint: str) -> str:
    """Composite alarm of an endpoint: in ALARM while any of its drift alarms is; the one retraining signal."""
    return f"{monitoring_schedule_name(r, endpoint)}-drift"


def drift_signal_arn(r: Resolved, account: str, endpoint: str) -> str:
    region = r.accounts[account].region
    return f"arn:{r.partition}:cloudwatch:{region}:{r.account_id(account)}:alarm:{drift_signal_name(r, endpoint)}"


def model_monitor_image(region: str) -> str:
    """The analyzer: monitoring schedules run it, and the pipelines' Baseline step runs it to suggest the baseline."""
    # https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-pre-built-container.html
    return f"{MODEL_MONITOR_IMAGE_ACCOUNTS[region]}.dkr.ecr.{region}.amazonaws.com/{MODEL_MONITOR_REPOSITORY}:latest"


def model_monitor_repository_arn(r: Resolved, region: str) -> str:
    """The analyzer's repository, which the roles running it may pull from (CreateProcessingJob's role permissions)."""
    # https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-createprocessingjob-perms
    return (
        f"arn:{r.partition}:ecr:{region}:{MODEL_MONITOR_IMAGE_ACCOUNTS[region]}:repository/{MODEL_MONITOR_REPOSITORY}"
    )


# -- checks ---------------------------------------------------------------------------------
SERVERLESS_UNSUPPORTED = {
    "data_capture": "data capture (the API Lambda captures serverless traffic instead: compute.api_capture_percentage)",
    "shadow": "shadow variants",
    "variants": "several production variants",
    "vpc": "VPC configuration",
    "network_isolation": "network isolation",
    "monitor": "Model Monitor",
}


def endpoints(config: Config) -> Iterator[tuple[Any, int, Any]]:
    for account in config.of_kind(*contracts.INFERENCE_KINDS):
        for i, endpoint in enumerate(account.inference.endpoints):
            yield account, i, endpoint


def check_serverless_limits(config: Config) -> Iterable[Diagnostic]:
    """Serverless endpoints support none of SERVERLESS_UNSUPPORTED; provisioned concurrency fits max concurrency."""
    for account, i, ep in endpoints(config):
        loc = ("inference", "endpoints", i)
        if ep.compute.mode != "serverless":
            continue
        for field, feature in SERVERLESS_UNSUPPORTED.items():
            value = getattr(ep, field)
            if value:  # None, [] and False mean "not used"
                yield config.error(
                    account.name,
                    loc + (field,),
                    f"serverless endpoints do not support {feature}; set compute.mode: instance to use it",
                    key=True,
                )
        provisioned = ep.compute.provisioned_concurrency
        if provisioned is not None and provisioned > ep.compute.max_concurrency:
            yield config.error(
                account.name,
                loc + ("compute", "provisioned_concurrency"),
                f"must not exceed compute.max_concurrency ({ep.compute.max_concurrency}) (got {provisioned})",
            )


def check_instance_limits(config: Config) -> Iterable[Diagnostic]:
    """Autoscaling bounds are ordered; Model Monitor needs data capture and a region with its image."""
    for account, i, ep in endpoints(config):
        loc = ("inference", "endpoints", i)
        if ep.compute.mode != "instance":
            continue
        scaling = ep.compute.autoscaling
        if scaling is not None and scaling.min_capacity > scaling.max_capacity:
            yield config.error(
                account.name,
                loc + ("compute", "autoscaling", "min_capacity"),
                f"must not exceed max_capacity ({scaling.max_capacity}) (got {scaling.min_capacity})",
            )
        if ep.monitor is not None and ep.data_capture is None:
            yield config.error(
                account.name,
                loc + ("monitor",),
                "Model Monitor analyses captured traffic: add data_capture to this endpoint",
                key=True,
            )
        if ep.monitor is not None and "Input" not in (ep.data_capture.capture if ep.data_capture else ["Input"]):
            yield config.error(
                account.name,
                loc + ("data_capture", "capture"),
                "Model Monitor data quality needs the captured Input; add Input",
            )
        region = account.region or config.landing_zone.home_region
        if ep.monitor is not None and region not in MODEL_MONITOR_IMAGE_ACCOUNTS:
            yield config.error(
                account.name,
                loc + ("monitor",),
                f"Model Monitor's analyzer image is not published in region {region}; supported: "
                f"{', '.join(sorted(MODEL_MONITOR_IMAGE_ACCOUNTS))}",
                key=True,
            )
        if ep.shadow is not None and ep.variants:
            yield config.error(
                account.name,
                loc + ("shadow",),
                "SageMaker shadow tests compare one production variant with one shadow variant; remove "
                "variants or shadow",
                key=True,
            )
        names = [v.name for v in ep.variants]
        for j, variant in enumerate(ep.variants):
            if variant.name in ("primary", "shadow") or names.index(variant.name) != j:
                yield config.error(
                    account.name,
                    loc + ("variants", j, "name"),
                    f"variant names must be unique and not 'primary' or 'shadow' (got {variant.name!r})",
                )


def check_model_package_groups(config: Config) -> Iterable[Diagnostic]:
    """Each endpoint names a model package group that an ml-execution account defines."""
    if "ml-execution" in config.invalid_kinds:
        return  # a group may be defined in the invalid file, whose own errors are reported already
    groups = sorted({g.name for a in config.of_kind("ml-execution") for g in a.ml_execution.model_package_groups})
    for account, i, ep in endpoints(config):
        if model_package_group_owner(config, ep.model_package_group) is None:
            hint = difflib.get_close_matches(ep.model_package_group, groups, n=1)
            suffix = f"; did you mean {hint[0]!r}?" if hint else ""
            listing = (
                f"defined: {', '.join(groups)}" if groups else "no ml-execution account defines model_package_groups"
            )
            yield config.error(
                account.name,
                ("inference", "endpoints", i, "model_package_group"),
                f"unknown model package group {ep.model_package_group!r}{suffix} ({listing})",
            )


def check_names(config: Config) -> Iterable[Diagnostic]:
    """Endpoint and API names are unique in an account (derived names are checked in checks/names.py)."""
    for account in config.of_kind(*contracts.INFERENCE_KINDS):
        seen: set[str] = set()
        for i, ep in enumerate(account.inference.endpoints):
            loc = ("inference", "endpoints", i, "name")
            if ep.name in seen:
                yield config.error(account.name, loc, f"duplicate endpoint name {ep.name!r}")
            seen.add(ep.name)
        api_names = [a.name for a in account.inference.apis]
        for i, api in enumerate(account.inference.apis):
            if api_names.index(api.name) != i:
                yield config.error(account.name, ("inference", "apis", i, "name"), f"duplicate API name {api.name!r}")


def check_apis(config: Config) -> Iterable[Diagnostic]:
    """APIs route to endpoints of their account; API keys and usage plans exist only on REST APIs."""
    for account in config.of_kind(*contracts.INFERENCE_KINDS):
        section = account.inference
        endpoint_names = [ep.name for ep in section.endpoints]
        for i, api in enumerate(section.apis):
            loc = ("inference", "apis", i)
            for j, target in enumerate(api.endpoints):
                if target not in endpoint_names:
                    hint = difflib.get_close_matches(target, endpoint_names, n=1)
                    suffix = f"; did you mean {hint[0]!r}?" if hint else ""
                    yield config.error(
                        account.name,
                        loc + ("endpoints", j),
                        f"unknown endpoint {target!r}{suffix} (endpoints of this account: "
                        f"{', '.join(endpoint_names) or 'none'})",
                    )
                elif api.endpoints.index(target) != j:
                    yield config.error(account.name, loc + ("endpoints", j), f"endpoint {target!r} is listed twice")
            if api.auth.value == "api_key" and api.type.value == "http":
                yield config.error(
                    account.name,
                    loc + ("auth",),
                    "HTTP APIs have no API keys or usage plans; use type: rest for api_key, or auth: iam (got "
                    "'api_key')",
                )
            elif api.auth.value == "api_key" and not api.usage_plans:
                yield config.error(
                    account.name,
                    loc + ("auth",),
                    "api_key auth needs at least one entry in usage_plans: a key outside a usage plan is rejected",
                )
            if api.usage_plans and api.auth.value != "api_key":
                yield config.error(
                    account.name,
                    loc + ("usage_plans",),
                    "usage plans apply to API keys; set auth: api_key (and type: rest) or remove usage_plans "
                    f"(got auth {api.auth.value!r})",
                    key=True,
                )
            keys: set[str] = set()
            for p, plan in enumerate(api.usage_plans):
                if [u.name for u in api.usage_plans].index(plan.name) != p:
                    yield config.error(
                        account.name, loc + ("usage_plans", p, "name"), f"duplicate usage plan name {plan.name!r}"
                    )
                for k, key in enumerate(plan.keys):
                    if key in keys:
                        yield config.error(
                            account.name,
                            loc + ("usage_plans", p, "keys", k),
                            f"API key {key!r} is already in another usage plan of this API",
                        )
                    keys.add(key)
        routed = {name for api in section.apis for name in api.endpoints}
        for i, ep in enumerate(section.endpoints):
            if ep.compute.mode == "serverless" and ep.compute.api_capture_percentage > 0 and ep.name not in routed:
                yield config.error(
                    account.name,
                    ("inference", "endpoints", i, "compute", "api_capture_percentage"),
                    "serverless traffic is captured by the API Lambda, but no API routes to this endpoint: "
                    "add it to an API's endpoints or set api_capture_percentage: 0",
                )


def check_replication(config: Config) -> Iterable[Diagnostic]:
    """Replication destinations are data or ml-execution accounts."""
    for account in config.of_kind(*contracts.INFERENCE_KINDS):
        chosen = account.inference.replication.destinations
        yield from account_refs(
            config, account.name, ("inference", "replication", "destinations"), chosen or [], ("data", "ml-execution")
        )


def check_serving_parameter_names(config: Config) -> Iterable[Diagnostic]:
    """The served package of each endpoint lives in SSM under /<prefix>/serving/: Parameter Store's name rules apply."""
    # https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
    prefix = config.landing_zone.prefix
    if prefix.lower().startswith(("aws", "ssm")) and any(True for _ in endpoints(config)):
        yield config.error(
            None,
            ("prefix",),
            f"endpoints keep the model package they serve in SSM parameters under /{prefix}/serving/, and "
            "Parameter Store "
            f"rejects names that begin with 'aws' or 'ssm'; choose a prefix that does not (got {prefix!r})",
        )


CHECKS: list = [
    check_serverless_limits,
    check_instance_limits,
    check_model_package_groups,
    check_names,
    check_apis,
    check_replication,
    check_serving_parameter_names,
]


# -- flows ----------------------------------------------------------------------------------
def serving_accounts(r: Resolved, ml_account: str) -> list[str]:
    """Inference accounts with an endpoint serving a group of `ml_account` (they create the execution role)."""
    return sorted(
        a.name
        for a in r.of_kind(*contracts.INFERENCE_KINDS)
        if any(
            model_package_group_owner(r.config, ep.model_package_group) == ml_account
            for ep in a.config.inference.endpoints
        )
    )


def monitoring_accounts(r: Resolved, ml_account: str) -> list[str]:
    """Inference accounts monitoring an endpoint that serves a group of `ml_account` (they create the monitor role)."""
    return sorted(
        a.name
        for a in r.of_kind(*contracts.INFERENCE_KINDS)
        if any(
            ep.monitor and model_package_group_owner(r.config, ep.model_package_group) == ml_account
            for ep in a.config.inference.endpoints
        )
    )


def flows(resolved: Resolved) -> Iterable[Flow]:
    """Replication from each inference account to its destinations (destination first).

    Registry reads and monitoring events are drawn by the ml-execution side; the data account also
    yields its incoming replication flows with this same label, so equal flows can be merged.
    """
    for source in contracts.inference_accounts(resolved):
        for dest in contracts.replication_destinations(resolved, source):
            # The destination bucket, its policy and key must exist before the source replicates.
            yield Flow(source, dest, "replication", "inference data replication", first=dest)
