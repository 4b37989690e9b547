"""ServiceRole: an IAM role that one AWS service assumes, with one inline least-privilege policy."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from .aws import aws
from .policy import Statement, assume_role_trust, document


class ServiceRole(Construct):
    """Role for `service` (e.g. sagemaker.amazonaws.com); the trust is narrowed by `trust_condition`
    (usually aws:SourceAccount) against the confused-deputy problem."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        role_name: str,
        description: str,
        service: str,
        statements: list[Statement],
        trust_condition: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.role = aws.iam_role.IamRole(
            self,
            "role",
            name=role_name,
            description=description,
            assume_role_policy=assume_role_trust({"Service": service}, trust_condition),
        )
        self.policy = aws.iam_role_policy.IamRolePolicy(
            self, "policy", role=self.role.id, name="least-privilege", policy=document(*statements)
        )

    @property
    def arn(self) -> str:
        return self.role.arn

    @property
    def name(self) -> str:
        return self.role.name
