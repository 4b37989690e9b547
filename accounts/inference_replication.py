"""Source side of the replication of inference data to every data and ml-execution account.

Destinations, buckets and keys come from config.contracts, which the destination stacks also read.
Delete markers are not replicated: deleting (or expiring) data here must not erase what training reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from config import contracts
from modules.replication_source import ReplicationDestination, ReplicationSource

if TYPE_CHECKING:
    from .inference import InferenceContext


def destinations(r, source: str) -> list[ReplicationDestination]:
    return [
        ReplicationDestination(
            name=dest,
            account_id=r.account_id(dest),
            bucket_arn=r.bucket_arn(dest, contracts.INFERENCE_DATA),
            kms_alias_arn=r.kms_alias_arn(dest, contracts.INFERENCE_DATA),
            kms_key_arn_pattern=r.kms_key_arn_pattern(dest),
            kms_alias=r.kms_alias(contracts.INFERENCE_DATA),
        )
        for dest in contracts.replication_destinations(r, source)
    ]


def build(ctx: InferenceContext) -> None:
    r = ctx.resolved
    targets = destinations(r, ctx.account.name)
    if not targets:
        return
    ReplicationSource(
        ctx.stack,
        "inference-replication",
        bucket=ctx.bucket,
        role_name=contracts.replication_role_name(r),
        account_id=ctx.stack.account_id,
        region=ctx.region,
        destinations=targets,
        replicate_delete_markers=ctx.section.replication.replicate_delete_markers,
        partition=r.partition,
    )
