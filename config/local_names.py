"""Names that one stack writes and no other account reads, each computed here once.

The stack in accounts/ and the validation of derived names (config/derived_names.py) both call these
functions. Names that cross an account boundary live in config/contracts.py or the kind's module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Resolved


# -- management ----------------------------------------------------------------------------------
def guardrail_policy_name(r: Resolved, guardrail: str) -> str:
    return r.resource_name(guardrail)


# -- security ------------------------------------------------------------------------------------
def security_hub_policy_name(r: Resolved) -> str:
    return r.resource_name("security-hub")


def findings_topic_name(r: Resolved) -> str:
    """SNS topic of security findings; its EventBridge rules are named <topic>-<source>."""
    return r.resource_name("security-findings")


# -- data ----------------------------------------------------------------------------------------
def crawler_role_name(r: Resolved) -> str:
    return r.resource_name("glue-crawler")


def glue_security_configuration_name(r: Resolved) -> str:
    return r.resource_name("glue")


def lake_formation_access_role_name(r: Resolved) -> str:
    return r.resource_name("lakeformation-access")


def athena_workgroup_name(r: Resolved, workgroup: str) -> str:
    """An Athena workgroup of a data or data-science account."""
    return r.resource_name(workgroup)


# -- shared services -----------------------------------------------------------------------------
def registry_trigger_role_name(r: Resolved) -> str:
    return r.resource_name("registry-events-trigger")


def model_approved_rule_name(r: Resolved) -> str:
    return r.resource_name("model-approved")


# -- baseline (every account; the analyzer and aggregator in the administering security account) ----
def budget_name(r: Resolved, account: str) -> str:
    return r.resource_name(account, "monthly")


def access_analyzer_name(r: Resolved) -> str:
    return r.resource_name("organization")


def config_aggregator_name(r: Resolved) -> str:
    return r.resource_name("config-organization")


# -- ml-execution --------------------------------------------------------------------------------
def feature_store_role_name(r: Resolved) -> str:
    return r.resource_name("feature-store")


def retraining_start_role_name(r: Resolved) -> str:
    return r.resource_name("retraining-start")


def registry_forward_rule_name(r: Resolved, target: str) -> str:
    """Rule forwarding model package state changes to one shared-services account."""
    return r.resource_name("registry-to", target)


# -- data science --------------------------------------------------------------------------------
def studio_name(r: Resolved, account: str) -> str:
    """The Studio domain, and the security group of an existing VPC; lifecycle configurations are <it>-<script>."""
    return r.resource_name(account, "studio")


# -- staging and production ----------------------------------------------------------------------
def apigateway_cloudwatch_role_name(r: Resolved) -> str:
    return r.resource_name("apigateway-cloudwatch")
