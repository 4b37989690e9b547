"""SecureBucket: the one bucket construct used for every bucket mlops-tf creates, and its log bucket."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from .aws import aws
from .policy import Statement, deny_insecure_transport, document, statement


@dataclass(frozen=True)
class LifecycleRule:
    """One lifecycle rule; every bucket also aborts incomplete multipart uploads after 7 days."""

    id: str
    prefix: str = ""
    transition_days: int | None = None
    storage_class: str = "STANDARD_IA"
    expiration_days: int | None = None
    noncurrent_expiration_days: int | None = 90


@dataclass(frozen=True)
class SseS3Writer:
    """A service that writes some objects with SSE-S3 whatever the bucket asks (CloudTrail digest files).

    Its requests (aws:SourceArn) are exempt from the bucket's KMS-only rules, except that objects matching
    kms_required (object ARN patterns, e.g. the trail's log files) must still be SSE-KMS.
    """

    source_arn: str
    kms_required: tuple[str, ...]


class _BucketBase(Construct):
    def _common(self, bucket_name: str, partition: str) -> None:
        self.name = bucket_name
        self.arn = f"arn:{partition}:s3:::{bucket_name}"
        self.bucket = aws.s3_bucket.S3Bucket(self, "bucket", bucket=bucket_name, force_destroy=False)
        aws.s3_bucket_public_access_block.S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        aws.s3_bucket_ownership_controls.S3BucketOwnershipControls(
            self, "ownership", bucket=self.bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}
        )
        self.versioning = aws.s3_bucket_versioning.S3BucketVersioningA(
            self, "versioning", bucket=self.bucket.id, versioning_configuration={"status": "Enabled"}
        )

    def _lifecycle(self, rules: list[LifecycleRule]) -> None:
        rendered = [
            {
                "id": "abort-incomplete-multipart-uploads",
                "status": "Enabled",
                "filter": [{}],
                "abortIncompleteMultipartUpload": [{"daysAfterInitiation": 7}],
            }
        ]
        for rule in rules:
            item: dict = {"id": rule.id, "status": "Enabled", "filter": [{"prefix": rule.prefix}]}
            if rule.transition_days is not None:
                item["transition"] = [{"days": rule.transition_days, "storageClass": rule.storage_class}]
            if rule.expiration_days is not None:
                item["expiration"] = [{"days": rule.expiration_days}]
            if rule.noncurrent_expiration_days is not None:
                item["noncurrentVersionExpiration"] = [{"noncurrentDays": rule.noncurrent_expiration_days}]
            rendered.append(item)
        aws.s3_bucket_lifecycle_configuration.S3BucketLifecycleConfiguration(
            self, "lifecycle", bucket=self.bucket.id, rule=rendered, depends_on=[self.versioning]
        )


class AccessLogBucket(_BucketBase):
    """Target of S3 server access logs. S3 log delivery supports only SSE-S3 on the target bucket,
    so this is the one bucket without a customer-managed key; it is otherwise locked down.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        account_id: str,
        partition: str = "aws",
        retention_days: int = 365,
    ) -> None:
        super().__init__(scope, id)
        self._common(bucket_name, partition)
        aws.s3_bucket_server_side_encryption_configuration.S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
        )
        self._lifecycle(
            [LifecycleRule(id="expire-logs", expiration_days=retention_days, noncurrent_expiration_days=30)]
        )
        objects = f"{self.arn}/*"
        aws.s3_bucket_policy.S3BucketPolicy(
            self,
            "policy",
            bucket=self.bucket.id,
            policy=document(
                deny_insecure_transport([self.arn, objects]),
                statement(
                    "AllowS3ServerAccessLogDelivery",
                    "s3:PutObject",
                    objects,
                    principal={"Service": "logging.s3.amazonaws.com"},
                    condition={"StringEquals": {"aws:SourceAccount": account_id}},
                ),
            ),
        )


class SecureBucket(_BucketBase):
    """KMS-encrypted (customer-managed key, bucket key), versioned, private, TLS-only, logged bucket.

    The bucket policy denies non-TLS requests and uploads that ask for another encryption than
    SSE-KMS or another key; callers add grants (e.g. replication) with add_statements().
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        kms_key_arn: str,
        log_bucket: AccessLogBucket | None,
        partition: str = "aws",
        lifecycle_rules: list[LifecycleRule] | None = None,
        statements: list[Statement] | None = None,
        sse_s3_writer: SseS3Writer | None = None,
        default_encryption_writer: str | None = None,
    ) -> None:
        """default_encryption_writer: a service principal (config.amazonaws.com) that uploads without encryption
        headers and relies on the bucket's default SSE-KMS; the header rules exempt it, default encryption applies."""
        super().__init__(scope, id)
        self._common(bucket_name, partition)
        self.kms_key_arn = kms_key_arn
        self.sse_s3_writer = sse_s3_writer
        self.default_encryption_writer = default_encryption_writer
        aws.s3_bucket_server_side_encryption_configuration.S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                {
                    "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": kms_key_arn},
                    "bucketKeyEnabled": True,
                }
            ],
        )
        if log_bucket is not None:
            aws.s3_bucket_logging.S3BucketLoggingA(
                self,
                "logging",
                bucket=self.bucket.id,
                target_bucket=log_bucket.bucket.id,
                target_prefix=f"{bucket_name}/",
            )
        self._lifecycle(lifecycle_rules or [])
        self._statements: list[Statement] = list(statements or [])
        self.policy = aws.s3_bucket_policy.S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=self._render())

    @property
    def objects_arn(self) -> str:
        return f"{self.arn}/*"

    def add_statements(self, *statements: Statement) -> None:
        """Append grants to the bucket policy."""
        self._statements.extend(statements)
        self.policy.policy = self._render()

    def _render(self) -> str:
        objects = self.objects_arn
        not_kms = {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}
        writer = self.sse_s3_writer
        # ...IfExists and negated operators match when the key is absent: a request without the headers is denied,
        # and so is everyone but the exempt service.
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
        except_writer = {"StringNotEquals": {"aws:SourceArn": writer.source_arn}} if writer else {}
        # aws:PrincipalServiceName is present only on requests a service principal makes: everyone else stays denied.
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalservicename
        service = {"aws:PrincipalServiceName": self.default_encryption_writer} if self.default_encryption_writer else {}
        not_kms = {"StringNotEqualsIfExists": {**not_kms["StringNotEqualsIfExists"], **service}}
        baseline = [
            deny_insecure_transport([self.arn, objects]),
            statement(
                "DenyUploadsNotEncryptedWithKms",
                "s3:PutObject",
                objects,
                effect="Deny",
                principal="*",
                condition={**not_kms, **except_writer},
            ),
            statement(
                "DenyUploadsWithAnotherKey",
                "s3:PutObject",
                objects,
                effect="Deny",
                principal="*",
                condition={
                    "StringNotEqualsIfExists": {
                        "s3:x-amz-server-side-encryption-aws-kms-key-id": self.kms_key_arn,
                        **service,
                    },
                    **except_writer,
                },
            ),
        ]
        if writer:
            # The exempt service still encrypts these objects with KMS; which key is its own configuration (the
            # trail's).
            baseline.append(
                statement(
                    "DenyServiceUploadsNotEncryptedWithKms",
                    "s3:PutObject",
                    list(writer.kms_required),
                    effect="Deny",
                    principal="*",
                    condition=not_kms,
                )
            )
        return document(*baseline, *self._statements)
