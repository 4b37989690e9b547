"""Where a new account must be named in other files: computed from a sibling of the same kind.

A new account of a kind that exists already is named wherever its sibling is named in a list of
another file (Identity Center assignments, ECR pull accounts, pipeline targets) and gets a copy of
every list item that points at the sibling with `account:` (Lake Formation grants). The edits are
text insertions at known lines, so comments and layout survive; what cannot be edited safely this
way is returned as an instruction for the user instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.yaml_source import Loc, SourceMap, format_loc, read_yaml


@dataclass(frozen=True)
class Edit:
    """One change to one file: new text at a line (1-based), or an instruction when applied is False."""

    path: Path
    line: int
    field: str
    text: str
    replace: bool = False  # the line is replaced (a flow list gets the name) rather than inserted before
    safe: bool = True

    def describe(self) -> str:
        verb = "replace line" if self.replace else "insert before line"
        return f"{self.path}:{self.line}: {self.field}: {verb} {self.line}:\n" + "\n".join(
            f"    {t}" for t in self.text.splitlines()
        )


def sibling_edits(files: list[Path], sibling: str, name: str) -> list[Edit]:
    """Every edit that names `name` where `sibling` is named, across the given YAML files."""
    edits: list[Edit] = []
    for path in files:
        try:
            data, source = read_yaml(path, str(path))
        except Exception:  # an unreadable file is validate's business; it gets no automatic edit
            continue
        if path.stem == sibling:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        edits.extend(_walk(path, data, (), source, lines, sibling, name))
    return edits


def apply_edits(edits: list[Edit]) -> None:
    """Apply the safe edits, bottom-up per file so that line numbers stay valid."""
    by_file: dict[Path, list[Edit]] = {}
    for edit in edits:
        if edit.safe:
            by_file.setdefault(edit.path, []).append(edit)
    for path, file_edits in by_file.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for edit in sorted(file_edits, key=lambda e: e.line, reverse=True):
            index = edit.line - 1
            if edit.replace:
                lines[index] = edit.text
            else:
                lines[index:index] = edit.text.splitlines()
        path.write_text("\n".join(lines) + ("\n" if text.endswith("\n") else ""), encoding="utf-8")


def _walk(path: Path, node: Any, loc: Loc, source: SourceMap, lines: list[str], sibling: str, name: str) -> list[Edit]:
    out: list[Edit] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_walk(path, value, loc + (key,), source, lines, sibling, name))
    elif isinstance(node, list):
        # account_kinds, pull_kinds...: kind names, which may equal an account's name (staging).
        by_name = not (loc and str(loc[-1]).endswith("kinds"))
        if by_name and sibling in node and name not in node and all(isinstance(v, str) for v in node):
            out.append(_name_in_list(path, node, loc, source, lines, sibling, name))
        for i, item in enumerate(node):
            if (
                isinstance(item, dict)
                and item.get("account") == sibling
                and not any(isinstance(o, dict) and o.get("account") == name for o in node)
            ):
                out.append(_copy_item(path, node, loc, i, source, lines, sibling, name))
            else:
                out.extend(_walk(path, item, loc + (i,), source, lines, sibling, name))
    return out


def _name_in_list(
    path: Path, node: list, loc: Loc, source: SourceMap, lines: list[str], sibling: str, name: str
) -> Edit:
    """A flow list on one line gets `, name` before its `]`; a block list gets a `- name` item."""
    line, column = source.positions[loc]
    text = lines[line - 1]
    field = format_loc(loc)
    if text[column - 1 : column] == "[" and text.count("[") == 1 and text.count("]") == 1:
        close = text.index("]")
        inner = text[column:close].rstrip()
        new = text[:column] + inner + (", " if inner else "") + name + text[close:]
        return Edit(path, line, field, new, replace=True)
    first_line, first_col = source.positions[loc + (0,)]
    dash = lines[first_line - 1][: first_col - 1]
    if dash.strip() == "-":
        return Edit(path, first_line, field, f"{dash}{name}")
    return Edit(path, line, field, f"add {name!r} to this list (next to {sibling!r})", safe=False)


def _copy_item(
    path: Path, node: list, loc: Loc, index: int, source: SourceMap, lines: list[str], sibling: str, name: str
) -> Edit:
    """Copy the list item that names the sibling (its whole text block) with the new account's name."""
    start, column = source.positions[loc + (index,)]
    field = format_loc(loc)
    if loc and loc[-1] == "pushers":
        # Who may push model code is a decision per persona (and the sibling's personas may not exist in the new
        # account).
        return Edit(
            path,
            start,
            field,
            f"decide which personas of {name!r} may push to this project (like the item naming {sibling!r})",
            safe=False,
        )
    prefix = lines[start - 1][: column - 1]
    if not prefix.strip() == "-":
        return Edit(path, start, field, f"copy the item naming {sibling!r} here with account: {name}", safe=False)
    dash_col = len(prefix) - len(prefix.lstrip())
    end = start
    while end < len(lines):
        following = lines[end]
        stripped = following.strip()
        indent = len(following) - len(following.lstrip())
        if stripped and not stripped.startswith("#") and indent <= dash_col:
            break
        end += 1
    # Trailing blank lines and comments introduce what follows the item: they stay where they are.
    while end > start and (not lines[end - 1].strip() or lines[end - 1].strip().startswith("#")):
        end -= 1
    block = lines[start - 1 : end]
    pattern = re.compile(r"(\baccount:\s*)(['\"]?)" + re.escape(sibling) + r"\2(?=\s*[,}\s]|$)")
    copied = [pattern.sub(lambda m: m.group(1) + m.group(2) + name + m.group(2), text) for text in block]
    if copied == block:
        return Edit(path, start, field, f"copy the item naming {sibling!r} here with account: {name}", safe=False)
    return Edit(path, end + 1, field, "\n".join(copied))
