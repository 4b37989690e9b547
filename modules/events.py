"""EventBridge pieces: a custom bus with a resource policy, rules with targets, a forwarding role."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from .aws import aws
from .literal import json_text
from .policy import Statement, assume_role_trust, document, statement


def pattern_json(pattern: dict[str, Any]) -> str:
    return json_text(pattern)


def put_events_statement(sid: str, bus_arn: str, principal: dict[str, Any], condition: dict[str, Any]) -> Statement:
    """Bus policy statement admitting events from other accounts' exact roles."""
    return statement(sid, "events:PutEvents", bus_arn, principal=principal, condition=condition)


class EventBus(Construct):
    """A custom event bus whose policy admits exactly the given statements."""

    def __init__(self, scope: Construct, id: str, *, name: str, statements: list[Statement]) -> None:
        super().__init__(scope, id)
        self.bus = aws.cloudwatch_event_bus.CloudwatchEventBus(self, "bus", name=name)
        if statements:
            aws.cloudwatch_event_bus_policy.CloudwatchEventBusPolicy(
                self, "policy", event_bus_name=self.bus.name, policy=document(*statements)
            )

    @property
    def arn(self) -> str:
        return self.bus.arn

    @property
    def name(self) -> str:
        return self.bus.name


class EventsRole(Construct):
    """A role EventBridge assumes to deliver to a target (another bus, a pipeline, a build)."""

    def __init__(
        self, scope: Construct, id: str, *, role_name: str, account_id: str, statements: list[Statement]
    ) -> None:
        super().__init__(scope, id)
        self.role = aws.iam_role.IamRole(
            self,
            "role",
            name=role_name,
            assume_role_policy=assume_role_trust(
                {"Service": "events.amazonaws.com"},
                {"StringEquals": {"aws:SourceAccount": account_id}},
                sid="EventBridgeDelivers",
            ),
        )
        aws.iam_role_policy.IamRolePolicy(
            self, "policy", role=self.role.id, name="deliver", policy=document(*statements)
        )

    @property
    def arn(self) -> str:
        return self.role.arn


class EventRule(Construct):
    """A rule on a bus with one target; extra target arguments (input transformer, pipeline target) pass through."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        description: str,
        pattern: dict[str, Any],
        target_arn: str,
        role_arn: str | None = None,
        bus_name: str | None = None,
        **target_args: Any,
    ) -> None:
        super().__init__(scope, id)
        self.rule = aws.cloudwatch_event_rule.CloudwatchEventRule(
            self,
            "rule",
            name=name,
            description=description,
            event_bus_name=bus_name,
            event_pattern=pattern_json(pattern),
        )
        self.target = aws.cloudwatch_event_target.CloudwatchEventTarget(
            self,
            "target",
            rule=self.rule.name,
            event_bus_name=bus_name,
            arn=target_arn,
            role_arn=role_arn,
            target_id=name[:64],
            **target_args,
        )
