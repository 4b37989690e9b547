"""A plain SVG of the landing-zone graph for machines without Graphviz, laid out so nothing overlaps.

Layout (a sequence diagram): one column per account in apply order (the manual approval of the
deployment pipeline just before the first production account, group nodes last), a lifeline down
each column, and one row per edge with its label on its own line above the arrow. Every label has a
row of its own, so no two labels and no label and box can overlap. Deterministic, no dependencies.
"""

from __future__ import annotations

import textwrap
from html import escape
from typing import Any

COL_W, BOX_W, LINE_H, ROW_H, MARGIN, CHAR_W = 170, 156, 14, 36, 24, 6.0


def _columns(view: dict[str, Any]) -> list[dict[str, Any]]:
    accounts = [n for n in view["nodes"] if n.get("kind") not in ("approval", "group")]
    approvals = [n for n in view["nodes"] if n.get("kind") == "approval"]
    groups = [n for n in view["nodes"] if n.get("kind") == "group"]
    first_production = next((i for i, n in enumerate(accounts) if n["kind"] == "production"), len(accounts))
    return accounts[:first_production] + approvals + accounts[first_production:] + groups


def render_svg(view: dict[str, Any]) -> str:
    columns = _columns(view)
    x_of = {n["id"]: MARGIN + i * COL_W + COL_W / 2 for i, n in enumerate(columns)}
    wrapped = {n["id"]: textwrap.wrap(n["subtitle"], 24) or [""] for n in columns}
    box_h = 12 + LINE_H * (1 + max(len(lines) for lines in wrapped.values()))
    order = {n["id"]: i for i, n in enumerate(columns)}
    edges = sorted(view["edges"], key=lambda e: (order[e["source"]], order[e["target"]]))
    width = MARGIN * 2 + len(columns) * COL_W
    top = MARGIN + box_h
    height = top + (len(edges) + 1) * ROW_H + MARGIN
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
    ]
    for node in columns:
        x = x_of[node["id"]]
        fill = {"group": "#eef5ee", "approval": "#fff6e0"}.get(node.get("kind", ""), "#f4f6fb")
        out.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{height - MARGIN}" stroke="#bbb" stroke-dasharray="3,4"/>')
        lines = "".join(
            (
                f'<text x="{x}" y="{MARGIN + 18 + LINE_H * (i + 1)}" text-anchor="middle" fill="#555" '
                f'font-size="10">{escape(line)}</text>'
            )
            for i, line in enumerate(wrapped[node["id"]])
        )
        out.append(
            f'<g><rect x="{x - BOX_W / 2}" y="{MARGIN}" width="{BOX_W}" height="{box_h}" rx="8" fill="{fill}" '
            'stroke="#345"/>'
            f'<text x="{x}" y="{MARGIN + 18}" text-anchor="middle" '
            f'font-weight="bold">{escape(node["title"])}</text>{lines}</g>'
        )
    for row, edge in enumerate(edges, start=1):
        out.append(_edge(x_of[edge["source"]], x_of[edge["target"]], top + row * ROW_H, edge, width))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _edge(x1: float, x2: float, y: float, edge: dict[str, Any], width: float) -> str:
    style = 'stroke-width="2.2"' if edge["orders_apply"] else 'stroke-width="1.2" stroke-dasharray="5,4"'
    label = edge["label"]
    text_w = CHAR_W * len(label)
    # The label sits on its row above the arrow, centred on it but kept inside the picture.
    centre = min(max((x1 + x2) / 2, MARGIN + text_w / 2), width - MARGIN - text_w / 2)
    return (
        f'<g><rect x="{centre - text_w / 2 - 3}" y="{y - 17}" width="{text_w + 6}" height="13" fill="white" '
        'opacity="0.9"/>'
        f'<text x="{centre}" y="{y - 7}" text-anchor="middle" fill="#223" font-size="10">{escape(label)}</text>'
        f'<path d="M{x1},{y} L{x2},{y}" fill="none" stroke="#444" {style} marker-end="url(#arrow)"/></g>'
    )
