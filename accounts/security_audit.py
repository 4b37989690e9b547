"""The security-audit role in every account: SecurityAudit plus ViewOnlyAccess (configuration, no data), trusted
only by the security accounts' auditor roles (account root narrowed by aws:PrincipalArn, from the resolver)."""

from __future__ import annotations

from config import contracts
from config.contracts import security_audit_role_name
from config.kinds.security import audit_role_trust
from modules.cross_account_role import CrossAccountRole

from .base import AccountStack

# Configuration, not data: ReadOnlyAccess would also read every object and item (data lake included).
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/ViewOnlyAccess.html
AUDIT_POLICIES = ("SecurityAudit", "job-function/ViewOnlyAccess")


def build(stack: AccountStack) -> None:
    """Add the security-audit role to the account's stack."""
    r = stack.resolved
    if stack.account.kind == "management" and any(a.account_id is None for a in r.of_kind("security")):
        # A fresh landing zone: the management stack creates the security account and cannot name its root yet;
        # the role comes with the synth after `mlops-tf lock` records the new id (apply --all does that itself).
        return
    trusted, condition = audit_role_trust(r)
    role = CrossAccountRole(
        stack,
        "security-audit",
        role_name=security_audit_role_name(r),
        description="Read-only security audit, assumed from the security account(s)",
        trusted=trusted,
        trust_condition=condition,
        managed_policy_arns=[contracts.aws_managed_policy_arn(r.partition, name) for name in AUDIT_POLICIES],
    )
    stack.output("security_audit_role_arn", role.arn, "Role the security account assumes to audit this account")
