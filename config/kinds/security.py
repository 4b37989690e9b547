"""Security accounts: cross-file checks, cross-account names (audit trust, trail, Identity Center) and flows.

The organization-wide parts (Identity Center, the organization trail, GuardDuty, Security Hub, alerts)
live in the security account that administers them: management.delegated_administrator, or the only
security account. Other security accounts carry the audit hub role and may hold the trail's log archive.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..contracts import security_audit_role_name
from ..errors import known
from ..model import Flow
from ..refs import account_ref, account_refs
from ..schema import Vending
from ..schema.account import SecurityAccount

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved
    from ..schema.security import SecuritySection

CLOUDTRAIL = "cloudtrail"  # bucket and KMS purpose of the organization trail's log archive
SECURITY_ALERTS = "security-alerts"  # KMS purpose of the findings topic
ORGANIZATION_WIDE_KEYS = ("identity_center", "organization_trail", "guardduty", "security_hub", "alerts")


# -- which account does what -----------------------------------------------------------------
def administrator_name(config: Config) -> str | None:
    """The security account holding the organization-wide security services: management.delegated_administrator,
    else the only (first) security account. Checks call it with the Config, stacks through delegated_admin."""
    for manager in config.of_kind("management"):
        if manager.management.delegated_administrator:
            return manager.management.delegated_administrator
    security = config.of_kind("security")
    return security[0].name if security else None


def delegated_admin(r: Resolved) -> str | None:
    """The security account that administers GuardDuty, Security Hub and Access Analyzer (administrator_name)."""
    return administrator_name(r.config)


def administrator_section(r: Resolved) -> SecuritySection | None:
    """The security section of the administering security account (None without one)."""
    name = delegated_admin(r)
    account = r.accounts.get(name) if name else None
    return account.model(SecurityAccount).security if account is not None and account.kind == "security" else None


def trail_account(r: Resolved) -> str | None:
    """The account that owns the organization trail (the administering security account), if enabled.
    Under Control Tower there is none: Control Tower's own organization trail and Log Archive are reused."""
    if r.landing_zone.organization.vending is Vending.control_tower:
        return None
    section = administrator_section(r)
    trail = section.organization_trail if section is not None else None
    return delegated_admin(r) if trail is not None and trail.enabled else None


def log_archive_account(r: Resolved) -> str | None:
    """The account holding the trail's log bucket and key: organization_trail.log_archive_account or the trail's own."""
    owner = trail_account(r)
    if owner is None:
        return None
    trail = known(administrator_section(r), "the administrator's security section").organization_trail
    return known(trail, "organization_trail").log_archive_account or owner


def trail_name(r: Resolved) -> str:
    return r.resource_name("organization-trail")


def trail_owner_account_id(r: Resolved) -> str:
    """The account id in the organization trail's ARN: always the management account's.

    CloudTrail keeps the management account the owner of organization trails that a delegated
    administrator creates, so the trail ARN (aws:SourceArn of every delivery), the encryption context
    and the AWSLogs/<account>/ prefix name the management account, not the security account.
    """
    return r.account_id(r.management().name)


def trail_arn(r: Resolved) -> str:
    """ARN of the organization trail, in the region of the account that creates it, owned by management."""
    creator = r.accounts[known(trail_account(r), "the organization trail's account")]
    return f"arn:{r.partition}:cloudtrail:{creator.region}:{trail_owner_account_id(r)}:trail/{trail_name(r)}"


def identity_center_home(r: Resolved) -> tuple[str, Any] | None:
    """(account that manages Identity Center, its IdentityCenter settings), or None when not configured."""
    section = administrator_section(r)
    if section is None or section.identity_center is None:
        return None
    ic = section.identity_center
    owner = r.management().name if ic.administrator.value == "management" else delegated_admin(r)
    return known(owner, "the delegated administrator"), ic


def assignment_accounts(accounts: Any, assignment: Any) -> list[str]:
    """Names an assignment targets: its accounts plus every account of its account_kinds.
    `accounts` is Config.accounts or Resolved.accounts (name -> object with .kind)."""
    kinds = set(assignment.account_kinds)
    by_kind = [name for name, account in accounts.items() if account.kind in kinds]
    return sorted({*assignment.accounts, *by_kind})


# -- the audit trust chain ---------------------------------------------------------------------
def security_auditor_role_name(r: Resolved) -> str:
    """Role in each security account that may assume the security-audit role of every account."""
    return r.resource_name("security-auditor")


def audit_role_trust(r: Resolved) -> tuple[dict, dict]:
    """(Principal, Condition) of every account's security-audit role: the security accounts' auditor roles."""
    return r.cross_account_principal({a.name: [security_auditor_role_name(r)] for a in r.of_kind("security")})


def audit_role_arns(r: Resolved) -> list[str]:
    """The security-audit role of every account that has an id (what the auditor role may assume)."""
    return sorted(r.role_arn(a.name, security_audit_role_name(r)) for a in r.accounts.values())


# -- checks ----------------------------------------------------------------------------------
def organization_wide_only_in_administrator(config: Config) -> Iterator[Diagnostic]:
    """Identity Center, the trail, GuardDuty, Security Hub and alerts are set in the administering account only."""
    admin = administrator_name(config)
    chosen = config.accounts.get(admin) if admin else None
    if chosen is None or chosen.kind != "security":
        return  # the foundation checks report a delegated administrator that is not a security account
    if (
        not any(m.management.delegated_administrator for m in config.of_kind("management"))
        and len(config.of_kind("security")) > 1
    ):
        return  # no administrator chosen among several: the foundation check asks for one, naming the right one
    for account in config.of_kind("security"):
        if account.name == admin:
            continue
        for key in ORGANIZATION_WIDE_KEYS:
            if key in account.security.model_fields_set:
                yield config.error(
                    account.name,
                    ("security", key),
                    f"organization-wide settings belong to the administering security account {admin!r} "
                    f"(management.delegated_administrator); remove {key} here",
                    key=True,
                )


def trail_references(config: Config) -> Iterator[Diagnostic]:
    """The log archive is a security account."""
    admin = administrator_name(config)
    account = config.accounts.get(admin) if admin else None
    if account is None or account.kind != "security" or account.security.organization_trail is None:
        return
    target = account.security.organization_trail.log_archive_account
    if target is not None:
        problem = account_ref(
            config, admin, ("security", "organization_trail", "log_archive_account"), target, ["security"]
        )
        if problem:
            yield problem


def identity_center_references(config: Config) -> Iterator[Diagnostic]:
    """Groups have exactly one of display_name/group_id; assignments name defined groups, personas, accounts."""
    for account in config.of_kind("security"):
        ic = account.security.identity_center
        if ic is None:
            continue
        base = ("security", "identity_center")
        yield from _group_sources(config, account.name, ic)
        for i, assignment in enumerate(ic.assignments):
            here = (*base, "assignments", i)
            if assignment.group not in ic.groups:
                yield config.error(
                    account.name,
                    (*here, "group"),
                    _unknown("group", assignment.group, ic.groups, "identity_center.groups"),
                )
            for j, persona in enumerate(assignment.personas):
                if persona not in ic.personas:
                    yield config.error(
                        account.name,
                        (*here, "personas", j),
                        _unknown("persona", persona, ic.personas, "identity_center.personas"),
                    )
            yield from account_refs(config, account.name, (*here, "accounts"), assignment.accounts)
            if ic.administrator.value == "security":
                hint = "set identity_center.administrator: management to manage access to it"
                for j, target in enumerate(assignment.accounts):
                    target_account = config.accounts.get(target)
                    if target_account is not None and target_account.kind == "management":
                        yield config.error(
                            account.name,
                            (*here, "accounts", j),
                            "a delegated administrator cannot assign access to the management account "
                            f"{target!r}; {hint}",
                        )
                for j, kind in enumerate(assignment.account_kinds):
                    if kind == "management":
                        yield config.error(
                            account.name,
                            (*here, "account_kinds", j),
                            f"a delegated administrator cannot assign access to the management account; {hint}",
                        )
        for persona_name, defined in ic.personas.items():
            seen: set[str] = set()
            for i, stmt in enumerate(defined.inline_policy):
                if stmt.sid in seen:
                    yield config.error(
                        account.name,
                        (*base, "personas", persona_name, "inline_policy", i, "sid"),
                        f"duplicate statement id {stmt.sid!r}",
                    )
                seen.add(stmt.sid)


def _group_sources(config: Config, account: str, ic) -> Iterator[Diagnostic]:
    """A group is created (display_name) or referred to by id; with an external identity source only by id."""
    created: dict[str, str] = {}
    for key, group in ic.groups.items():
        here = ("security", "identity_center", "groups", key)
        if group.display_name is not None:
            # Display names are unique in an identity store: a second CreateGroup fails (ConflictException).
            # https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_CreateGroup.html
            if group.display_name in created:
                yield config.error(
                    account,
                    (*here, "display_name"),
                    f"duplicate group display_name {group.display_name!r}; already used by group "
                    f"{created[group.display_name]!r}",
                )
            created.setdefault(group.display_name, key)
        if (group.display_name is None) == (group.group_id is None):
            yield config.error(
                account,
                here,
                "give exactly one of display_name (a group mlops-tf creates) or group_id (an existing group)",
            )
        elif group.group_id is not None and group.description is not None:
            yield config.error(
                account, (*here, "description"), "only a group mlops-tf creates (display_name) takes a description"
            )
        elif group.display_name is not None and ic.identity_source.value == "external":
            # Identity Center does not sync back to an external IdP: groups created here would be orphans.
            # https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/Welcome.html
            yield config.error(
                account,
                (*here, "display_name"),
                "with identity_source: external your IdP provisions the groups (SCIM); give the provisioned group's "
                "group_id instead (aws identitystore list-groups --identity-store-id <id>)",
            )


def _unknown(what: str, value: str, defined: Iterable[str], where: str) -> str:
    names = sorted(defined)
    return f"unknown {what} {value!r}; define it under {where} (defined: {', '.join(names) or 'none'})"


CHECKS = [organization_wide_only_in_administrator, trail_references, identity_center_references]


# -- flows -----------------------------------------------------------------------------------
def flows(resolved: Resolved) -> Iterable[Flow]:
    security = [a.name for a in resolved.of_kind("security")]
    for account in sorted(resolved.accounts):
        for auditor in security:
            if auditor != account:
                yield Flow(auditor, account, "trust", "security audit role")
    owner, archive = trail_account(resolved), log_archive_account(resolved)
    if owner and archive and archive != owner:
        yield Flow(owner, archive, "trust", "organization trail log archive", first=archive)
    home = identity_center_home(resolved)
    if home:
        admin, ic = home
        targets = sorted({name for a in ic.assignments for name in assignment_accounts(resolved.accounts, a)} - {admin})
        for target in targets:
            yield Flow(admin, target, "trust", "Identity Center assignments")
