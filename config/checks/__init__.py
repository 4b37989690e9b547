"""Checks that span fields or files, run after every file validated on its own.

Each account kind adds its module here; a check takes the Config and yields located Diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .. import kinds, landing_zone_pipeline, tfc
from ..errors import Diagnostic
from ..model import Config
from . import consistency, foundation, organization_adoption
from .names import derived_name_problems

Check = Callable[[Config], Iterable[Diagnostic]]


def _all_checks() -> list[Check]:
    return [
        *foundation.CHECKS,
        *organization_adoption.CHECKS,
        *consistency.CHECKS,
        *tfc.CHECKS,
        *landing_zone_pipeline.CHECKS,
        *(check for module in kinds.MODULES for check in module.CHECKS),
    ]


def run_checks(config: Config) -> list[Diagnostic]:
    """Every cross-field and cross-file diagnostic of the configuration; then, once all of them hold,
    every derived name against AWS's rules (one root cause, one error)."""
    found = [d for check in _all_checks() for d in check(config)]
    if found or config.invalid_accounts or config.partial:
        return found
    return list(derived_name_problems(config))
