"""Cross-account flows of the landing zone. Each account kind contributes its rule here."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import kinds
from .kinds.security import delegated_admin
from .model import Flow, Resolved


def organization_flows(resolved: Resolved) -> Iterable[Flow]:
    """The management account creates member accounts and delegates security administration."""
    management = resolved.management()
    for account in resolved.accounts.values():
        if account.created:
            yield Flow(management.name, account.name, "vending", "creates account", first=management.name)
    admin = delegated_admin(resolved)
    if admin:
        yield Flow(management.name, admin, "delegation", "delegated administrator", first=management.name)


FLOW_RULES: list[Callable[[Resolved], Iterable[Flow]]] = [organization_flows]


def all_flows(resolved: Resolved) -> list[Flow]:
    rules = [*FLOW_RULES, *(module.flows for module in kinds.MODULES)]
    return [flow for rule in rules for flow in rule(resolved)]
