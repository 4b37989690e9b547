"""CrossAccountRole: an IAM role that principals in other accounts assume, scoped to exact role ARNs."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from .aws import aws
from .policy import assume_role_trust


class CrossAccountRole(Construct):
    """A role trusted by other accounts' roots, narrowed by aws:PrincipalArn to the exact roles.

    `trusted` and `trust_condition` come from Resolved.cross_account_principal, so the trusting side
    and the assuming side are generated from one value.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        role_name: str,
        description: str,
        trusted: dict[str, Any],
        trust_condition: dict[str, Any] | None = None,
        managed_policy_arns: list[str] | None = None,
        inline_policies: dict[str, str] | None = None,
        max_session_duration: int = 3600,
    ) -> None:
        super().__init__(scope, id)
        self.role = aws.iam_role.IamRole(
            self,
            "role",
            name=role_name,
            description=description,
            assume_role_policy=assume_role_trust(trusted, trust_condition),
            max_session_duration=max_session_duration,
        )
        for policy_arn in sorted(managed_policy_arns or []):
            slug = policy_arn.rsplit("/", 1)[-1]
            aws.iam_role_policy_attachment.IamRolePolicyAttachment(
                self, f"managed-{slug}", role=self.role.name, policy_arn=policy_arn
            )
        for policy_name, policy in sorted((inline_policies or {}).items()):
            aws.iam_role_policy.IamRolePolicy(
                self, f"inline-{policy_name}", role=self.role.id, name=policy_name, policy=policy
            )

    @property
    def arn(self) -> str:
        return self.role.arn
