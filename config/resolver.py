"""Resolve the validated configuration into names, ARNs, cross-account flows and an apply order.

Pure Python: every name or ARN that crosses an account boundary is computed here once, and both
sides of every grant are generated from the same value.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from typing import Any

from .contracts import bucket_name_of, partition_of
from .errors import ConfigError, Diagnostic, UnresolvedAccountError, config_option
from .loader import Config
from .lockfile import LOCK_FILE, lock_problems, read_lock_source

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
class ResolvedAccount:
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
    config: Any  # the account's pydantic model


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
    def landing_zone(self) -> Any:
        return self.config.landing_zone

    def of_kind(self, *kinds: str) -> list[ResolvedAccount]:
        """Accounts of these kinds, by name."""
        return [a for a in self.accounts.values() if a.kind in kinds]

    def management(self) -> ResolvedAccount:
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
        return f"arn:{self.partition}:iam::{self.account_id(name)}:root"

    def role_arn(self, name: str, role_name: str, path: str = "/") -> str:
        return f"arn:{self.partition}:iam::{self.account_id(name)}:role{path}{role_name}"

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
                        f"derived bucket name {bucket!r} is {len(bucket)} characters; S3 allows {S3_BUCKET_NAME_MAX}. Shorten the prefix or the purpose",
                    )
                ]
            )
        return bucket

    def bucket_arn(self, name: str, purpose: str) -> str:
        return f"arn:{self.partition}:s3:::{self.bucket_name(name, purpose)}"

    def kms_alias(self, purpose: str) -> str:
        """Alias of the customer-managed key for a purpose, the same in every account."""
        return f"alias/{self.prefix}/{purpose}"

    def kms_alias_arn(self, name: str, purpose: str) -> str:
        account = self.accounts[name]
        return f"arn:{self.partition}:kms:{account.region}:{self.account_id(name)}:{self.kms_alias(purpose)}"

    def kms_key_arn_pattern(self, name: str) -> str:
        """Keys of an account, narrowed to one key by a kms:ResourceAliases condition (key ids are not known before apply)."""
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
        backend = self.landing_zone.state_backend
        return backend.workspace_template.format(prefix=self.prefix, account=name)

    def state_key(self, name: str) -> str:
        backend = self.landing_zone.state_backend
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
        name: replace(a, account_id=a.account_id or "0" * 12) for name, a in _resolved_accounts(config, {}).items()
    }
    return Resolved(config, config.landing_zone.prefix, partition_of(config.landing_zone.home_region), accounts)


def resolve(config: Config) -> Resolved:
    """Resolve accounts, flows and apply order; raises ConfigError on a cycle or a stale lock entry."""
    from .flows import all_flows

    lz = config.landing_zone
    lock, lock_source = read_lock_source(config.root)
    problems = lock_problems(config, lock, lock_source)
    if problems:
        raise ConfigError(problems)
    accounts = _resolved_accounts(config, lock.accounts)
    partition = partition_of(lz.home_region)
    base = Resolved(config, lz.prefix, partition, accounts)
    # Two kinds may state the same flow (both ends of a replication); keep it once.
    flows = tuple(sorted(set(all_flows(base)), key=lambda f: (f.kind, f.source, f.target, f.label)))
    order = apply_order(base, flows)
    return Resolved(config, lz.prefix, partition, accounts, flows, order, lock.config_bucket)


def _resolved_accounts(config: Config, locked: dict[str, str]) -> dict[str, ResolvedAccount]:
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


def _deploy_role_name(acct: Any, lz: Any) -> str | None:
    """The account file's deploy_role_name, else the landing zone's default for members.

    The management account has no OrganizationAccountAccessRole (Organizations creates it only in
    member accounts): its stack uses the caller's management credentials unless its own file names a role.
    """
    if acct.kind == "management":
        return acct.deploy_role_name
    return acct.deploy_role_name or lz.default_deploy_role


def apply_order(resolved: Resolved, flows: tuple[Flow, ...]) -> tuple[str, ...]:
    """Topological order (management first, then by kind and name); a cycle is a configuration error."""
    names = list(resolved.accounts)
    management = resolved.management().name
    after: dict[str, set[str]] = {n: set() for n in names}  # node -> nodes that must come after it
    for other in names:
        if other != management:
            after[management].add(other)
    for flow in flows:
        if flow.first:
            second = flow.target if flow.first == flow.source else flow.source
            after[flow.first].add(second)
    indegree = {n: 0 for n in names}
    for src in names:
        for dst in after[src]:
            indegree[dst] += 1
    rank = lambda n: (KIND_RANK[resolved.accounts[n].kind], n)  # noqa: E731
    ready = [rank(n) for n in names if indegree[n] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for dst in sorted(after[node]):
            indegree[dst] -= 1
            if indegree[dst] == 0:
                heapq.heappush(ready, rank(dst))
    if len(order) != len(names):
        stuck = sorted(set(names) - set(order))
        cycle = [
            f"{f.first} before {f.target if f.first == f.source else f.source} ({f.label})"
            for f in flows
            if f.first in stuck
        ]
        raise ConfigError(
            [
                Diagnostic(
                    resolved.config.landing_zone_source.file,
                    1,
                    1,
                    "",
                    f"the accounts {', '.join(stuck)} depend on each other in a cycle: {'; '.join(cycle)}",
                )
            ]
        )
    return tuple(order)
