"""diff (fresh synth vs last output) and graph (accounts, flows, apply order) on the example landing zone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.diff import diff_items, flatten, stack_items
from cli.graph import graph_data, to_dot, to_mermaid
from cli.graph_view import view
from tests.conftest import EXAMPLE
from tests.helpers import replace_text

runner = CliRunner()


# -- diff --------------------------------------------------------------------------------------
def test_diff_of_the_example_against_its_own_synth_is_empty(example_out: Path) -> None:
    """Also proves that the fresh synth puts local backend paths where --out has them."""
    result = runner.invoke(
        app,
        [
            "diff",
            "--config",
            str(EXAMPLE),
            "--out",
            str(example_out),
            "--state-dir",
            str(example_out.parent / "terraform-state"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["account"] for r in rows] == [
        "management",
        "security",
        "data",
        "shared-services",
        "ml-exec",
        "ds-dev",
        "staging",
        "production",
    ]
    assert {r["status"] for r in rows} == {"unchanged"}
    assert all(r["added"] == r["removed"] == r["changed"] == [] for r in rows)


def test_diff_lists_added_and_changed_resources_with_attributes(tmp_path: Path, config_copy: Path) -> None:
    out, state = tmp_path / "out", tmp_path / "state"
    common = ["--config", str(config_copy), "--out", str(out), "--state-dir", str(state)]
    assert runner.invoke(app, ["synth", "--account", "management", *common]).exit_code == 0
    before = (out / "stacks" / "management" / "cdk.tf.json").read_bytes()
    replace_text(config_copy / "landing-zone.yaml", "owner: platform-team", "owner: ml-team")
    replace_text(
        config_copy / "landing-zone.yaml",
        "    - path: Security\n",
        "    - path: Sandbox\n      guardrails: [deny-root-user]\n    - path: Security\n",
    )
    result = runner.invoke(app, ["diff", "--account", "management", *common, "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["status"] == "changed"
    assert row["added"] == [
        "aws_organizations_organizational_unit.ou-sandbox",
        "aws_organizations_policy_attachment.scp-deny-root-user-sandbox",
    ]
    assert row["removed"] == []
    # Every member account that takes its owner from the landing zone (adopted ones too; ds-dev has its own).
    owner = [{"attribute": "tags.owner", "old": "platform-team", "new": "ml-team", "state": "changed"}]
    assert row["changed"][:-1] == [
        {"address": f"aws_organizations_account.account-{a}", "attributes": ["tags.owner"], "values": owner}
        for a in ("data", "ml-exec", "production", "security", "shared-services", "staging")
    ]
    sandbox = row["changed"][-1]
    assert sandbox["address"] == "output.organizational_unit_ids" and sandbox["attributes"] == ["value.Sandbox"]
    assert sandbox["values"] == [
        {
            "attribute": "value.Sandbox",
            "old": None,
            "new": "${aws_organizations_organizational_unit.ou-sandbox.id}",
            "state": "added",
        }
    ]
    assert (out / "stacks" / "management" / "cdk.tf.json").read_bytes() == before  # diff never writes --out
    text = runner.invoke(app, ["diff", "--account", "management", *common])
    assert "+ aws_organizations_organizational_unit.ou-sandbox" in text.stdout
    assert (
        '~ aws_organizations_account.account-ml-exec\n      tags.owner: "platform-team" -> "ml-team"\n' in text.stdout
    )


def test_diff_reports_stacks_of_removed_accounts(tmp_path: Path, config_copy: Path) -> None:
    out = tmp_path / "out"
    (out / "stacks" / "old-team").mkdir(parents=True)
    (out / "stacks" / "old-team" / "cdk.tf.json").write_text(
        json.dumps({"resource": {"aws_s3_bucket": {"b": {"bucket": "x"}}}})
    )
    assert [r["status"] for r in _diff_rows(out, config_copy) if r["account"] == "old-team"] == ["removed"]


def _diff_rows(out: Path, config: Path) -> list[dict]:
    result = runner.invoke(
        app, ["diff", "--config", str(config), "--out", str(out), "--state-dir", str(out.parent / "s"), "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_policy_json_is_compared_statement_by_statement() -> None:
    old = {
        "resource": {
            "aws_iam_role": {
                "r": {
                    "name": "r",
                    "assume_role_policy": json.dumps({"Statement": [{"Action": "sts:AssumeRole"}]}),
                    "//": {"metadata": {"path": "a"}},
                }
            }
        }
    }
    new = {
        "resource": {
            "aws_iam_role": {
                "r": {
                    "name": "r",
                    "assume_role_policy": json.dumps({"Statement": [{"Action": "sts:TagSession"}]}),
                    "//": {"metadata": {"path": "b"}},
                }
            }
        }
    }
    assert diff_items(stack_items(old), stack_items(new)) == {
        "added": [],
        "removed": [],
        "changed": [
            {
                "address": "aws_iam_role.r",
                "attributes": ["assume_role_policy.Statement[0].Action"],
                "values": [
                    {
                        "attribute": "assume_role_policy.Statement[0].Action",
                        "old": "sts:AssumeRole",
                        "new": "sts:TagSession",
                        "state": "changed",
                    }
                ],
            }
        ],
    }
    assert flatten({"a": [1, {"b": 2}], "c": {}}) == {"a[0]": 1, "a[1].b": 2, "c": {}}


# -- graph -------------------------------------------------------------------------------------
def test_graph_mermaid_numbers_accounts_in_apply_order_and_labels_every_flow(resolved_example) -> None:
    result = runner.invoke(app, ["graph", "--config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    assert lines[1] == '  n_management["1. management<br/>(management)"]'
    for position, name in enumerate(resolved_example.order, start=1):
        kind = resolved_example.accounts[name].kind
        node = "n_" + name.replace("-", "_")
        assert f'  {node}["{position}. {name}<br/>({kind})"]' in lines
    edges = [line for line in lines if "|" in line]
    assert 3 <= len(edges) < len(resolved_example.flows)  # grouped and merged: fewer edges than flows
    assert '  n_management ==>|"vending: creates account"| n_ds_dev' in lines
    assert '  n_management ==>|"delegation: delegated administrator"| n_security' in lines
    text = "\n".join(edges)
    for flow in resolved_example.flows:  # every flow's label is drawn somewhere
        if flow.kind != "deployment":
            assert f"{flow.kind}: " in text and flow.label in text, flow


def test_graph_groups_fan_outs_and_draws_promotion_as_one_chain(resolved_example) -> None:
    data = graph_data(resolved_example)
    drawn = view(data)
    members = sorted(n for n in resolved_example.order if n != "security")
    group = next(n for n in drawn["nodes"] if n.get("kind") == "group" and n["subtitle"] == ", ".join(members))
    assert group["title"] == f"{len(members)} accounts"
    audit = [e for e in drawn["edges"] if "security audit role" in e["label"]]
    assert [(e["source"], e["target"]) for e in audit] == [("security", group["id"])]
    config_delivery = [e for e in drawn["edges"] if "AWS Config delivery" in e["label"]]
    assert [(e["source"], e["target"]) for e in config_delivery] == [(group["id"], "security")]
    chain = [(e["source"], e["target"], e["label"]) for e in drawn["edges"] if "deployment:" in e["label"]]
    approval = "shared-services/approval"
    assert ("staging", approval, "deployment: 2. approve after staging") in chain
    assert (approval, "production", "deployment: 3. deploy to production") in chain
    assert any(s == "shared-services" and t == "staging" and "1. deploy to staging" in label for s, t, label in chain)
    assert not any(s == "shared-services" and t == "production" and "deployment" in label for s, t, label in chain)
    assert sum(e["flows"] for e in drawn["edges"]) <= len(data["edges"]) + 2


def test_graph_dot_and_json(resolved_example) -> None:
    data = graph_data(resolved_example)
    dot = to_dot(data)
    assert dot.startswith("digraph landing_zone {\n  rankdir=LR;")
    assert '  n_management -> n_ml_exec [label="vending: creates account", style=bold];' in dot
    assert dot.count(" -> ") == len(view(data)["edges"])
    assert '  n_staging [label="7. staging\\n(staging)"];' in dot
    result = runner.invoke(app, ["graph", "--config", str(EXAMPLE), "--json"])
    parsed = json.loads(result.stdout)
    assert [n["account"] for n in parsed["nodes"]] == list(resolved_example.order)
    assert parsed["nodes"][6] == {
        "account": "staging",
        "kind": "staging",
        "apply_order": 7,
        "after": resolved_example.dependencies("staging"),
    }
    assert len(parsed["edges"]) == len(resolved_example.flows)
    assert to_mermaid(data) == runner.invoke(app, ["graph", "--config", str(EXAMPLE)]).stdout


def test_graph_svg_without_graphviz_uses_the_builtin_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, resolved_example
) -> None:
    import xml.etree.ElementTree as ET

    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot`
    target = tmp_path / "g.svg"
    result = runner.invoke(app, ["graph", "--config", str(EXAMPLE), "--format", "svg", "--output", str(target)])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(target.read_text())  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    for position, name in enumerate(resolved_example.order, start=1):
        assert f"{position}. {name}" in texts
    drawn = view(graph_data(resolved_example))
    assert len(list(root.iter(f"{ns}path"))) == len(drawn["edges"]) + 1  # one per edge plus the arrow head
    # Nothing overlaps: label backgrounds and node boxes are pairwise disjoint.
    boxes = [tuple(float(r.get(k)) for k in ("x", "y", "width", "height")) for r in root.iter(f"{ns}rect")][1:]

    def disjoint(a, b):
        return a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]

    assert len(boxes) == len(drawn["nodes"]) + len(drawn["edges"])
    assert all(disjoint(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    width = float(root.get("width"))
    assert all(0 <= x and x + w <= width for x, _, w, _ in boxes)
    assert runner.invoke(app, ["graph", "--config", str(EXAMPLE), "--format", "svg"]).stdout == target.read_text()
