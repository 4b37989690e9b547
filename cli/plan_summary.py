"""Summaries of saved plans from `terraform show -json`: counts and the stateful resources at risk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

# Resources whose destruction loses data or identity: a destroy or a replacement of one of these is
# highlighted in every plan summary.
STATEFUL_TYPES = frozenset(
    {
        "aws_s3_bucket",
        "aws_kms_key",
        "aws_dynamodb_table",
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_rds_cluster_instance",
        "aws_efs_file_system",
        "aws_redshift_cluster",
        "aws_redshiftserverless_namespace",
        "aws_sagemaker_domain",
        "aws_sagemaker_user_profile",
        "aws_sagemaker_feature_group",
        "aws_sagemaker_model_package_group",
        "aws_ecr_repository",
        "aws_glue_catalog_database",
        "aws_glue_catalog_table",
        "aws_codecommit_repository",
        "aws_secretsmanager_secret",
        "aws_cloudwatch_log_group",
        "aws_organizations_account",
        "aws_organizations_organization",
        "aws_organizations_organizational_unit",
        "aws_iam_openid_connect_provider",
    }
)
NO_CHANGE = ({"no-op"}, {"read"})


@dataclass(frozen=True)
class RiskyChange:
    """A destroy or replacement of a stateful resource."""

    address: str
    type: str
    action: str  # "destroy" or "replace"
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"address": self.address, "type": self.type, "action": self.action, "reason": self.reason}


@dataclass
class PlanSummary:
    """What a plan does, counted the way Terraform's own "Plan:" line counts (a replacement is one add and one
    destroy)."""

    account: str
    add: int = 0
    change: int = 0
    destroy: int = 0
    replace: int = 0
    forget: int = 0
    outputs_changed: int = 0
    risky: list[RiskyChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.add or self.change or self.destroy or self.forget or self.outputs_changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "add": self.add,
            "change": self.change,
            "destroy": self.destroy,
            "replace": self.replace,
            "forget": self.forget,
            "outputs_changed": self.outputs_changed,
            "has_changes": self.has_changes,
            "stateful_destroys": [r.as_dict() for r in self.risky],
        }


def summarize(account: str, plan: dict[str, Any]) -> PlanSummary:
    """Summarize a `terraform show -json <plan>` document (format_version 1.x)."""
    summary = PlanSummary(account)
    for rc in plan.get("resource_changes") or []:
        if rc.get("mode", "managed") != "managed":
            continue
        actions = list(rc.get("change", {}).get("actions", []))
        kind = _classify(actions)
        if kind == "create":
            summary.add += 1
        elif kind == "update":
            summary.change += 1
        elif kind == "delete":
            summary.destroy += 1
        elif kind == "replace":
            summary.add += 1
            summary.destroy += 1
            summary.replace += 1
        elif kind == "forget":
            summary.forget += 1
        if kind in ("delete", "replace") and rc.get("type") in STATEFUL_TYPES:
            summary.risky.append(
                RiskyChange(
                    rc["address"], rc["type"], "destroy" if kind == "delete" else "replace", rc.get("action_reason")
                )
            )
    for change in (plan.get("output_changes") or {}).values():
        if set(change.get("actions", [])) not in NO_CHANGE:
            summary.outputs_changed += 1
    summary.risky.sort(key=lambda r: r.address)
    return summary


def _classify(actions: list[str]) -> str:
    """Terraform's action lists: ["create"], ["update"], ["delete"], ["delete","create"] and
    ["create","delete"] (replace, the latter with create_before_destroy), ["forget"], ["no-op"], ["read"]."""
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    if len(actions) == 1 and actions[0] in ("create", "update", "delete", "forget"):
        return actions[0]
    return "none"


def short(s: PlanSummary) -> str:
    """One line for the progress view: +add ~change -destroy, and the stateful resources at risk."""
    if not s.has_changes:
        return "no changes"
    text = f"+{s.add} ~{s.change} -{s.destroy}"
    return f"{text}, [bold red]{len(s.risky)} stateful at risk[/]" if s.risky else text


def render(summaries: list[PlanSummary], console: Any, *, title: str = "Plan") -> None:
    """A table of counts per account, then the stateful destroys and replacements in red."""

    table = Table(title=title)
    for column in ("account", "add", "change", "destroy", "of which replace", "stateful at risk"):
        table.add_column(column, justify="left" if column == "account" else "right")
    for s in summaries:
        risky = f"[bold red]{len(s.risky)}[/]" if s.risky else "0"
        table.add_row(
            s.account, str(s.add), str(s.change), f"[red]{s.destroy}[/]" if s.destroy else "0", str(s.replace), risky
        )
    console.print(table)
    for s in summaries:
        for r in s.risky:
            reason = f" ({r.reason})" if r.reason else ""
            console.print(f"[bold red]{r.action.upper()}[/] {s.account}: {r.address}{reason}")
