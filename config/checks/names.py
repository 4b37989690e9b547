"""Validate is a superset of synth: every derived name checked against AWS's rule for its kind.

Runs once every other check holds (a wrong account kind or a missing reference would only produce
names that mean nothing), and reports each YAML value once, however many names it makes too long.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..derived_names import Derived, all_names
from ..model import naming_view

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config

PLACEHOLDER_ID = "0" * 12


def derived_name_problems(config: Config) -> Iterator[Diagnostic]:
    """One diagnostic per YAML value whose derived names AWS would reject, naming the longest such name."""
    groups: dict[tuple, list[tuple[Derived, str]]] = {}
    for derived in all_names(naming_view(config)):
        problem = derived.rule.problem(derived.name)
        if problem is not None:
            groups.setdefault((derived.account, derived.loc), []).append((derived, problem))
    for (account, loc), found in groups.items():
        derived, problem = max(found, key=lambda item: len(item[0].name))
        shown = derived.name.replace(PLACEHOLDER_ID, "<account id>")
        more = sorted(
            {(d.rule.what, d.name.replace(PLACEHOLDER_ID, "<account id>")) for d, _ in found}
            - {(derived.rule.what, shown)}
        )
        listed = ", ".join(f"{what} {name!r}" for what, name in more[:3]) + (
            f" and {len(more) - 3} more" if len(more) > 3 else ""
        )
        others = f" (also too long or invalid: {listed})" if more else ""
        verb = "shorten" if " allows " in problem else "change"
        fix = (
            f"{verb} the landing zone prefix"
            if loc == ("prefix",) and account is None
            else f"{verb} this value or the landing zone prefix"
        )
        yield config.error(account, loc, f"derived {derived.rule.what} {shown!r} {problem}; {fix}{others}")
