"""Cross-file checks and cross-account flows of the data section (filled in by its issue)."""
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
