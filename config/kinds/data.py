"""Data accounts: cross-file checks, the names other accounts share with them, and their flows.

Two grants cross the account boundary here and both sides read them from this module:
- the inference data landing zone (destination side of S3 replication), `replication_destination`,
  used by data accounts and, with the same function, by ml-execution accounts;
- Lake Formation shares to ml-execution and data-science accounts, `lake_formation_shares` (config.kinds.lake).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..contracts import INFERENCE_DATA, replication_role_name, replication_sources
from ..model import Flow
from . import lake
from .lake import (  # noqa: F401  (re-exported: stacks import the lake names from config.kinds.data)
    dataset_prefix,
    glue_database_name,
    lake_bucket_purpose,
    lake_formation_shares,
    lake_readers,
)

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved

DATA_LAKE = "data-lake"  # KMS purpose of the lake buckets, Athena results and the Glue catalog
DATA_STORES = "data-stores"  # KMS purpose of DynamoDB, RDS and EFS
ATHENA_RESULTS = "athena-results"
ACCESS_LOGS = "access-logs"


def crawler_name(r: Resolved, dataset: str) -> str:
    """Glue crawler of a dataset (hyphens where the dataset has underscores)."""
    return r.resource_name("crawler", dataset.replace("_", "-"))


def store_name(r: Resolved, store: str) -> str:
    """DynamoDB table, RDS identifier (and subnet group) or EFS creation token of a configured store."""
    return r.resource_name(store)


# -- inference data replication, destination side ---------------------------------------------
@dataclass(frozen=True)
class ReplicationSourceGrant:
    """What one source account's replication role is granted on a destination bucket and key."""

    source: str
    role_arn: str
    principal: dict
    condition: dict


@dataclass(frozen=True)
class ReplicationDestinationSpec:
    """Everything a destination account needs to generate its side of inference-data replication."""

    account: str
    bucket_name: str
    bucket_arn: str
    kms_alias: str
    grants: tuple[ReplicationSourceGrant, ...]


def replication_destination(r: Resolved, destination: str) -> ReplicationDestinationSpec:
    """The destination side for a data or ml-execution account, one grant per replication source."""
    role = replication_role_name(r)
    grants = []
    for source in sorted(replication_sources(r, destination)):
        principal, condition = r.cross_account_principal({source: [role]})
        grants.append(ReplicationSourceGrant(source, r.role_arn(source, role), principal, condition))
    return ReplicationDestinationSpec(
        account=destination,
        bucket_name=r.bucket_name(destination, INFERENCE_DATA),
        bucket_arn=r.bucket_arn(destination, INFERENCE_DATA),
        kms_alias=r.kms_alias(INFERENCE_DATA),
        grants=tuple(grants),
    )


def replication_flows(r: Resolved, destination: str) -> Iterator[Flow]:
    """Replication from each source into destination; the destination applies first (bucket policy, key)."""
    for source in sorted(replication_sources(r, destination)):
        yield Flow(source, destination, "replication", "inference data replication", first=destination)


# -- checks ----------------------------------------------------------------------------------
def bucket_names(config: Config) -> Iterator[Diagnostic]:
    """Lake bucket names are unique (their derived names are checked with every other name: checks/names.py)."""
    for account in config.of_kind("data"):
        seen: set[str] = set()
        for i, bucket in enumerate(account.data.buckets):
            if bucket.name in seen:
                yield config.error(
                    account.name, ("data", "buckets", i, "name"), f"duplicate bucket name {bucket.name!r}"
                )
            seen.add(bucket.name)


def datasets(config: Config) -> Iterator[Diagnostic]:
    """Dataset names are unique and each dataset lives in a defined lake bucket."""
    for account in config.of_kind("data"):
        buckets = {b.name for b in account.data.buckets}
        seen: set[str] = set()
        for i, dataset in enumerate(account.data.datasets):
            if dataset.name in seen:
                yield config.error(account.name, ("data", "datasets", i, "name"), f"duplicate dataset {dataset.name!r}")
            seen.add(dataset.name)
            if dataset.bucket not in buckets:
                yield config.error(
                    account.name,
                    ("data", "datasets", i, "bucket"),
                    f"unknown bucket {dataset.bucket!r}; define it under data.buckets (defined: "
                    f"{', '.join(sorted(buckets)) or 'none'})",
                )


def shared_database_names(config: Config) -> Iterator[Diagnostic]:
    """A consumer links each shared database under its own name, so no consumer gets one name twice."""
    seen: dict[tuple[str, str], str] = {}  # (consumer, dataset) -> data account that shares it first
    for account in sorted(config.of_kind("data"), key=lambda a: a.name):
        for i, grant in enumerate(account.data.lake_formation.grants):
            for j, dataset in enumerate(grant.datasets):
                first = seen.setdefault((grant.account, dataset), account.name)
                if first != account.name or _granted_before(
                    account.data.lake_formation.grants, i, grant.account, dataset
                ):
                    yield config.error(
                        account.name,
                        ("data", "lake_formation", "grants", i, "datasets", j),
                        f"dataset {dataset!r} is already shared with {grant.account!r} by account {first!r}; "
                        "the consumer's resource link would have the same name",
                    )


def _granted_before(grants: list, index: int, consumer: str, dataset: str) -> bool:
    return any(g.account == consumer and dataset in g.datasets for g in grants[:index])


def stores(config: Config) -> Iterator[Diagnostic]:
    """Store names are unique per type; subnet lists have no duplicates."""
    for account in config.of_kind("data"):
        seen: set[tuple[str, str]] = set()
        for i, store in enumerate(account.data.stores):
            if (store.type, store.name) in seen:
                yield config.error(
                    account.name, ("data", "stores", i, "name"), f"duplicate {store.type} store {store.name!r}"
                )
            seen.add((store.type, store.name))
            subnets = getattr(store, "subnet_ids", [])
            if len(set(subnets)) != len(subnets):
                yield config.error(account.name, ("data", "stores", i, "subnet_ids"), "subnet ids must be distinct")


CHECKS = [bucket_names, datasets, shared_database_names, stores, *lake.CHECKS]


def flows(resolved: Resolved) -> Iterable[Flow]:
    for data in sorted(a.name for a in resolved.of_kind("data")):
        yield from replication_flows(resolved, data)
    yield from lake.flows(resolved)
