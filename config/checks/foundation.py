"""Organization-wide checks: accounts, ids, emails, OUs, regions, tags, vending."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import Diagnostic
from ..kinds.security import ORGANIZATION_WIDE_KEYS
from ..paths import display_path
from ..refs import account_ref
from ..schema import Vending

if TYPE_CHECKING:
    from ..model import Config
    from ..schema.landing_zone import OrganizationalUnit


def management_and_security(config: Config) -> Iterator[Diagnostic]:
    """Exactly one management account and at least one security account."""
    managers = config.of_kind("management")
    lz = config.landing_zone
    if not managers and "management" not in config.invalid_kinds:
        yield config.error(
            None,
            ("management_account_id",),
            "no account of kind 'management'; add "
            f"{display_path(config.root / 'accounts' / 'management.yaml')} with kind: management",
        )
    for extra in managers[1:]:
        yield config.error(
            extra.name, ("kind",), f"only one management account is allowed; {managers[0].name!r} is already one"
        )
    for manager in managers:
        if manager.email is not None:
            yield config.error(
                manager.name, ("email",), "the management account exists already; it has no email to create it with"
            )
        if manager.account_id is not None and manager.account_id != lz.management_account_id:
            yield config.error(
                manager.name,
                ("account_id",),
                f"must equal management_account_id in landing-zone.yaml ({lz.management_account_id}) or be left out",
            )
    if not config.of_kind("security") and "security" not in config.invalid_kinds:
        yield config.error(
            None, (), "no account of kind 'security'; the landing zone needs at least one security account"
        )


def identity(config: Config) -> Iterator[Diagnostic]:
    """Member accounts have exactly one of account_id/email; ids and emails are unique."""
    lz = config.landing_zone
    seen_ids: dict[str, str] = {lz.management_account_id: "the management account (landing-zone.yaml)"}
    seen_emails: dict[str, str] = {}
    for account in config.accounts.values():
        if account.kind == "management":
            continue
        # Under Control Tower an existing account also names its root email: Account Factory enrolls it by that address.
        enrolling = lz.organization.vending is Vending.control_tower and account.account_id is not None
        if (account.account_id is None) == (account.email is None) and not enrolling:
            field = "account_id" if account.account_id is not None else "email"
            yield config.error(
                account.name,
                (field,),
                "give exactly one of account_id (an existing account) or email (an account for mlops-tf to create)",
            )
        if account.account_id is not None:
            if account.account_id in seen_ids:
                yield config.error(
                    account.name,
                    ("account_id",),
                    f"duplicate account id {account.account_id}; already used by {seen_ids[account.account_id]}",
                )
            seen_ids.setdefault(account.account_id, f"account {account.name!r}")
        if account.email is not None:
            email = account.email.lower()
            if email in seen_emails:
                yield config.error(
                    account.name,
                    ("email",),
                    f"duplicate email {account.email}; already used by account {seen_emails[email]!r}",
                )
            seen_emails.setdefault(email, account.name)


def placement(config: Config) -> Iterator[Diagnostic]:
    """OU paths exist in the landing zone; regions are allowed; the home region is allowed."""
    lz = config.landing_zone
    if lz.home_region not in lz.allowed_regions:
        yield config.error(
            None,
            ("home_region",),
            f"must be one of allowed_regions ({', '.join(lz.allowed_regions)}) (got {lz.home_region!r})",
        )
    paths = lz.ou_paths()
    for account in config.accounts.values():
        if account.ou is not None and account.ou not in paths:
            yield config.error(
                account.name,
                ("ou",),
                f"OU path {account.ou!r} is not defined in landing-zone.yaml (defined: {', '.join(sorted(paths))})",
            )
        if (
            account.kind != "management"
            and account.email is not None
            and account.account_id is None
            and account.ou is None
        ):
            yield config.error(
                account.name, ("email",), "an account to create needs an ou (an OU path from landing-zone.yaml)"
            )
        if account.region is not None and account.region not in lz.allowed_regions:
            yield config.error(
                account.name,
                ("region",),
                f"region {account.region!r} is not in allowed_regions ({', '.join(lz.allowed_regions)})",
            )


def required_tags(config: Config) -> Iterator[Diagnostic]:
    """Every account carries every required tag, from landing-zone tags or its own."""
    required = config.landing_zone.required_tags
    for account in config.accounts.values():
        merged = {**config.landing_zone.tags, **account.tags}
        missing = [t for t in required if not merged.get(t)]
        if missing:
            yield config.error(
                account.name,
                ("tags",),
                f"missing required tags: {', '.join(missing)} (required_tags in landing-zone.yaml)",
            )


def organization(config: Config) -> Iterator[Diagnostic]:
    """OU paths unique; controls and Account Factory only under Control Tower."""
    org = config.landing_zone.organization
    seen: set[str] = set()
    for i, ou in enumerate(org.organizational_units):
        if ou.path in seen:
            yield config.error(
                None, ("organization", "organizational_units", i, "path"), f"duplicate OU path {ou.path!r}"
            )
        seen.add(ou.path)
        yield from _scps_per_ou(config, i, ou)
        if ou.controls and org.vending is Vending.organizations:
            yield config.error(
                None,
                ("organization", "organizational_units", i, "controls"),
                "Control Tower controls need vending: control_tower (vending is 'organizations')",
            )
    if org.account_factory_product_id is not None and org.vending is Vending.organizations:
        yield config.error(
            None,
            ("organization", "account_factory_product_id"),
            "Account Factory needs vending: control_tower; with vending: organizations accounts are created "
            f"through Organizations, so remove it (got {org.account_factory_product_id!r})",
        )
    if "account_factory_artifact_name" in org.model_fields_set and org.vending is Vending.organizations:
        yield config.error(
            None,
            ("organization", "account_factory_artifact_name"),
            "Account Factory needs vending: control_tower; with vending: organizations accounts are created "
            f"through Organizations, so remove it (got {org.account_factory_artifact_name!r})",
        )
    if org.vending is Vending.control_tower and org.organization_id is None:
        # https://docs.aws.amazon.com/controltower/latest/userguide/getting-started-with-control-tower.html
        yield config.error(
            None,
            ("organization", "vending"),
            "Control Tower's landing zone has created the organization already, and mlops-tf imports it: set "
            "organization.organization_id (aws organizations describe-organization)",
        )
    creates = [a for a in config.accounts.values() if a.kind != "management" and a.email is not None]
    if org.vending is Vending.control_tower and creates and org.account_factory_product_id is None:
        yield config.error(
            None,
            ("organization", "vending"),
            "vending: control_tower creates accounts through Account Factory; set "
            "organization.account_factory_product_id (prod-...)",
        )


# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html (5 SCPs attached per OU)
SCPS_PER_OU = 5
# https://docs.aws.amazon.com/controltower/latest/userguide/limits.html (landing zone 3.x: two SCPs per OU)
CONTROL_TOWER_SCPS = 2


def _scps_per_ou(config: Config, i: int, ou: OrganizationalUnit) -> Iterator[Diagnostic]:
    """FullAWSAccess, each guardrail, and under Control Tower its two SCPs, directly attached to the OU: at most 5.
    An adopted OU may carry other SCPs already: the count assumes FullAWSAccess alone (docs/account-kinds.md)."""
    guardrails = len({g.value for g in ou.guardrails})
    # Field reports (aws-secure-environment-accelerator#1046) show two aws-guardrails-* SCPs per governed OU
    tower = CONTROL_TOWER_SCPS if config.landing_zone.organization.vending is Vending.control_tower else 0
    attached = 1 + guardrails + tower
    if attached <= SCPS_PER_OU:
        return
    parts = ["FullAWSAccess", f"{guardrails} guardrail{'s' * (guardrails != 1)}"]
    parts += [f"{tower} of Control Tower"] if tower else []
    over = attached - SCPS_PER_OU
    more = " (Control Tower's preventive controls may attach more)" if tower else ""
    yield config.error(
        None,
        ("organization", "organizational_units", i, "guardrails"),
        f"OU {ou.path!r} would carry {attached} directly attached SCPs ({', '.join(parts)}); AWS Organizations "
        f"allows {SCPS_PER_OU} per OU: list at most {guardrails - over} guardrails here{more}",
    )


def delegated_administrator(config: Config) -> Iterator[Diagnostic]:
    """The delegated administrator is a security account; required when there are several."""
    security = config.of_kind("security")
    for manager in config.of_kind("management"):
        target = manager.management.delegated_administrator
        if target is not None:
            problem = account_ref(config, manager.name, ("management", "delegated_administrator"), target, ["security"])
            if problem:
                yield problem
        elif len(security) > 1:
            holders = [a.name for a in security if set(a.security.model_fields_set) & set(ORGANIZATION_WIDE_KEYS)]
            advice = (
                (
                    f"set management.delegated_administrator: {holders[0]} (the account with the "
                    "organization-wide settings)"
                )
                if len(holders) == 1
                else "set management.delegated_administrator to one of them"
            )
            yield config.error(
                manager.name,
                ("management",),
                f"several security accounts ({', '.join(a.name for a in security)}); {advice}",
            )


CHECKS = [management_and_security, identity, placement, required_tags, organization, delegated_administrator]
