"""Load config/landing-zone.yaml and config/accounts/*.yaml into validated models, collecting every error."""
from __future__ import annotations

import datetime
import difflib
import json
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import ConfigError, Diagnostic, config_option
from .hints import close_match, with_hint
from .repair import repaired, under
from .schema import SECTION_OF_KIND, Account, LandingZone
from .schema.common import PATTERN_DESCRIPTIONS
from .yaml_source import YAML_WORD_BOOL, Loc, SourceMap, YamlSyntaxError, read_yaml

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
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load(root: Path | str = "config") -> Config:
    """Read and validate the configuration under root; raise ConfigError with every problem found."""
    from .checks import run_checks  # late: checks import the loader's Config

    root = Path(root)
    diagnostics: list[Diagnostic] = []
    lz_path = root / LANDING_ZONE_FILE
    if not lz_path.is_file():
        raise ConfigError([Diagnostic(display_path(lz_path), 1, 1, "", f"file not found; a landing zone needs {display_path(lz_path)} (see --config, or create one with `mlops-tf init {display_path(root)}`)")])
    landing_zone, lz_source, fixed = _validate_file(lz_path, LandingZone, diagnostics)
    # A file with schema errors still takes part in the cross-file checks, as far as it validates
    # without its failing values: one file's error must not hide the others' (nor its own cross-file) errors.
    removed: dict[str, list[Loc]] = {}
    gone: set[str] = set()  # names of removed list items: references to them are no errors of their own
    if landing_zone is None and fixed is not None:
        landing_zone, removed[lz_source.file] = fixed.model, fixed.removed
        gone |= fixed.names

    accounts: dict[str, Any] = {}
    sources: dict[str, SourceMap] = {}
    invalid: set[str] = set()
    invalid_kinds: set[str] = set()
    account_files = sorted((root / ACCOUNTS_DIR).glob("*.yaml")) + sorted((root / ACCOUNTS_DIR).glob("*.yml"))
    if not account_files:
        diagnostics.append(Diagnostic(display_path(root / ACCOUNTS_DIR), 1, 1, "", f"no account files; add {display_path(root / ACCOUNTS_DIR)}/<name>.yaml (or `mlops-tf add-account KIND NAME{config_option(display_path(root))}`)"))
    for path in account_files:
        model, source, fixed = _validate_file(path, _ACCOUNT_ADAPTER, diagnostics)
        if model is None:
            invalid.add(path.stem)
            invalid_kinds.add(_declared_kind(path))
            if fixed is not None and fixed.model.name == path.stem:
                accounts[path.stem], sources[path.stem], removed[source.file] = fixed.model, source, fixed.removed
                gone |= fixed.names
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
    diagnostics.extend(
        with_hint(d) for d in run_checks(config)
        if not under(d, removed.get(d.file, [])) and not any(f"'{name}'" in d.message for name in gone)
    )
    if diagnostics:
        raise ConfigError(diagnostics)
    return config


def _declared_kind(path: Path) -> str:
    """The kind an invalid account file declares, so checks do not report it missing as well."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:  # a syntax error further down: the top-level `kind:` line still says it
        found = re.search(r"^kind:[ \t]*['\"]?([a-z-]+)", text, re.MULTILINE)
        return found.group(1) if found else ""
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else ""


def _validate_file(path: Path, schema: Any, diagnostics: list[Diagnostic]) -> tuple[Any, SourceMap, Any]:
    """(model or None, source map, (repaired model, removed locations) or None) of one file."""
    display = display_path(path)
    try:
        data, source = read_yaml(path, display)
    except YamlSyntaxError as exc:
        diagnostics.append(exc.diagnostic)
        return None, SourceMap(display), None
    if not isinstance(data, dict):
        diagnostics.append(Diagnostic(display, 1, 1, "", "expected a mapping of keys to values at the top of the file"))
        return None, source, None
    # Strict JSON-mode validation: YAML's scalars are JSON's, so 'yes' is no boolean, true no number
    # and 2048.0 no whole number, while enum and literal values are still written as plain strings.
    document = json.dumps(data, default=_non_json_scalar)
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_json(document, strict=True), source, None
        return schema.model_validate_json(document, strict=True), source, None
    except ValidationError as exc:
        root_type = schema._type if isinstance(schema, TypeAdapter) else schema
        diagnostics.extend(_translate(exc, data, source, root_type))
        return None, source, repaired(data, schema, exc, strip_tag=isinstance(schema, TypeAdapter))


_YAML_DATE = "__yaml_date__"


def _non_json_scalar(value: Any) -> Any:
    """YAML dates and times have no JSON form: hand them over as a marker that no field accepts."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {_YAML_DATE: value.isoformat()}
    raise TypeError(f"unsupported YAML value {value!r}")


def _translate(exc: ValidationError, data: dict, source: SourceMap, root_type: Any) -> list[Diagnostic]:
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
        elif kind_type in ("union_tag_invalid", "union_tag_not_found"):
            out.append(_variant_tag_diagnostic(err, loc, source, root_type, kind))
        else:
            keys = sorted(_fields_at(root_type, loc, kind)) if kind_type in _MAPPING_TYPES else []
            out.append(source.diagnostic(loc, _value_message(err, keys)))
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
    hint = close_match(str(ctx.get("tag")), [t.strip() for t in expected.split(",")])
    did_you_mean = f"; did you mean {hint!r}?" if hint else ""
    return source.diagnostic(loc + (field,), f"must be one of {expected}{did_you_mean} (got {ctx.get('tag')!r})")


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
    if err["type"] in ("enum", "literal_error") and isinstance(err.get("input"), str):
        allowed = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        if allowed:
            hint = close_match(err["input"], allowed)
            msg += f"; did you mean {hint!r}?" if hint else ""
    if err["type"] == "string_pattern_mismatch":
        pattern = err["ctx"]["pattern"]
        msg = PATTERN_DESCRIPTIONS.get(pattern, f"does not match the allowed form {pattern}")
    value = err.get("input")
    if isinstance(value, dict) and list(value) == [_YAML_DATE]:
        return f"must be a string: put the value in quotes (YAML reads it as a date) (got {value[_YAML_DATE]})"
    if isinstance(value, dict) and list(value) == [YAML_WORD_BOOL]:
        word = value[YAML_WORD_BOOL]
        if err["type"] in ("bool_type", "bool_parsing"):
            return f"must be true or false (got {word}; YAML's yes, no, on and off are not accepted)"
        return ("must be a string: put the value in quotes (YAML reads yes, no, on, off, true and false as true or false) "
                f"(got {word})")
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
    if isinstance(value, dict) and list(value) == [YAML_WORD_BOOL]:
        return str(value[YAML_WORD_BOOL])
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


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
