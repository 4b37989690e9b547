"""Cross-account flows of the landing zone. Each account kind contributes its rule here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .resolver import Flow, Resolved


def organization_flows(resolved: Resolved) -> Iterable[Flow]:
    """The management account creates member accounts and delegates security administration."""
    from .resolver import Flow

    management = resolved.management()
    for account in resolved.accounts.values():
        if account.created:
            yield Flow(management.name, account.name, "vending", "creates account", first=management.name)
    admin = delegated_admin(resolved)
    if admin:
        yield Flow(management.name, admin, "delegation", "delegated administrator", first=management.name)


def delegated_admin(resolved: Resolved) -> str | None:
    """The security account that administers GuardDuty, Security Hub and Access Analyzer."""
    chosen = resolved.management().config.management.delegated_administrator
    if chosen:
        return chosen
    security = resolved.of_kind("security")
    return security[0].name if security else None


FLOW_RULES: list[Callable[[Resolved], Iterable[Flow]]] = [organization_flows]


def all_flows(resolved: Resolved) -> list[Flow]:
    from . import kinds

    rules = [*FLOW_RULES, *(module.flows for module in kinds.modules())]
    return [flow for rule in rules for flow in rule(resolved)]
