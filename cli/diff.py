"""mlops-tf diff: what a fresh synth would change in the last synthesized output, resource by resource."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from .common import (
    DEFAULT_CONFIG,
    DEFAULT_OUT,
    DEFAULT_STATE_DIR,
    AccountsOption,
    ConfigOption,
    JsonOption,
    OutOption,
    handle_errors,
    load_resolved,
    print_json,
    select_accounts,
)
from .synth import StateDirOption, run_synth

Items = dict[str, Any]


def stack_items(doc: dict[str, Any]) -> Items:
    """Addressable blocks of a cdk.tf.json: resources, data sources, outputs, providers, the terraform block."""
    items: Items = {}
    for rtype, by_name in sorted((doc.get("resource") or {}).items()):
        for name, body in by_name.items():
            items[f"{rtype}.{name}"] = _strip(body)
    for dtype, by_name in sorted((doc.get("data") or {}).items()):
        for name, body in by_name.items():
            items[f"data.{dtype}.{name}"] = _strip(body)
    for name, body in (doc.get("output") or {}).items():
        items[f"output.{name}"] = _strip(body)
    for provider, configs in (doc.get("provider") or {}).items():
        for body in configs if isinstance(configs, list) else [configs]:
            alias = body.get("alias")
            items[f"provider.{provider}" + (f".{alias}" if alias else "")] = _strip(body)
    if "terraform" in doc:
        items["terraform"] = _strip(doc["terraform"])
    return items


def _strip(value: Any) -> Any:
    """Drop cdktf's "//" metadata (construct paths), which is not configuration."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values by attribute path; JSON-encoded strings (policies) are opened, so a change names its statement."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def diff_items(old: Items, new: Items) -> dict[str, Any]:
    changed = []
    for address in sorted(set(old) & set(new)):
        if old[address] != new[address]:
            before, after = flatten(old[address]), flatten(new[address])
            attributes = sorted(
                path for path in set(before) | set(after) if before.get(path, ...) != after.get(path, ...)
            )
            values = [
                {
                    "attribute": path,
                    "old": before.get(path),
                    "new": after.get(path),
                    "state": "added" if path not in before else "removed" if path not in after else "changed",
                }
                for path in attributes
            ]
            changed.append({"address": address, "attributes": attributes, "values": values})
    return {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)), "changed": changed}


def _read(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def diff_outputs(old_out: Path, new_out: Path, names: list[str]) -> list[dict[str, Any]]:
    """Per account: status (added, removed, changed, unchanged) and the resource-level difference."""
    rows = []
    for name in names:
        old, new = _read(old_out / "stacks" / name / "cdk.tf.json"), _read(new_out / "stacks" / name / "cdk.tf.json")
        result = diff_items(stack_items(old or {}), stack_items(new or {}))
        status = (
            "added" if old is None else "removed" if new is None else "changed" if any(result.values()) else "unchanged"
        )
        rows.append({"account": name, "status": status, **result})
    return rows


@handle_errors
def diff(
    account: AccountsOption = None,
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    as_json: JsonOption = False,
) -> None:
    """Compare a fresh synth of the configuration with the last output in --out (no Terraform needed).

    Lists resources (and data sources, outputs, providers, the terraform block) added, removed and
    changed, with each changed attribute and its old and new value; policy JSON is compared
    statement by statement.
    The output folder is left as it is. Exit 0 whether or not there are differences.

    Example: mlops-tf diff --account staging
    """
    resolved = load_resolved(config)
    selected = select_accounts(resolved, account)
    with tempfile.TemporaryDirectory(prefix="mlops-tf-diff-") as tmp:
        fresh = Path(tmp) / "deep" / "cdktf.out"
        # Same relative position of the state folder as for --out, so local backend paths compare equal.
        fresh_state = fresh / os.path.relpath(state_dir.resolve(), out.resolve())
        run_synth(config, selected, fresh, fresh_state)
        names = list(selected or resolved.order)
        if selected is None:  # stacks of accounts removed from the configuration show up as removed
            names += sorted(
                p.name for p in (out / "stacks").glob("*") if p.is_dir() and p.name not in resolved.accounts
            )
        rows = diff_outputs(out, fresh, names)
    if as_json:
        print_json(rows)
        return
    _print(rows, out)


def _shown(value: Any, limit: int = 80) -> str:
    """A value as JSON, shortened in the middle when long (--json has it whole), escaped for rich."""
    text = json.dumps(value, sort_keys=True)
    if len(text) > limit:
        text = f"{text[: limit // 2 - 2]} ... {text[-(limit // 2 - 3) :]}"
    return escape(text)


def _print(rows: list[dict[str, Any]], out: Path) -> None:
    con = Console(highlight=False)
    for row in rows:
        if row["status"] == "unchanged":
            con.print(f"[bold]{row['account']}[/]: unchanged")
            continue
        con.print(
            f"[bold]{row['account']}[/]: {row['status']} "
            f"({len(row['added'])} added, {len(row['removed'])} removed, {len(row['changed'])} changed)"
        )
        for address in row["added"]:
            con.print(f"  [green]+ {address}[/]")
        for address in row["removed"]:
            con.print(f"  [red]- {address}[/]")
        for change in row["changed"]:
            con.print(f"  [yellow]~ {escape(change['address'])}[/]")
            for value in change["values"]:
                old, new = _shown(value["old"]), _shown(value["new"])
                text = {"added": f"[green]+ {new}[/]", "removed": f"[red]- {old}[/]"}.get(
                    value["state"], f"[red]{old}[/] -> [green]{new}[/]"
                )
                con.print(f"      {escape(value['attribute'])}: {text}")
    changed = sum(1 for r in rows if r["status"] != "unchanged")
    typer.echo(f"{changed} of {len(rows)} stack(s) differ from {out / 'stacks'}")
