"""Shared helpers for checks that refer to other accounts by name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import Diagnostic
from .yaml_source import Loc

if TYPE_CHECKING:
    from .model import Config


def account_ref(
    config: Config, owner: str | None, loc: Loc, target: str, kinds: Iterable[str] | None = None
) -> Diagnostic | None:
    """Check that `target` names an account (of one of `kinds`, when given); None when it does."""
    allowed_kinds = tuple(kinds) if kinds is not None else None
    account = config.accounts.get(target)
    if account is None and target in config.invalid_accounts:
        return None  # its own file's errors are reported already
    if account is None:
        candidates = [a.name for a in config.accounts.values() if allowed_kinds is None or a.kind in allowed_kinds]
        hint = difflib.get_close_matches(target, candidates, n=1)
        suffix = f"; did you mean {hint[0]!r}?" if hint else ""
        listing = f" (accounts: {', '.join(candidates)})" if candidates else ""
        return config.error(owner, loc, f"unknown account {target!r}{suffix}{listing}")
    if allowed_kinds is not None and account.kind not in allowed_kinds:
        return config.error(
            owner,
            loc,
            f"account {target!r} is of kind {account.kind!r}; expected an account of kind {' or '.join(allowed_kinds)}",
        )
    return None


def account_refs(
    config: Config, owner: str | None, loc: Loc, targets: Iterable[str], kinds: Iterable[str] | None = None
) -> list[Diagnostic]:
    """account_ref for each item of a list field; loc is the list's location."""
    kinds = tuple(kinds) if kinds is not None else None
    found = (account_ref(config, owner, loc + (i,), t, kinds) for i, t in enumerate(targets))
    return [d for d in found if d is not None]
