"""Drift closes the loop: which pipeline a monitoring event of an endpoint starts.

One signal per monitored endpoint E (in a staging/production account): its drift signal (a composite alarm
over its drift alarms, entering ALARM once per drift) or, without drift alarms, its data quality violations,
starts the pipeline that produces E's model package group, in the ml-execution account owning that group, when
that account lists the pipeline in `retraining.pipelines`. Both sides read `retraining_routes`: the
serving account forwards exactly its routed schedules' and alarms' events to each owner's retraining
bus, and the owner has one pair of rules per pipeline whose patterns name exactly the schedules and
alarms of the endpoints serving its group (so a drift on fraud never retrains churn).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import contracts
from ..model import Flow
from .inference import MODEL_MONITOR_IMAGE_ACCOUNTS, drift_signal_arn, endpoints, monitoring_schedule_arn
from .ml_execution import model_package_group_owner, producing_pipeline, retraining_pipeline

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved

EVENT_RULE_NAME_MAX = 64  # https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
EVENT_PATTERN_MAX = 2048  # default quota: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
TRIGGERS = ("violations", "drift-alarms")


@dataclass(frozen=True)
class RetrainingRoute:
    """One monitored endpoint and the pipeline its monitoring events start."""

    source: str  # serving (staging/production) account
    endpoint: str  # endpoint name as configured
    group: str
    ml_account: str
    pipeline: str  # pipeline name as configured
    schedule_arn: str
    # The endpoint's drift signal (composite alarm) when it configures drift alarms, else None: then its
    # schedule's violations start retraining. One signal per endpoint, never both (one retraining per drift).
    drift_signal_arn: str | None


def retraining_routes(r: Resolved) -> list[RetrainingRoute]:
    """Every monitored endpoint whose group has a retraining pipeline, in (source, endpoint) order."""
    routes = []
    for account in sorted(r.of_kind(*contracts.INFERENCE_KINDS), key=lambda a: a.name):
        for ep in sorted(account.config.inference.endpoints, key=lambda e: e.name):
            target = retraining_pipeline(r.config, ep.model_package_group) if ep.monitor else None
            if target is None or ep.monitor is None:
                continue
            signal = drift_signal_arn(r, account.name, ep.name) if ep.monitor.drift_alarms else None
            routes.append(
                RetrainingRoute(
                    account.name,
                    ep.name,
                    ep.model_package_group,
                    target[0],
                    target[1],
                    monitoring_schedule_arn(r, account.name, ep.name),
                    signal,
                )
            )
    return routes


def event_patterns(r: Resolved, routes: list[RetrainingRoute]) -> dict[str, dict[str, Any]]:
    """Patterns matching the monitoring events of exactly these routes, by rule key: a trigger
    ("violations", "drift-alarms"), then "<trigger>-2", ... when one pattern would exceed EventBridge's
    2048 characters. A trigger without events to match is left out (an empty list is rejected)."""
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html (event pattern size: 2,048)
    # A run that breaches a drift threshold both ends CompletedWithViolations and raises the alarm: an endpoint
    # with drift alarms retrains on its drift signal only, one without on its violations.
    units = {
        "violations": sorted({(r.account_id(x.source), x.schedule_arn) for x in routes if not x.drift_signal_arn}),
        "drift-alarms": sorted({(r.account_id(x.source), x.drift_signal_arn) for x in routes if x.drift_signal_arn}),
    }
    patterns: dict[str, dict[str, Any]] = {}
    for trigger, items in units.items():
        for n, chunk in enumerate(_chunks(trigger, items)):
            patterns[trigger if n == 0 else f"{trigger}-{n + 1}"] = _pattern(trigger, chunk)
    return patterns


def _pattern(trigger: str, items: list[tuple[str, str]]) -> dict[str, Any]:
    accounts = sorted({account for account, _ in items})
    arns = sorted(arn for _, arn in items)
    if trigger == "violations":
        # A scheduled data quality run that found violations ends Completed with this exit message.
        # https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html
        return {
            "account": accounts,
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Processing Job State Change"],
            "detail": {
                "ProcessingJobStatus": ["Completed"],
                "ExitMessage": [{"prefix": "CompletedWithViolations"}],
                "MonitoringScheduleArn": arns,
            },
        }
    # Retraining starts on entering ALARM; the return to OK stays in the serving account.
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
    return {
        "account": accounts,
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "resources": arns,
        "detail": {"state": {"value": ["ALARM"]}},
    }


def pattern_size(pattern: dict[str, Any]) -> int:
    """Characters of the pattern as the stacks write it (compact, sorted keys)."""
    return len(json.dumps(pattern, sort_keys=True, separators=(",", ":")))


def _chunks(trigger: str, items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Consecutive groups of items whose pattern fits EVENT_PATTERN_MAX."""
    chunks: list[list[tuple[str, str]]] = []
    for item in items:
        if chunks and pattern_size(_pattern(trigger, chunks[-1] + [item])) <= EVENT_PATTERN_MAX:
            chunks[-1].append(item)
        else:
            chunks.append([item])
    return chunks


def forwarding(r: Resolved, source: str) -> dict[str, dict[str, dict[str, Any]]]:
    """What a serving account forwards: ml-execution account -> trigger -> pattern."""
    routes = [x for x in retraining_routes(r) if x.source == source]
    return {
        ml: event_patterns(r, [x for x in routes if x.ml_account == ml])
        for ml in sorted({x.ml_account for x in routes})
    }


def retraining_rules(r: Resolved, ml_account: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The rules on an ml-execution account's retraining bus: pipeline -> trigger -> pattern."""
    routes = [x for x in retraining_routes(r) if x.ml_account == ml_account]
    return {p: event_patterns(r, [x for x in routes if x.pipeline == p]) for p in sorted({x.pipeline for x in routes})}


def retraining_senders(r: Resolved, ml_account: str) -> list[str]:
    """Serving accounts whose events-forwarder role puts events on this account's retraining bus."""
    return sorted({x.source for x in retraining_routes(r) if x.ml_account == ml_account})


def forward_rule_name(r: Resolved, ml_account: str, trigger: str) -> str:
    """Rule in a serving account forwarding one trigger's events to one ml-execution account."""
    return r.resource_name("to", ml_account, trigger)


def retraining_rule_name(r: Resolved, pipeline: str, trigger: str) -> str:
    """Rule on the retraining bus starting one pipeline on one trigger."""
    return r.resource_name("retrain", pipeline, trigger)


# -- checks ----------------------------------------------------------------------------------
def check_monitor_baselines(config: Config) -> Iterable[Diagnostic]:
    """Each monitor reads the baseline of a pipeline that produces the endpoint's group."""
    if "ml-execution" in config.invalid_kinds:
        return  # pipelines may be defined in the invalid file, reported already
    for account, i, ep in endpoints(config):
        owner = model_package_group_owner(config, ep.model_package_group)
        if owner is None:
            continue  # check_model_package_groups reports it
        loc = ("inference", "endpoints", i)
        # A serverless endpoint cannot be monitored at all: check_serverless_limits says so.
        if (
            ep.monitor is not None
            and ep.compute.mode == "instance"
            and producing_pipeline(config, ep.model_package_group) is None
        ):
            yield config.error(
                account.name,
                loc + ("monitor",),
                (
                    "Model Monitor compares traffic with the baseline that the pipeline of group "
                    f"{ep.model_package_group!r} writes, "
                    f"and no pipeline of {owner!r} produces that group; add one or remove monitor"
                ),
                key=True,
            )


def check_baseline_region(config: Config) -> Iterable[Diagnostic]:
    """Pipelines suggest their baseline with Model Monitor's analyzer, which their region must publish."""
    for account in config.of_kind("ml-execution"):
        region = account.region or config.landing_zone.home_region
        if account.ml_execution.pipelines and region not in MODEL_MONITOR_IMAGE_ACCOUNTS:
            yield config.error(
                account.name,
                ("ml_execution", "pipelines"),
                "the pipelines' Baseline step runs Model Monitor's analyzer, which is not published in "
                f"region {region}; supported: {', '.join(sorted(MODEL_MONITOR_IMAGE_ACCOUNTS))}",
                key=True,
            )


# Rule names are checked with every derived name (config/derived_names.py, config/checks/names.py).
CHECKS: list = [check_monitor_baselines, check_baseline_region]


def flows(resolved: Resolved) -> Iterable[Flow]:
    pairs: dict[tuple[str, str], set[str]] = {}
    for route in retraining_routes(resolved):
        pairs.setdefault((route.source, route.ml_account), set()).add(route.pipeline)
    for (source, ml), pipelines in sorted(pairs.items()):
        yield Flow(source, ml, "events", f"monitoring events start retraining: {', '.join(sorted(pipelines))}")
