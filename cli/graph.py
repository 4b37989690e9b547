"""mlops-tf graph: accounts as nodes, cross-account flows as labelled edges, the apply order visible."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from config import Resolved, UsageError

from .common import DEFAULT_CONFIG, ConfigOption, JsonOption, handle_errors, load_resolved, print_json
from .graph_svg import render_svg
from .graph_view import view


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


def graph_data(resolved: Resolved) -> dict[str, Any]:
    """Nodes in apply order (with their position) and edges from the resolver's flows."""
    nodes = [
        {"account": n, "kind": resolved.accounts[n].kind, "apply_order": i, "after": resolved.dependencies(n)}
        for i, n in enumerate(resolved.order, start=1)
    ]
    edges = [
        {
            "source": f.source,
            "target": f.target,
            "kind": f.kind,
            "label": f.label,
            "orders_apply": f.first is not None,
            "first": f.first,
        }
        for f in resolved.flows
    ]
    return {"nodes": nodes, "edges": edges}


def _id(name: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in name)


def to_mermaid(data: dict[str, Any]) -> str:
    """Thick arrows (==>) are flows that order apply; dotted (-.->) only relate the accounts."""
    drawn = view(data)
    lines = ["flowchart LR"]
    for node in drawn["nodes"]:
        shape = ("{{", "}}") if node.get("kind") == "approval" else ("[", "]")
        lines.append(f'  {_id(node["id"])}{shape[0]}"{node["title"]}<br/>({node["subtitle"]})"{shape[1]}')
    for edge in drawn["edges"]:
        arrow = "==>" if edge["orders_apply"] else "-.->"
        label = edge["label"].replace('"', "'")
        lines.append(f'  {_id(edge["source"])} {arrow}|"{label}"| {_id(edge["target"])}')
    return "\n".join(lines) + "\n"


def to_dot(data: dict[str, Any]) -> str:
    """Bold edges order apply; dashed edges only relate the accounts. Nodes carry their apply position."""
    drawn = view(data)
    lines = [
        "digraph landing_zone {",
        "  rankdir=LR;",
        "  nodesep=0.3;",
        "  ranksep=0.6;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in drawn["nodes"]:
        subtitle = "\\n".join(textwrap.wrap(node["subtitle"], 28))
        extra = {"group": ', style="rounded,filled", fillcolor="#eef5ee"', "approval": ", shape=hexagon"}.get(
            node.get("kind", ""), ""
        )
        lines.append(f'  {_id(node["id"])} [label="{node["title"]}\\n({subtitle})"{extra}];')
    for edge in drawn["edges"]:
        style = "bold" if edge["orders_apply"] else "dashed"
        label = "\\n".join(textwrap.wrap(edge["label"].replace('"', "'"), 40))
        lines.append(f'  {_id(edge["source"])} -> {_id(edge["target"])} [label="{label}", style={style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(data: dict[str, Any]) -> str:
    """Rendered by Graphviz `dot` when it is installed, else by the built-in overlap-free layout."""
    dot = shutil.which("dot")
    if dot is None:
        return render_svg(view(data))
    proc = subprocess.run([dot, "-Tsvg"], input=to_dot(data), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise UsageError(f"dot failed to render the graph: {proc.stderr.strip()}")
    return proc.stdout


RENDERERS = {GraphFormat.mermaid: to_mermaid, GraphFormat.dot: to_dot, GraphFormat.svg: to_svg}


@handle_errors
def graph(
    format: Annotated[
        GraphFormat, typer.Option("--format", "-f", help="mermaid (Markdown), dot (Graphviz) or svg.")
    ] = GraphFormat.mermaid,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write to this file instead of standard output.")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Draw the landing zone: accounts numbered in apply order, cross-account flows as labelled edges.

    Flows that decide the apply order (management creates the accounts, a replication destination
    before its source) are drawn bold; the others (deployment, events, registry access, role
    trust) dashed. A flow one account has with three or more others is drawn once, to a group node;
    the deployment pipeline is one chain: staging, manual approval, production. --json lists every
    flow as it is. svg uses Graphviz `dot` when installed (apt-get install graphviz, brew install
    graphviz), else a built-in layout without overlaps. No synth needed.

    Example: mlops-tf graph --format mermaid > docs/landing-zone.md
    """
    data = graph_data(load_resolved(config))
    if as_json:
        print_json(data)
        return
    text = RENDERERS[format](data)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
