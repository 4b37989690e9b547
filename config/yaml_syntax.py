"""Where a YAML syntax error is at fault: the parser notices an unclosed [, { or quote lines later,
at the next character it cannot read; the error belongs where the bracket or quote opened."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def at_fault(exc: yaml.MarkedYAMLError, text: str) -> tuple[Any, str]:
    """(mark, problem) of a parser error: where an unclosed bracket or quote opened, else where noticed."""
    mark: Any = exc.problem_mark or exc.context_mark
    problem = exc.problem or str(exc)
    opened = _UNCLOSED.get(str(exc.context or "").split(" (")[0])
    if opened and exc.context_mark is not None and exc.problem_mark is not None:
        if exc.context_mark.line < exc.problem_mark.line:
            problem = f"{opened} opened here is not closed ({problem} on line {exc.problem_mark.line + 1})"
            mark = exc.context_mark
    elif mark is not None and (quote := _open_quote(text, mark.line)) is not None:
        # A quote left open runs on to the next quote, lines later: the error is where it opened.
        problem = f"the quoted string opened here is not closed on its line ({problem} on line {mark.line + 1})"
        mark = quote
    return mark, problem


# The parser's context of an error -> what was left open, for errors noticed after the line at fault.
_UNCLOSED = {
    "while parsing a flow sequence": "the list '['",
    "while parsing a flow mapping": "the mapping '{'",
    "while scanning a quoted scalar": "the quoted string",
}


# A value that starts with a quote: `key: "...` or `- '...` (the quote is group 2).
_QUOTED_VALUE = re.compile(r"""^(\s*(?:-\s+)?(?:[^\s#'"][^#'"]*?:\s+|-\s+)?)(["'])(.*)$""")


@dataclass(frozen=True)
class _Mark:
    line: int
    column: int


def _open_quote(text: str, before: int) -> _Mark | None:
    """The first line before `before` whose value opens a quote that the line does not close, when
    closing it there moves the error past line `before` (a quoted text may span lines on purpose)."""
    lines = text.splitlines()
    for number, line in enumerate(lines[:before]):
        found = _QUOTED_VALUE.match(line)
        if found is None:
            continue
        quote, rest = found.group(2), found.group(3)
        if re.search(r'(?<!\\)"' if quote == '"' else "'", rest.replace("''", "")) is not None:
            continue
        closed = "\n".join([*lines[:number], line + quote, *lines[number + 1 :]])
        try:
            for _ in yaml.parse(closed, Loader=_Parser):
                pass
        except yaml.MarkedYAMLError as exc:
            if exc.problem_mark is None or exc.problem_mark.line <= before:
                return None
        except yaml.YAMLError:
            return None
        return _Mark(number, len(found.group(1)))
    return None
