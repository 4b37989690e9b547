"""ReplicationDestination: the destination side of cross-account S3 replication (bucket, key, grants).

Used by every account that receives replicated inference data (data and ml-execution accounts). The
grants come from the resolver (config.kinds.data.replication_destination), so the source side and this
side are generated from the same role ARNs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from constructs import Construct

from .kms import KmsKey
from .policy import Statement, statement
from .secure_bucket import AccessLogBucket, LifecycleRule, SecureBucket

# What a replication role needs on the destination: object-level writes, and versioning on the bucket.
OBJECT_ACTIONS = ["s3:ObjectOwnerOverrideToBucketOwner", "s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"]
BUCKET_ACTIONS = ["s3:GetBucketVersioning", "s3:PutBucketVersioning"]
KEY_ACTIONS = ["kms:Encrypt", "kms:GenerateDataKey*"]


class ReplicationGrant(Protocol):
    """One source account's replication role: `source` names it, principal/condition come from
    Resolved.cross_account_principal (account root narrowed by aws:PrincipalArn)."""

    @property
    def source(self) -> str: ...
    @property
    def principal(self) -> dict[str, Any]: ...
    @property
    def condition(self) -> dict[str, Any]: ...


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def bucket_statements(grant: ReplicationGrant, bucket_arn: str) -> list[Statement]:
    """Bucket policy statements letting one source's replication role write replicas."""
    suffix = _pascal(grant.source)
    return [
        statement(
            f"ReplicateObjectsFrom{suffix}",
            OBJECT_ACTIONS,
            f"{bucket_arn}/*",
            principal=grant.principal,
            condition=grant.condition,
        ),
        statement(
            f"ReplicationVersioningFrom{suffix}",
            BUCKET_ACTIONS,
            bucket_arn,
            principal=grant.principal,
            condition=grant.condition,
        ),
    ]


def key_statement(grant: ReplicationGrant) -> Statement:
    """Key policy statement letting one source's replication role encrypt replicas with this key."""
    return statement(
        f"EncryptReplicasFrom{_pascal(grant.source)}",
        KEY_ACTIONS,
        "*",
        principal=grant.principal,
        condition=grant.condition,
    )


class ReplicationDestination(Construct):
    """A versioned SecureBucket with its own KMS key, granting exactly the given replication roles."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        kms_alias: str,
        account_id: str,
        grants: Sequence[ReplicationGrant],
        log_bucket: AccessLogBucket | None,
        partition: str = "aws",
        expiration_days: int | None = None,
    ) -> None:
        super().__init__(scope, id)
        ordered = sorted(grants, key=lambda g: g.source)
        self.key = KmsKey(
            self,
            "key",
            alias=kms_alias,
            description=f"Replicated inference data in {bucket_name}",
            account_id=account_id,
            partition=partition,
            statements=[key_statement(g) for g in ordered],
        )
        bucket_arn = f"arn:{partition}:s3:::{bucket_name}"
        rules = [LifecycleRule(id="expire-inference-data", expiration_days=expiration_days)] if expiration_days else []
        self.bucket = SecureBucket(
            self,
            "bucket",
            bucket_name=bucket_name,
            kms_key_arn=self.key.arn,
            log_bucket=log_bucket,
            partition=partition,
            lifecycle_rules=rules,
            statements=[s for g in ordered for s in bucket_statements(g, bucket_arn)],
        )

    @property
    def bucket_arn(self) -> str:
        return self.bucket.arn

    @property
    def kms_key_arn(self) -> str:
        return self.key.arn
