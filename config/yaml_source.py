"""YAML loading that remembers where every key and value stands, for compiler-style errors.

The document is built from the parser's events without recursion, so that the bounds of
yaml_bounds (nesting depth, values, alias expansion) hold before anything grows: a "billion laughs"
file or a self-referencing alias is refused at the alias that crosses the bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostic
from .yaml_bounds import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_NUMBER_DIGITS, MAX_VALUES, FileRefused, ReadBudget, read_text
from .yaml_syntax import at_fault

Loc = tuple[str | int, ...]
Pos = tuple[int, int]
# libyaml when PyYAML has it (C speed: a 1 MiB file parses in a fraction of a second), else pure Python.
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
# Tags of plain data; !!binary, !!set, !!omap and application tags have no place in a configuration.
_SCALAR_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAPPING_TAGS = frozenset({None, "!", _TAG + "map"})
_SEQUENCE_TAGS = frozenset({None, "!", _TAG + "seq"})
_MERGE = _TAG + "merge"
# First characters of YAML 1.1's implicit types (bool, int, float, null, timestamp, merge, value); a
# plain scalar starting otherwise is a string, without asking the resolver (the reader's hot path).
_IMPLICIT_FIRST = frozenset("yYnNtTfFoO~-+0123456789.<=")


@dataclass(frozen=True)
class ImplicitBool:
    """yes, no, on, off, y, n written bare: YAML 1.1 reads them as booleans, mlops-tf takes only true and false."""

    text: str


@dataclass
class SourceMap:
    """Positions (1-based line and column) of every node in one YAML file, by path."""

    file: str
    positions: dict[Loc, Pos] = field(default_factory=dict)
    key_positions: dict[Loc, Pos] = field(default_factory=dict)

    def where(self, loc: Loc, *, key: bool = False) -> Pos:
        """Position of loc, or of its nearest ancestor that exists in the file."""
        table = self.key_positions if key else self.positions
        for end in range(len(loc), -1, -1):
            prefix = tuple(loc[:end])
            if prefix in table:
                return table[prefix]
            if prefix in self.positions:
                return self.positions[prefix]
        return (1, 1)

    def diagnostic(self, loc: Loc, message: str, *, key: bool = False) -> Diagnostic:
        """A diagnostic for the field at loc (key=True points at the key rather than its value)."""
        line, column = self.where(loc, key=key)
        return Diagnostic(self.file, line, column, format_loc(loc), message)


def format_loc(loc: Loc) -> str:
    """('endpoints', 0, 'memory_mb') -> 'endpoints[0].memory_mb'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class YamlSyntaxError(Exception):
    """A file that cannot be read as YAML within the bounds; carries its one diagnostic."""

    def __init__(self, diagnostic: Diagnostic, *, silent: bool = False):
        self.diagnostic = diagnostic
        self.silent = silent  # reported for another file already (one root cause, one error)
        super().__init__(str(diagnostic))


def read_yaml(path: Path, display: str, budget: ReadBudget | None = None) -> tuple[Any, SourceMap]:
    """Parse one YAML file into plain data plus its source map; every problem becomes one diagnostic."""
    try:
        text = read_text(path, display, budget)
    except FileRefused as exc:
        raise YamlSyntaxError(exc.diagnostic, silent=exc.silent) from exc
    return parse_yaml(text, display)


def parse_yaml(text: str, display: str) -> tuple[Any, SourceMap]:
    smap = SourceMap(display)
    parser = None
    try:
        parser = _Parser(text)  # the pure-Python reader checks the characters here
        data = _Builder(display).document(parser)
    except yaml.MarkedYAMLError as exc:
        mark, problem = at_fault(exc, text)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if problem == "exceeded maximum nesting depth":  # libyaml's own bound, below ours for flow lists
            problem = (
                f"mappings and lists are nested more than {MAX_DEPTH} levels deep; mlops-tf reads configuration "
                "files up to that depth"
            )
            raise YamlSyntaxError(Diagnostic(display, line, col, "", problem)) from exc
        if exc.context and problem.startswith("but "):  # "but found another document" needs its first half
            problem = f"{exc.context} {problem}"
        raise YamlSyntaxError(Diagnostic(display, line, col, "", f"invalid YAML: {problem}")) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        before = text[: exc.position]
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise YamlSyntaxError(
            Diagnostic(
                display,
                line,
                col,
                "",
                f"invalid YAML: the control character U+{code:04X} is not allowed in a YAML file",
            )
        ) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Diagnostic(display, 1, 1, "", f"invalid YAML: {exc}")) from exc
    finally:
        if parser is not None:
            parser.dispose()
    data, smap.positions, smap.key_positions = data
    return data, smap


@dataclass
class _Open:
    """A mapping or list being built."""

    value: Any
    loc: Loc
    anchor: str | None
    start: tuple[int, int]  # lengths of entries and key_entries when it opened
    size: int = 1
    key: Any = None  # mapping: the key whose value comes next
    merges: list = field(default_factory=list)  # mapping: (loc of the merged value, entry range) of each <<


@dataclass(frozen=True)
class _Anchor:
    loc: Loc
    value: Any
    size: int
    entries: tuple[int, int, int, int]  # ranges in entries and key_entries


class _Builder:
    """Plain data and positions from parser events, within MAX_DEPTH, MAX_VALUES and MAX_ALIAS_VALUES."""

    def __init__(self, display: str):
        self.display = display
        self.scalars = yaml.SafeLoader("")  # resolves and constructs scalars exactly as safe_load does
        self.entries: list[tuple[Loc, Pos]] = []
        self.key_entries: list[tuple[Loc, Pos]] = []
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: set[str] = set()
        self.values = 0
        self.aliased = 0

    def fail(self, mark: Any, message: str) -> YamlSyntaxError:
        return YamlSyntaxError(Diagnostic(self.display, mark.line + 1, mark.column + 1, "", message))

    def document(self, parser: Any) -> tuple[Any, dict, dict]:
        parser.get_event()  # stream start
        if parser.check_event(yaml.StreamEndEvent):
            return {}, {}, {}
        parser.get_event()  # document start
        data = self.root(parser)
        parser.get_event()  # document end
        if not parser.check_event(yaml.StreamEndEvent):
            raise self.fail(
                parser.peek_event().start_mark,
                "invalid YAML: expected a single document in the stream but found another document",
            )
        return ({} if data is None else data), dict(self.entries), dict(self.key_entries)

    def count(self, size: int, mark: Any, *, aliased: bool) -> None:
        self.values += size
        if aliased:
            self.aliased += size
            if self.aliased > MAX_ALIAS_VALUES:
                raise self.fail(
                    mark,
                    f"aliases and merge keys repeat more than {MAX_ALIAS_VALUES} values in this file; "
                    'mlops-tf refuses such files (a YAML "billion laughs" would exhaust memory): write the values out',
                )
        if self.values > MAX_VALUES:
            raise self.fail(
                mark,
                f"the file holds more than {MAX_VALUES} values; mlops-tf reads configuration files up to that many",
            )

    def root(self, parser: Any) -> Any:
        stack: list[_Open] = []
        result: list[Any] = []
        while True:
            event = parser.get_event()
            loc, parent = self.next_loc(stack, event)
            if parent is not None and parent.key is None and isinstance(parent.value, dict):
                if isinstance(event, yaml.MappingEndEvent):
                    self.close(stack, event, result)
                else:
                    self.key(parent, event)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                self.open(stack, event, loc)
            elif isinstance(event, yaml.SequenceEndEvent):
                self.close(stack, event, result)
            elif isinstance(event, yaml.AliasEvent):
                self.place(stack, result, self.alias(event, loc), event)
            else:
                value = self.scalar(event)
                self.entries.append((loc, (event.start_mark.line + 1, event.start_mark.column + 1)))
                self.count(1, event.start_mark, aliased=False)
                if event.anchor:
                    size = len(self.entries)
                    self.anchors[event.anchor] = _Anchor(
                        loc, value, 1, (size - 1, size, len(self.key_entries), len(self.key_entries))
                    )
                self.place(stack, result, (value, 1), event)
            if not stack and result:
                return result[0]

    def next_loc(self, stack: list[_Open], event: Any) -> tuple[Loc, _Open | None]:
        if not stack:
            return (), None
        top = stack[-1]
        if isinstance(top.value, list):
            return top.loc + (len(top.value),), top
        return top.loc + ((top.key,) if top.key is not _MERGE else ("<<", len(top.merges))), top

    def key(self, parent: _Open, event: Any) -> None:
        if not isinstance(event, yaml.ScalarEvent):
            raise self.fail(
                event.start_mark,
                "invalid YAML: mapping keys must be strings written out (not a list, a mapping or an alias)",
            )
        if event.tag is None and event.implicit[0] and event.value == "<<":  # YAML 1.1 merge key
            parent.key = _MERGE
            return
        key = self.scalar(event)
        if not isinstance(key, str):
            shown = event.value if isinstance(key, ImplicitBool) else key
            got = "" if key is None else f" (got {shown!r}: put it in quotes)"
            raise self.fail(event.start_mark, f"invalid YAML: mapping keys must be strings{got}")
        if key in parent.value:
            raise self.fail(event.start_mark, f"invalid YAML: duplicate key {key!r}")
        mark = event.start_mark
        assert mark is not None  # the parser marks every event it emits; None only for events built by hand
        self.key_entries.append((parent.loc + (key,), (mark.line + 1, mark.column + 1)))
        parent.key = key

    def open(self, stack: list[_Open], event: Any, loc: Loc) -> None:
        mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (_MAPPING_TAGS if mapping else _SEQUENCE_TAGS):
            raise self.fail(
                event.start_mark,
                f"the tag {event.tag.replace(_TAG, '!!')} is not supported; write plain YAML mappings and "
                "lists without tags",
            )
        if len(stack) >= MAX_DEPTH:
            raise self.fail(
                event.start_mark,
                f"mappings and lists are nested more than {MAX_DEPTH} levels deep; mlops-tf reads "
                "configuration files up to that depth",
            )
        self.count(1, event.start_mark, aliased=False)
        if event.anchor:
            self.open_anchors.add(event.anchor)
        self.entries.append((loc, (event.start_mark.line + 1, event.start_mark.column + 1)))
        stack.append(_Open({} if mapping else [], loc, event.anchor, (len(self.entries) - 1, len(self.key_entries))))

    def close(self, stack: list[_Open], event: Any, result: list[Any]) -> None:
        done = stack.pop()
        if done.merges:
            self.merge(done, event)
        if done.anchor:
            self.open_anchors.discard(done.anchor)
            self.anchors[done.anchor] = _Anchor(
                done.loc,
                done.value,
                done.size,
                (*done.start[:1], len(self.entries), done.start[1], len(self.key_entries)),
            )
        self.place(stack, result, (done.value, done.size), event, opened=True)

    def place(
        self, stack: list[_Open], result: list[Any], item: tuple[Any, int], event: Any, *, opened: bool = False
    ) -> None:
        value, size = item
        if not stack:
            result.append(value)
            return
        parent = stack[-1]
        parent.size += size
        if isinstance(parent.value, list):
            parent.value.append(value)
        elif parent.key is _MERGE:
            sources = value if isinstance(value, list) else [value]
            if not sources or not all(isinstance(s, dict) for s in sources):
                raise self.fail(
                    event.start_mark,
                    "a merge key << takes a mapping or a list of mappings, usually an alias such as <<: *base",
                )
            parent.merges.append((parent.loc + ("<<", len(parent.merges)), sources, isinstance(value, list)))
            parent.key = None
        else:
            parent.value[parent.key] = value
            parent.key = None

    def merge(self, mapping: _Open, event: Any) -> None:
        """Keys of `<<: *base` (YAML 1.1 merge) that the mapping does not set itself, with their positions."""
        explicit = set(mapping.value)
        for merge_loc, sources, listed in mapping.merges:
            for i, source in enumerate(sources):
                prefix = merge_loc + (i,) if listed else merge_loc
                for key, value in source.items():
                    if key in mapping.value:
                        continue
                    mapping.value[key] = value
                self.count(len(source), event.start_mark, aliased=True)
                self.reroot(mapping, prefix, explicit)
                explicit |= set(source)  # an earlier merged mapping wins over a later one
        mapping.merges.clear()

    def reroot(self, mapping: _Open, old: Loc, skip: set[str]) -> None:
        """Copy the positions recorded under old (inside this mapping) to the mapping, for merged keys."""
        n = len(old)
        for table, start in ((self.entries, mapping.start[0]), (self.key_entries, mapping.start[1])):
            moved = [
                (mapping.loc + loc[n:], pos)
                for loc, pos in table[start:]
                if loc[:n] == old and len(loc) > n and loc[n] not in skip
            ]
            table.extend(moved)

    def alias(self, event: Any, loc: Loc) -> tuple[Any, int]:
        name = event.anchor
        if name in self.open_anchors:
            raise self.fail(
                event.start_mark,
                f"the alias *{name} refers to the mapping or list that contains it (a loop); mlops-tf cannot "
                "read self-referencing data",
            )
        anchor = self.anchors.get(name)
        if anchor is None:
            raise self.fail(event.start_mark, f"the alias *{name} has no anchor &{name} before it")
        self.count(anchor.size, event.start_mark, aliased=True)
        s, e, ks, ke = anchor.entries
        n = len(anchor.loc)
        self.entries.extend((loc + old[n:], pos) for old, pos in self.entries[s:e])
        self.key_entries.extend((loc + old[n:], pos) for old, pos in self.key_entries[ks:ke])
        return anchor.value, anchor.size

    def scalar(self, event: Any) -> Any:
        value = event.value
        if event.tag is None and (event.style in ('"', "'", "|", ">") or (value and value[0] not in _IMPLICIT_FIRST)):
            return value  # quoted, or plain text that no implicit YAML type (bool, int, null, ...) can start with
        tag = (
            event.tag
            if event.tag not in (None, "!")
            else self.scalars.resolve(yaml.ScalarNode, event.value, event.implicit)
        )
        if tag == _MERGE:
            return "<<"
        if tag not in _SCALAR_TAGS:
            raise self.fail(
                event.start_mark, f"the tag {tag.replace(_TAG, '!!')} is not supported; write the value without a tag"
            )
        if tag == _TAG + "str":
            return event.value
        if tag == _TAG + "bool" and event.value.lower() not in ("true", "false"):
            return ImplicitBool(event.value)
        if tag in (_TAG + "int", _TAG + "float") and len(event.value) > MAX_NUMBER_DIGITS:
            raise self.fail(
                event.start_mark,
                f"the number has {len(event.value)} digits; mlops-tf reads numbers of up to {MAX_NUMBER_DIGITS}",
            )
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.scalars.yaml_constructors[tag](self.scalars, node)
        except (ValueError, OverflowError) as exc:  # a date such as 2024-02-30
            raise self.fail(
                event.start_mark,
                f"cannot read {event.value!r} as a {tag.replace(_TAG, '')}: {exc}; put it in quotes if it is text",
            ) from exc
