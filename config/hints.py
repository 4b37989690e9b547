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
# The values defined, at the end of a message: "(defined: a, b)", "(personas: a, b)", "this account defines: a, b".
_LISTING = re.compile(
    r"(?:\((?:defined|accounts|allowed|personas|activities|endpoints of this account)\s*:\s*([^()]*)\)"
    r"|this account defines:\s*([^()]*))\s*$"
)


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
    listing = _LISTING.search(message)
    if listing is None:
        return diagnostic
    names = listing.group(1) if listing.group(1) is not None else listing.group(2)
    candidates = [c.strip() for c in names.split(",") if c.strip() and c.strip() != "none"]
    # The unknown value is the first quoted one that is not defined ("account 'ds-dev' has no persona 'x'").
    for value in _VALUE.findall(message[: listing.start()]):
        if value not in candidates and (match := close_match(value, candidates)):
            return replace(diagnostic, message=f"{message}; did you mean {match!r}?")
    return diagnostic
