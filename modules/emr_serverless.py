"""EMR Serverless: a Spark application in private subnets that starts on the first job and stops when idle,
bounded by a maximum capacity, with a job execution role scoped like a Glue job's and logs written
KMS-encrypted to a prefix of the processing bucket."""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from .aws import aws
from .glue_jobs import DataAccess
from .policy import assume_role_trust, document, statement
from .warehouse import https_egress


class EmrServerlessApplication(Construct):
    """Application, security group and job execution role."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        release_label: str,
        vpc_id: str,
        subnet_ids: Sequence[str],
        max_vcpu: int,
        max_memory_gb: int,
        idle_timeout_minutes: int,
        access: DataAccess,
        bucket_name: str,
        bucket_arn: str,
        log_prefix: str,
        account_id: str,
        region: str,
        partition: str,
    ) -> None:
        super().__init__(scope, id)
        group = aws.security_group.SecurityGroup(
            self, "security-group", name=name, description=f"EMR Serverless {name} workers", vpc_id=vpc_id
        )
        https_egress(self, group.id, vpc_id, region)
        # https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/application-capacity.html (maximum capacity)
        # https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/app-behavior.html (auto-start, auto-stop)
        self.application = aws.emrserverless_application.EmrserverlessApplication(
            self,
            "application",
            name=name,
            release_label=release_label,
            type="spark",
            maximum_capacity={"cpu": f"{max_vcpu} vCPU", "memory": f"{max_memory_gb} GB"},
            auto_start_configuration={"enabled": True},
            auto_stop_configuration={"enabled": True, "idle_timeout_minutes": idle_timeout_minutes},
            network_configuration={"subnet_ids": sorted(subnet_ids), "security_group_ids": [group.id]},
            # https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/logging.html
            monitoring_configuration={
                "s3_monitoring_configuration": {
                    "log_uri": f"s3://{bucket_name}/{log_prefix}",
                    "encryption_key_arn": access.kms_key_arn,
                }
            },
        )
        # https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/security-iam-runtime-role.html
        self.role = aws.iam_role.IamRole(
            self,
            "job-role",
            name=f"{name}-jobs",
            description=f"Job runs of EMR Serverless {name}",
            assume_role_policy=assume_role_trust(
                {"Service": "emr-serverless.amazonaws.com"},
                {"StringEquals": {"aws:SourceAccount": account_id}, "ArnLike": {"aws:SourceArn": self.application.arn}},
            ),
        )
        aws.iam_role_policy.IamRolePolicy(
            self,
            "job-policy",
            role=self.role.id,
            name="jobs",
            policy=document(
                *access.statements(),
                statement("WriteLogs", ["s3:GetObject", "s3:PutObject"], f"{bucket_arn}/{log_prefix}*"),
                statement(
                    "ListLogs", "s3:ListBucket", bucket_arn, condition={"StringLike": {"s3:prefix": f"{log_prefix}*"}}
                ),
            ),
        )
