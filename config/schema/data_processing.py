"""Processing and warehouse settings of data accounts: Redshift Serverless, Glue jobs, EMR Serverless."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from .common import AccountName, Slug, StrictModel
from .security import PersonaName

SubnetId = Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")]
VpcId = Annotated[str, StringConstraints(pattern=r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")]


def _cidr(value: str) -> str:
    """An IPv4 CIDR block such as 10.20.0.0/16."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        network = None
    if network is None or network.version != 4 or "/" not in value:
        raise ValueError(f"expected an IPv4 CIDR block such as 10.20.0.0/16 (got {value!r})")
    return value


def _dataset_name(value: str) -> str:
    """A dataset of data.datasets: lowercase letters, digits and underscores, from a letter, at most 100."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,99}", value):
        raise ValueError(
            f"dataset names use lowercase letters, digits and underscores and start with a letter (got {value!r})"
        )
    return value


def _s3_prefix(value: str) -> str:
    """An S3 prefix ending in '/', of the characters S3 calls safe. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html"""
    if len(value) > 512 or not re.fullmatch(r"([A-Za-z0-9!_.*'()=-]+/)+", value):
        raise ValueError(
            f"expected a prefix such as 'churn/' or 'churn/clicks/': letters, digits and ! _ . * ' ( ) = - in parts "
            f"each ending in '/', at most 512 characters (got {value!r})"
        )
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]
DatasetName = Annotated[str, AfterValidator(_dataset_name)]
S3Prefix = Annotated[str, AfterValidator(_s3_prefix)]


def _glue_cron(value: str) -> str:
    """A Glue trigger schedule: cron(minutes hours day-of-month month day-of-week year), where exactly one of
    day-of-month and day-of-week is '?'. https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html"""
    field = r"([0-9A-Za-z*?,/#-]+)"
    match = re.fullmatch(rf"cron\({field} {field} {field} {field} {field} {field}\)", value)
    if not match:
        raise ValueError(
            "expected cron(minutes hours day-of-month month day-of-week year), e.g. 'cron(0 3 * * ? *)' (got "
            f"{value!r})"
        )
    day_of_month, day_of_week = match.group(3), match.group(5)
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError(
            "Glue cron needs '?' in exactly one of day-of-month and day-of-week, e.g. 'cron(0 3 * * ? *)' "
            f"(got {value!r})"
        )
    return value


def _script_path(value: str) -> str:
    """A Python script in the landing-zone repository, relative to the config folder, inside it."""
    if value.startswith("/") or ".." in value.split("/") or not re.fullmatch(r"[A-Za-z0-9_./-]+\.py", value):
        raise ValueError(
            f"give a .py file relative to the config folder, inside it, e.g. 'scripts/curate.py' (got {value!r})"
        )
    return value


GlueCron = Annotated[str, AfterValidator(_glue_cron)]
ScriptPath = Annotated[str, AfterValidator(_script_path)]
# EMR Serverless release labels look like emr-7.5.0; Serverless starts at emr-6.6.0.
# https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/release-versions.html
EMR_SERVERLESS_FIRST_RELEASE = (6, 6, 0)


def _release_label(value: str) -> str:
    match = re.fullmatch(r"emr-(\d+)\.(\d+)\.(\d+)", value)
    if not match:
        raise ValueError(f"expected an EMR release label emr-<major>.<minor>.<patch>, e.g. 'emr-7.5.0' (got {value!r})")
    if tuple(int(part) for part in match.groups()) < EMR_SERVERLESS_FIRST_RELEASE:
        raise ValueError(f"EMR Serverless starts at emr-6.6.0 (got {value!r})")
    return value


ReleaseLabel = Annotated[str, AfterValidator(_release_label)]


class WarehouseConsumer(StrictModel):
    """Roles of a data-science or ml-execution account that may query the warehouse."""

    account: AccountName = Field(description="A data-science or ml-execution account")
    personas: list[PersonaName] = Field(
        default_factory=list,
        description="data-science accounts: personas (data_science.personas) whose roles query the warehouse",
    )


class UsageLimit(StrictModel):
    """A limit on the workgroup's compute, in RPU-hours per period.
    https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-workgroup-max-rpu.html"""

    amount_rpu_hours: int = Field(ge=1, description="RPU-hours per period")
    period: Literal["daily", "weekly", "monthly"] = Field(default="monthly", description="Period the limit applies to")
    breach_action: Literal["log", "emit-metric", "deactivate"] = Field(
        default="log", description="What Redshift does when the limit is reached"
    )


class Warehouse(StrictModel):
    """Redshift Serverless namespace and workgroup: private, KMS-encrypted, admin password in Secrets Manager."""

    name: Slug = Field(default="warehouse", description="namespace and workgroup: <prefix>-<name>")
    database: DatasetName = Field(default="analytics", description="the database Redshift creates in the namespace")
    base_capacity_rpu: int = Field(default=8, description="4, or 8 to 512 in steps of 8")
    vpc_id: VpcId = Field(description="VPC of the workgroup")
    subnet_ids: list[SubnetId] = Field(min_length=1, description="private subnets in at least three Availability Zones")
    allowed_cidrs: list[Cidr] = Field(default_factory=list, description="clients allowed to reach port 5439")
    datasets: list[DatasetName] = Field(
        default_factory=list, description="datasets the warehouse reads through Spectrum and Lake Formation"
    )
    consumers: list[WarehouseConsumer] = Field(
        default_factory=list, description="Accounts whose roles may query the warehouse (through its query role)"
    )
    usage_limits: list[UsageLimit] = Field(default_factory=list, description="RPU-hour limits of the workgroup")

    @field_validator("base_capacity_rpu")
    @classmethod
    def _rpu_steps(cls, value: int) -> int:
        """https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html"""
        if value != 4 and not (8 <= value <= 512 and value % 8 == 0):
            raise ValueError(f"Redshift Serverless base capacity is 4, or 8 to 512 RPUs in steps of 8 (got {value})")
        return value

    @field_validator("subnet_ids")
    @classmethod
    def _three_subnets(cls, value: list[str]) -> list[str]:
        """https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html"""
        if len(value) < 3:
            raise ValueError(
                "a Redshift Serverless workgroup needs subnets in at least three Availability Zones; give 3 "
                f"or more (got {len(value)})"
            )
        if len(set(value)) != len(value):
            raise ValueError("subnet ids must be distinct")
        return value


class Output(StrictModel):
    """Where a job writes: a dataset prefix (or a prefix under one) of a lake bucket."""

    bucket: Slug = Field(description="Lake bucket (data.buckets name)")
    prefix: S3Prefix = Field(description="Prefix inside a dataset of that bucket, ending in /")


# Spark ETL worker types and the least workers Glue runs them with.
# https://docs.aws.amazon.com/glue/latest/dg/worker-types.html
GLUE_MIN_WORKERS = {"G.1X": 2, "G.2X": 2, "G.4X": 2, "G.8X": 2}


class GlueJob(StrictModel):
    """A Glue Spark job: a script of this repository, reading datasets and writing back to a lake prefix."""

    name: Slug = Field(description="Job name part: <prefix>-glue-<name>")
    script: ScriptPath = Field(
        description="Python script relative to the config folder; uploaded and pinned by its SHA-256"
    )
    glue_version: Literal["4.0", "5.0"] = Field(default="5.0", description="Glue version")
    worker_type: Literal["G.1X", "G.2X", "G.4X", "G.8X"] = Field(default="G.1X", description="Glue worker type")
    workers: int = Field(default=2, le=1000, description="Number of workers (at least 2)")
    inputs: list[DatasetName] = Field(min_length=1, description="datasets the job reads")
    output: Output = Field(description="Where the job writes: a dataset prefix of a lake bucket")
    schedule: GlueCron | None = Field(default=None, description="None: an on-demand trigger")
    bookmarks: bool = Field(default=True, description="Job bookmarks: each run reads only new data")
    timeout_minutes: int = Field(default=60, ge=1, le=2880, description="Minutes before a run is stopped")

    @field_validator("workers")
    @classmethod
    def _min_workers(cls, value: int, info) -> int:
        """https://docs.aws.amazon.com/glue/latest/dg/add-job.html"""
        minimum = GLUE_MIN_WORKERS.get(info.data.get("worker_type", "G.1X"), 2)
        if value < minimum:
            raise ValueError(
                f"Glue runs {info.data.get('worker_type', 'G.1X')} jobs with at least {minimum} workers (got {value})"
            )
        return value


class EmrApplication(StrictModel):
    """An EMR Serverless Spark application in private subnets, stopping when idle."""

    name: Slug = Field(description="Application name part: <prefix>-emr-<name>")
    release_label: ReleaseLabel = Field(default="emr-7.5.0", description="EMR release (emr-X.Y.Z, 6.6.0 or later)")
    vpc_id: VpcId = Field(description="VPC of the application's workers")
    subnet_ids: list[SubnetId] = Field(
        min_length=1, description="private subnets; several Availability Zones keep jobs running when one fails"
    )
    max_vcpu: int = Field(default=64, ge=1, le=10_000, description="maximum capacity of all workers, vCPU")
    max_memory_gb: int = Field(default=256, ge=1, le=100_000, description="maximum capacity of all workers, GB")
    idle_timeout_minutes: int = Field(
        default=15, ge=1, le=10_080, description="Minutes without jobs before the application stops"
    )
    inputs: list[DatasetName] = Field(min_length=1, description="datasets the job runs read")
    output: Output = Field(description="Where the job runs write: a dataset prefix of a lake bucket")

    @field_validator("subnet_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("subnet ids must be distinct")
        return value
