"""Checks of what the management stack adopts from an existing organization: OUs by id, member accounts by id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import Diagnostic

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


CHECKS = [adopted_ous, adopted_accounts]
