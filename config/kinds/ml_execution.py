"""Cross-file checks and cross-account flows of the ml_execution section (filled in by its issue)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..loader import Config
    from ..resolver import Flow, Resolved

CHECKS: list = []


def flows(resolved: "Resolved") -> Iterable["Flow"]:
    return ()


def model_package_group_owner(config: "Config", group: str) -> str | None:
    """Name of the ml-execution account that defines a model package group, or None."""
    for account in config.of_kind("ml-execution"):
        if any(g.name == group for g in account.ml_execution.model_package_groups):
            return account.name
    return None
