"""Data accounts: cross-file checks, the names other accounts share with them, and their flows.

Two grants cross the account boundary here and both sides read them from this module:
- the inference data landing zone (destination side of S3 replication), `replication_destination`,
  used by data accounts and, with the same function, by ml-execution accounts;
- Lake Formation shares to ml-execution and data-science accounts, `lake_formation_shares`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..checks.refs import account_ref
from ..contracts import INFERENCE_DATA, replication_role_name, replication_sources

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..loader import Config
    from ..resolver import Flow, Resolved

LAKE_CONSUMER_KINDS = ("ml-execution", "data-science")
DATA_LAKE = "data-lake"  # KMS purpose of the lake buckets, Athena results and the Glue catalog
DATA_STORES = "data-stores"  # KMS purpose of DynamoDB, RDS and EFS
ATHENA_RESULTS = "athena-results"
ACCESS_LOGS = "access-logs"


def lake_bucket_purpose(bucket: str) -> str:
    return f"lake-{bucket}"


def crawler_name(r: "Resolved", dataset: str) -> str:
    """Glue crawler of a dataset (hyphens where the dataset has underscores)."""
    return r.resource_name("crawler", dataset.replace("_", "-"))


def store_name(r: "Resolved", store: str) -> str:
    """DynamoDB table, RDS identifier (and subnet group) or EFS creation token of a configured store."""
    return r.resource_name(store)


def glue_database_name(r: "Resolved", dataset: str) -> str:
    """Glue database of a dataset: the prefix with underscores, then the dataset name."""
    return f"{r.prefix.replace('-', '_')}_{dataset}"


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


def replication_destination(r: "Resolved", destination: str) -> ReplicationDestinationSpec:
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


def replication_flows(r: "Resolved", destination: str) -> Iterator["Flow"]:
    """Replication from each source into destination; the destination applies first (bucket policy, key)."""
    from ..resolver import Flow

    for source in sorted(replication_sources(r, destination)):
        yield Flow(source, destination, "replication", "inference data replication", first=destination)


# -- direct reads of lake buckets from other accounts ------------------------------------------
@dataclass(frozen=True)
class LakeReader:
    """Roles of one account that read objects under a prefix of a lake bucket with their own identity
    policies (S3 and the lake key); the data account's bucket and key policies grant exactly these."""

    account: str
    bucket: str  # configured lake bucket name (data.buckets[].name)
    prefix: str  # "" for the whole bucket
    roles: tuple[str, ...]


def lake_readers(r: "Resolved", data_account: str) -> list[LakeReader]:
    """Who reads this data account's lake buckets directly: data-science personas with the
    access-s3-buckets activity (data_science.data_access) and ml-execution pipeline roles (input_data).
    The consumer stacks build their identity policies from the same configuration."""
    from .data_science import activity_catalog, persona_role_name
    from .ml_execution import pipeline_execution_role_name

    readers: set[LakeReader] = set()
    catalog = activity_catalog()
    for account in r.of_kind("data-science"):
        section = account.config.data_science
        access = section.data_access
        if access is None or access.account != data_account:
            continue
        roles = tuple(sorted(
            persona_role_name(r, p.name) for p in section.personas
            if any("@data_objects" in repr(catalog.get(a, {})) for a in p.activities)
        ))
        if roles:
            readers.update(LakeReader(account.name, bucket, "", roles) for bucket in access.buckets)
    for account in r.of_kind("ml-execution"):
        for pipeline in account.config.ml_execution.pipelines:
            data = pipeline.input_data
            if data.account == data_account:
                readers.add(LakeReader(account.name, data.bucket, data.prefix, (pipeline_execution_role_name(r),)))
    return sorted(readers, key=lambda x: (x.bucket, x.account, x.prefix, x.roles))


# -- Lake Formation shares ---------------------------------------------------------------------
@dataclass(frozen=True)
class LakeShare:
    """A database shared by a data account with a consumer account (which creates resource links)."""

    data_account: str
    catalog_id: str
    database_name: str
    permissions: tuple[str, ...]
    grantable: bool


def lake_formation_shares(r: "Resolved", consumer: str) -> list[LakeShare]:
    """Every database that data accounts share with consumer, from their lake_formation.grants."""
    shares = []
    for data in sorted(r.of_kind("data"), key=lambda a: a.name):
        for grant in data.config.data.lake_formation.grants:
            if grant.account != consumer:
                continue
            for dataset in grant.datasets:
                shares.append(LakeShare(
                    data.name, r.account_id(data.name), glue_database_name(r, dataset),
                    tuple(sorted(p.value for p in grant.permissions)), grant.grantable,
                ))
    return sorted(shares, key=lambda s: (s.data_account, s.database_name))


# -- checks ----------------------------------------------------------------------------------
def bucket_names(config: "Config") -> Iterator["Diagnostic"]:
    """Lake bucket names are unique (their derived names are checked with every other name: checks/names.py)."""
    for account in config.of_kind("data"):
        seen: set[str] = set()
        for i, bucket in enumerate(account.data.buckets):
            if bucket.name in seen:
                yield config.error(account.name, ("data", "buckets", i, "name"), f"duplicate bucket name {bucket.name!r}")
            seen.add(bucket.name)


def datasets(config: "Config") -> Iterator["Diagnostic"]:
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
                    account.name, ("data", "datasets", i, "bucket"),
                    f"unknown bucket {dataset.bucket!r}; define it under data.buckets (defined: {', '.join(sorted(buckets)) or 'none'})",
                )


def lake_formation_grants(config: "Config") -> Iterator["Diagnostic"]:
    """Grants go to ml-execution or data-science accounts, on defined datasets."""
    for account in config.of_kind("data"):
        defined = {d.name for d in account.data.datasets}
        for i, grant in enumerate(account.data.lake_formation.grants):
            here = ("data", "lake_formation", "grants", i)
            problem = account_ref(config, account.name, (*here, "account"), grant.account, LAKE_CONSUMER_KINDS)
            if problem:
                yield problem
            for j, dataset in enumerate(grant.datasets):
                if dataset not in defined:
                    yield config.error(
                        account.name, (*here, "datasets", j),
                        f"unknown dataset {dataset!r}; define it under data.datasets (defined: {', '.join(sorted(defined)) or 'none'})",
                    )


def shared_database_names(config: "Config") -> Iterator["Diagnostic"]:
    """A consumer links each shared database under its own name, so no consumer gets one name twice."""
    seen: dict[tuple[str, str], str] = {}  # (consumer, dataset) -> data account that shares it first
    for account in sorted(config.of_kind("data"), key=lambda a: a.name):
        for i, grant in enumerate(account.data.lake_formation.grants):
            for j, dataset in enumerate(grant.datasets):
                first = seen.setdefault((grant.account, dataset), account.name)
                if first != account.name or _granted_before(account.data.lake_formation.grants, i, grant.account, dataset):
                    yield config.error(
                        account.name, ("data", "lake_formation", "grants", i, "datasets", j),
                        f"dataset {dataset!r} is already shared with {grant.account!r} by account {first!r}; "
                        "the consumer's resource link would have the same name",
                    )


def _granted_before(grants: list, index: int, consumer: str, dataset: str) -> bool:
    return any(g.account == consumer and dataset in g.datasets for g in grants[:index])


def stores(config: "Config") -> Iterator["Diagnostic"]:
    """Store names are unique per type; subnet lists have no duplicates."""
    for account in config.of_kind("data"):
        seen: set[tuple[str, str]] = set()
        for i, store in enumerate(account.data.stores):
            if (store.type, store.name) in seen:
                yield config.error(account.name, ("data", "stores", i, "name"), f"duplicate {store.type} store {store.name!r}")
            seen.add((store.type, store.name))
            subnets = getattr(store, "subnet_ids", [])
            if len(set(subnets)) != len(subnets):
                yield config.error(account.name, ("data", "stores", i, "subnet_ids"), "subnet ids must be distinct")


CHECKS = [bucket_names, datasets, lake_formation_grants, shared_database_names, stores]


def flows(resolved: "Resolved") -> Iterable["Flow"]:
    from ..resolver import Flow

    for data in sorted(a.name for a in resolved.of_kind("data")):
        yield from replication_flows(resolved, data)
        consumers = sorted({g.account for g in resolved.accounts[data].config.data.lake_formation.grants})
        for consumer in consumers:
            yield Flow(data, consumer, "data-access", "Lake Formation grants")
