"""Section of data accounts: the data lake, Glue catalog, Athena, Lake Formation grants, optional stores."""
from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from .common import AccountName, Ipv4Cidr, RoleName, Slug, StrictModel
from .data_processing import EmrApplication, GlueJob, Warehouse
from .security import PersonaName



def _glue_name(value: str) -> str:
    """Glue (and Athena) database names: lowercase letters, digits and underscores, from a letter."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,99}", value):
        raise ValueError(
            "Glue database names use lowercase letters, digits and underscores, start with a letter and have at most 100 characters "
            f"(e.g. {re.sub(r'[^a-z0-9_]', '_', value.lower()).strip('_') or 'customers'!r})"
        )
    return value


GlueName = Annotated[str, AfterValidator(_glue_name)]
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

    id: Slug
    prefix: S3Prefix = ""
    transition_days: int | None = Field(default=None, ge=0)
    storage_class: StorageClass = StorageClass.standard_ia
    expiration_days: int | None = Field(default=None, ge=1)
    noncurrent_expiration_days: int | None = Field(default=90, ge=1)

    @field_validator("storage_class")
    @classmethod
    def _minimum_transition(cls, value: StorageClass, info) -> StorageClass:
        """Infrequent-access classes need objects at least 30 days old."""
        days = info.data.get("transition_days")
        minimum = MIN_TRANSITION_DAYS.get(value)
        if minimum is not None and days is not None and days < minimum:
            raise ValueError(f"S3 transitions to {value.value} only after {minimum} days; raise transition_days (got {days})")
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

    name: Slug
    lifecycle: list[LifecycleRule] = Field(default_factory=list)


class Dataset(StrictModel):
    """A Glue database over a prefix of a lake bucket, kept up to date by a crawler."""

    name: GlueName
    bucket: Slug
    prefix: S3Prefix | None = None  # default: <name>/
    description: str = ""
    crawler_schedule: CronSchedule | None = "cron(0 2 * * ? *)"


class Athena(StrictModel):
    """The Athena workgroup: results encrypted with the lake key, a bytes-scanned cutoff per query."""

    workgroup: Slug = "analytics"
    # Athena's minimum cutoff is 10 MB; give it in gigabytes.
    bytes_scanned_cutoff_gb: int = Field(default=100, ge=1, le=1_000_000)
    results_expiration_days: int = Field(default=30, ge=1)


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

    account: AccountName
    datasets: list[GlueName] = Field(min_length=1)
    permissions: list[LakePermission] = Field(default_factory=lambda: [LakePermission.select, LakePermission.describe], min_length=1)
    # The consumer's data lake administrator re-grants to its own roles: it needs the grant option
    # (false is a configuration error, see config.kinds.data.lake_formation_grants).
    grantable: bool = Field(default=True, description="grant option for the consumer's Lake Formation admin (required)")


class PersonaGrant(StrictModel):
    """Lake Formation permissions in this account for the Identity Center sessions of one persona."""

    persona: PersonaName = Field(description="an Identity Center persona (security.identity_center.personas) assigned to this account")
    datasets: list[GlueName] = Field(min_length=1)
    permissions: list[LocalTablePermission] = Field(
        default_factory=lambda: [LocalTablePermission.select, LocalTablePermission.describe], min_length=1,
        description="table permissions on every table of the datasets",
    )
    create_tables: bool = Field(default=False, description="CREATE_TABLE on the databases and DATA_LOCATION_ACCESS on their buckets")


class LakeFormation(StrictModel):
    """Lake Formation settings: administrators, grants to other accounts and to this account's personas."""

    admins: list[RoleName] = Field(
        default_factory=list, description="existing IAM roles of this account; the stack reads each one, so plan fails when one is missing",
    )
    admin_personas: list[PersonaName] = Field(
        default_factory=list, description="Identity Center personas assigned to this account whose sessions administer the lake",
    )
    grants: list[LakeGrant] = Field(default_factory=list)
    persona_grants: list[PersonaGrant] = Field(default_factory=list)


class DynamoDbKey(StrictModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    type: Literal["S", "N", "B"] = "S"


class DynamoDbTable(StrictModel):
    """A DynamoDB table: KMS with the stores key, point-in-time recovery, deletion protection."""

    type: Literal["dynamodb"]
    name: Slug
    partition_key: DynamoDbKey
    sort_key: DynamoDbKey | None = None
    billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"
    read_capacity: int | None = Field(default=None, ge=1)
    write_capacity: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _capacity_matches_billing(self) -> "DynamoDbTable":
        """PROVISIONED needs both capacities; PAY_PER_REQUEST takes none (an after-model check: it
        must run when the capacities are left out, which a field validator never sees)."""
        # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ProvisionedThroughput.html
        given = [f for f in ("read_capacity", "write_capacity") if getattr(self, f) is not None]
        if self.billing_mode == "PROVISIONED" and len(given) < 2:
            missing = " and ".join(f for f in ("read_capacity", "write_capacity") if f not in given)
            raise ValueError(f"billing_mode PROVISIONED needs read_capacity and write_capacity; add {missing}")
        if self.billing_mode == "PAY_PER_REQUEST" and given:
            raise ValueError(f"{given[-1]} is for billing_mode PROVISIONED; PAY_PER_REQUEST takes no read_capacity or write_capacity: remove {' and '.join(given)}")
        return self


class RdsInstance(StrictModel):
    """An RDS instance: encrypted, private, in the configured subnets, master password in Secrets Manager."""

    type: Literal["rds"]
    name: Slug
    engine: Literal["postgres", "mysql", "mariadb"] = "postgres"
    engine_version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}$")] = Field(
        description="Major version only (postgres 16, mysql 8.0, mariadb 10.11): the instance takes automatic minor upgrades",
    )
    instance_class: Annotated[str, StringConstraints(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")] = "db.t4g.medium"
    allocated_storage_gb: int = Field(default=50, ge=20, le=65536)
    multi_az: bool = True
    vpc_id: VpcId
    subnet_ids: list[SubnetId] = Field(min_length=1)
    allowed_cidrs: list[Cidr] = Field(default_factory=list)
    backup_retention_days: int = Field(default=7, ge=1, le=35)

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
                f"give the major version only ({major!r} for {info.data.get('engine', 'postgres')}): the instance takes "
                f"automatic minor upgrades, so a minor version would turn into a downgrade on a later apply (got {value!r})"
            )
        return value

    @field_validator("subnet_ids")
    @classmethod
    def _two_subnets(cls, value: list[str]) -> list[str]:
        """A DB subnet group needs subnets in at least two Availability Zones."""
        if len(value) < 2:
            raise ValueError(f"an RDS subnet group needs subnets in at least two Availability Zones; give 2 or more (got {len(value)})")
        return value


class EfsFileSystem(StrictModel):
    """An EFS file system: encrypted with the stores key, TLS-only, a mount target per subnet."""

    type: Literal["efs"]
    name: Slug
    vpc_id: VpcId
    subnet_ids: list[SubnetId] = Field(min_length=1)
    allowed_cidrs: list[Cidr] = Field(default_factory=list)
    performance_mode: Literal["generalPurpose", "maxIO"] = "generalPurpose"
    throughput_mode: Literal["bursting", "elastic"] = "elastic"
    transition_to_ia: Literal["AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS", "AFTER_90_DAYS"] | None = "AFTER_30_DAYS"


DataStore = Annotated[Union[DynamoDbTable, RdsInstance, EfsFileSystem], Field(discriminator="type")]


class InferenceLanding(StrictModel):
    """The bucket that receives inference data replicated from staging and production (always present:
    every staging and production account replicates here)."""

    expiration_days: int | None = Field(default=365, ge=1)


def _default_buckets() -> list[LakeBucket]:
    return [
        LakeBucket(name="raw", lifecycle=[LifecycleRule(id="raw-to-ia", transition_days=30)]),
        LakeBucket(name="curated"),
        LakeBucket(name="analytics"),
    ]


class DataSection(StrictModel):
    """Settings of data accounts."""

    buckets: list[LakeBucket] = Field(default_factory=_default_buckets)
    datasets: list[Dataset] = Field(default_factory=list)
    athena: Athena = Field(default_factory=Athena)
    lake_formation: LakeFormation = Field(default_factory=LakeFormation)
    stores: list[DataStore] = Field(default_factory=list)
    inference_landing: InferenceLanding = Field(default_factory=InferenceLanding)
    warehouse: Warehouse | None = Field(default=None, description="Redshift Serverless warehouse (none by default)")
    glue_jobs: list[GlueJob] = Field(default_factory=list)
    emr_applications: list[EmrApplication] = Field(default_factory=list)
