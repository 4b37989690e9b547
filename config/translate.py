"""pydantic's validation errors in words, located at the YAML key or value they are about."""

from __future__ import annotations

import datetime
import difflib
import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import Diagnostic
from .pattern_words import pattern_in_words
from .schema import SECTION_OF_KIND
from .yaml_source import ImplicitBool, Loc, SourceMap

_YAML_DATE = "__yaml_date__"
_YAML_BOOL = "__yaml_1_1_bool__"


def non_json_scalar(value: Any) -> Any:
    """YAML dates and times, and YAML 1.1's yes/no/on/off, have no JSON form: hand them over as a
    marker that no field accepts, so the field's message can say what to write instead."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {_YAML_DATE: value.isoformat()}
    if isinstance(value, ImplicitBool):
        return {_YAML_BOOL: value.text}
    return {_YAML_DATE: repr(value)}  # nothing else reaches here: the reader admits only plain YAML types


def translate_errors(exc: ValidationError, data: dict, source: SourceMap, root_type: Any) -> list[Diagnostic]:
    """Turn pydantic errors into located diagnostics with messages written for people."""
    out = []
    kind = data.get("kind") if isinstance(data.get("kind"), str) else None
    for err in exc.errors(include_url=False):
        kind_type = err["type"]
        raw_loc = tuple(err["loc"])
        if typing.get_origin(root_type) is typing.Annotated and kind is not None and raw_loc[:1] == (kind,):
            # An account file's errors start with the union tag (its kind); for management, security
            # and data the tag equals the section key, so drop it here rather than guess in _file_loc.
            raw_loc = raw_loc[1:]
        loc = _file_loc(raw_loc, data, keep_last=kind_type in ("missing", "extra_forbidden"))
        if kind_type == "extra_forbidden":
            out.append(source.diagnostic(loc, _unknown_key_message(loc, kind, root_type), key=True))
        elif kind_type == "missing":
            out.append(source.diagnostic(loc, "required field is missing"))
        elif kind_type == "union_tag_not_found" and (misspelt := _misspelt_tag(err, loc, data)):
            out.append(
                source.diagnostic(
                    loc + (misspelt,),
                    f"unknown key {misspelt!r}; did you mean "
                    f"{err.get('ctx', {}).get('discriminator', 'kind').strip(chr(39))!r}?",
                    key=True,
                )
            )
        elif kind_type in ("union_tag_invalid", "union_tag_not_found"):
            out.append(_variant_tag_diagnostic(err, loc, source, root_type, kind))
        elif kind_type == "value_error" and isinstance(err.get("input"), dict):
            # A model validator's message names the field it is about first (billing_mode PROVISIONED ...).
            first = err["msg"].removeprefix("Value error, ").split(" ")[0]
            at = loc + (first,) if first in err["input"] else loc
            out.append(source.diagnostic(at, err["msg"].removeprefix("Value error, ")))
        else:
            keys = sorted(_fields_at(root_type, loc, kind)) if kind_type in _MAPPING_TYPES else []
            # A mapping key that is invalid itself (a persona named Platform_Admin): point at the key, not its value.
            out.append(source.diagnostic(loc, _value_message(err, keys), key=raw_loc[-1:] == ("[key]",)))
    return out


# pydantic's type errors in words: what the field takes, without pydantic's class names.
_MAPPING_TYPES = frozenset({"dict_type", "model_type", "model_attributes_type"})
_TYPE_MESSAGES = {
    **dict.fromkeys(_MAPPING_TYPES, "must be a mapping"),
    "list_type": "must be a list",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
}


def _misspelt_tag(err: ErrorDetails, loc: Loc, data: Any) -> str | None:
    """A key next to a missing discriminator that is a misspelling of it (`knd:` for `kind:`)."""
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    field = err.get("ctx", {}).get("discriminator", "'kind'").strip("'")
    keys = [k for k in node if isinstance(k, str)] if isinstance(node, dict) else []
    close = difflib.get_close_matches(field, keys, n=1, cutoff=0.6)
    return close[0] if close else None


def _variant_tag_diagnostic(
    err: ErrorDetails, loc: Loc, source: SourceMap, root_type: Any, kind: str | None
) -> Diagnostic:
    """A discriminated union (account kind, backend type, source type, ...) got a missing or unknown tag."""
    ctx = err.get("ctx", {})
    field = ctx.get("discriminator", "'kind'").strip("'")
    if err["type"] == "union_tag_not_found":
        tags = list(SECTION_OF_KIND) if not loc and field == "kind" else _variant_tags(root_type, loc, field)
        one_of = f" (one of {', '.join(tags)})" if tags else ""
        return source.diagnostic(
            loc + (field,), f"required field is missing: {field} chooses which variant this is{one_of}"
        )
    expected = ctx.get("expected_tags", "").replace("'", "")
    if not loc and field == "kind":
        expected = ", ".join(SECTION_OF_KIND)  # in order of the architecture rather than pydantic's
    hint = difflib.get_close_matches(str(ctx.get("tag")), expected.split(", "), n=1)
    did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
    return source.diagnostic(loc + (field,), f"must be one of {expected} (got {ctx.get('tag')!r}){did_you_mean}")


def _variant_tags(root_type: Any, loc: Loc, field: str) -> list[str]:
    """The values the discriminator `field` of the union at loc admits, in declaration order."""
    types = [root_type]
    for part in loc:
        types = [c for cur in types for c in _children(cur, part, None)]
    tags: list[str] = []
    for model in (m for tp in types for m in _models(tp, None)):
        annotation = model.model_fields[field].annotation if field in model.model_fields else None
        tags.extend(str(a) for a in typing.get_args(annotation) if str(a) not in tags)
    return tags


def _file_loc(loc: Loc, data: Any, *, keep_last: bool) -> Loc:
    """Drop loc parts that are not keys in the file: union tags ('s3', 'staging') and validator labels."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif not (last and keep_last):
            continue
        out.append(part)
    return tuple(out)


def _value_message(err: ErrorDetails, keys: list[str] | None = None) -> str:
    msg = _TYPE_MESSAGES.get(err["type"], err["msg"])
    if keys and len(keys) <= 20:
        msg += f" with the keys {', '.join(keys)}"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    expected = str(err.get("ctx", {}).get("expected", "")) if err["type"] in ("literal_error", "enum") else ""
    if allowed := re.findall(r"'([^']*)'", expected):
        value = err.get("input")
        hint = difflib.get_close_matches(value, allowed, n=1) if isinstance(value, str) else []
        msg = f"must be one of {', '.join(repr(a) for a in allowed)}" + (f"; did you mean {hint[0]!r}?" if hint else "")
    elif expected in ("True", "False"):  # Literal[True]: a setting that is always on
        msg = f"must be {expected.lower()}"
    if err["type"] in ("string_too_long", "string_too_short", "too_long", "too_short"):
        limit = err["ctx"].get("max_length", err["ctx"].get("min_length"))
        value = err.get("input")
        unit = "characters" if err["type"].startswith("string") else "items"
        bound = "at most" if "long" in err["type"] else "at least"
        size = len(value) if isinstance(value, (str, list, dict)) else None
        return (
            f"must have {bound} {limit} {unit} (got {size})"
            if unit == "items"
            else f"must be {bound} {limit} {unit} (got {size}: {_describe(value)})"
        )
    if err["type"] == "string_pattern_mismatch":
        msg = pattern_in_words(err["ctx"]["pattern"])
    value = err.get("input")
    if isinstance(value, dict) and list(value) == [_YAML_DATE]:
        return f"must be a string: put the value in quotes (YAML reads it as a date) (got {value[_YAML_DATE]})"
    if isinstance(value, dict) and list(value) == [_YAML_BOOL]:
        text = value[_YAML_BOOL]
        if err["type"] in ("bool_type", "bool_parsing") or expected in ("True", "False"):
            return (
                f"{'must be true or false' if not expected else msg} (got {text}: YAML 1.1 reads it as a boolean, "
                "but mlops-tf takes only true and false)"
            )
        quote = ": put the value in quotes" if err["type"] == "string_type" else ""  # quoted, 'on' is no number either
        return f"{msg.split(' (')[0]}{quote} (got {text}, which YAML 1.1 reads as a boolean)"
    if err["type"] == "string_type":
        if isinstance(value, bool):
            msg = (
                "must be a string: put the value in quotes (YAML reads yes, no, on, off, true and false as true "
                "or false)"
            )
        elif isinstance(value, (int, float)):
            msg = "must be a string: put the value in quotes (YAML reads bare digits as a number)"
    if "got" not in msg:
        msg += f" (got {_describe(value)})"
    return msg


def _describe(value: Any) -> str:
    """The value a user wrote, as they wrote it; containers and empty values by what they are."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return str(value).lower()
    shown = repr(value)
    # A message quotes at most 120 characters of a value: a 500 KB string is not printed back.
    return shown if len(shown) <= 120 else f"{shown[:100]}... ({len(str(value))} characters)"


def _unknown_key_message(loc: Loc, kind: str | None, root_type: Any) -> str:
    key = str(loc[-1])
    if len(loc) == 1 and key in SECTION_OF_KIND.values() and kind in SECTION_OF_KIND:
        owners = [k for k, s in SECTION_OF_KIND.items() if s == key]
        return (
            f"section {key!r} belongs to accounts of kind {' or '.join(owners)}; "
            f"this account is kind {kind!r}, whose section is {SECTION_OF_KIND[kind]!r}"
        )
    allowed = sorted(_fields_at(root_type, loc[:-1], kind))
    hint = difflib.get_close_matches(key, allowed, n=1)
    did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
    listing = f" (allowed: {', '.join(allowed)})" if allowed and len(allowed) <= 20 else ""
    return f"unknown key {key!r}{did_you_mean}{listing}"


def _fields_at(root_type: Any, loc: Loc, kind: str | None) -> set[str]:
    """Field names of the model(s) found at loc inside root_type, for 'did you mean' hints."""
    types = [root_type]
    for part in loc:
        types = [t for cur in types for t in _children(cur, part, kind)]
    names: set[str] = set()
    for t in types:
        for model in _models(t, kind):
            names.update(model.model_fields)
    return names


def _models(tp: Any, kind: str | None) -> list[type[BaseModel]]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _models(typing.get_args(tp)[0], kind)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        models = [m for arg in typing.get_args(tp) for m in _models(arg, kind)]
        tagged = [m for m in models if _tag(m) == kind]
        return tagged or models
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return []


def _tag(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("kind")
    args = typing.get_args(field.annotation) if field else ()
    return args[0] if args else None


def _children(tp: Any, part: str | int, kind: str | None) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _children(typing.get_args(tp)[0], part, kind)
    if origin in (list, dict, typing.Union) or type(tp).__name__ == "UnionType":
        args = typing.get_args(tp)
        if origin is list or origin is dict:
            return [args[-1]]
        return [c for arg in args for c in _children(arg, part, kind)]
    if isinstance(part, str):
        return [m.model_fields[part].annotation for m in _models(tp, kind) if part in m.model_fields]
    return []
