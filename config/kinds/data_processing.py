"""Warehouse and processing of data accounts: derived names, the warehouse's cross-account query role
(both sides read `warehouse_consumers`), and the checks AWS would otherwise fail at apply.

Redshift Serverless has no resource policy for workgroups, so another account's role cannot call
GetCredentials on it directly: the data account provides a role that the consumer's roles assume
(https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html, "owned by another account").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import name_rules as rule
from ..contracts import kms_alias_of
from ..name_rules import NameRule
from ..refs import account_ref
from .data_science import persona_role_name
from .lake import dataset_prefix
from .ml_execution import pipeline_execution_role_name

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Flow, Resolved
    from ..schema.data import DataSection, Dataset
    from ..schema.data_processing import EmrApplication, GlueJob, Warehouse, WarehouseConsumer

PROCESSING = "data-processing"  # bucket purpose: Glue scripts and temporary files, EMR logs
WAREHOUSE_KEY = "warehouse"  # KMS purpose of the Redshift Serverless namespace and its admin secret
WAREHOUSE_CONSUMER_KINDS = ("data-science", "ml-execution")
# https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_CreateNamespace.html (and CreateWorkgroup)
# The naming rules of the warehouse and EMR live with every other rule (config/name_rules.py).
REDSHIFT_SERVERLESS, EMR_APPLICATION, REDSHIFT_DATABASE = (
    rule.REDSHIFT_SERVERLESS,
    rule.EMR_APPLICATION,
    rule.REDSHIFT_DATABASE,
)
Loc = tuple


def warehouse_name(prefix: str, warehouse: Warehouse) -> str:
    return f"{prefix}-{warehouse.name}"


def spectrum_role_name(prefix: str, warehouse: Warehouse) -> str:
    return f"{warehouse_name(prefix, warehouse)}-spectrum"


def query_role_name(prefix: str, warehouse: Warehouse) -> str:
    return f"{warehouse_name(prefix, warehouse)}-query"


def glue_job_name(prefix: str, job: GlueJob) -> str:
    return f"{prefix}-glue-{job.name}"


def emr_application_name(prefix: str, app: EmrApplication) -> str:
    return f"{prefix}-emr-{app.name}"


def derived(prefix: str, section: DataSection) -> Iterator[tuple[Loc, NameRule, str]]:
    """Every name the processing part of a data stack writes, with the YAML location that produced it
    (the PROCESSING bucket, named from the prefix alone, is listed by config/derived_names.py)."""
    here: Loc
    if section.warehouse is not None:
        here, name = ("data", "warehouse", "name"), warehouse_name(prefix, section.warehouse)
        yield here, REDSHIFT_SERVERLESS, name
        yield ("data", "warehouse", "database"), REDSHIFT_DATABASE, section.warehouse.database
        yield here, rule.KMS_ALIAS, kms_alias_of(prefix, WAREHOUSE_KEY)
        yield here, rule.SECURITY_GROUP, f"{name}-redshift"
        yield here, rule.IAM_ROLE, spectrum_role_name(prefix, section.warehouse)
        yield here, rule.IAM_ROLE, query_role_name(prefix, section.warehouse)
    for i, job in enumerate(section.glue_jobs):
        here, name = ("data", "glue_jobs", i, "name"), glue_job_name(prefix, job)
        yield from (
            (here, r, n)
            for r, n in ((rule.GLUE_NAME, name), (rule.GLUE_NAME, f"{name}-trigger"), (rule.IAM_ROLE, name))
        )
    for i, app in enumerate(section.emr_applications):
        here, name = ("data", "emr_applications", i, "name"), emr_application_name(prefix, app)
        yield from (
            (here, r, n)
            for r, n in ((EMR_APPLICATION, name), (rule.SECURITY_GROUP, name), (rule.IAM_ROLE, f"{name}-jobs"))
        )


# -- the warehouse's consumers, both sides --------------------------------------------------------
@dataclass(frozen=True)
class WarehouseAccess:
    """Roles of one consumer account that assume a data account's warehouse query role."""

    data_account: str
    consumer: str
    query_role_arn: str
    roles: tuple[str, ...]  # role names in the consumer account


def consumer_roles(r: Resolved, consumer: WarehouseConsumer) -> tuple[str, ...]:
    """The consumer's roles a warehouse names: data-science personas, or the ml-execution pipeline role."""
    if r.accounts[consumer.account].kind == "data-science":
        return tuple(sorted(persona_role_name(r, p) for p in set(consumer.personas)))
    return (pipeline_execution_role_name(r),)


def warehouse_access(
    r: Resolved, *, data_account: str | None = None, consumer: str | None = None
) -> list[WarehouseAccess]:
    """Every (data account, consumer) pair, filtered by either side."""
    found = []
    for data in sorted(r.of_kind("data"), key=lambda a: a.name):
        warehouse = data.config.data.warehouse
        if warehouse is None or data_account not in (None, data.name):
            continue
        role_arn = r.role_arn(data.name, query_role_name(r.prefix, warehouse))
        for c in sorted(warehouse.consumers, key=lambda c: c.account):
            if consumer in (None, c.account):
                found.append(WarehouseAccess(data.name, c.account, role_arn, consumer_roles(r, c)))
    return found


# -- checks ----------------------------------------------------------------------------------
def _duplicates(config: Config, account: str, items: list, field: str) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.name in seen:
            yield config.error(account, ("data", field, i, "name"), f"duplicate name {item.name!r}")
        seen.add(item.name)


def jobs(config: Config) -> Iterator[Diagnostic]:
    """Glue jobs and EMR applications read defined datasets, write under a dataset prefix, run existing scripts."""
    for account in config.of_kind("data"):
        section = account.data
        datasets = {d.name: d for d in section.datasets}
        yield from _duplicates(config, account.name, section.glue_jobs, "glue_jobs")
        yield from _duplicates(config, account.name, section.emr_applications, "emr_applications")
        runs: tuple[tuple[str, list[Any]], ...] = (
            ("glue_jobs", section.glue_jobs),
            ("emr_applications", section.emr_applications),
        )
        for field, items in runs:
            for i, item in enumerate(items):
                here = ("data", field, i)
                yield from _known(config, account.name, (*here, "inputs"), item.inputs, datasets)
                yield from _output(config, account.name, (*here, "output"), item.output, section)
                script = getattr(item, "script", None)
                if script is not None and not (Path(config.root) / script).is_file():
                    yield config.error(
                        account.name, (*here, "script"), f"no file {script!r} in the config folder ({config.root})"
                    )


def _known(config: Config, account: str, loc: Loc, names: list[str], datasets: dict) -> Iterator[Diagnostic]:
    for j, name in enumerate(names):
        if name not in datasets:
            yield config.error(
                account,
                (*loc, j),
                f"unknown dataset {name!r}; define it under data.datasets (defined: "
                f"{', '.join(sorted(datasets)) or 'none'})",
            )


def output_dataset(section: DataSection, output: Any) -> Dataset | None:
    """The dataset whose prefix contains the output prefix, in the output's bucket."""
    for dataset in section.datasets:
        if dataset.bucket == output.bucket and output.prefix.startswith(dataset_prefix(dataset)):
            return dataset
    return None


def _output(config: Config, account: str, loc: Loc, output: Any, section: Any) -> Iterator[Diagnostic]:
    buckets = sorted(b.name for b in section.buckets)
    if output.bucket not in buckets:
        yield config.error(
            account,
            (*loc, "bucket"),
            f"unknown bucket {output.bucket!r}; define it under data.buckets (defined: {', '.join(buckets) or 'none'})",
        )
    elif output_dataset(section, output) is None:
        prefixes = sorted(dataset_prefix(d) for d in section.datasets if d.bucket == output.bucket)
        yield config.error(
            account,
            (*loc, "prefix"),
            f"{output.prefix!r} is not under a dataset prefix of bucket {output.bucket!r} "
            f"(dataset prefixes: {', '.join(prefixes) or 'none'}); outputs go to datasets Lake Formation governs",
        )


def warehouse(config: Config) -> Iterator[Diagnostic]:
    """The warehouse reads defined datasets; its consumers' roles exist."""
    for account in config.of_kind("data"):
        wh = account.data.warehouse
        if wh is None:
            continue
        yield from _known(
            config,
            account.name,
            ("data", "warehouse", "datasets"),
            wh.datasets,
            {d.name: d for d in account.data.datasets},
        )
        for i, consumer in enumerate(wh.consumers):
            here = ("data", "warehouse", "consumers", i)
            problem = account_ref(config, account.name, (*here, "account"), consumer.account, WAREHOUSE_CONSUMER_KINDS)
            target = config.accounts.get(consumer.account)
            if problem or target is None:
                yield from [problem] if problem else []
                continue
            if target.kind == "data-science":
                defined = {p.name for p in target.data_science.personas}
                if not consumer.personas:
                    yield config.error(
                        account.name,
                        (*here, "personas"),
                        f"name the personas of {consumer.account!r} that query the warehouse",
                    )
                for j, persona in enumerate(consumer.personas):
                    if persona not in defined:
                        yield config.error(
                            account.name,
                            (*here, "personas", j),
                            f"account {consumer.account!r} has no persona {persona!r} "
                            f"(personas: {', '.join(sorted(defined)) or 'none'})",
                        )
            elif consumer.personas:
                yield config.error(
                    account.name,
                    (*here, "personas"),
                    "ml-execution accounts query with their pipeline execution role; remove personas",
                )
            elif target.kind == "ml-execution" and not target.ml_execution.pipelines:
                yield config.error(
                    account.name,
                    (*here, "account"),
                    f"account {consumer.account!r} has no pipelines, so no pipeline execution role to grant",
                )


# Derived names are checked with every other name (config/derived_names.py, config/checks/names.py).
CHECKS = [jobs, warehouse]


def flows(resolved: Resolved) -> Iterator[Flow]:
    """No ordering: the query role's trust names account roots, and a consumer's sts:AssumeRole permission
    on a role that does not exist yet is valid IAM; either account may apply first."""
    return iter(())
