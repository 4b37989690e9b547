"""Checks of what the management stack adopts from an existing organization: OUs by id, member accounts by id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import Diagnostic
from ..kinds.baseline import control_tower
from ..kinds.security import administrator_name
from ..schema.account import ManagementAccount

if TYPE_CHECKING:
    from ..model import Config

IMPORT_HINT = "set organization.organization_id in landing-zone.yaml (aws organizations describe-organization)"


def adopted_ous(config: Config) -> Iterator[Diagnostic]:
    """An OU adopted by id lives in the imported organization, under the root or another adopted OU; ids are unique."""
    org = config.landing_zone.organization
    ids = {ou.path: ou.id for ou in org.organizational_units}
    seen: dict[str, str] = {}
    for i, ou in enumerate(org.organizational_units):
        if ou.id is None:
            continue
        here = ("organization", "organizational_units", i, "id")
        if org.organization_id is None:
            yield config.error(
                None, here, f"an OU to adopt exists in an organization that mlops-tf imports; {IMPORT_HINT}"
            )
        if ou.id in seen:
            yield config.error(None, here, f"duplicate OU id {ou.id}; already adopted as {seen[ou.id]!r}")
        seen.setdefault(ou.id, ou.path)
        parent = ou.path.rpartition("/")[0]
        if parent and ids.get(parent) is None:
            # An OU cannot move: adopting it under a parent mlops-tf creates would plan its replacement.
            # https://docs.aws.amazon.com/organizations/latest/APIReference/API_UpdateOrganizationalUnit.html (renames
            # only)
            yield config.error(
                None,
                here,
                f"the parent OU {parent!r} of an adopted OU must be adopted too: list `- path: {parent}` "
                f"with its id (aws organizations list-parents --child-id {ou.id})",
            )


def adopted_accounts(config: Config) -> Iterator[Diagnostic]:
    """An existing member account (account_id) is adopted into its OU, so it needs an ou and an imported
    organization."""
    org = config.landing_zone.organization
    for account in config.accounts.values():
        if account.kind == "management" or account.account_id is None:
            continue
        if account.ou is None:
            yield config.error(
                account.name,
                ("account_id",),
                "an existing account needs an ou (an OU path from landing-zone.yaml): mlops-tf moves it there "
                "so that the OU's guardrails apply to it",
            )
        if org.organization_id is None:
            yield config.error(
                account.name,
                ("account_id",),
                "an existing account is a member of an existing organization, which mlops-tf must import; "
                f"{IMPORT_HINT}",
            )


def adopted_guardduty_detectors(config: Config) -> Iterator[Diagnostic]:
    """management.guardduty_detector_regions: allowed regions, each once, where the stack manages a detector."""
    lz = config.landing_zone
    for account in config.accounts.values():
        if not isinstance(account, ManagementAccount) or not account.management.guardduty_detector_regions:
            continue
        section = account.management
        if "guardduty" not in {s.value for s in section.delegated_services} or administrator_name(config) is None:
            yield config.error(
                account.name,
                ("management", "guardduty_detector_regions"),
                "the management stack manages GuardDuty detectors only to delegate GuardDuty (management."
                "delegated_services lists guardduty); without it a detector stays as it is: remove the list",
            )
            continue
        seen: set[str] = set()
        for j, region in enumerate(section.guardduty_detector_regions):
            here = ("management", "guardduty_detector_regions", j)
            if region in seen:
                yield config.error(account.name, here, f"duplicate region {region}")
            seen.add(region)
            if region not in lz.allowed_regions:
                yield config.error(
                    account.name,
                    here,
                    f"GuardDuty is delegated in allowed_regions only ({', '.join(lz.allowed_regions)}); "
                    f"a detector in {region} stays as it is: remove the entry",
                )


def adopted_config_role(config: Config) -> Iterator[Diagnostic]:
    """config_service_linked_role_exists: an existing account, in a landing zone where mlops-tf records Config."""
    lz = config.landing_zone
    for account in config.accounts.values():
        if not account.config_service_linked_role_exists:
            continue
        here = ("config_service_linked_role_exists",)
        if not lz.baseline.config.enabled or control_tower(lz):
            owner = "Control Tower records AWS Config" if control_tower(lz) else "baseline.config.enabled is false"
            yield config.error(
                account.name, here, f"{owner}, so mlops-tf makes no AWS Config service-linked role: remove it"
            )
        elif account.kind != "management" and account.account_id is None:
            yield config.error(
                account.name, here, "an account mlops-tf creates has no AWS Config service-linked role yet: remove it"
            )


CHECKS = [adopted_ous, adopted_accounts, adopted_guardduty_detectors, adopted_config_role]
