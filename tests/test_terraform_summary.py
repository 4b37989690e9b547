"""Plan summaries from `terraform show -json`: counts like Terraform's own, stateful destroys highlighted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from cli import plan_summary
from cli.plan_summary import render, summarize
from cli.terraform import SavedPlan, Terraform
from tests.terraform_fakes import plan_doc

REAL_TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"


def test_counts_and_stateful_replacements() -> None:
    doc = plan_doc(
        ("aws_s3_bucket.lake", ["delete", "create"]),
        ("aws_kms_key.data", ["create", "delete"]),  # create_before_destroy replacement
        ("aws_dynamodb_table.features", ["delete"]),
        ("aws_iam_role.old", ["delete"]),  # not stateful: counted, not highlighted
        ("aws_iam_role.new", ["create"]),
        ("aws_iam_policy.p", ["update"]),
        ("aws_sagemaker_domain.studio", ["no-op"]),
        ("module.x.aws_organizations_account.member-ds-dev", ["delete"]),
        outputs={"account_ids": ["update"], "unchanged": ["no-op"]},
    )
    doc["resource_changes"].append(
        {
            "address": "data.aws_iam_policy_document.d",
            "mode": "data",
            "type": "aws_iam_policy_document",
            "name": "d",
            "change": {"actions": ["read"]},
        }
    )
    s = summarize("data", doc)
    assert (s.add, s.change, s.destroy, s.replace, s.outputs_changed) == (3, 1, 5, 2, 1)
    assert [(r.address, r.action) for r in s.risky] == [
        ("aws_dynamodb_table.features", "destroy"),
        ("aws_kms_key.data", "replace"),
        ("aws_s3_bucket.lake", "replace"),
        ("module.x.aws_organizations_account.member-ds-dev", "destroy"),
    ]
    assert s.has_changes
    console = Console(record=True, width=200)
    render([s], console)
    text = console.export_text()
    assert "REPLACE data: aws_s3_bucket.lake (replace_because_cannot_update)" in text
    assert "DESTROY data: aws_dynamodb_table.features" in text
    assert "aws_iam_role.old" not in text


def test_only_no_op_and_reads_is_no_change() -> None:
    s = summarize("x", plan_doc(("aws_s3_bucket.b", ["no-op"]), outputs={"o": ["no-op"]}))
    assert not s.has_changes and s.as_dict()["stateful_destroys"] == []
    assert summarize("x", plan_doc(outputs={"o": ["create"]})).has_changes  # outputs alone still need an apply


@pytest.mark.skipif(not Path(REAL_TERRAFORM).is_file(), reason="terraform is not installed")
def test_real_show_json_with_replacements(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Terraform's own JSON (terraform_data needs no download): replace, create-before-destroy, delete, update,
    create."""
    monkeypatch.setattr(plan_summary, "STATEFUL_TYPES", plan_summary.STATEFUL_TYPES | {"terraform_data"})
    stack = tmp_path / "demo"
    stack.mkdir()

    def write(resources: dict) -> None:
        (stack / "cdk.tf.json").write_text(json.dumps({"resource": {"terraform_data": resources}}))

    tf = Terraform(REAL_TERRAFORM)
    write(
        {
            "bucket": {"triggers_replace": ["v1"]},
            "key": {"triggers_replace": ["v1"], "lifecycle": {"create_before_destroy": True}},
            "gone": {"input": "x"},
            "kept": {"input": "a"},
        }
    )
    tf.init("demo", stack)
    tf.run("demo", stack, "apply", "-input=false", "-auto-approve")
    write(
        {
            "bucket": {"triggers_replace": ["v2"]},
            "key": {"triggers_replace": ["v2"], "lifecycle": {"create_before_destroy": True}},
            "kept": {"input": "b"},
            "new": {"input": "n"},
        }
    )
    saved = SavedPlan(stack)
    saved.prepare()
    tf.run("demo", stack, "plan", "-input=false", f"-out={saved.relpath}")
    doc = tf.capture_json("demo", stack, "show", "-json", saved.relpath)
    actions = {rc["address"]: rc["change"]["actions"] for rc in doc["resource_changes"]}
    assert actions == {
        "terraform_data.bucket": ["delete", "create"],
        "terraform_data.key": ["create", "delete"],
        "terraform_data.gone": ["delete"],
        "terraform_data.kept": ["update"],
        "terraform_data.new": ["create"],
    }
    s = summarize("demo", doc)
    assert (s.add, s.change, s.destroy, s.replace) == (
        3,
        1,
        3,
        2,
    )  # Terraform says: 3 to add, 1 to change, 3 to destroy
    assert [(r.address, r.action, r.reason) for r in s.risky] == [
        ("terraform_data.bucket", "replace", "replace_because_cannot_update"),
        ("terraform_data.gone", "destroy", "delete_because_no_resource_config"),
        ("terraform_data.key", "replace", "replace_because_cannot_update"),
    ]
