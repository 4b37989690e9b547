"""Glue Spark jobs: each script uploaded from the repository under a key that carries its SHA-256, one
role per job scoped to the prefixes it reads and writes, runs under a security configuration that encrypts
S3 output, CloudWatch logs and job bookmarks with KMS, and a scheduled or on-demand trigger."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from . import literal
from .aws import aws
from .policy import Statement, assume_role_trust, document, statement


@dataclass(frozen=True)
class DataAccess:
    """What a processing role may touch: lake prefixes to read and to write, catalog ARNs, the lake key."""

    reads: tuple[tuple[str, str], ...]  # (bucket ARN, prefix)
    writes: tuple[tuple[str, str], ...]
    catalog_arns: tuple[str, ...]
    kms_key_arn: str

    def statements(self) -> list[Statement]:
        everything = sorted(set(self.reads) | set(self.writes))
        listing: dict[str, set[str]] = {}
        for bucket, prefix in everything:
            listing.setdefault(bucket, set()).add(f"{prefix}*")
        return [
            statement("ReadDatasets", "s3:GetObject", [f"{b}/{p}*" for b, p in everything]),
            statement(
                "WriteOutput", ["s3:DeleteObject", "s3:PutObject"], sorted({f"{b}/{p}*" for b, p in self.writes})
            ),
            *[
                statement(
                    f"ListDatasets{i}",
                    "s3:ListBucket",
                    bucket,
                    condition={"StringLike": {"s3:prefix": sorted(prefixes)}},
                )
                for i, (bucket, prefixes) in enumerate(sorted(listing.items()))
            ],
            statement(
                "UseLakeKey",
                ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"],
                self.kms_key_arn,
            ),
            statement(
                "Catalog",
                [
                    "glue:BatchCreatePartition",
                    "glue:CreatePartition",
                    "glue:CreateTable",
                    "glue:GetDatabase",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:GetTable",
                    "glue:GetTables",
                    "glue:UpdatePartition",
                    "glue:UpdateTable",
                ],
                list(self.catalog_arns),
            ),
            # Lake Formation vends S3 credentials for governed tables; the action has no resource-level form.
            # https://docs.aws.amazon.com/lake-formation/latest/dg/access-control-underlying-data.html
            statement("LakeFormationCredentials", "lakeformation:GetDataAccess", "*"),
        ]


@dataclass(frozen=True, kw_only=True)
class GlueJobSpec:
    key: str  # configured name, for logical ids
    name: str  # the job's, the trigger's (with -trigger) and the role's name
    script: Path
    glue_version: str
    worker_type: str
    workers: int
    timeout_minutes: int
    bookmarks: bool
    schedule: str | None
    access: DataAccess
    output_path: str  # s3://bucket/prefix
    input_databases: tuple[str, ...]


class GlueJobs(Construct):
    """The jobs, their roles and triggers, under one KMS security configuration."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        jobs: Sequence[GlueJobSpec],
        bucket_id: str,
        bucket_name: str,
        bucket_arn: str,
        kms_key_arn: str,
        security_configuration_name: str,
        account_id: str,
        region: str,
        partition: str,
    ) -> None:
        """security_configuration_name: a Glue security configuration encrypting S3 output, CloudWatch logs and job
        bookmarks with KMS (the catalog's: https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html)."""
        super().__init__(scope, id)
        self.roles = {}
        self.jobs = {}
        for job in sorted(jobs, key=lambda j: j.key):
            data = job.script.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            # The asset is copied into the stack folder, so a remote backend's run has the script too.
            asset = TerraformAsset(
                self,
                f"script-asset-{job.key}",
                path=str(job.script),
                type=AssetType.FILE,
                asset_hash=digest[:32].upper(),
            )
            key = f"scripts/{job.key}/{digest}/{job.script.name}"
            script = aws.s3_object.S3Object(
                self,
                f"script-{job.key}",
                bucket=bucket_id,
                key=key,
                source=asset.path,
                source_hash=digest,
                server_side_encryption="aws:kms",
                kms_key_id=kms_key_arn,
                bucket_key_enabled=True,
                content_type="text/x-python",
            )
            temp = f"temp/{job.key}/"
            log_groups = f"arn:{partition}:logs:{region}:{account_id}:log-group:/aws-glue/jobs/*"
            role = aws.iam_role.IamRole(
                self,
                f"role-{job.key}",
                name=job.name,
                description=f"Glue job {job.name}",
                assume_role_policy=assume_role_trust(
                    {"Service": "glue.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": account_id}}
                ),
            )
            aws.iam_role_policy.IamRolePolicy(
                self,
                f"policy-{job.key}",
                role=role.id,
                name="job",
                policy=document(
                    *job.access.statements(),
                    statement("ReadScript", "s3:GetObject", f"{bucket_arn}/scripts/{job.key}/*"),
                    statement(
                        "TempFiles", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], f"{bucket_arn}/{temp}*"
                    ),
                    statement(
                        "ListScriptsAndTemp",
                        "s3:ListBucket",
                        bucket_arn,
                        condition={"StringLike": {"s3:prefix": [f"scripts/{job.key}/*", f"{temp}*"]}},
                    ),
                    statement(
                        "EncryptedLogs",
                        ["logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                        [log_groups, f"{log_groups}:*"],
                    ),
                    statement(
                        "JobMetrics",
                        "cloudwatch:PutMetricData",
                        "*",
                        condition={"StringEquals": {"cloudwatch:namespace": "Glue"}},
                    ),
                ),
            )
            self.roles[job.key] = role
            self.jobs[job.key] = aws.glue_job.GlueJob(
                self,
                f"job-{job.key}",
                name=job.name,
                role_arn=role.arn,
                glue_version=job.glue_version,
                worker_type=job.worker_type,
                number_of_workers=job.workers,
                timeout=job.timeout_minutes,
                max_retries=0,
                security_configuration=security_configuration_name,
                execution_property={"max_concurrent_runs": 1},
                command={
                    "name": "glueetl",
                    "script_location": f"s3://{bucket_name}/{script.key}",
                    "python_version": "3",
                },
                # https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-glue-arguments.html
                default_arguments={
                    "--job-bookmark-option": "job-bookmark-enable" if job.bookmarks else "job-bookmark-disable",
                    "--TempDir": f"s3://{bucket_name}/{temp}",
                    "--enable-continuous-cloudwatch-log": "true",
                    "--enable-metrics": "true",
                    "--enable-glue-datacatalog": "true",
                    "--output_path": job.output_path,
                    "--input_databases": ",".join(job.input_databases),
                },
            )
            # https://docs.aws.amazon.com/glue/latest/dg/about-triggers.html
            aws.glue_trigger.GlueTrigger(
                self,
                f"trigger-{job.key}",
                name=f"{job.name}-trigger",
                type="SCHEDULED" if job.schedule else "ON_DEMAND",
                schedule=literal.text(job.schedule) if job.schedule else None,
                start_on_creation=True if job.schedule else None,
                actions=[aws.glue_trigger.GlueTriggerActions(job_name=self.jobs[job.key].name)],
            )
