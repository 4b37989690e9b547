"""Validate is a superset of synth: every derived name checked against AWS's rule for its kind.

Runs once every other check holds (a wrong account kind or a missing reference would only produce
names that mean nothing), and reports each YAML value once, however many names it makes too long.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..derived_names import Derived, all_names
from ..resolver import naming_view

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..loader import Config

PLACEHOLDER_ID = "0" * 12


def derived_name_problems(config: "Config") -> Iterator["Diagnostic"]:
    """One diagnostic per YAML value whose derived names AWS would reject, naming the longest such name."""
    groups: dict[tuple, list[tuple[Derived, str]]] = {}
    for derived in all_names(naming_view(config)):
        problem = derived.rule.problem(derived.name)
        if problem is not None:
            groups.setdefault((derived.account, derived.loc), []).append((derived, problem))
    for (account, loc), found in groups.items():
        derived, problem = max(found, key=lambda item: len(item[0].name))
        shown = derived.name.replace(PLACEHOLDER_ID, "<account id>")
        more = {d.name for d, _ in found} - {derived.name}
        others = f" ({len(more)} more derived name{'s' if len(more) > 1 else ''} from this value fail as well)" if more else ""
        fix = "shorten the landing zone prefix" if loc == ("prefix",) and account is None else "shorten this value or the landing zone prefix"
        yield config.error(account, loc, f"derived {derived.rule.what} name {shown!r} {problem}; {fix}{others}")
