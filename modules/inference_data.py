"""Destination side of inference-data replication: an encrypted bucket and key that admit the
replication roles of the source (staging/production) accounts, narrowed to exact role ARNs.
"""
from __future__ import annotations

from typing import Any

from constructs import Construct

from .kms import KmsKey
from .policy import statement
from .secure_bucket import AccessLogBucket, SecureBucket

REPLICATE_ACTIONS = ["s3:ObjectOwnerOverrideToBucketOwner", "s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"]


class ReplicationDestination(Construct):
    def __init__(
        self, scope: Construct, id: str, *, bucket_name: str, kms_alias: str, account_id: str, partition: str,
        log_bucket: AccessLogBucket | None, principal: dict[str, Any] | None, condition: dict[str, Any] | None,
    ) -> None:
        super().__init__(scope, id)
        self.key = KmsKey(self, "key", alias=kms_alias, description="Replicated inference data", account_id=account_id, partition=partition)
        self.bucket = SecureBucket(self, "bucket", bucket_name=bucket_name, kms_key_arn=self.key.arn, log_bucket=log_bucket, partition=partition)
        if principal is None:
            return
        self.key.add_statements(statement("ReplicationRolesEncrypt", ["kms:Encrypt", "kms:GenerateDataKey"], "*", principal=principal, condition=condition))
        self.bucket.add_statements(
            statement("ReplicationRolesReplicate", REPLICATE_ACTIONS, self.bucket.objects_arn, principal=principal, condition=condition),
            statement("ReplicationRolesCheckVersioning", ["s3:GetBucketVersioning", "s3:PutBucketVersioning"], self.bucket.arn, principal=principal, condition=condition),
        )
