"""IAM policy documents as plain data, rendered to canonical JSON (sorted keys: byte-identical synth)."""

from __future__ import annotations

from typing import Any

from modules.literal import json_text

Statement = dict[str, Any]


def statement(
    sid: str,
    actions: list[str] | str | None,  # None with not_actions
    resources: list[str] | str | None = None,
    *,
    effect: str = "Allow",
    principal: Any = None,
    condition: dict[str, Any] | None = None,
    not_actions: list[str] | None = None,
    not_resources: list[str] | None = None,
) -> Statement:
    """One IAM statement; lists are kept in the order given, single items collapse to a string."""
    stmt: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        stmt["Principal"] = principal
    if not_actions is not None:
        stmt["NotAction"] = _one_or_many(not_actions)
    elif actions is not None:
        stmt["Action"] = _one_or_many(actions)
    else:
        raise ValueError(f"statement {sid}: give actions or not_actions")
    if not_resources is not None:
        stmt["NotResource"] = _one_or_many(not_resources)
    elif resources is not None:
        stmt["Resource"] = _one_or_many(resources)
    if condition:
        stmt["Condition"] = condition
    return stmt


def document(*statements: Statement) -> str:
    """A policy document as canonical JSON; IAM policy variables such as ${aws:username} stay literal."""
    return json_text({"Version": "2012-10-17", "Statement": list(statements)})


def deny_insecure_transport(resources: list[str]) -> Statement:
    """Deny every request that does not use TLS."""
    return statement(
        "DenyInsecureTransport",
        "s3:*",
        resources,
        effect="Deny",
        principal="*",
        condition={"Bool": {"aws:SecureTransport": "false"}},
    )


def assume_role_trust(principal: dict[str, Any], condition: dict[str, Any] | None = None, *, sid: str = "Trust") -> str:
    """A trust policy allowing principal to assume the role, optionally narrowed by condition."""
    return document(statement(sid, "sts:AssumeRole", None, principal=principal, condition=condition))


def _one_or_many(value: list[str] | str) -> list[str] | str:
    if isinstance(value, str):
        return value
    return value[0] if len(value) == 1 else list(value)
