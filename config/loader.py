"""Load config/landing-zone.yaml and config/accounts/*.yaml into validated models, collecting every error."""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .checks import run_checks
from .errors import ConfigError, Diagnostic
from .hints import with_hint
from .model import Config
from .paths import ACCOUNTS_DIR, LANDING_ZONE_FILE, display_path
from .repair import Repair, knock_on, repaired
from .schema import SECTION_OF_KIND, Account, LandingZone
from .translate import non_json_scalar, translate_errors
from .yaml_bounds import MAX_ACCOUNT_FILES, FileRefused, ReadBudget, read_text, total_size_problem
from .yaml_source import SourceMap, YamlSyntaxError, read_yaml


@functools.cache
def _account_adapter() -> TypeAdapter[Any]:
    """The validator of an account file (any kind), built on first use (see StrictModel's defer_build)."""
    return TypeAdapter(Account)


def load(root: Path | str = "config") -> Config:
    """Read and validate the configuration under root; raise ConfigError with every problem found."""
    root = Path(root)
    diagnostics: list[Diagnostic] = []
    lz_path = root / LANDING_ZONE_FILE
    if not os.path.lexists(lz_path):
        raise ConfigError(
            [
                Diagnostic(
                    display_path(lz_path),
                    1,
                    1,
                    "",
                    f"file not found; a landing zone needs {LANDING_ZONE_FILE} in its configuration folder "
                    "(see --config)",
                )
            ]
        )
    account_files, problem = _account_files(root / ACCOUNTS_DIR)
    too_big = total_size_problem([lz_path, *account_files], display_path(root))
    if too_big:  # refused from the sizes alone, before a byte is parsed
        raise ConfigError([too_big])
    budget = ReadBudget()  # all files together, also when a file grows while it is read
    landing_zone, lz_source, _, fixed = _validate_file(lz_path, LandingZone, diagnostics, budget)
    # A file with schema errors still takes part in the cross-file checks, as far as it validates
    # without its failing values: one file's error must hide neither the others' nor its own cross-file errors.
    removed: dict[str, Repair] = {}
    gone: set[str] = set()  # text of removed values: a message quoting one is about them
    # A message in another file that names a file with removed values may stem from them: an account
    # by its quoted name; the landing zone when an OU lost its path (which accounts it held is unknown).
    mentions: dict[str, str] = {}
    if landing_zone is None and fixed is not None:
        landing_zone, removed[lz_source.file] = fixed.model, fixed
        gone |= fixed.names
        if fixed.lost_identity:
            mentions[lz_source.file] = LANDING_ZONE_FILE

    accounts: dict[str, Any] = {}
    sources: dict[str, SourceMap] = {}
    invalid: set[str] = set()
    invalid_kinds: set[str] = set()
    if problem:  # no accounts to check: every cross-file check would repeat this one cause
        raise ConfigError([*diagnostics, problem])
    for path in account_files:
        model, source, declared, fixed = _validate_file(path, _account_adapter(), diagnostics, budget)
        if model is None and fixed is not None and fixed.model.name == path.stem and path.stem not in accounts:
            invalid.add(path.stem)
            accounts[path.stem], sources[path.stem], removed[source.file] = fixed.model, source, fixed
            gone |= fixed.names
            mentions[source.file] = f"'{path.stem}'"
            continue
        if model is None:
            invalid.add(path.stem)
            invalid_kinds.update(_kinds_meant(declared))
            continue
        if model.name != path.stem:
            diagnostics.append(
                source.diagnostic(("name",), f"must equal the file name {path.stem!r} (got {model.name!r})")
            )
            invalid.add(path.stem)
            invalid_kinds.add(model.kind)
            continue
        if model.name in accounts:
            diagnostics.append(
                source.diagnostic(
                    ("name",), f"duplicate account name {model.name!r}; also in {sources[model.name].file}"
                )
            )
            continue
        accounts[model.name] = model
        sources[model.name] = source

    if landing_zone is None:
        raise ConfigError(diagnostics)
    lz_file = lz_source.file
    config = Config(
        root,
        landing_zone,
        accounts,
        lz_source,
        sources,
        frozenset(invalid),
        frozenset(invalid_kinds),
        partial=bool(removed),
    )
    for d in run_checks(config):
        said = _HINT.sub("", d.message)  # a hint names what exists, not what the message is about
        if any(knock_on(d, fixed, same_file=f == d.file) for f, fixed in removed.items() if f in (d.file, lz_file)):
            continue
        if any(f"'{name}'" in said for name in gone) or any(t in said for f, t in mentions.items() if f != d.file):
            continue
        diagnostics.append(with_hint(d))
    if diagnostics:
        raise ConfigError(diagnostics)
    return config


def _account_files(folder: Path) -> tuple[list[Path], Diagnostic | None]:
    """config/accounts/*.yaml and *.yml in name order (directories and broken links included: reading reports them)."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError as exc:
        missing = f"no account files; add {display_path(folder)}/<name>.yaml"
        return [], Diagnostic(
            display_path(folder),
            1,
            1,
            "",
            missing if not os.path.lexists(folder) else f"cannot list the account files: {exc.strerror}",
        )
    files = [folder / n for n in names if n.endswith(".yaml")] + [folder / n for n in names if n.endswith(".yml")]
    if len(files) > MAX_ACCOUNT_FILES:
        return [], Diagnostic(
            display_path(folder),
            1,
            1,
            "",
            f"holds {len(files)} account files; mlops-tf reads landing zones of up to {MAX_ACCOUNT_FILES} accounts",
        )
    if not files:
        return [], Diagnostic(
            display_path(folder), 1, 1, "", f"no account files; add {display_path(folder)}/<name>.yaml"
        )
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


_HINT = re.compile(r"; did you mean '[^']*'\?")
_KIND_LINE = re.compile(r"^kind:[ \t]*['\"]?([a-z-]+)", re.MULTILINE)


def _validate_file(
    path: Path, schema: Any, diagnostics: list[Diagnostic], budget: ReadBudget
) -> tuple[Any, SourceMap, str, Repair | None]:
    """(model or None, source map, the `kind:` the file declares or "", the file without its failing
    values when it has schema errors and validates that way)."""
    display = display_path(path)
    try:
        data, source = read_yaml(path, display, budget)
    except YamlSyntaxError as exc:
        if not exc.silent:
            diagnostics.append(exc.diagnostic)
        return None, SourceMap(display), _kind_line(path), None
    if not isinstance(data, dict):
        diagnostics.append(Diagnostic(display, 1, 1, "", "expected a mapping of keys to values at the top of the file"))
        return None, source, "", None
    declared = _declared_kind(data, "")
    # Strict JSON-mode validation: YAML's scalars are JSON's, so 'yes' is no boolean, true no number
    # and 2048.0 no whole number, while enum and literal values are still written as plain strings.
    document = json.dumps(data, default=non_json_scalar)
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_json(document, strict=True), source, declared, None
        return schema.model_validate_json(document, strict=True), source, declared, None
    except ValidationError as exc:
        root_type = schema._type if isinstance(schema, TypeAdapter) else schema
        diagnostics.extend(translate_errors(exc, data, source, root_type))
        return None, source, declared, repaired(data, schema, exc, account=isinstance(schema, TypeAdapter))


def _kind_line(path: Path) -> str:
    """The top-level `kind:` of a file that is not valid YAML further down, read from its text."""
    try:
        found = _KIND_LINE.search(read_text(path, ""))
    except FileRefused:
        return ""
    return found.group(1) if found else ""
