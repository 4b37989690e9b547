"""YAML loading that remembers where every key and value stands, for compiler-style errors."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostic

Loc = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Positions (1-based line and column) of every node in one YAML file, by path."""

    file: str
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
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


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _build(node: yaml.Node, loc: Loc, smap: SourceMap, loader: yaml.SafeLoader) -> Any:
    smap.positions[loc] = _pos(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):  # no schema has non-string keys; 12 or yes would be silently retyped
                got = "" if key is None or isinstance(key, (dict, list)) else f" (got {key!r}: put it in quotes)"
                raise yaml.MarkedYAMLError(problem=f"mapping keys must be strings{got}", problem_mark=key_node.start_mark)
            if key in result:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
            smap.key_positions[loc + (key,)] = _pos(key_node)
            result[key] = _build(value_node, loc + (key,), smap, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, loc + (i,), smap, loader) for i, item in enumerate(node.value)]
    if node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false"):
        # YAML 1.1 reads yes/no/on/off as booleans; the configuration takes true and false only, so
        # these stay visible as what they are and every field rejects them with a precise message.
        return {YAML_WORD_BOOL: node.value}
    return loader.construct_object(node, deep=True)


_BOOL_TAG = "tag:yaml.org,2002:bool"
# Marker of a yes/no/on/off scalar: no field accepts a mapping of this key, so validation reports it.
YAML_WORD_BOOL = "__yaml_word_bool__"


def read_yaml(path: Path, display: str) -> tuple[Any, SourceMap]:
    """Parse one YAML file into plain data plus its source map; syntax errors become diagnostics."""
    smap = SourceMap(display)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlSyntaxError(Diagnostic(display, 1, 1, "", f"cannot read file: {exc}")) from exc
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = {} if node is None else _build(node, (), smap, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        if exc.context and problem.startswith("but "):  # "but found another document" needs its first half
            problem = f"{exc.context} {problem}"
        opened = _UNCLOSED.get(str(exc.context or "").split(" (")[0])
        if opened and exc.context_mark is not None and exc.problem_mark is not None and exc.context_mark.line < exc.problem_mark.line:
            # An unclosed [ { or quote is noticed on a later line; the fault is where it was opened.
            problem = f"{opened} opened here is not closed ({problem} on line {exc.problem_mark.line + 1})"
            mark = exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlSyntaxError(Diagnostic(display, line, col, "", f"invalid YAML: {problem}")) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Diagnostic(display, 1, 1, "", f"invalid YAML: {exc}")) from exc
    finally:
        loader.dispose()
    return data, smap


# PyYAML's context of an error -> what was left open, for errors noticed after the line at fault.
_UNCLOSED = {
    "while parsing a flow sequence": "the list '['",
    "while parsing a flow mapping": "the mapping '{'",
    "while scanning a quoted scalar": "the quoted string",
}


class YamlSyntaxError(Exception):
    """A file that is not valid YAML; carries its one diagnostic."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(str(diagnostic))
