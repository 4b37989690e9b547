"""Load config/landing-zone.yaml and config/accounts/*.yaml into validated models, collecting every error."""
from __future__ import annotations

import datetime
import difflib
import json
import os
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import ConfigError, Diagnostic
from .schema import SECTION_OF_KIND, Account, LandingZone
from .pattern_words import pattern_in_words
from .yaml_bounds import MAX_ACCOUNT_FILES, FileRefused, ReadBudget, read_text, total_size_problem
from .yaml_source import ImplicitBool, Loc, SourceMap, YamlSyntaxError, read_yaml

LANDING_ZONE_FILE = "landing-zone.yaml"
ACCOUNTS_DIR = "accounts"
_ACCOUNT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Account)


@dataclass(frozen=True)
class Config:
    """The whole validated configuration, with the source map of each file for later checks."""

    root: Path
    landing_zone: LandingZone
    accounts: dict[str, Any]  # account name -> Account model, in file-name order
    landing_zone_source: SourceMap
    account_sources: dict[str, SourceMap]
    # Accounts whose files failed validation: references to them are not reported again as unknown.
    invalid_accounts: frozenset[str] = frozenset()
    invalid_kinds: frozenset[str] = frozenset()  # the `kind:` those files declare, when readable

    def error(self, account: str | None, loc: Loc, message: str, *, key: bool = False) -> Diagnostic:
        """A located diagnostic for a field of an account file (or of landing-zone.yaml when account is None)."""
        source = self.landing_zone_source if account is None else self.account_sources[account]
        return source.diagnostic(loc, message, key=key)

    def of_kind(self, *kinds: str) -> list[Any]:
        """Accounts of the given kinds, in name order."""
        return [a for a in self.accounts.values() if a.kind in kinds]


def display_path(path: Path) -> str:
    """Paths in messages are relative to the working directory when possible, as compilers print them."""
    try:
        absolute = path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: name the link itself
        absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load(root: Path | str = "config") -> Config:
    """Read and validate the configuration under root; raise ConfigError with every problem found."""
    from .checks import run_checks  # late: checks import the loader's Config

    root = Path(root)
    diagnostics: list[Diagnostic] = []
    lz_path = root / LANDING_ZONE_FILE
    if not os.path.lexists(lz_path):
        raise ConfigError([Diagnostic(display_path(lz_path), 1, 1, "", "file not found; a landing zone needs config/landing-zone.yaml (see --config)")])
    account_files, problem = _account_files(root / ACCOUNTS_DIR)
    too_big = total_size_problem([lz_path, *account_files], display_path(root))
    if too_big:  # refused from the sizes alone, before a byte is parsed
        raise ConfigError([too_big])
    budget = ReadBudget()  # all files together, also when a file grows while it is read
    landing_zone, lz_source, _ = _validate_file(lz_path, LandingZone, diagnostics, budget)

    accounts: dict[str, Any] = {}
    sources: dict[str, SourceMap] = {}
    invalid: set[str] = set()
    invalid_kinds: set[str] = set()
    if problem:  # no accounts to check: every cross-file check would repeat this one cause
        raise ConfigError([*diagnostics, problem])
    for path in account_files:
        model, source, declared = _validate_file(path, _ACCOUNT_ADAPTER, diagnostics, budget)
        if model is None:
            invalid.add(path.stem)
            invalid_kinds.update(_kinds_meant(declared))
            continue
        if model.name != path.stem:
            diagnostics.append(source.diagnostic(("name",), f"must equal the file name {path.stem!r} (got {model.name!r})"))
            invalid.add(path.stem)
            invalid_kinds.add(model.kind)
            continue
        if model.name in accounts:
            diagnostics.append(source.diagnostic(("name",), f"duplicate account name {model.name!r}; also in {sources[model.name].file}"))
            continue
        accounts[model.name] = model
        sources[model.name] = source

    if landing_zone is None:
        raise ConfigError(diagnostics)
    config = Config(root, landing_zone, accounts, lz_source, sources, frozenset(invalid), frozenset(invalid_kinds))
    diagnostics.extend(run_checks(config))
    if diagnostics:
        raise ConfigError(diagnostics)
    return config


def _account_files(folder: Path) -> tuple[list[Path], Diagnostic | None]:
    """config/accounts/*.yaml and *.yml in name order (directories and broken links included: reading reports them)."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError as exc:
        missing = "no account files; add config/accounts/<name>.yaml"
        return [], Diagnostic(display_path(folder), 1, 1, "", missing if not os.path.lexists(folder) else f"cannot list the account files: {exc.strerror}")
    files = [folder / n for n in names if n.endswith(".yaml")] + [folder / n for n in names if n.endswith(".yml")]
    if len(files) > MAX_ACCOUNT_FILES:
        return [], Diagnostic(display_path(folder), 1, 1, "", f"holds {len(files)} account files; mlops-tf reads landing zones of up to {MAX_ACCOUNT_FILES} accounts")
    if not files:
        return [], Diagnostic(display_path(folder), 1, 1, "", "no account files; add config/accounts/<name>.yaml")
    return files, None


def _kinds_meant(declared: str) -> set[str]:
    """The kinds an invalid account file may stand for, so that checks of other files do not report
    the same root cause again (a missing security account, an unknown target): its declared kind, the
    closest kind to a misspelt one, or every kind when it says none."""
    if declared in SECTION_OF_KIND:
        return {declared}
    close = difflib.get_close_matches(declared, list(SECTION_OF_KIND), n=1, cutoff=0.6) if declared else []
    return set(close) if close else set(SECTION_OF_KIND)


def _declared_kind(data: Any, text_kind: str) -> str:
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else text_kind


_KIND_LINE = re.compile(r"^kind:[ \t]*['\"]?([a-z-]+)", re.MULTILINE)


def _validate_file(path: Path, schema: Any, diagnostics: list[Diagnostic], budget: ReadBudget) -> tuple[Any, SourceMap, str]:
    """(model or None, source map, the `kind:` the file declares or "")."""
    display = display_path(path)
    try:
        data, source = read_yaml(path, display, budget)
    except YamlSyntaxError as exc:
        if not exc.silent:
            diagnostics.append(exc.diagnostic)
        return None, SourceMap(display), _kind_line(path)
    if not isinstance(data, dict):
        diagnostics.append(Diagnostic(display, 1, 1, "", "expected a mapping of keys to values at the top of the file"))
        return None, source, ""
    declared = _declared_kind(data, "")
    # Strict JSON-mode validation: YAML's scalars are JSON's, so 'yes' is no boolean, true no number
    # and 2048.0 no whole number, while enum and literal values are still written as plain strings.
    document = json.dumps(data, default=non_json_scalar)
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_json(document, strict=True), source, declared
        return schema.model_validate_json(document, strict=True), source, declared
    except ValidationError as exc:
        root_type = schema._type if isinstance(schema, TypeAdapter) else schema
        diagnostics.extend(translate_errors(exc, data, source, root_type))
        return None, source, declared


def _kind_line(path: Path) -> str:
    """The top-level `kind:` of a file that is not valid YAML further down, read from its text."""
    try:
        found = _KIND_LINE.search(read_text(path, ""))
    except FileRefused:
        return ""
    return found.group(1) if found else ""


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
            out.append(source.diagnostic(loc + (misspelt,), f"unknown key {misspelt!r}; did you mean {err.get('ctx', {}).get('discriminator', 'kind').strip(chr(39))!r}?", key=True))
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


def _misspelt_tag(err: dict, loc: Loc, data: Any) -> str | None:
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


def _variant_tag_diagnostic(err: dict, loc: Loc, source: SourceMap, root_type: Any, kind: str | None) -> Diagnostic:
    """A discriminated union (account kind, backend type, source type, ...) got a missing or unknown tag."""
    ctx = err.get("ctx", {})
    field = ctx.get("discriminator", "'kind'").strip("'")
    if err["type"] == "union_tag_not_found":
        tags = list(SECTION_OF_KIND) if not loc and field == "kind" else _variant_tags(root_type, loc, field)
        one_of = f" (one of {', '.join(tags)})" if tags else ""
        return source.diagnostic(loc + (field,), f"required field is missing: {field} chooses which variant this is{one_of}")
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


def _value_message(err: dict, keys: list[str] | None = None) -> str:
    msg = _TYPE_MESSAGES.get(err["type"], err["msg"])
    if keys and len(keys) <= 20:
        msg += f" with the keys {', '.join(keys)}"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if err["type"] in ("literal_error", "enum") and isinstance(value := err.get("input"), str):
        allowed = re.findall(r"'([^']*)'", err["ctx"].get("expected", ""))
        hint = difflib.get_close_matches(value, allowed, n=1)
        msg = f"must be one of {', '.join(repr(a) for a in allowed)}" + (f"; did you mean {hint[0]!r}?" if hint else "")
    if err["type"] in ("string_too_long", "string_too_short", "too_long", "too_short"):
        limit = err["ctx"].get("max_length", err["ctx"].get("min_length"))
        value = err.get("input")
        unit = "characters" if err["type"].startswith("string") else "items"
        bound = "at most" if "long" in err["type"] else "at least"
        size = len(value) if isinstance(value, (str, list, dict)) else None
        return f"must have {bound} {limit} {unit} (got {size})" if unit == "items" else f"must be {bound} {limit} {unit} (got {size}: {_describe(value)})"
    if err["type"] == "string_pattern_mismatch":
        msg = pattern_in_words(err["ctx"]["pattern"])
    value = err.get("input")
    if isinstance(value, dict) and list(value) == [_YAML_DATE]:
        return f"must be a string: put the value in quotes (YAML reads it as a date) (got {value[_YAML_DATE]})"
    if isinstance(value, dict) and list(value) == [_YAML_BOOL]:
        text = value[_YAML_BOOL]
        if err["type"] in ("bool_type", "bool_parsing"):
            return f"must be true or false (got {text}: YAML 1.1 reads it as a boolean, but mlops-tf takes only true and false)"
        return f"{msg.split(' (')[0]}: put the value in quotes (got {text}, which YAML 1.1 reads as a boolean)"
    if err["type"] == "string_type":
        if isinstance(value, bool):
            msg = "must be a string: put the value in quotes (YAML reads yes, no, on, off, true and false as true or false)"
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
