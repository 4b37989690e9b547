"""A best-effort valid version of a file that failed validation, so that cross-file checks still run.

A schema error in one file must hide neither the errors of the other files nor this file's own
cross-file errors. The failing values are removed (a list item, or a key, which then takes its
default) or, for the few required landing-zone fields every check reads, replaced by a stand-in,
until the file validates. Checks then run on what is left; `knock_on` tells which of their
diagnostics stem from a removed value, since the file's own error already names that place.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .errors import Diagnostic
from .schema.common import AWS_REGIONS
from .translate import non_json_scalar
from .yaml_source import Loc, format_loc

_ROUNDS = 12  # each round removes one level more; configuration files nest less deeply than this
_REMOVED = object()  # marks a list item to drop once a round is done, so that later indices still hold


@dataclass(frozen=True)
class Repair:
    """A file's model without its failing values, where they were, and what other files may name of them."""

    model: Any
    removed: tuple[Loc, ...]
    names: frozenset[str]  # text of removed values and keys: a message quoting one is a knock-on error
    # A list item lost its name (or path): what other files referred to by it is unknown.
    lost_identity: bool = False
    # Keys the schema does not know (a misspelt `state_backendd:`): messages about the key meant are knock-on.
    unknown_keys: frozenset[str] = frozenset()


def repaired(data: dict[str, Any], schema: Any, exc: ValidationError, *, account: bool) -> Repair | None:
    """data validated with its failing values removed or replaced, or None when it cannot validate that way."""
    data = copy.deepcopy(data)
    kind = data.get("kind") if account else None
    fallbacks = {} if account else _LANDING_ZONE_FALLBACKS
    removed: list[Loc] = []
    names: set[str] = set()
    lost: list[Loc] = []
    unknown: set[str] = set()
    renamed: set[str] = set()
    for _ in range(_ROUNDS):
        errors = exc.errors(include_url=False)
        fixed_keys = _rename_misspelt(errors, data, kind)
        renamed |= fixed_keys
        unknown.update(
            str(err["loc"][-1])
            for err in errors
            if err["type"] == "extra_forbidden" and err["loc"] and str(err["loc"][-1]) not in renamed
        )
        if fixed_keys:  # validate again with the keys as meant before taking anything out
            try:
                model = _validate(schema, data)
                return Repair(model, tuple(removed), frozenset(names), bool(lost), frozenset(unknown))
            except ValidationError as again:
                exc = again
                continue
        targets = {_target(err, data, kind, fallbacks) for err in errors}
        if None in targets or not targets:
            return None  # an error of the file as a whole: nothing smaller to take out
        # The outermost place wins: removing it removes what fails inside it too.
        outermost = (t for t in targets if t and not any(o != t and t[: len(o)] == o for o in targets if o))
        places = sorted(outermost, key=repr)
        for place in places:
            item = _named_item(place)
            if item is not None:
                if account:
                    # An account's item is referred to by its name from files that cannot tell which
                    # references are knock-on errors: the file is left out of the checks as a whole.
                    return None
                lost.append(place)
                place = item  # the landing zone's OU without a path goes as a whole
            if not _take_out(data, place, names, fallbacks):
                return None
            removed.append(place)
        _compact(data)
        try:
            model = _validate(schema, data)
            return Repair(model, tuple(removed), frozenset(names), bool(lost), frozenset(unknown))
        except ValidationError as again:
            exc = again
    return None


def knock_on(diagnostic: Diagnostic, repair: Repair, *, same_file: bool) -> bool:
    """Whether a check's diagnostic may stem from a value the repair took out: at or inside its place, or
    naming its key (without account_id, "give exactly one of account_id or email" is no error of its own),
    or a key close to a misspelt one. Other files count for the landing zone, whose fields they are checked
    against (accounts need its required_tags), and only by key."""
    if same_file:
        for loc in repair.removed:
            place = format_loc(loc)
            field = diagnostic.field
            if field == place or field.startswith((place + ".", place + "[")):
                return True
    if any(_names_key(diagnostic.message, loc) for loc in repair.removed):
        return True
    words = {part for word in re.findall(r"[\w.-]+", diagnostic.message) for part in (word, *word.split("."))}
    return any(difflib.SequenceMatcher(None, key, word).ratio() >= 0.8 for key in repair.unknown_keys for word in words)


def _names_key(message: str, loc: Loc) -> bool:
    """The message names the key of loc, alone (account_id) or as its dotted path (organization.organization_id)."""
    keys = [part for part in loc if isinstance(part, str)]
    if not keys:
        return False
    bare = re.search(rf"(?<![\w.-]){re.escape(keys[-1])}(?![\w-])", message)
    return bare is not None or re.search(rf"(?<![\w-]){re.escape('.'.join(keys))}(?![\w-])", message) is not None


def _validate(schema: Any, data: dict[str, Any]) -> Any:
    document = json.dumps(data, default=non_json_scalar)
    if isinstance(schema, TypeAdapter):
        return schema.validate_json(document, strict=True)
    return schema.model_validate_json(document, strict=True)


def _target(err: Any, data: dict[str, Any], kind: Any, fallbacks: dict[str, Callable]) -> Loc | None:
    """The place to take out for one error: the failing value, or what lacks a required key."""
    raw = tuple(err["loc"])
    if kind is not None and raw[:1] == (kind,):  # an account file's errors start with its union tag
        raw = raw[1:]
    loc = _in_data(raw, data)
    if err["type"] == "missing" and not loc and raw[-1:] and raw[-1] in fallbacks:
        return (raw[-1],)  # a required landing-zone field left out: a stand-in takes its place
    if err["type"] == "value_error" and isinstance(err.get("input"), dict):
        # A model validator names the field it is about first ("billing_mode PROVISIONED needs ...").
        first = str(err["msg"]).removeprefix("Value error, ").split(" ")[0]
        if first in err["input"]:
            loc = (*loc, first)
    return loc or None


def _rename_misspelt(errors: list[Any], data: dict[str, Any], kind: Any) -> set[str]:
    """Required keys left out next to an unknown key that spells them almost (`organisation:` for
    `organization:`): the value is taken as meant, so that a typo in a section's key keeps its content."""
    unknown = {
        (_in_data(_untagged(err["loc"], kind)[:-1], data), str(err["loc"][-1]))
        for err in errors
        if err["type"] == "extra_forbidden" and err["loc"]
    }
    done: set[str] = set()
    for err in errors:
        raw = _untagged(err["loc"], kind)
        if err["type"] != "missing" or not raw or not isinstance(raw[-1], str):
            continue
        holder_loc = _in_data(raw[:-1], data)
        holder = _get(data, holder_loc)
        spelt = [key for loc, key in unknown if loc == holder_loc and isinstance(holder, dict) and key in holder]
        close = difflib.get_close_matches(raw[-1], spelt, n=1, cutoff=0.8)
        if close and raw[-1] not in holder:
            holder[raw[-1]] = holder.pop(close[0])
            done.add(close[0])
    return done


def _untagged(loc: Any, kind: Any) -> Loc:
    raw = tuple(loc)
    return raw[1:] if kind is not None and raw[:1] == (kind,) else raw


def _in_data(loc: Loc, data: Any) -> Loc:
    """The part of a pydantic location that exists in the data (union tags and validator labels dropped)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            continue
        out.append(part)
    return tuple(out)


def _take_out(data: dict[str, Any], place: Loc, names: set[str], fallbacks: dict[str, Callable]) -> bool:
    if len(place) == 1 and place[0] in fallbacks:
        value = fallbacks[str(place[0])](data)
        if value is None or data.get(place[0]) == value:
            return False
        data[str(place[0])] = value
        return True
    holder = _get(data, place[:-1])
    part = place[-1]
    if isinstance(holder, list) and isinstance(part, int) and 0 <= part < len(holder):
        names.update(_strings(holder[part]))
        holder[part] = _REMOVED
        return True
    if isinstance(holder, dict) and part in holder:
        names.update(_strings(holder[part]))
        names.add(str(part))
        del holder[part]
        return True
    return False


_IDENTITY = ("name", "path")


def _named_item(place: Loc) -> Loc | None:
    """The list item whose name (or path) place is or is inside, or None."""
    for i in range(len(place) - 1):
        if isinstance(place[i], int) and place[i + 1] in _IDENTITY:
            return place[: i + 1]
    return None


def _strings(node: Any) -> set[str]:
    """Every text value of a removed part: what other files may name of it (a group, a bucket, a dataset)."""
    if isinstance(node, str):
        return {node}
    if isinstance(node, dict):
        return {s for value in node.values() for s in _strings(value)}
    if isinstance(node, list):
        return {s for value in node for s in _strings(value)}
    return set()


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
    return [r for r in found if isinstance(r, str) and r in AWS_REGIONS] if isinstance(found, list) else []


def _home_region(data: dict[str, Any]) -> str | None:
    regions = _regions(data)
    return regions[0] if regions else None


def _allowed_regions(data: dict[str, Any]) -> list[str] | None:
    home = data.get("home_region")
    regions = _regions(data) or ([home] if isinstance(home, str) and home in AWS_REGIONS else [])
    return regions or None


# Required landing-zone fields without a default that every check reads: a stand-in, never used for
# output (a configuration with errors synthesizes nothing). The prefix is short so that no length
# check fails because of it; the management account id is one no account file can mean.
_LANDING_ZONE_FALLBACKS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "home_region": _home_region,
    "allowed_regions": _allowed_regions,
    "prefix": lambda data: "x",
    "management_account_id": lambda data: "000000000000",
}
