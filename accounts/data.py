"""Data account: the data lake (buckets, Glue catalog, crawlers, Athena, Lake Formation with grants to
other accounts), optional data stores, and the landing zone of replicated inference data."""

from __future__ import annotations

from cdktf import Fn

from config import local_names
from config.contracts import SSO_ROLE_PATH, sso_role_name_regex
from config.errors import known
from config.kinds.data import (
    ATHENA_RESULTS,
    DATA_LAKE,
    DATA_STORES,
    crawler_name,
    dataset_prefix,
    glue_database_name,
    lake_bucket_purpose,
    lake_readers,
    replication_destination,
    store_name,
)
from config.kinds.lake import catalog_key_users
from config.schema.account import DataAccount
from modules.aws import aws
from modules.data_catalog import AnalyticsWorkgroup, CatalogDataset, DataCatalog
from modules.data_stores import DynamoDbTable, EfsClientIdentity, EfsFileSystem, RdsInstance
from modules.kms import KmsKey, service_use_statement
from modules.lake_formation import (
    LakeFormation,
    LakeFormationGrant,
    PrincipalGrant,
    existing_role_arn,
    identity_center_role_arn,
)
from modules.literal import text
from modules.policy import statement
from modules.replication import ReplicationDestination
from modules.secure_bucket import AccessLogBucket, LifecycleRule, SecureBucket

from . import data_processing
from .base import AccountStack, child
from .baseline import access_logs

GB = 1024**3


def build(stack: AccountStack) -> None:
    r, account = stack.resolved, stack.account
    section = account.model(DataAccount).data
    log_bucket = access_logs(stack)
    lake_key = KmsKey(
        stack,
        "lake-key",
        alias=r.kms_alias(DATA_LAKE),
        description="Data lake buckets, Athena results and the Glue Data Catalog",
        account_id=stack.account_id,
        partition=r.partition,
        statements=_lake_key_statements(stack),
    )
    buckets = {}
    for bucket in section.buckets:
        buckets[bucket.name] = SecureBucket(
            stack,
            f"lake-{bucket.name}",
            bucket_name=r.bucket_name(account.name, lake_bucket_purpose(bucket.name)),
            kms_key_arn=lake_key.arn,
            log_bucket=log_bucket,
            partition=r.partition,
            lifecycle_rules=[LifecycleRule(**rule.model_dump(mode="json")) for rule in bucket.lifecycle],
        )
    _lake_reader_grants(stack, lake_key, buckets)
    _analytics(stack, lake_key, log_bucket, buckets)
    data_processing.build(stack, lake_key=lake_key, buckets=buckets, log_bucket=log_bucket)
    _stores(stack)
    _inference_landing(stack, log_bucket)
    stack.output(
        "lake_buckets",
        {name: b.name for name, b in sorted(buckets.items())},
        "Data lake bucket names by configured name",
    )


def _lake_key_statements(stack: AccountStack) -> list:
    """Glue crawler logs are encrypted with the lake key; consumer accounts read the encrypted catalog through Glue."""
    r, account = stack.resolved, stack.account
    log_groups = f"arn:{r.partition}:logs:{account.region}:{stack.account_id}:log-group:/aws-glue/*"
    statements = [
        service_use_statement(
            "CloudWatchLogsEncryptGlueLogs",
            f"logs.{account.region}.amazonaws.com",
            account_id=stack.account_id,
            actions=["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
        )
    ]
    consumers = sorted({g.account for g in account.model(DataAccount).data.lake_formation.grants})
    users = {c: roles for c in consumers if (roles := catalog_key_users(r, c))}
    if users:
        # Account roots narrowed to the exact roles (DESIGN.md, cross-account rules), from the one computed list.
        principal, condition = r.cross_account_principal(users)
        statements.append(
            statement(
                "ConsumersReadCatalogThroughGlue",
                ["kms:Decrypt", "kms:DescribeKey"],
                "*",
                principal=principal,
                condition={**condition, "StringEquals": {"kms:ViaService": f"glue.{account.region}.amazonaws.com"}},
            )
        )
    return statements


def _lake_reader_grants(stack: AccountStack, lake_key: KmsKey, buckets: dict) -> None:
    """Bucket and key policies for the roles of other accounts that read lake objects directly (Studio
    personas, pipeline execution roles), each on the prefixes of the datasets shared with its account only,
    so S3 is never a wider path than Lake Formation; their identity policies come from the same lake_readers()."""
    r, account = stack.resolved, stack.account
    readers = lake_readers(r, account.name)
    for i, reader in enumerate(readers):
        principal, condition = r.cross_account_principal({reader.account: list(reader.roles)})
        bucket = buckets[reader.bucket]
        sid = "".join(part.capitalize() for part in reader.account.split("-")) + f"Reads{i}"
        # ListBucket narrowed to the prefix (GetBucketLocation carries no s3:prefix, so it is not granted).
        bucket.add_statements(
            statement(
                f"{sid}Objects",
                "s3:GetObject",
                f"{bucket.arn}/{reader.prefix}*",
                principal=principal,
                condition=condition,
            ),
            statement(
                f"{sid}Listing",
                "s3:ListBucket",
                bucket.arn,
                principal=principal,
                condition={**condition, "StringLike": {"s3:prefix": f"{reader.prefix}*"}},
            ),
        )
    grants: dict[str, list[str]] = {}
    for reader in readers:
        grants.setdefault(reader.account, []).extend(reader.roles)
    if grants:
        principal, condition = r.cross_account_principal({a: sorted(set(roles)) for a, roles in grants.items()})
        lake_key.add_statements(
            statement(
                "LakeReadersDecryptThroughS3",
                "kms:Decrypt",
                "*",
                principal=principal,
                condition={**condition, "StringEquals": {"kms:ViaService": f"s3.{account.region}.amazonaws.com"}},
            )
        )


def _analytics(stack: AccountStack, lake_key: KmsKey, log_bucket: AccessLogBucket, buckets: dict) -> None:
    """Glue databases and crawlers per dataset, the Athena workgroup, Lake Formation and its grants."""
    r, account = stack.resolved, stack.account
    section = account.model(DataAccount).data
    lake = section.lake_formation
    lake_formation = LakeFormation(stack, "lake-formation", admin_arns=_lake_admins(stack))
    datasets = [
        CatalogDataset(
            database_name=glue_database_name(r, d.name),
            crawler_name=crawler_name(r, d.name),
            bucket_name=buckets[d.bucket].name,
            prefix=dataset_prefix(d),
            description=text(d.description),
            schedule=d.crawler_schedule,
        )
        for d in section.datasets
    ]
    catalog = DataCatalog(
        stack,
        "catalog",
        datasets=datasets,
        kms_key_arn=lake_key.arn,
        crawler_role_name=local_names.crawler_role_name(r),
        security_configuration_name=local_names.glue_security_configuration_name(r),
        account_id=stack.account_id,
        region=account.region,
        partition=r.partition,
        after=[lake_formation.settings],
    )
    results = SecureBucket(
        stack,
        "athena-results",
        bucket_name=r.bucket_name(account.name, ATHENA_RESULTS),
        kms_key_arn=lake_key.arn,
        log_bucket=log_bucket,
        partition=r.partition,
        lifecycle_rules=[
            LifecycleRule(
                id="expire-results",
                expiration_days=section.athena.results_expiration_days,
                noncurrent_expiration_days=1,
            )
        ],
    )
    AnalyticsWorkgroup(
        stack,
        "athena",
        name=local_names.athena_workgroup_name(r, section.athena.workgroup),
        results_bucket_name=results.name,
        kms_key_arn=lake_key.arn,
        bytes_scanned_cutoff=section.athena.bytes_scanned_cutoff_gb * GB,
    )
    grants = [
        LakeFormationGrant(
            r.account_id(g.account), glue_database_name(r, d), tuple(p.value for p in g.permissions), g.grantable
        )
        for g in lake.grants
        for d in g.datasets
    ]
    bucket_of = {d.name: d.bucket for d in section.datasets}
    principal_grants = [
        PrincipalGrant(
            f"persona-{g.persona}",
            _persona_role(stack, g.persona),
            glue_database_name(r, d),
            tuple(sorted(p.value for p in g.permissions)),
            g.create_tables,
            bucket_of[d],
        )
        for g in lake.persona_grants
        for d in g.datasets
    ]
    lake_formation.govern(
        locations={name: b.arn for name, b in buckets.items()},
        access_role_name=local_names.lake_formation_access_role_name(r),
        kms_key_arn=lake_key.arn,
        account_id=stack.account_id,
        crawler_role_arn=catalog.crawler_role.arn,
        databases=catalog.databases,
        grants=grants,
        principal_grants=principal_grants,
    )
    catalog.add_crawlers(
        {
            glue_database_name(r, d.name): [
                *lake_formation.crawler_database_grants[glue_database_name(r, d.name)],
                lake_formation.crawler_location_grants[d.bucket],
            ]
            for d in section.datasets
        }
    )


def _lake_admins(stack: AccountStack) -> list[str]:
    """Data lake administrators, each one a principal that exists: the deploy role (Terraform runs as it),
    named roles read from IAM (the plan fails on a missing one), and Identity Center persona roles."""
    r, account = stack.resolved, stack.account
    lake = account.model(DataAccount).data.lake_formation
    admins = [known(r.deploy_role_arn(account.name), "the data account's deploy role")]
    admins += [existing_role_arn(stack, f"lake-admin-role-{name}", name) for name in sorted(set(lake.admins))]
    admins += [_persona_role(stack, persona) for persona in sorted(set(lake.admin_personas))]
    return admins


def _persona_role(stack: AccountStack, persona: str) -> str:
    """The Identity Center role of a persona in this account, read once per persona."""
    if stack.node.try_find_child(f"persona-role-{persona}") is not None:
        return Fn.one(child(stack, f"persona-role-{persona}", aws.data_aws_iam_roles.DataAwsIamRoles).arns)
    return identity_center_role_arn(
        stack,
        f"persona-role-{persona}",
        name_regex=sso_role_name_regex(persona),
        path_prefix=SSO_ROLE_PATH,
        persona=persona,
    )


def _stores(stack: AccountStack) -> None:
    r, account = stack.resolved, stack.account
    stores = account.model(DataAccount).data.stores
    if not stores:
        return
    key = KmsKey(
        stack,
        "stores-key",
        alias=r.kms_alias(DATA_STORES),
        description="DynamoDB, RDS and EFS stores of the data account",
        account_id=stack.account_id,
        partition=r.partition,
    )
    efs_access_points: dict[str, str] = {}
    for store in stores:
        name = store_name(r, store.name)
        if store.type == "dynamodb":
            DynamoDbTable(
                stack,
                f"dynamodb-{store.name}",
                name=name,
                kms_key_arn=key.arn,
                billing_mode=store.billing_mode,
                partition_key=(store.partition_key.name, store.partition_key.type),
                sort_key=(store.sort_key.name, store.sort_key.type) if store.sort_key else None,
                read_capacity=store.read_capacity,
                write_capacity=store.write_capacity,
            )
        elif store.type == "rds":
            RdsInstance(
                stack,
                f"rds-{store.name}",
                identifier=name,
                engine=store.engine,
                engine_version=store.engine_version,
                instance_class=store.instance_class,
                allocated_storage_gb=store.allocated_storage_gb,
                multi_az=store.multi_az,
                vpc_id=store.vpc_id,
                subnet_ids=store.subnet_ids,
                allowed_cidrs=store.allowed_cidrs,
                backup_retention_days=store.backup_retention_days,
                kms_key_arn=key.arn,
            )
        else:
            efs = EfsFileSystem(
                stack,
                f"efs-{store.name}",
                name=name,
                vpc_id=store.vpc_id,
                subnet_ids=store.subnet_ids,
                allowed_cidrs=store.allowed_cidrs,
                kms_key_arn=key.arn,
                performance_mode=store.performance_mode,
                throughput_mode=store.throughput_mode,
                transition_to_ia=store.transition_to_ia,
                access_point=EfsClientIdentity(**store.access_point.model_dump()),
            )
            efs_access_points[store.name] = efs.access_point.id
    if efs_access_points:
        stack.output(
            "efs_access_points", efs_access_points, "EFS access point ids by store name (mount with accesspoint=)"
        )


def _inference_landing(stack: AccountStack, log_bucket: AccessLogBucket) -> None:
    """Destination side of inference-data replication, from the same resolver values as the sources."""
    r = stack.resolved
    spec = replication_destination(r, stack.account.name)
    landing = ReplicationDestination(
        stack,
        "inference-data",
        bucket_name=spec.bucket_name,
        kms_alias=spec.kms_alias,
        account_id=stack.account_id,
        grants=spec.grants,
        log_bucket=log_bucket,
        partition=r.partition,
        expiration_days=stack.account.model(DataAccount).data.inference_landing.expiration_days,
    )
    stack.output(
        "inference_data_bucket",
        landing.bucket.name,
        "Bucket receiving inference data replicated from staging and production",
    )
    stack.output("inference_data_key_arn", landing.kms_key_arn, "KMS key of replicated inference data")
