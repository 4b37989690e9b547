"""The graph as people read it: fan-outs grouped, parallel flows merged, promotion drawn as a chain.

graph --json keeps every flow as the resolver computed it; the drawings (mermaid, dot, svg) use
this view: a flow that one account has with many others ("security audit role" in every member
account, "AWS Config delivery" from every member) becomes one edge to a group node; the pipeline's
deployments become shared-services -> staging -> manual approval -> production.
"""

from __future__ import annotations

from typing import Any

GROUP_MIN = 3  # a flow with this many accounts on one side is drawn once, to a group node


def view(data: dict[str, Any]) -> dict[str, Any]:
    """Nodes (accounts, then group and approval nodes) and merged edges for drawing."""
    kinds = {n["account"]: n["kind"] for n in data["nodes"]}
    nodes = [
        {**n, "id": n["account"], "title": f"{n['apply_order']}. {n['account']}", "subtitle": n["kind"]}
        for n in data["nodes"]
    ]
    edges = _promotion(data["edges"], kinds, nodes)
    edges = _grouped(edges, nodes)
    return {"nodes": nodes, "edges": _merged(edges)}


def _promotion(edges: list[dict[str, Any]], kinds: dict[str, str], nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deployment edges of each pipeline account as one chain through its manual approval."""
    out = [e for e in edges if e["kind"] != "deployment"]
    pipelines = sorted({e["source"] for e in edges if e["kind"] == "deployment"})
    for pipeline in pipelines:
        targets = [e["target"] for e in edges if e["kind"] == "deployment" and e["source"] == pipeline]
        staging = [t for t in targets if kinds.get(t) == "staging"]
        production = [t for t in targets if kinds.get(t) != "staging"]
        approval = f"{pipeline}/approval"
        if production:
            nodes.append(
                {"id": approval, "title": "manual approval", "subtitle": f"pipeline in {pipeline}", "kind": "approval"}
            )
        for target in staging:
            out.append(_edge(pipeline, target, "deployment", "1. deploy to staging"))
            if production:
                out.append(_edge(target, approval, "deployment", "2. approve after staging"))
        if production and not staging:
            out.append(_edge(pipeline, approval, "deployment", "approve"))
        for target in production:
            out.append(_edge(approval, target, "deployment", "3. deploy to production"))
    return out


def _grouped(edges: list[dict[str, Any]], nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace a flow one account has with GROUP_MIN or more others by one edge to a group node."""
    groups: dict[tuple[str, ...], str] = {}

    def group_node(members: list[str]) -> str:
        key = tuple(sorted(members))
        if key not in groups:
            groups[key] = f"group/{len(groups) + 1}"
            nodes.append(
                {"id": groups[key], "title": f"{len(key)} accounts", "subtitle": ", ".join(key), "kind": "group"}
            )
        return groups[key]

    out: list[dict[str, Any]] = []
    done: set[int] = set()
    for side, other in (("source", "target"), ("target", "source")):
        buckets: dict[tuple[str, str, str], list[int]] = {}
        for i, e in enumerate(edges):
            if i not in done:
                buckets.setdefault((e[side], e["kind"], e["label"]), []).append(i)
        for (anchor, kind, label), members in buckets.items():
            if len(members) < GROUP_MIN:
                continue
            group = group_node([edges[i][other] for i in members])
            orders = any(edges[i]["orders_apply"] for i in members)
            ends = (anchor, group) if side == "source" else (group, anchor)
            out.append(_edge(*ends, kind, label, orders))
            done.update(members)
    return out + [e for i, e in enumerate(edges) if i not in done]


def _merged(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One edge per (source, target): labels by kind, bold when any of its flows orders apply."""
    by_pair: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for e in edges:
        by_pair.setdefault((e["source"], e["target"]), []).append(e)
    out = []
    for (source, target), group in by_pair.items():
        labels: dict[str, list[str]] = {}
        for e in group:
            labels.setdefault(e["kind"], []).append(e["label"])
        text = "; ".join(f"{kind}: {', '.join(sorted(set(items)))}" for kind, items in labels.items())
        out.append(
            {
                "source": source,
                "target": target,
                "label": text,
                "orders_apply": any(e["orders_apply"] for e in group),
                "flows": len(group),
            }
        )
    return sorted(out, key=lambda e: (e["source"], e["target"]))


def _edge(source: str, target: str, kind: str, label: str, orders_apply: bool = False) -> dict[str, Any]:
    return {"source": source, "target": target, "kind": kind, "label": label, "orders_apply": orders_apply}
