"""Role Manager style personas: an execution role per persona, its policies composed from the ML
activities of the catalog shipped in modules/data/ml_activities.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from constructs import Construct

from .aws import aws
from .policy import Statement, assume_role_trust, document, statement

# A customer-managed policy holds at most 6,144 characters (whitespace excluded); keep a margin for
# tokens that resolve to longer ids after synth.
POLICY_SIZE_BUDGET = 5600


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict]:
    return json.loads(resources.files("modules").joinpath("data", "ml_activities.json").read_text(encoding="utf-8"))[
        "activities"
    ]


@dataclass(frozen=True)
class PersonaContext:
    """Values the catalog's placeholders resolve to. Empty lists drop the statements that need them."""

    partition: str
    region: str
    account: str
    lists: dict[str, list[str]] = field(default_factory=dict)  # '@project_buckets' -> [...]
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)  # '@data_key_aliases' -> {...}
    vpc_condition: dict[str, Any] | None = None
    kms_condition: dict[str, Any] | None = None


def activity_statements(activity: str, ctx: PersonaContext) -> list[Statement]:
    """The statements of one activity with resources and enforced conditions filled in."""
    out = []
    for raw in catalog()[activity]["statements"]:
        resources_: list[str] = []
        for res in raw["resources"]:
            if res.startswith("@"):
                resources_.extend(ctx.lists.get(res, []))
            else:
                resources_.append(res.format(partition=ctx.partition, region=ctx.region, account=ctx.account))
        if not resources_:
            continue
        condition = raw.get("condition")
        if isinstance(condition, str):
            condition = ctx.conditions.get(condition)
            if condition is None:
                continue
        condition = dict(condition or {})
        for flag, extra in (("vpc", ctx.vpc_condition), ("kms", ctx.kms_condition)):
            if flag in raw.get("enforce", []) and extra:
                for operator, values in extra.items():
                    condition[operator] = {**condition.get(operator, {}), **values}
        sid = "".join(part.capitalize() for part in activity.split("-")) + raw["sid"]
        out.append(statement(sid, raw["actions"], sorted(dict.fromkeys(resources_)), condition=condition or None))
    return out


def pack_policies(statements: list[Statement]) -> list[str]:
    """Statements packed greedily, in order, into as few policy documents as fit IAM's size limit."""
    docs: list[list[Statement]] = [[]]
    for stmt in statements:
        if docs[-1] and len(document(*docs[-1], stmt)) > POLICY_SIZE_BUDGET:
            docs.append([])
        docs[-1].append(stmt)
    return [document(*d) for d in docs if d]


class PersonaRole(Construct):
    """An execution role SageMaker assumes for a persona, with one managed policy per packed document."""

    def __init__(
        self, scope: Construct, id: str, *, role_name: str, persona: str, activities: list[str], ctx: PersonaContext
    ) -> None:
        super().__init__(scope, id)
        self.role = aws.iam_role.IamRole(
            self,
            "role",
            name=role_name,
            description=f"Role Manager persona {persona}: {', '.join(activities)}",
            assume_role_policy=assume_role_trust(
                {"Service": "sagemaker.amazonaws.com"},
                {"StringEquals": {"aws:SourceAccount": ctx.account}},
                sid="SageMakerAssumes",
            ),
        )
        self.statements = [s for a in activities for s in activity_statements(a, ctx)]
        self.documents = pack_policies(self.statements)
        for i, doc in enumerate(self.documents, start=1):
            policy = aws.iam_policy.IamPolicy(
                self, f"policy-{i}", name=f"{role_name}-{i}", description=f"persona {persona}, part {i}", policy=doc
            )
            aws.iam_role_policy_attachment.IamRolePolicyAttachment(
                self, f"attach-{i}", role=self.role.name, policy_arn=policy.arn
            )

    @property
    def arn(self) -> str:
        return self.role.arn
