"""The data lake across accounts: Lake Formation shares, the S3 prefixes each consumer reads, and the
principals Lake Formation grants to. Data, ml-execution and data-science stacks all read these values,
so both sides of every lake grant come from one place.

Chain of one share: data account grant (to the consumer account, with grant option) -> resource link in
the consumer's catalog -> consumer grants (link DESCRIBE, target DESCRIBE + table permissions) to the
consumer's roles -> their identity policies (lakeformation:GetDataAccess, Glue read on link and target).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..model import Flow
from ..refs import account_ref
from ..schema.account import DataAccount, DataScienceAccount, MlExecutionAccount
from .data_science import activity_catalog, persona_role_name
from .ml_execution import pipeline_execution_role_name
from .security import administrator_name, assignment_accounts, identity_center_home

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved
    from ..schema.data import DataSection, Dataset

LAKE_CONSUMER_KINDS = ("ml-execution", "data-science")
# Lake Formation vends S3 credentials to a principal only with this IAM permission; it has no resource-level form.
# https://docs.aws.amazon.com/lake-formation/latest/dg/access-control-underlying-data.html
GET_DATA_ACCESS = "lakeformation:GetDataAccess"


def lake_bucket_purpose(bucket: str) -> str:
    return f"lake-{bucket}"


def glue_database_name(r: Resolved, dataset: str) -> str:
    """Glue database of a dataset: the prefix with underscores, then the dataset name."""
    return f"{r.prefix.replace('-', '_')}_{dataset}"


def dataset_prefix(dataset: Dataset) -> str:
    """S3 prefix of a dataset in its bucket (default <name>/)."""
    return dataset.prefix if dataset.prefix is not None else f"{dataset.name}/"


# -- shares to consumer accounts --------------------------------------------------------------
@dataclass(frozen=True)
class LakeShare:
    """A database shared by a data account with a consumer account (which creates a resource link)."""

    data_account: str
    catalog_id: str
    database_name: str
    bucket: str  # configured lake bucket of the dataset
    prefix: str  # the dataset's prefix in that bucket
    permissions: tuple[str, ...]
    grantable: bool


def lake_formation_shares(r: Resolved, consumer: str) -> list[LakeShare]:
    """Every database that data accounts share with consumer, from their lake_formation.grants."""
    shares = []
    for data in sorted(r.of_kind("data"), key=lambda a: a.name):
        section = data.config.data
        datasets = {d.name: d for d in section.datasets}
        for grant in section.lake_formation.grants:
            if grant.account != consumer:
                continue
            for name in grant.datasets:
                dataset = datasets[name]
                shares.append(
                    LakeShare(
                        data.name,
                        r.account_id(data.name),
                        glue_database_name(r, name),
                        dataset.bucket,
                        dataset_prefix(dataset),
                        tuple(sorted(p.value for p in grant.permissions)),
                        grant.grantable,
                    )
                )
    return sorted(shares, key=lambda s: (s.data_account, s.database_name))


def lake_query_personas(section: Any) -> list[str]:
    """Personas of a data-science section whose activities query the lake through Lake Formation."""
    catalog = activity_catalog()
    return sorted(
        p.name
        for p in section.personas
        if any(GET_DATA_ACCESS in s["actions"] for a in p.activities for s in catalog.get(a, {}).get("statements", []))
    )


def lake_s3_personas(section: Any) -> list[str]:
    """Personas of a data-science section that read lake objects directly from S3 (training jobs do)."""
    catalog = activity_catalog()
    return sorted(
        p.name
        for p in section.personas
        if any(
            "@data_objects" in s["resources"] for a in p.activities for s in catalog.get(a, {}).get("statements", [])
        )
    )


def lake_consumer_roles(r: Resolved, consumer: str) -> list[str]:
    """Role names of a consumer account that its Lake Formation admin grants the shared databases to:
    the data-science personas that query the lake, or the ml-execution pipeline role."""
    account = r.accounts[consumer]
    if account.kind == "data-science":
        return [persona_role_name(r, p) for p in lake_query_personas(account.model(DataScienceAccount).data_science)]
    if account.kind == "ml-execution" and account.model(MlExecutionAccount).ml_execution.pipelines:
        return [pipeline_execution_role_name(r)]
    return []


def catalog_key_users(r: Resolved, consumer: str) -> list[str]:
    """Role names of a consumer account that read the data accounts' encrypted catalog through Glue: the roles
    granted the shares (lake_consumer_roles) and its deploy role, the Lake Formation admin that creates the
    resource links and grants on the shared databases (each client of an encrypted catalog needs the key)."""
    # https://docs.aws.amazon.com/glue/latest/dg/encrypt-glue-data-catalog.html
    deploy = r.accounts[consumer].deploy_role_name
    return sorted({*lake_consumer_roles(r, consumer), *([deploy] if deploy else [])})


# -- direct S3 reads, no wider than the Lake Formation grants -------------------------------------
@dataclass(frozen=True)
class LakeReader:
    """Roles of one account that read objects under a prefix of a lake bucket with their own identity
    policies (S3 and the lake key); the data account's bucket and key policies grant exactly these."""

    account: str
    bucket: str  # configured lake bucket name (data.buckets[].name)
    prefix: str  # a shared dataset's prefix (never the whole bucket)
    roles: tuple[str, ...]


def lake_readers(r: Resolved, data_account: str) -> list[LakeReader]:
    """Who reads this data account's lake objects directly: data-science personas that read S3, on the
    prefixes of the datasets shared with their account, and ml-execution pipeline roles on their
    input_data (validated to lie inside a dataset shared with that account)."""
    readers: set[LakeReader] = set()
    for account in r.of_kind("data-science"):
        roles = tuple(persona_role_name(r, p) for p in lake_s3_personas(account.config.data_science))
        if roles:
            readers.update(
                LakeReader(account.name, s.bucket, s.prefix, roles)
                for s in lake_formation_shares(r, account.name)
                if s.data_account == data_account
            )
    for ml in r.of_kind("ml-execution"):
        for pipeline in ml.config.ml_execution.pipelines:
            data = pipeline.input_data
            if data.account == data_account:
                readers.add(LakeReader(ml.name, data.bucket, data.prefix, (pipeline_execution_role_name(r),)))
    return sorted(readers, key=lambda x: (x.bucket, x.account, x.prefix, x.roles))


def consumer_s3_reads(r: Resolved, consumer: str) -> list[tuple[str, str, str]]:
    """(data account, lake bucket purpose, prefix) a data-science account's S3 personas read."""
    return sorted(
        {(s.data_account, lake_bucket_purpose(s.bucket), s.prefix) for s in lake_formation_shares(r, consumer)}
    )


# -- Identity Center personas inside data accounts ----------------------------------------------
def lake_personas(section: DataSection) -> list[str]:
    """Identity Center personas a data account's Lake Formation names (admins and persona grants)."""
    lake = section.lake_formation
    return sorted({*lake.admin_personas, *(g.persona for g in lake.persona_grants)})


def _identity_center(config: Config) -> tuple[str, Any] | None | Literal[False]:
    """(administering security account, its identity_center); None when that account sets none; False when
    there is no valid administering security account (the foundation checks report that)."""
    admin = administrator_name(config)
    account = config.accounts.get(admin) if admin else None
    if admin is None or account is None or account.kind != "security":
        return False
    ic = account.security.identity_center
    return (admin, ic) if ic is not None else None


# -- checks ----------------------------------------------------------------------------------
def lake_grants(config: Config) -> Iterator[Diagnostic]:
    """Grants go to ml-execution or data-science accounts, on defined datasets, with the grant option."""
    for account in config.of_kind("data"):
        defined = {d.name for d in account.data.datasets}
        for i, grant in enumerate(account.data.lake_formation.grants):
            here = ("data", "lake_formation", "grants", i)
            problem = account_ref(config, account.name, (*here, "account"), grant.account, LAKE_CONSUMER_KINDS)
            if problem:
                yield problem
            yield from _datasets(config, account.name, here, grant.datasets, defined)
            if not grant.grantable:
                # https://docs.aws.amazon.com/lake-formation/latest/dg/granting-catalog-permissions.html
                yield config.error(
                    account.name,
                    (*here, "grantable"),
                    "Lake Formation grants to another account need the grant option: without it only the consumer's "
                    "data lake administrator sees the data and cannot grant it to its roles; remove grantable: false",
                )


def persona_grants(config: Config) -> Iterator[Diagnostic]:
    """Personas named by Lake Formation exist in Identity Center and are assigned to this data account
    (otherwise their role does not exist there and Lake Formation would name a missing principal)."""
    home = _identity_center(config)
    if home is False or (home is None and config.invalid_accounts):
        return  # no valid administering security account: its own errors are reported already
    for account in config.of_kind("data"):
        lake = account.data.lake_formation
        defined = {d.name for d in account.data.datasets}
        named: list[tuple[tuple[str | int, ...], str]] = [
            (("admin_personas", i), p) for i, p in enumerate(lake.admin_personas)
        ]
        named += [(("persona_grants", i, "persona"), g.persona) for i, g in enumerate(lake.persona_grants)]
        for i, grant in enumerate(lake.persona_grants):
            yield from _datasets(
                config, account.name, ("data", "lake_formation", "persona_grants", i), grant.datasets, defined
            )
        for loc, persona in named:
            problem = _persona_problem(config, home, account.name, persona)
            if problem:
                yield config.error(account.name, ("data", "lake_formation", *loc), problem)


def _persona_problem(config: Config, home: tuple[str, Any] | None, account: str, persona: str) -> str | None:
    if home is None:
        return (
            f"persona {persona!r} needs IAM Identity Center: configure security.identity_center in the "
            "administering security account"
        )
    admin, ic = home
    if persona not in ic.personas:
        return (
            f"unknown persona {persona!r}; define it under security.identity_center.personas of {admin!r} "
            f"(defined: {', '.join(sorted(ic.personas))})"
        )
    if not any(persona in a.personas and account in assignment_accounts(config.accounts, a) for a in ic.assignments):
        return (
            f"persona {persona!r} is not assigned to account {account!r}, so Identity Center creates no role "
            "for it there; "
            f"add an assignment of {persona!r} to {account!r} under security.identity_center.assignments of {admin!r}"
        )
    return None


def _datasets(config: Config, owner: str, here: tuple, datasets: list[str], defined: set[str]) -> Iterator[Diagnostic]:
    for j, dataset in enumerate(datasets):
        if dataset not in defined:
            yield config.error(
                owner,
                (*here, "datasets", j),
                f"unknown dataset {dataset!r}; define it under data.datasets (defined: "
                f"{', '.join(sorted(defined)) or 'none'})",
            )


def pipeline_inputs_within_shares(config: Config) -> Iterator[Diagnostic]:
    """An ml-execution pipeline reads S3 only inside a dataset its account is granted in Lake Formation:
    direct S3 reads are never wider than the Lake Formation grants."""
    for account in config.of_kind("ml-execution"):
        for i, pipeline in enumerate(account.ml_execution.pipelines):
            data = pipeline.input_data
            owner = config.accounts.get(data.account)
            if owner is None or owner.kind != "data":
                continue  # the ml-execution checks report the account reference
            shared = sorted(
                (d.bucket, dataset_prefix(d))
                for g in owner.data.lake_formation.grants
                if g.account == account.name
                for d in owner.data.datasets
                if d.name in g.datasets
            )
            if not any(data.bucket == b and data.prefix.startswith(p) for b, p in shared):
                listing = ", ".join(f"{b}/{p}" for b, p in shared) or "none"
                yield config.error(
                    account.name,
                    ("ml_execution", "pipelines", i, "input_data", "prefix"),
                    f"S3 reads are granted only inside datasets {data.account!r} shares with {account.name!r} through "
                    f"data.lake_formation.grants; {data.bucket}/{data.prefix} is in none of them (shared: {listing})",
                )


CHECKS = [lake_grants, persona_grants, pipeline_inputs_within_shares]


def flows(resolved: Resolved) -> Iterable[Flow]:
    """Shares order apply (the consumer grants on the shared database after the data account shared it);
    Identity Center provisions the persona roles a data account's Lake Formation names before it applies."""
    for data in sorted(a.name for a in resolved.of_kind("data")):
        section = resolved.accounts[data].model(DataAccount).data
        for consumer in sorted({g.account for g in section.lake_formation.grants}):
            yield Flow(data, consumer, "data-access", "Lake Formation grants", first=data)
        home = identity_center_home(resolved)
        if lake_personas(section) and home and home[0] != data:
            yield Flow(home[0], data, "trust", "Identity Center roles named by Lake Formation", first=home[0])
