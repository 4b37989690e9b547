"""KmsKey: a customer-managed key with rotation, an alias, and a key policy built from statements."""

from __future__ import annotations

from constructs import Construct

from .aws import aws
from .policy import Statement, document, statement


class KmsKey(Construct):
    """Customer-managed KMS key. The account root administers it through IAM; extra statements
    (service principals, cross-account grants from the resolver) are appended in the order given.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias: str,
        description: str,
        account_id: str,
        partition: str = "aws",
        statements: list[Statement] | None = None,
        deletion_window_in_days: int = 30,
    ) -> None:
        super().__init__(scope, id)
        self.alias_name = alias
        self._account_id = account_id
        self._partition = partition
        self._statements: list[Statement] = list(statements or [])
        self.key = aws.kms_key.KmsKey(
            self,
            "key",
            description=description,
            enable_key_rotation=True,
            deletion_window_in_days=deletion_window_in_days,
            policy=self._render(),
        )
        self.alias = aws.kms_alias.KmsAlias(self, "alias", name=alias, target_key_id=self.key.key_id)

    @property
    def arn(self) -> str:
        return self.key.arn

    def add_statements(self, *statements: Statement) -> None:
        """Append statements to the key policy (e.g. a cross-account grant added by another construct)."""
        self._statements.extend(statements)
        self.key.policy = self._render()

    def _render(self) -> str:
        root = statement(
            "AccountRootAdministersKeyThroughIam",
            "kms:*",
            "*",
            principal={"AWS": f"arn:{self._partition}:iam::{self._account_id}:root"},
        )
        return document(root, *self._statements)


def service_use_statement(
    sid: str, service: str, *, account_id: str, actions: list[str] | None = None, condition: dict | None = None
) -> Statement:
    """Let an AWS service principal use a key, restricted to calls on behalf of this account."""
    return statement(
        sid,
        actions or ["kms:Decrypt", "kms:GenerateDataKey*"],
        "*",
        principal={"Service": service},
        condition=condition or {"StringEquals": {"aws:SourceAccount": account_id}},
    )
