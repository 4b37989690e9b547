"""'Did you mean' for every check message that names an unknown value and lists the values defined.

Checks write "unknown dataset 'customerz'; define it under data.datasets (defined: churn, customers)";
the hint is added here, once, for all of them (and for checks added later), not in each check.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from .errors import Diagnostic

_VALUE = re.compile(r"'([^']+)'")
_LISTING = re.compile(r"\((?:defined|accounts|allowed)\s*:\s*([^()]*)\)\s*$")


def close_match(value: str, candidates: list[str]) -> str | None:
    """The candidate a typo most likely meant (case-insensitive), or None."""
    lowered = {c.lower(): c for c in candidates}
    found = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found and lowered[found[0]] != value else None


def with_hint(diagnostic: Diagnostic) -> Diagnostic:
    """The diagnostic with '; did you mean ...?' when its listing holds a close match."""
    message = diagnostic.message
    if "did you mean" in message:
        return diagnostic
    value, listing = _VALUE.search(message), _LISTING.search(message)
    if value is None or listing is None:
        return diagnostic
    candidates = [c.strip() for c in listing.group(1).split(",") if c.strip() and c.strip() != "none"]
    match = close_match(value.group(1), candidates)
    return replace(diagnostic, message=f"{message}; did you mean {match!r}?") if match else diagnostic
