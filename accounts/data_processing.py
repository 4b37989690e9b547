"""Data account warehouse and processing: Redshift Serverless, Glue jobs and EMR Serverless over the lake,
each role granted in Lake Formation on the datasets the YAML names; and, in consumer accounts, the
permission of the named roles to assume the warehouse's query role (both sides from warehouse_access)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from config.errors import known
from config.kinds.data import glue_database_name
from config.kinds.data_processing import (
    PROCESSING,
    WAREHOUSE_KEY,
    emr_application_name,
    glue_job_name,
    output_dataset,
    query_role_name,
    spectrum_role_name,
    warehouse_access,
    warehouse_name,
)
from config.kinds.lake import dataset_prefix
from config.schema.account import DataAccount
from modules.aws import aws
from modules.data_catalog import DataCatalog
from modules.emr_serverless import EmrServerlessApplication
from modules.glue_jobs import DataAccess, GlueJobs, GlueJobSpec
from modules.kms import KmsKey
from modules.lake_formation import LakeFormation
from modules.policy import document, statement
from modules.secure_bucket import AccessLogBucket, LifecycleRule, SecureBucket
from modules.warehouse import UsageLimit, Warehouse

from .base import AccountStack, child

EMR_LOGS = "emr-logs/"
OUTPUT_TABLE_PERMISSIONS = ["ALTER", "DELETE", "DESCRIBE", "INSERT", "SELECT"]


def build(
    stack: AccountStack, *, lake_key: KmsKey, buckets: dict[str, SecureBucket], log_bucket: AccessLogBucket
) -> None:
    """After the lake (Lake Formation and the catalog exist in the stack): the warehouse, the jobs, the applications."""
    r, account = stack.resolved, stack.account
    section = account.model(DataAccount).data
    if section.warehouse is not None:
        _warehouse(stack, lake_key)
    if not section.glue_jobs and not section.emr_applications:
        return
    processing = SecureBucket(
        stack,
        "processing",
        bucket_name=r.bucket_name(account.name, PROCESSING),
        kms_key_arn=lake_key.arn,
        log_bucket=log_bucket,
        partition=r.partition,
        lifecycle_rules=[
            LifecycleRule(id="expire-temp", prefix="temp/", expiration_days=7, noncurrent_expiration_days=1),
            LifecycleRule(id="expire-emr-logs", prefix=EMR_LOGS, expiration_days=90, noncurrent_expiration_days=1),
        ],
    )
    if section.glue_jobs:
        specs = [
            GlueJobSpec(
                key=job.name,
                name=glue_job_name(r.prefix, job),
                script=(Path(r.config.root) / job.script).resolve(),
                glue_version=job.glue_version,
                worker_type=job.worker_type,
                workers=job.workers,
                timeout_minutes=job.timeout_minutes,
                bookmarks=job.bookmarks,
                schedule=job.schedule,
                access=_access(stack, job, buckets, lake_key),
                output_path=f"s3://{buckets[job.output.bucket].name}/{job.output.prefix}",
                input_databases=tuple(glue_database_name(r, d) for d in job.inputs),
            )
            for job in section.glue_jobs
        ]
        jobs = GlueJobs(
            stack,
            "glue-jobs",
            jobs=specs,
            bucket_id=processing.bucket.id,
            bucket_name=processing.name,
            bucket_arn=processing.arn,
            kms_key_arn=lake_key.arn,
            security_configuration_name=child(stack, "catalog", DataCatalog).security_configuration.name,
            account_id=stack.account_id,
            region=account.region,
            partition=r.partition,
        )
        for job in section.glue_jobs:
            _lake_grants(stack, f"glue-{job.name}", jobs.roles[job.name].arn, job.inputs, job.output)
    for app in section.emr_applications:
        emr = EmrServerlessApplication(
            stack,
            f"emr-{app.name}",
            name=emr_application_name(r.prefix, app),
            release_label=app.release_label,
            vpc_id=app.vpc_id,
            subnet_ids=app.subnet_ids,
            max_vcpu=app.max_vcpu,
            max_memory_gb=app.max_memory_gb,
            idle_timeout_minutes=app.idle_timeout_minutes,
            access=_access(stack, app, buckets, lake_key),
            bucket_name=processing.name,
            bucket_arn=processing.arn,
            log_prefix=f"{EMR_LOGS}{app.name}/",
            account_id=stack.account_id,
            region=account.region,
            partition=r.partition,
        )
        _lake_grants(stack, f"emr-{app.name}", emr.role.arn, app.inputs, app.output)


def _catalog_arns(stack: AccountStack, datasets: list[str]) -> tuple[str, ...]:
    r, account = stack.resolved, stack.account
    base = f"arn:{r.partition}:glue:{account.region}:{stack.account_id}"
    dbs = sorted({glue_database_name(r, d) for d in datasets})
    return (f"{base}:catalog", *[f"{base}:database/{db}" for db in dbs], *[f"{base}:table/{db}/*" for db in dbs])


def _access(stack: AccountStack, item, buckets: dict[str, SecureBucket], lake_key: KmsKey) -> DataAccess:
    """The input datasets' prefixes to read, the output prefix to write, their catalog entries, the lake key."""
    section = stack.account.model(DataAccount).data
    datasets = {d.name: d for d in section.datasets}
    written = known(output_dataset(section, item.output), "the output's dataset")
    reads = tuple(sorted({(buckets[datasets[d].bucket].arn, dataset_prefix(datasets[d])) for d in item.inputs}))
    return DataAccess(
        reads=reads,
        writes=((buckets[item.output.bucket].arn, item.output.prefix),),
        catalog_arns=_catalog_arns(stack, [*item.inputs, written.name]),
        kms_key_arn=lake_key.arn,
    )


def _lake_grants(
    stack: AccountStack,
    key: str,
    principal: str,
    reads: list[str],
    output=None,
    table_permissions=("DESCRIBE", "SELECT"),
) -> None:
    """Lake Formation permissions of a processing role: read the inputs; create and write tables of the output
    dataset, with data location access on its bucket. One resource per database (two would overwrite each other)."""
    r = stack.resolved
    section = stack.account.model(DataAccount).data
    lake_formation, catalog = child(stack, "lake-formation", LakeFormation), child(stack, "catalog", DataCatalog)
    written = known(output_dataset(section, output), "the output's dataset").name if output is not None else None
    for dataset in sorted(set(reads) | ({written} if written else set())):
        db = glue_database_name(r, dataset)
        depends = [lake_formation.settings, catalog.databases[db]]
        aws.lakeformation_permissions.LakeformationPermissions(
            stack,
            f"lf-{key}-database-{dataset}",
            principal=principal,
            database={"name": db},
            depends_on=depends,
            permissions=["CREATE_TABLE", "DESCRIBE"] if dataset == written else ["DESCRIBE"],
        )
        aws.lakeformation_permissions.LakeformationPermissions(
            stack,
            f"lf-{key}-tables-{dataset}",
            principal=principal,
            table={"database_name": db, "wildcard": True},
            depends_on=depends,
            permissions=OUTPUT_TABLE_PERMISSIONS if dataset == written else sorted(table_permissions),
        )
    if output is not None:
        # https://docs.aws.amazon.com/lake-formation/latest/dg/granting-location-permissions.html
        aws.lakeformation_permissions.LakeformationPermissions(
            stack,
            f"lf-{key}-location",
            principal=principal,
            permissions=["DATA_LOCATION_ACCESS"],
            data_location={"arn": lake_formation.locations[output.bucket].arn},
            depends_on=[lake_formation.settings],
        )


def _warehouse(stack: AccountStack, lake_key: KmsKey) -> None:
    r, account = stack.resolved, stack.account
    wh = known(account.model(DataAccount).data.warehouse, "data.warehouse")
    key = KmsKey(
        stack,
        "warehouse-key",
        alias=r.kms_alias(WAREHOUSE_KEY),
        description="Redshift Serverless data and its admin secret",
        account_id=stack.account_id,
        partition=r.partition,
    )
    warehouse = Warehouse(
        stack,
        "warehouse",
        name=warehouse_name(r.prefix, wh),
        database=wh.database,
        base_capacity_rpu=wh.base_capacity_rpu,
        vpc_id=wh.vpc_id,
        subnet_ids=wh.subnet_ids,
        allowed_cidrs=wh.allowed_cidrs,
        kms_key_arn=key.arn,
        catalog_key_arn=lake_key.arn,
        spectrum_role_name=spectrum_role_name(r.prefix, wh),
        catalog_arns=_catalog_arns(stack, list(wh.datasets)),
        usage_limits=[UsageLimit(u.amount_rpu_hours, u.period, u.breach_action) for u in wh.usage_limits],
        region=account.region,
        account_id=stack.account_id,
    )
    if wh.datasets:
        _lake_grants(stack, "warehouse", warehouse.spectrum_role.arn, list(wh.datasets))
    accesses = warehouse_access(r, data_account=account.name)
    if accesses:
        principal, condition = r.cross_account_principal({a.consumer: list(a.roles) for a in accesses})
        warehouse.query_role(
            "query-role", role_name=query_role_name(r.prefix, wh), principal=principal, condition=condition
        )
    stack.output("warehouse_workgroup", warehouse.workgroup.workgroup_name, "Redshift Serverless workgroup")
    stack.output(
        "warehouse_admin_secret_arn",
        warehouse.namespace.admin_password_secret_arn,
        "Secrets Manager secret of the warehouse admin",
    )


class HasId(Protocol):
    """A construct with a Terraform id (the IamRole a grant waits for)."""

    @property
    def id(self) -> str: ...


def grant_warehouse_access(stack: AccountStack, roles: Mapping[str, HasId]) -> None:
    """In a consumer account: each named role may assume the query role of the warehouses that name it.
    `roles` maps role names of this stack to their IamRole constructs (the policy waits for the role)."""
    for access in warehouse_access(stack.resolved, consumer=stack.account.name):
        for name in access.roles:
            aws.iam_role_policy.IamRolePolicy(
                stack,
                f"warehouse-query-{access.data_account}-{name}",
                role=roles[name].id,
                name=f"warehouse-query-{access.data_account}",
                policy=document(statement("AssumeWarehouseQueryRole", "sts:AssumeRole", access.query_role_arn)),
            )
