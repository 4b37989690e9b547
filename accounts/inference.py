"""Staging and production accounts: inference endpoints, the inference API, data capture, replication of
inference data back to the data and ml-execution accounts, Model Monitor and retraining events.

The pieces live in inference_*.py; this module creates what they share (keys, the inference-data
bucket, the execution role) and calls them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config import contracts
from config.kinds import inference as inference_names
from config.schema.account import INFERENCE_ACCOUNTS
from modules.kms import KmsKey
from modules.policy import statement
from modules.secure_bucket import AccessLogBucket, LifecycleRule, SecureBucket
from modules.serving_gate import ServingGate

from . import inference_api, inference_endpoints, inference_monitoring, inference_replication, pipeline_targets
from .base import AccountStack

LOGS_PURPOSE = inference_names.LOGS_PURPOSE


@dataclass
class InferenceContext:
    """What the inference pieces share within one account's stack."""

    stack: AccountStack
    data_key: KmsKey
    logs_key: KmsKey
    bucket: SecureBucket
    # Endpoint name -> its serving gate: the endpoint, its API routes and its monitors share its count.
    gates: dict[str, ServingGate] = field(default_factory=dict)

    @property
    def resolved(self):
        return self.stack.resolved

    @property
    def account(self):
        return self.stack.account

    @property
    def section(self):
        return self.stack.account.model(INFERENCE_ACCOUNTS).inference

    @property
    def partition(self) -> str:
        return self.stack.resolved.partition

    @property
    def region(self) -> str:
        return self.stack.account.region

    def arn(self, service: str, resource: str) -> str:
        """An ARN of this account and region."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.stack.account_id}:{resource}"

    def s3_uri(self, prefix: str) -> str:
        return f"s3://{self.bucket.name}/{prefix}"


def build(stack: AccountStack) -> None:
    """Add the inference platform of a staging or production account to its stack."""
    ctx = _shared(stack)
    ctx.gates = inference_endpoints.gates(ctx)
    endpoints = inference_endpoints.build(ctx)
    inference_api.build(ctx)
    inference_monitoring.build(ctx, endpoints)
    inference_replication.build(ctx)
    # Deployment role trusted by the shared-services pipeline (when a pipeline targets this account).
    pipeline_targets.build(stack)


def _shared(stack: AccountStack) -> InferenceContext:
    r = stack.resolved
    account_id = stack.account_id
    data_key = KmsKey(
        stack,
        "inference-data-key",
        alias=r.kms_alias(contracts.INFERENCE_DATA),
        account_id=account_id,
        partition=r.partition,
        description=f"Inference data of {stack.name}: data capture, API capture, monitoring reports",
    )
    region = stack.account.region
    logs_key = KmsKey(
        stack,
        "inference-logs-key",
        alias=r.kms_alias(LOGS_PURPOSE),
        account_id=account_id,
        partition=r.partition,
        description=f"CloudWatch log groups of the inference API in {stack.name}",
        statements=[
            statement(
                "CloudWatchLogsUseKey",
                ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                "*",
                principal={"Service": f"logs.{region}.amazonaws.com"},
                condition={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{r.partition}:logs:{region}:{account_id}:log-group:*"
                        )
                    }
                },
            )
        ],
    )
    access_logs = AccessLogBucket(
        stack,
        "inference-access-logs",
        bucket_name=r.bucket_name(stack.name, LOGS_PURPOSE),
        account_id=account_id,
        partition=r.partition,
    )
    section = stack.account.model(INFERENCE_ACCOUNTS).inference
    bucket = SecureBucket(
        stack,
        "inference-data",
        bucket_name=r.bucket_name(stack.name, contracts.INFERENCE_DATA),
        kms_key_arn=data_key.arn,
        log_bucket=access_logs,
        partition=r.partition,
        # Replicas in the data and ml-execution accounts keep their own lifecycle; this is the serving copy.
        lifecycle_rules=[
            LifecycleRule(
                id="expire-inference-data", expiration_days=section.data_retention_days, noncurrent_expiration_days=7
            )
        ],
    )
    stack.output(
        "inference_data_bucket", bucket.name, "Bucket receiving data capture, API capture and monitoring reports"
    )
    return InferenceContext(stack, data_key, logs_key, bucket)
