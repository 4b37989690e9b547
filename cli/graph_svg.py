"""A plain SVG of the landing-zone graph for machines without Graphviz.

Layout: one column per apply level (an account sits one column right of the latest account it must
follow), accounts in apply order down each column. Edges are curves with their label at the middle;
bold when the flow orders apply, dashed otherwise. Deterministic, no dependencies.
"""
from __future__ import annotations

from html import escape
from typing import Any

BOX_W, BOX_H, COL_GAP, ROW_GAP, MARGIN = 190, 46, 150, 40, 30


def _levels(nodes: list[dict[str, Any]]) -> dict[str, int]:
    level: dict[str, int] = {}
    for node in nodes:  # nodes come in apply order, so every dependency already has its level
        level[node["account"]] = 1 + max((level[d] for d in node["after"]), default=-1)
    return level


def render_svg(data: dict[str, Any]) -> str:
    level = _levels(data["nodes"])
    rows: dict[int, int] = {}
    pos: dict[str, tuple[float, float]] = {}
    for node in data["nodes"]:
        col = level[node["account"]]
        row = rows.get(col, 0)
        rows[col] = row + 1
        pos[node["account"]] = (MARGIN + col * (BOX_W + COL_GAP), MARGIN + row * (BOX_H + ROW_GAP))
    width = MARGIN * 2 + (max(level.values(), default=0) + 1) * (BOX_W + COL_GAP) - COL_GAP
    height = MARGIN * 2 + max(rows.values(), default=1) * (BOX_H + ROW_GAP) - ROW_GAP
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
    ]
    for index, edge in enumerate(data["edges"]):
        out.append(_edge(pos[edge["source"]], pos[edge["target"]], edge, index))
    for node in data["nodes"]:
        x, y = pos[node["account"]]
        out.append(
            f'<g><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="#f4f6fb" stroke="#345"/>'
            f'<text x="{x + BOX_W / 2}" y="{y + 19}" text-anchor="middle" font-weight="bold">'
            f'{node["apply_order"]}. {escape(node["account"])}</text>'
            f'<text x="{x + BOX_W / 2}" y="{y + 36}" text-anchor="middle" fill="#555">{escape(node["kind"])}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _edge(src: tuple[float, float], dst: tuple[float, float], edge: dict[str, Any], index: int) -> str:
    (sx, sy), (tx, ty) = src, dst
    if sx == tx:  # same column: leave and enter on the right side, bulging outwards
        x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H / 2, tx + BOX_W, ty + BOX_H / 2
        cx, cy = x1 + 60 + 10 * (index % 4), (y1 + y2) / 2
    else:
        left = sx < tx
        x1, y1 = (sx + BOX_W, sy + BOX_H / 2) if left else (sx, sy + BOX_H / 2)
        x2, y2 = (tx, ty + BOX_H / 2) if left else (tx + BOX_W, ty + BOX_H / 2)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2 - 12 * (index % 3)
    style = 'stroke-width="2.2"' if edge["orders_apply"] else 'stroke-width="1.2" stroke-dasharray="5,4"'
    label = escape(f'{edge["kind"]}: {edge["label"]}')
    mx, my = (x1 + 2 * cx + x2) / 4, (y1 + 2 * cy + y2) / 4  # the curve's midpoint
    return (
        f'<g><path d="M{x1},{y1} Q{cx},{cy} {x2},{y2}" fill="none" stroke="#444" {style} marker-end="url(#arrow)"/>'
        f'<text x="{mx}" y="{my - 4}" text-anchor="middle" fill="#223" font-size="10">{label}</text></g>'
    )
