"""The organization CloudTrail and its log archive (bucket and key, possibly in another account)."""

from __future__ import annotations

from constructs import Construct

from .aws import aws
from .kms import KmsKey
from .policy import Statement, assume_role_trust, document, statement
from .secure_bucket import AccessLogBucket, LifecycleRule, SecureBucket, SseS3Writer

CLOUDTRAIL = "cloudtrail.amazonaws.com"


def cloudtrail_key_statements(
    *, trail_arn: str, trail_account_id: str, archive_account_id: str, partition: str, deployer_arn: str | None
) -> list[Statement]:
    """Key policy: CloudTrail encrypts for exactly this trail; the archive account decrypts log files;
    trail_account_id owns the trail (the management account for organization trails); the creating account's
    deploy role (when it is another account) may describe the key to find its ARN."""
    source = {"StringEquals": {"aws:SourceArn": trail_arn}}
    context = f"arn:{partition}:cloudtrail:*:{trail_account_id}:trail/*"
    out = [
        statement(
            "CloudTrailEncryptsLogs",
            "kms:GenerateDataKey*",
            "*",
            principal={"Service": CLOUDTRAIL},
            condition={**source, "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": context}},
        ),
        statement(
            "CloudTrailDescribesKey", "kms:DescribeKey", "*", principal={"Service": CLOUDTRAIL}, condition=source
        ),
        statement(
            "ArchiveAccountDecryptsLogs",
            ["kms:Decrypt", "kms:ReEncryptFrom"],
            "*",
            principal={"AWS": f"arn:{partition}:iam::{archive_account_id}:root"},
            condition={
                "StringEquals": {"kms:CallerAccount": archive_account_id},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": context},
            },
        ),
    ]
    if deployer_arn:
        out.append(
            statement(
                "TrailAccountDeployerDescribesKey",
                "kms:DescribeKey",
                "*",
                # The creating (delegated administrator) account, not the trail's owner: root of the deploy role's
                # account.
                principal={"AWS": f"arn:{partition}:iam::{deployer_arn.split(':')[4]}:root"},
                condition={"ArnEquals": {"aws:PrincipalArn": deployer_arn}},
            )
        )
    return out


def cloudtrail_bucket_statements(
    *, bucket_arn: str, trail_arn: str, trail_account_id: str, organization_id: str | None
) -> list[Statement]:
    """Bucket policy: CloudTrail checks the ACL and writes under AWSLogs/, for exactly this trail."""
    source = {"StringEquals": {"aws:SourceArn": trail_arn}}
    prefixes = [trail_account_id, organization_id] if organization_id else ["*"]
    return [
        statement(
            "CloudTrailAclCheck", "s3:GetBucketAcl", bucket_arn, principal={"Service": CLOUDTRAIL}, condition=source
        ),
        statement(
            "CloudTrailWrite",
            "s3:PutObject",
            [f"{bucket_arn}/AWSLogs/{p}/*" for p in prefixes],
            principal={"Service": CLOUDTRAIL},
            condition={"StringEquals": {"aws:SourceArn": trail_arn, "s3:x-amz-acl": "bucket-owner-full-control"}},
        ),
    ]


class TrailLogArchive(Construct):
    """The log archive: a SecureBucket and its KMS key, writable by CloudTrail for one trail only."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        kms_alias: str,
        account_id: str,
        trail_arn: str,
        trail_account_id: str,
        organization_id: str | None,
        log_bucket: AccessLogBucket | None,
        retention_days: int,
        glacier_after_days: int | None,
        partition: str = "aws",
        trail_deployer_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.key = KmsKey(
            self,
            "key",
            alias=kms_alias,
            description="Organization CloudTrail log files",
            account_id=account_id,
            partition=partition,
            statements=cloudtrail_key_statements(
                trail_arn=trail_arn,
                trail_account_id=trail_account_id,
                archive_account_id=account_id,
                partition=partition,
                deployer_arn=trail_deployer_arn,
            ),
        )
        rule = LifecycleRule(
            id="retain-trail-logs",
            transition_days=glacier_after_days,
            storage_class="GLACIER",
            expiration_days=retention_days,
            noncurrent_expiration_days=30,
        )
        bucket_arn = f"arn:{partition}:s3:::{bucket_name}"
        # Digest files (log file validation) are written with SSE-S3, under .../CloudTrail-Digest/, not .../CloudTrail/:
        # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
        # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html
        digests = SseS3Writer(source_arn=trail_arn, kms_required=(f"{bucket_arn}/AWSLogs/*/CloudTrail/*",))
        self.bucket = SecureBucket(
            self,
            "bucket",
            bucket_name=bucket_name,
            kms_key_arn=self.key.arn,
            log_bucket=log_bucket,
            partition=partition,
            lifecycle_rules=[rule],
            sse_s3_writer=digests,
            statements=cloudtrail_bucket_statements(
                bucket_arn=bucket_arn,
                trail_arn=trail_arn,
                trail_account_id=trail_account_id,
                organization_id=organization_id,
            ),
        )


class OrganizationTrail(Construct):
    """Multi-region organization trail with log file validation and SSE-KMS, optionally to CloudWatch Logs."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        bucket_name: str,
        kms_key_arn: str,
        trail_arn: str,
        cloudwatch_retention_days: int | None,
        cloudwatch_kms_key_arn: str | None,
        partition: str = "aws",
        depends_on: list | None = None,
    ) -> None:
        super().__init__(scope, id)
        logs: dict = {}
        waits = list(depends_on or [])
        if cloudwatch_retention_days is not None:
            group = aws.cloudwatch_log_group.CloudwatchLogGroup(
                self,
                "log-group",
                name=f"/aws/cloudtrail/{name}",
                retention_in_days=cloudwatch_retention_days,
                kms_key_id=cloudwatch_kms_key_arn,
            )
            role = aws.iam_role.IamRole(
                self,
                "logs-role",
                name=f"{name}-logs",
                description="CloudTrail delivers the organization trail to CloudWatch Logs",
                assume_role_policy=assume_role_trust(
                    {"Service": CLOUDTRAIL}, {"StringEquals": {"aws:SourceArn": trail_arn}}
                ),
            )
            policy = aws.iam_role_policy.IamRolePolicy(
                self,
                "logs-policy",
                role=role.id,
                name="deliver-to-log-group",
                policy=document(
                    statement(
                        "DeliverTrailEvents", ["logs:CreateLogStream", "logs:PutLogEvents"], f"{group.arn}:log-stream:*"
                    )
                ),
            )
            logs = {"cloud_watch_logs_group_arn": f"{group.arn}:*", "cloud_watch_logs_role_arn": role.arn}
            # CloudTrail checks at CreateTrail that the role can deliver (InvalidCloudWatchLogsRoleArnException):
            # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html
            waits.append(policy)
        self.trail = aws.cloudtrail.Cloudtrail(
            self,
            "trail",
            name=name,
            s3_bucket_name=bucket_name,
            kms_key_id=kms_key_arn,
            is_organization_trail=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            depends_on=waits or None,
            **logs,
        )
