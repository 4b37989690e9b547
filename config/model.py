"""The types every layer above the schema shares: the validated configuration (Config), an account with
everything derived (ResolvedAccount), a cross-account relation (Flow) and the resolved landing zone (Resolved).

They sit below the loader, the checks, the kinds and the resolver, so imports run one way:
errors/schema/contracts -> model -> kinds -> checks, flows -> loader, resolver. Diagnostic lives in errors.py,
the one module below every other; it is re-exported here so callers find the shared types in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, Literal, overload

from typing_extensions import TypeVar

from .contracts import bucket_name_of, iam_role_arn, kms_alias_of, partition_of, root_arn_of, s3_bucket_arn
from .errors import ConfigError, Diagnostic, UnresolvedAccountError, config_option
from .paths import LOCK_FILE
from .schema import AccountBase, AnyAccount, LandingZone
from .schema.account import (
    DataAccount,
    DataScienceAccount,
    ManagementAccount,
    MlExecutionAccount,
    ProductionAccount,
    SecurityAccount,
    SharedServicesAccount,
    StagingAccount,
)
from .yaml_source import Loc, SourceMap

K = TypeVar("K", bound=AccountBase)
K2 = TypeVar("K2", bound=AccountBase)


@overload
def as_kind(account: AnyAccount, cls: type[K], /) -> K: ...
@overload
def as_kind(account: AnyAccount, cls: tuple[type[K], type[K2]], /) -> K | K2: ...
def as_kind(account: AnyAccount, cls: Any, /) -> Any:
    """The account's model as the class of its kind: callers that know the kind (a stack of that kind, a name a check
    has resolved) read its section typed; a wrong kind is a bug, reported as one."""
    if not isinstance(account, cls):
        raise TypeError(f"account {account.name!r} is a {account.kind} account, not {cls}")
    return account


# The account file's class a ResolvedAccount holds; AnyAccount unless its kind is known (Resolved.of_kind).
A = TypeVar("A", bound=AnyAccount, default=AnyAccount, covariant=True)

__all__ = ["Config", "Diagnostic", "Flow", "KIND_RANK", "Resolved", "ResolvedAccount", "naming_view"]

# Kinds apply in this order when nothing else decides; management always first.
KIND_RANK = {
    "management": 0,
    "security": 1,
    "data": 2,
    "shared-services": 3,
    "ml-execution": 4,
    "data-science": 5,
    "staging": 6,
    "production": 7,
}
S3_BUCKET_NAME_MAX = 63


@dataclass(frozen=True)
class Config:
    """The whole validated configuration, with the source map of each file for later checks."""

    root: Path
    landing_zone: LandingZone
    accounts: dict[str, AnyAccount]  # account name -> the account file's model, in file-name order
    landing_zone_source: SourceMap
    account_sources: dict[str, SourceMap]
    # Accounts whose files failed validation: references to them are not reported again as unknown.
    invalid_accounts: frozenset[str] = frozenset()
    invalid_kinds: frozenset[str] = frozenset()  # the `kind:` those files declare, when readable
    # Some file takes part without its failing values: names derived from everything are not checked.
    partial: bool = False

    @overload
    def account(self, name: str, cls: type[K], /) -> K: ...
    @overload
    def account(self, name: str, cls: tuple[type[K], type[K2]], /) -> K | K2: ...
    def account(self, name: str, cls: Any, /) -> Any:
        """The named account as the class of its kind (as_kind): config.account(owner, MlExecutionAccount)."""
        return as_kind(self.accounts[name], cls)

    def error(self, account: str | None, loc: Loc, message: str, *, key: bool = False) -> Diagnostic:
        """A located diagnostic for a field of an account file (or of landing-zone.yaml when account is None)."""
        source = self.landing_zone_source if account is None else self.account_sources[account]
        return source.diagnostic(loc, message, key=key)

    @overload
    def of_kind(self, kind: Literal["management"], /) -> list[ManagementAccount]: ...

    @overload
    def of_kind(self, kind: Literal["security"], /) -> list[SecurityAccount]: ...

    @overload
    def of_kind(self, kind: Literal["data"], /) -> list[DataAccount]: ...

    @overload
    def of_kind(self, kind: Literal["shared-services"], /) -> list[SharedServicesAccount]: ...

    @overload
    def of_kind(self, kind: Literal["data-science"], /) -> list[DataScienceAccount]: ...

    @overload
    def of_kind(self, kind: Literal["ml-execution"], /) -> list[MlExecutionAccount]: ...

    @overload
    def of_kind(self, kind: Literal["staging"], /) -> list[StagingAccount]: ...

    @overload
    def of_kind(self, kind: Literal["production"], /) -> list[ProductionAccount]: ...

    @overload
    def of_kind(
        self, a: Literal["staging"], b: Literal["production"], /
    ) -> list[StagingAccount | ProductionAccount]: ...
    @overload
    def of_kind(self, *kinds: str) -> list[AnyAccount]: ...

    def of_kind(self, *kinds: str) -> list[Any]:
        """Accounts of the given kinds, in name order (typed by kind: of_kind("data") holds DataAccounts)."""
        return [a for a in self.accounts.values() if a.kind in kinds]


@dataclass(frozen=True)
class ResolvedAccount(Generic[A]):
    """One account with everything derived: id (if known), region, deploy role, merged tags."""

    name: str
    kind: str
    account_id: str | None
    created: bool  # mlops-tf creates it (email given) rather than adopting an existing account
    email: str | None
    region: str
    ou: str | None
    deploy_role_name: str | None  # None: the provider uses the caller's credentials (management by default)
    tags: dict[str, str]
    config: A  # the account file's model (its class follows the kind: Resolved.of_kind("data") holds DataAccounts)

    @overload
    def model(self, cls: type[K], /) -> K: ...
    @overload
    def model(self, cls: tuple[type[K], type[K2]], /) -> K | K2: ...
    def model(self, cls: Any, /) -> Any:
        """The account file's model as the class of its kind (as_kind)."""
        return as_kind(self.config, cls)


@dataclass(frozen=True)
class Flow:
    """A cross-account relation: drawn by `graph`; when `first` is set it also orders `apply`."""

    source: str
    target: str
    kind: str  # vending, delegation, replication, deployment, events, registry, trust, data-access
    label: str
    first: str | None = None  # the account that must apply before the other, if any


@dataclass(frozen=True)
class Resolved:
    """The resolved landing zone. Methods compute shared names; raise when an id is not known yet."""

    config: Config
    prefix: str
    partition: str
    accounts: dict[str, ResolvedAccount]
    flows: tuple[Flow, ...] = field(default=())
    order: tuple[str, ...] = field(default=())
    recorded_config_bucket: str | None = None  # accounts.lock.yaml: the Config archive's stack has created it

    # -- accounts ----------------------------------------------------------------------------
    @property
    def landing_zone(self) -> LandingZone:
        return self.config.landing_zone

    @overload
    def of_kind(self, kind: Literal["management"], /) -> list[ResolvedAccount[ManagementAccount]]: ...

    @overload
    def of_kind(self, kind: Literal["security"], /) -> list[ResolvedAccount[SecurityAccount]]: ...

    @overload
    def of_kind(self, kind: Literal["data"], /) -> list[ResolvedAccount[DataAccount]]: ...

    @overload
    def of_kind(self, kind: Literal["shared-services"], /) -> list[ResolvedAccount[SharedServicesAccount]]: ...

    @overload
    def of_kind(self, kind: Literal["data-science"], /) -> list[ResolvedAccount[DataScienceAccount]]: ...

    @overload
    def of_kind(self, kind: Literal["ml-execution"], /) -> list[ResolvedAccount[MlExecutionAccount]]: ...

    @overload
    def of_kind(self, kind: Literal["staging"], /) -> list[ResolvedAccount[StagingAccount]]: ...

    @overload
    def of_kind(self, kind: Literal["production"], /) -> list[ResolvedAccount[ProductionAccount]]: ...

    @overload
    def of_kind(
        self, a: Literal["staging"], b: Literal["production"], /
    ) -> list[ResolvedAccount[StagingAccount | ProductionAccount]]: ...
    @overload
    def of_kind(self, *kinds: str) -> list[ResolvedAccount[AnyAccount]]: ...

    def of_kind(self, *kinds: str) -> list[Any]:
        """Accounts of these kinds, by name (typed by kind, as Config.of_kind)."""
        return [a for a in self.accounts.values() if a.kind in kinds]

    def management(self) -> ResolvedAccount[ManagementAccount]:
        return self.of_kind("management")[0]

    def account_id(self, name: str) -> str:
        """The 12-digit id of an account; raises with what to run when it has not been created yet."""
        account = self.accounts[name]
        if account.account_id is None:
            raise UnresolvedAccountError(
                f"account {name!r} has no id yet: it is created by the management stack. "
                f"Run `mlops-tf apply --account {self.management().name}{config_option(self.config.root)}`, "
                f"then `mlops-tf lock{config_option(self.config.root)}` "
                f"to record its id in {self.config.root / LOCK_FILE}, and synthesize again."
            )
        return account.account_id

    # -- names and ARNs ----------------------------------------------------------------------
    def resource_name(self, *parts: str) -> str:
        """A landing-zone-scoped name such as '<prefix>-model-deploy'."""
        return "-".join((self.prefix, *parts))

    def root_arn(self, name: str) -> str:
        return root_arn_of(self.partition, self.account_id(name))

    def role_arn(self, name: str, role_name: str, path: str = "/") -> str:
        return iam_role_arn(self.partition, self.account_id(name), role_name, path)

    def deploy_role_arn(self, name: str) -> str | None:
        """The role the stack's AWS provider assumes in its account; None when it uses the caller's credentials."""
        role = self.accounts[name].deploy_role_name
        return None if role is None else self.role_arn(name, role)

    def bucket_name(self, name: str, purpose: str) -> str:
        """Globally unique bucket name: prefix, purpose, account id and region."""
        account = self.accounts[name]
        bucket = bucket_name_of(self.prefix, purpose, self.account_id(name), account.region)
        if len(bucket) > S3_BUCKET_NAME_MAX:
            raise ConfigError(
                [
                    self.config.error(
                        name,
                        ("name",),
                        f"derived bucket name {bucket!r} is {len(bucket)} characters; S3 allows "
                        f"{S3_BUCKET_NAME_MAX}. Shorten the prefix or the purpose",
                    )
                ]
            )
        return bucket

    def bucket_arn(self, name: str, purpose: str) -> str:
        return s3_bucket_arn(self.partition, self.bucket_name(name, purpose))

    def kms_alias(self, purpose: str) -> str:
        """Alias of the customer-managed key for a purpose, the same in every account."""
        return kms_alias_of(self.prefix, purpose)

    def kms_alias_arn(self, name: str, purpose: str) -> str:
        account = self.accounts[name]
        return f"arn:{self.partition}:kms:{account.region}:{self.account_id(name)}:{self.kms_alias(purpose)}"

    def kms_key_arn_pattern(self, name: str) -> str:
        """Keys of an account, narrowed to one key by a kms:ResourceAliases condition (key ids are not known
        before apply)."""
        account = self.accounts[name]
        return f"arn:{self.partition}:kms:{account.region}:{self.account_id(name)}:key/*"

    def cross_account_principal(self, grants: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(Principal, Condition) granting to account roots, narrowed to exact role ARNs.

        grants maps account name -> role names. AWS rejects policies naming roles that do not exist
        yet; the root principal plus an aws:PrincipalArn condition is least privilege without ordering.
        """
        names = sorted(grants)
        roots = [self.root_arn(n) for n in names]
        roles = sorted(self.role_arn(n, r) for n in names for r in grants[n])
        return {"AWS": roots if len(roots) > 1 else roots[0]}, {
            "ArnEquals": {"aws:PrincipalArn": roles if len(roles) > 1 else roles[0]}
        }

    # -- state -----------------------------------------------------------------------------
    def workspace_name(self, name: str) -> str:
        backend = self.landing_zone.cloud_backend()
        return backend.workspace_template.format(prefix=self.prefix, account=name)

    def state_key(self, name: str) -> str:
        backend = self.landing_zone.s3_backend()
        return backend.key_pattern.format(prefix=self.prefix, account=name)

    def dependencies(self, name: str) -> list[str]:
        """Accounts that must apply before this one."""
        out = {f.first for f in self.flows if f.first and name in (f.source, f.target) and f.first != name}
        if name != self.management().name:
            out.add(self.management().name)
        return sorted(out, key=self.order.index)


def naming_view(config: Config) -> Resolved:
    """The accounts and names of the configuration without the lock file, flows or order: what
    validation needs to derive every name. Ids not known yet are twelve zeros: names and ARNs built from
    them (event patterns whose size decides rule names, for one) have the lengths of the real ones."""
    accounts = {
        name: replace(a, account_id=a.account_id or "0" * 12) for name, a in resolved_accounts(config, {}).items()
    }
    return Resolved(config, config.landing_zone.prefix, partition_of(config.landing_zone.home_region), accounts)


def resolved_accounts(config: Config, locked: dict[str, str]) -> dict[str, ResolvedAccount]:
    """Every account of the configuration with its id (the YAML's, else the lock's) and derived settings."""
    lz = config.landing_zone
    accounts: dict[str, ResolvedAccount] = {}
    for name, acct in config.accounts.items():
        if acct.kind == "management":
            account_id: str | None = lz.management_account_id
        else:
            account_id = acct.account_id or locked.get(name)
        accounts[name] = ResolvedAccount(
            name=name,
            kind=acct.kind,
            account_id=account_id,
            created=acct.kind != "management" and acct.email is not None and acct.account_id is None,
            email=acct.email,
            region=acct.region or lz.home_region,
            ou=acct.ou,
            deploy_role_name=_deploy_role_name(acct, lz),
            tags={**lz.tags, **acct.tags, "mlops-tf:account": name, "mlops-tf:kind": acct.kind},
            config=acct,
        )
    return accounts


def _deploy_role_name(acct: AnyAccount, lz: LandingZone) -> str | None:
    """The account file's deploy_role_name, else the landing zone's default for members.

    The management account has no OrganizationAccountAccessRole (Organizations creates it only in
    member accounts): its stack uses the caller's management credentials unless its own file names a role.
    """
    if acct.kind == "management":
        return acct.deploy_role_name
    return acct.deploy_role_name or lz.default_deploy_role
