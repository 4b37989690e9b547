"""Section of data accounts: the data lake, Glue catalog, Athena, Lake Formation grants, optional stores."""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from .common import AccountName, Ipv4Cidr, RoleName, Slug, StrictModel
from .data_processing import EmrApplication, GlueJob, Warehouse
from .security import PersonaName


def _glue_name(value: str) -> str:
    """Glue (and Athena) database names: lowercase letters, digits and underscores, from a letter."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,99}", value):
        raise ValueError(
            "Glue database names use lowercase letters, digits and underscores, start with a letter and have "
            "at most 100 characters "
            f"(e.g. {re.sub(r'[^a-z0-9_]', '_', value.lower()).strip('_') or 'customers'!r})"
        )
    return value


GlueName = Annotated[str, AfterValidator(_glue_name), Field(json_schema_extra={"pattern": r"^[a-z][a-z0-9_]{0,99}$"})]
SubnetId = Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")]
VpcId = Annotated[str, StringConstraints(pattern=r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")]
SecurityGroupId = Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")]
Cidr = Ipv4Cidr
# Glue crawler schedule: a cron expression in EventBridge form, e.g. cron(0 2 * * ? *).
CronSchedule = Annotated[str, StringConstraints(pattern=r"^cron\(\S+( \S+){5}\)$")]
S3Prefix = Annotated[str, StringConstraints(pattern=r"^([A-Za-z0-9!_.*'()=-]+/)*$", max_length=512)]


class StorageClass(str, Enum):
    """S3 storage classes a lifecycle rule may transition to."""

    standard_ia = "STANDARD_IA"
    onezone_ia = "ONEZONE_IA"
    intelligent_tiering = "INTELLIGENT_TIERING"
    glacier_ir = "GLACIER_IR"
    glacier = "GLACIER"
    deep_archive = "DEEP_ARCHIVE"


# S3 refuses transitions to the infrequent-access classes earlier than 30 days after creation.
MIN_TRANSITION_DAYS = {StorageClass.standard_ia: 30, StorageClass.onezone_ia: 30}


class LifecycleRule(StrictModel):
    """One lifecycle rule of a data lake bucket."""

    id: Slug = Field(description="Rule id, unique within the bucket")
    prefix: S3Prefix = Field(default="", description="Object key prefix the rule applies to; empty: the whole bucket")
    transition_days: int | None = Field(
        default=None, ge=0, description="Days after creation before objects move to storage_class; none: no transition"
    )
    storage_class: StorageClass = Field(
        default=StorageClass.standard_ia, description="Storage class objects transition to"
    )
    expiration_days: int | None = Field(
        default=None, ge=1, description="Days after creation before objects expire; must be later than transition_days"
    )
    noncurrent_expiration_days: int | None = Field(
        default=90, ge=1, description="Days before noncurrent (overwritten or deleted) versions expire"
    )

    @field_validator("storage_class")
    @classmethod
    def _minimum_transition(cls, value: StorageClass, info) -> StorageClass:
        """Infrequent-access classes need objects at least 30 days old."""
        days = info.data.get("transition_days")
        minimum = MIN_TRANSITION_DAYS.get(value)
        if minimum is not None and days is not None and days < minimum:
            raise ValueError(
                f"S3 transitions to {value.value} only after {minimum} days; raise transition_days (got {days})"
            )
        return value

    @field_validator("expiration_days")
    @classmethod
    def _expire_after_transition(cls, value: int | None, info) -> int | None:
        """Objects must expire after they transition."""
        days = info.data.get("transition_days")
        if value is not None and days is not None and value <= days:
            raise ValueError(f"must be greater than transition_days ({days}) (got {value})")
        return value


class LakeBucket(StrictModel):
    """A data lake bucket; its name is derived: <prefix>-lake-<name>-<account id>-<region>."""

    name: Slug = Field(description="Purpose part of the bucket name (the full name adds prefix, account id and region)")
    lifecycle: list[LifecycleRule] = Field(default_factory=list, description="Lifecycle rules of the bucket")


class Dataset(StrictModel):
    """A Glue database over a prefix of a lake bucket, kept up to date by a crawler."""

    name: GlueName = Field(description="Glue database name: lowercase letters, digits and underscores, from a letter")
    bucket: Slug = Field(description="Lake bucket (buckets[].name) that holds the data")
    prefix: S3Prefix | None = Field(default=None, description="Key prefix of the data in the bucket; default: <name>/")
    description: str = Field(default="", description="Description of the Glue database")
    crawler_schedule: CronSchedule | None = Field(
        default="cron(0 2 * * ? *)",
        description="When the Glue crawler runs, as cron(...) in EventBridge form; null: on demand only",
    )


class Athena(StrictModel):
    """The Athena workgroup: results encrypted with the lake key, a bytes-scanned cutoff per query."""

    workgroup: Slug = Field(default="analytics", description="Name of the Athena workgroup of this account")
    bytes_scanned_cutoff_gb: int = Field(
        default=100, ge=1, le=1_000_000, description="Athena's minimum cutoff is 10 MB; give it in gigabytes"
    )
    results_expiration_days: int = Field(
        default=30, ge=1, description="Days query results are kept in the results bucket"
    )


# Read-only shares: consumers' roles get Glue Get* only (manage-glue-tables in modules/data/ml_activities.json).
# https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html
class LakePermission(str, Enum):
    """Table permissions Lake Formation grants to consumer accounts."""

    select = "SELECT"
    describe = "DESCRIBE"


class LocalTablePermission(str, Enum):
    """Table permissions Lake Formation grants to principals of the data account itself."""

    select = "SELECT"
    describe = "DESCRIBE"
    insert = "INSERT"
    delete = "DELETE"
    alter = "ALTER"
    drop = "DROP"


class LakeGrant(StrictModel):
    """Database and table permissions on datasets for an ml-execution or data-science account."""

    account: AccountName = Field(description="Account (data-science or ml-execution) that receives the grant")
    datasets: list[GlueName] = Field(min_length=1, description="Datasets (datasets[].name) the account may use")
    permissions: list[LakePermission] = Field(
        default_factory=lambda: [LakePermission.select, LakePermission.describe],
        min_length=1,
        description="Lake Formation permissions on the datasets' tables",
    )
    # The consumer's data lake administrator re-grants to its own roles: it needs the grant option
    # (false is a configuration error, see config.kinds.data.lake_formation_grants).
    grantable: bool = Field(default=True, description="grant option for the consumer's Lake Formation admin (required)")


class PersonaGrant(StrictModel):
    """Lake Formation permissions in this account for the Identity Center sessions of one persona."""

    persona: PersonaName = Field(
        description="an Identity Center persona (security.identity_center.personas) assigned to this account"
    )
    datasets: list[GlueName] = Field(min_length=1, description="Datasets (datasets[].name) the persona may use")
    permissions: list[LocalTablePermission] = Field(
        default_factory=lambda: [LocalTablePermission.select, LocalTablePermission.describe],
        min_length=1,
        description="table permissions on every table of the datasets",
    )
    create_tables: bool = Field(
        default=False, description="CREATE_TABLE on the databases and DATA_LOCATION_ACCESS on their buckets"
    )


class LakeFormation(StrictModel):
    """Lake Formation settings: administrators, grants to other accounts and to this account's personas."""

    admins: list[RoleName] = Field(
        default_factory=list,
        description="existing IAM roles of this account; the stack reads each one, so plan fails when one is missing",
    )
    admin_personas: list[PersonaName] = Field(
        default_factory=list,
        description="Identity Center personas assigned to this account whose sessions administer the lake",
    )
    grants: list[LakeGrant] = Field(
        default_factory=list,
        description="Cross-account grants: each consumer account reads the datasets through resource links",
    )
    persona_grants: list[PersonaGrant] = Field(
        default_factory=list, description="Grants in this account to Identity Center personas assigned to it"
    )


class DynamoDbKey(StrictModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        description="Attribute name of the key"
    )
    type: Literal["S", "N", "B"] = Field(
        default="S", description="Attribute type: S (string), N (number) or B (binary)"
    )


class DynamoDbTable(StrictModel):
    """A DynamoDB table: KMS with the stores key, point-in-time recovery, deletion protection."""

    type: Literal["dynamodb"] = Field(description="Store type")
    name: Slug = Field(description="Table name part (the full name adds the prefix)")
    partition_key: DynamoDbKey = Field(description="Partition (hash) key")
    sort_key: DynamoDbKey | None = Field(default=None, description="Sort (range) key; none: a partition key only")
    billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = Field(
        default="PAY_PER_REQUEST", description="On-demand (PAY_PER_REQUEST) or provisioned capacity"
    )
    read_capacity: int | None = Field(
        default=None, ge=1, description="Read capacity units; only with billing_mode PROVISIONED"
    )
    write_capacity: int | None = Field(
        default=None, ge=1, description="Write capacity units; only with billing_mode PROVISIONED"
    )

    @model_validator(mode="after")
    def _capacity_matches_billing(self) -> DynamoDbTable:
        """PROVISIONED needs both capacities; PAY_PER_REQUEST takes none (an after-model check: it
        must run when the capacities are left out, which a field validator never sees)."""
        # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ProvisionedThroughput.html
        given = [f for f in ("read_capacity", "write_capacity") if getattr(self, f) is not None]
        if self.billing_mode == "PROVISIONED" and len(given) < 2:
            missing = " and ".join(f for f in ("read_capacity", "write_capacity") if f not in given)
            raise ValueError(f"billing_mode PROVISIONED needs read_capacity and write_capacity; add {missing}")
        if self.billing_mode == "PAY_PER_REQUEST" and given:
            raise ValueError(
                f"{given[-1]} is for billing_mode PROVISIONED; PAY_PER_REQUEST takes no read_capacity or "
                f"write_capacity: remove {' and '.join(given)}"
            )
        return self


class RdsInstance(StrictModel):
    """An RDS instance: encrypted, private, in the configured subnets, master password in Secrets Manager."""

    type: Literal["rds"] = Field(description="Store type")
    name: Slug = Field(description="Instance name part (the identifier adds the prefix)")
    engine: Literal["postgres", "mysql", "mariadb"] = Field(default="postgres", description="Database engine")
    engine_version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}$")] = Field(
        description=(
            "Major version only (postgres 16, mysql 8.0, mariadb 10.11): the instance takes automatic minor upgrades"
        ),
    )
    instance_class: Annotated[str, StringConstraints(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")] = Field(
        default="db.t4g.medium", description="DB instance class, e.g. db.t4g.medium"
    )
    allocated_storage_gb: int = Field(default=50, ge=20, le=65536, description="Allocated storage in GB")
    multi_az: bool = Field(default=True, description="Run a standby in a second availability zone")
    vpc_id: VpcId = Field(description="VPC of the instance")
    subnet_ids: list[SubnetId] = Field(
        min_length=1, description="Subnets of the DB subnet group (at least two availability zones)"
    )
    allowed_cidrs: list[Cidr] = Field(
        default_factory=list, description="CIDR ranges allowed to connect to the database port"
    )
    backup_retention_days: int = Field(default=7, ge=1, le=35, description="Days automated backups are kept")

    @field_validator("engine_version")
    @classmethod
    def _major_version_only(cls, value: str, info) -> str:
        """With automatic minor upgrades a pinned minor version would make the next apply a downgrade RDS rejects;
        the provider accepts a version prefix and reports the running one as engine_version_actual:
        https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance#engine_version"""
        parts = 1 if info.data.get("engine", "postgres") == "postgres" else 2
        if value.count(".") + 1 != parts:
            major = ".".join((value.split(".") + ["0"])[:parts])
            raise ValueError(
                f"give the major version only ({major!r} for {info.data.get('engine', 'postgres')}): the "
                "instance takes "
                "automatic minor upgrades, so a minor version would turn into a downgrade on a later apply "
                f"(got {value!r})"
            )
        return value

    @field_validator("subnet_ids")
    @classmethod
    def _two_subnets(cls, value: list[str]) -> list[str]:
        """A DB subnet group needs subnets in at least two Availability Zones."""
        if len(value) < 2:
            raise ValueError(
                "an RDS subnet group needs subnets in at least two Availability Zones; give 2 or more (got "
                f"{len(value)})"
            )
        return value


class EfsAccessPoint(StrictModel):
    """The access point clients mount through: the file system policy grants no root access (root squash), so
    a client as root could write nothing in the root-owned top directory; the access point creates its own
    directory owned by this POSIX user and makes every client act as it."""

    # https://docs.aws.amazon.com/efs/latest/ug/efs-access-points.html
    path: Annotated[str, StringConstraints(pattern=r"^(/[A-Za-z0-9_.-]+){1,4}$", max_length=100)] = Field(
        default="/shared", description="Directory the access point exposes as the root (created on first mount)"
    )
    uid: int = Field(default=1000, ge=0, le=4294967295, description="POSIX user id every client acts as (not root)")
    gid: int = Field(default=1000, ge=0, le=4294967295, description="POSIX group id every client acts as")
    permissions: Annotated[str, StringConstraints(pattern=r"^0?[0-7]{3}$")] = Field(
        default="0750", description="Octal mode of the directory the access point creates"
    )

    @field_validator("uid")
    @classmethod
    def _not_root(cls, value: int) -> int:
        if value == 0:
            raise ValueError("uid 0 is root, whom the file system policy squashes; use a non-root user id (e.g. 1000)")
        return value


class EfsFileSystem(StrictModel):
    """An EFS file system: encrypted with the stores key, TLS-only, a mount target per subnet, mounted through
    one access point."""

    type: Literal["efs"] = Field(description="Store type")
    name: Slug = Field(description="File system name part (the name tag adds the prefix)")
    vpc_id: VpcId = Field(description="VPC of the mount targets")
    subnet_ids: list[SubnetId] = Field(min_length=1, description="Subnets that get a mount target each")
    allowed_cidrs: list[Cidr] = Field(default_factory=list, description="CIDR ranges allowed to mount (NFS)")
    performance_mode: Literal["generalPurpose", "maxIO"] = Field(
        default="generalPurpose", description="EFS performance mode"
    )
    throughput_mode: Literal["bursting", "elastic"] = Field(default="elastic", description="EFS throughput mode")
    transition_to_ia: (
        Literal["AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS", "AFTER_90_DAYS"] | None
    ) = Field(default="AFTER_30_DAYS", description="When files move to EFS Infrequent Access")
    access_point: EfsAccessPoint = Field(
        default_factory=EfsAccessPoint, description="The access point (directory and POSIX user) clients mount through"
    )


DataStore = Annotated[DynamoDbTable | RdsInstance | EfsFileSystem, Field(discriminator="type")]


class InferenceLanding(StrictModel):
    """The bucket that receives inference data replicated from staging and production (always present:
    every staging and production account replicates here)."""

    expiration_days: int | None = Field(
        default=365, ge=1, description="Days replicated inference data is kept; null: kept forever"
    )


def _default_buckets() -> list[LakeBucket]:
    return [
        LakeBucket(name="raw", lifecycle=[LifecycleRule(id="raw-to-ia", transition_days=30)]),
        LakeBucket(name="curated"),
        LakeBucket(name="analytics"),
    ]


class DataSection(StrictModel):
    """Settings of data accounts."""

    buckets: list[LakeBucket] = Field(
        default_factory=_default_buckets,
        description="Lake buckets: encrypted with this account's KMS key, versioned, private",
    )
    datasets: list[Dataset] = Field(
        default_factory=list,
        description="Glue databases over prefixes of the lake buckets, each kept current by a crawler",
    )
    athena: Athena = Field(default_factory=Athena, description="The Athena workgroup of this account")
    lake_formation: LakeFormation = Field(
        default_factory=LakeFormation, description="Lake Formation administrators and grants"
    )
    stores: list[DataStore] = Field(
        default_factory=list, description="Optional DynamoDB tables, RDS instances and EFS file systems"
    )
    inference_landing: InferenceLanding = Field(
        default_factory=InferenceLanding,
        description="The bucket receiving inference data replicated from staging and production",
    )
    warehouse: Warehouse | None = Field(default=None, description="Redshift Serverless warehouse (none by default)")
    glue_jobs: list[GlueJob] = Field(
        default_factory=list, description="Glue ETL jobs whose scripts live in the landing-zone repository"
    )
    emr_applications: list[EmrApplication] = Field(
        default_factory=list, description="EMR Serverless Spark applications"
    )
