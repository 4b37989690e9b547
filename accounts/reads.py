"""What of the configuration a stack read while it was built (for incremental synth).

Each stack is built from its own view of the resolved landing zone: the same values, but every
account in it (the resolved account and its pydantic model) notes which of its fields the stack
reads: `ds-dev:account_id`, `ds-dev:config.data_science`. Names and kinds are in every stack's key
anyway; a method or anything that is not a plain field counts as reading the whole account, and
the flows or the apply order (computed from every account) count as reading every account. A
stack is synthesized again only when its code, the landing zone, or something it read changed.

No cdktf here: the CLI computes keys from the recorded reads before deciding to load cdktf at all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from config import Resolved
from config.model import as_kind

EVERY_ACCOUNT = "*"
# What a stack may read of another account without depending on it: both are in every key.
UNTRACKED = frozenset({"name", "kind"})
# Facts computed from every account at once.
WHOLE_LANDING_ZONE = frozenset({"flows", "order"})


class Reads:
    """What one stack read: account names (the whole account) and account:field entries."""

    def __init__(self) -> None:
        self.items: set[str] = set()
        self.everything = False
        self.bindings: set[str] = set()  # binding submodules its build used (preloaded next time; not in its key)

    def as_list(self) -> list[str]:
        return [EVERY_ACCOUNT] if self.everything else sorted(self.items)


class _Recording:
    """A read-only stand-in for one account's object that notes the fields read beyond its name and kind."""

    __slots__ = ("_target", "_account", "_reads", "_prefix")

    def __init__(self, target: Any, account: str, reads: Reads, prefix: str) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_account", account)
        object.__setattr__(self, "_reads", reads)
        object.__setattr__(self, "_prefix", prefix)

    def _note(self, attr: str | None) -> None:
        self._reads.items.add(self._account if attr is None else f"{self._account}:{self._prefix}{attr}")

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._target, attr)
        if attr in UNTRACKED:
            return value
        if self._prefix == "" and attr == "config":  # the account's model: tracked field by field
            return _Recording(value, self._account, self._reads, "config.")
        if self._prefix == "" and attr == "model":  # the same model, typed by its kind: tracked field by field too
            tracked: Any = _Recording(self._target.config, self._account, self._reads, "config.")
            return lambda cls: as_kind(tracked, cls)
        self._note(attr if attr in _fields(self._target) else None)
        return value

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError(f"the configuration of {self._account!r} is read-only while stacks are built")

    @property  # type: ignore[misc]  # isinstance() and pattern matching see the real class
    def __class__(self) -> type:
        return type(self._target)

    def __eq__(self, other: object) -> bool:
        self._note(None)
        return self._target == (other._target if isinstance(other, _Recording) else other)

    def __hash__(self) -> int:
        return hash(self._target)

    def __iter__(self) -> Any:  # pydantic models iterate over (field, value) pairs
        self._note(None)
        return iter(self._target)

    def __repr__(self) -> str:
        self._note(None)
        return repr(self._target)


def _fields(target: Any) -> frozenset[str] | set[str]:
    """Plain data fields of a resolved account (dataclass) or an account model (pydantic)."""
    model_fields = getattr(type(target), "model_fields", None)
    if model_fields is not None:
        return set(model_fields)
    if dataclasses.is_dataclass(target):
        return {f.name for f in dataclasses.fields(target)}
    return set()


class _RecordingResolved(Resolved):
    """The resolved landing zone whose flows and order count as reading every account."""

    def __getattribute__(self, attr: str) -> Any:
        if attr in WHOLE_LANDING_ZONE:
            object.__getattribute__(self, "_reads").everything = True
        return super().__getattribute__(attr)


def recording(resolved: Resolved) -> tuple[Resolved, Reads]:
    """A view of `resolved` for building one stack, and the record of what the stack reads."""
    reads = Reads()
    accounts = {name: _Recording(account, name, reads, "") for name, account in resolved.accounts.items()}
    models: dict[str, Any] = {
        name: _Recording(model, name, reads, "config.") for name, model in resolved.config.accounts.items()
    }
    config = dataclasses.replace(resolved.config, accounts=models)
    fields = {f.name: getattr(resolved, f.name) for f in dataclasses.fields(resolved)}
    view = _RecordingResolved(**{**fields, "config": config, "accounts": accounts})
    object.__setattr__(view, "_reads", reads)
    return view, reads


def fingerprint(resolved: Resolved, item: str) -> str:
    """sha256 of what one read entry saw: a whole account, one field of it, or one field of its model."""
    name, _, field = item.partition(":")
    account = resolved.accounts.get(name)
    if account is None:
        return "missing"
    if not field:
        value: Any = {
            **{f.name: getattr(account, f.name) for f in dataclasses.fields(account) if f.name != "config"},
            "config": account.config.model_dump(mode="json"),
        }
    elif field.startswith("config."):
        value = account.config.model_dump(mode="json", include={field[len("config.") :]})
    else:
        value = getattr(account, field, None)
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
