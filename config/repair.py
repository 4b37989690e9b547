"""A best-effort valid version of a file that failed validation, so cross-file checks still run.

A schema error in one file must not hide the errors of the others (nor this file's cross-file
errors): the failing values are removed (a list item, or a key that has a default) until the file
validates. Checks then run on what is left; their diagnostics at or under a removed location are
dropped, since the file's own error already names that place.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .schema.common import AWS_REGIONS
from .errors import Diagnostic
from .yaml_source import Loc, format_loc

_ROUNDS = 8


@dataclass(frozen=True)
class Repair:
    """A file's model without its failing values, where they were, and the names of removed items."""

    model: Any
    removed: list[Loc]
    names: frozenset[str]


def repaired(data: dict[str, Any], schema: Any, exc: ValidationError, strip_tag: bool) -> Repair | None:
    """data validated with its failing values removed, or None when it cannot validate that way."""
    data = copy.deepcopy(data)
    removed: list[Loc] = []
    names: set[str] = set()
    for _ in range(_ROUNDS):
        changed = False
        for err in exc.errors(include_url=False):
            loc = _data_loc(tuple(err["loc"]), data, strip_tag)
            target = _repair(data, loc, err["type"], names)
            if target is not None:
                removed.append(target)
                changed = True
        if not changed:
            return None
        try:
            return Repair(_validate(schema, data), removed, frozenset(names))
        except ValidationError as again:
            exc = again
    return None


def under(diagnostic: Diagnostic, removed: list[Loc]) -> bool:
    """Whether a diagnostic is about a removed value: at or inside its location, or naming its key
    (removing account_id makes "give exactly one of account_id or email" no error of its own)."""
    field = diagnostic.field
    for loc in removed:
        place = format_loc(loc)
        if field == place or field.startswith(place + ".") or field.startswith(place + "["):
            return True
        key = next((part for part in reversed(loc) if isinstance(part, str)), None)
        if key and re.search(rf"(?<![\w.-]){re.escape(key)}(?![\w-])", diagnostic.message):
            return True
    return False


def _validate(schema: Any, data: dict[str, Any]) -> Any:
    document = json.dumps(data, default=str)
    if isinstance(schema, TypeAdapter):
        return schema.validate_json(document, strict=True)
    return schema.model_validate_json(document, strict=True)


def _data_loc(loc: Loc, data: Any, strip_tag: bool) -> Loc:
    """The part of a pydantic location that exists in the data (union tags and validator labels dropped)."""
    if strip_tag and loc and isinstance(data, dict) and data.get("kind") == loc[0]:
        loc = loc[1:]
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not out[-1:] == [part]:
            # A missing key names the place too: the nearest list item holding it is what goes.
            out.append(part)
            break
        else:
            continue
        out.append(part)
    return tuple(out)


def _repair(data: Any, loc: Loc, kind: str, names: set[str]) -> Loc | None:
    """Remove what fails at loc, innermost first: the key (its default applies) or the list item."""
    if not loc:
        return None
    top = loc[0]
    if len(loc) == 1 and top in _FALLBACKS and kind in ("missing",) + _VALUE_ERRORS:
        value = _FALLBACKS[top](data)
        if value is not None:
            data[top] = value
            return loc
    parent = _get(data, loc[:-1])
    if kind != "missing" and isinstance(loc[-1], str) and isinstance(parent, dict) and loc[-1] in parent:
        if len(loc) > 1 or top not in _FALLBACKS:
            del parent[loc[-1]]
            return loc
        return None
    if kind == "missing" and len(loc) > 1:  # what lacks a required key goes as a whole
        loc = loc[:-1]
    for cut in range(len(loc), 0, -1):
        holder = _get(data, loc[: cut - 1])
        part = loc[cut - 1]
        if isinstance(holder, list) and isinstance(part, int) and 0 <= part < len(holder):
            item = holder[part]
            name = (item.get("name") or item.get("path")) if isinstance(item, dict) else item
            if isinstance(name, str):
                names.add(name)
            holder[part] = _REMOVED
            _compact(data)
            return loc[:cut]
        if isinstance(holder, dict) and isinstance(part, str) and part in holder and cut == len(loc) and cut > 1:
            del holder[part]
            return loc[:cut]
    return None


_REMOVED = object()
_VALUE_ERRORS = ("value_error", "string_pattern_mismatch", "string_too_long", "string_type", "too_short", "list_type")


def _compact(node: Any) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _compact(value)
    elif isinstance(node, list):
        node[:] = [item for item in node if item is not _REMOVED]
        for item in node:
            _compact(item)


def _get(data: Any, loc: Loc) -> Any:
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _regions(data: dict[str, Any]) -> list[str]:
    found = data.get("allowed_regions")
    return [r for r in found if r in AWS_REGIONS] if isinstance(found, list) else []


def _home_region(data: dict[str, Any]) -> str | None:
    return (_regions(data) or [None])[0]


def _allowed_regions(data: dict[str, Any]) -> list[str] | None:
    regions = _regions(data) or ([data["home_region"]] if data.get("home_region") in AWS_REGIONS else [])
    return regions or None


def _prefix(data: dict[str, Any]) -> str | None:
    """The prefix as a slug would spell it (AcmeML -> acmeml), so that name-length checks still apply."""
    raw = data.get("prefix")
    slug = re.sub(r"[^a-z0-9-]+", "-", str(raw).lower()).strip("-")[:32].strip("-") if raw is not None else ""
    return slug or None


# Required landing-zone fields that have no default: a stand-in derived from the file itself.
_FALLBACKS = {"home_region": _home_region, "allowed_regions": _allowed_regions, "prefix": _prefix}
