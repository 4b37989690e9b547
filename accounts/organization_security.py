"""Organization-level security wiring in the management account's stack (called by
accounts/management.py): delegated administration of CloudTrail and Identity Center to the security
account, or Identity Center itself when the management account administers it."""

from __future__ import annotations

from config import contracts
from config.kinds.security import assignment_accounts, identity_center_home, security_auditor_role_name, trail_account
from modules.aws import aws
from modules.identity_center import AssignmentSpec, GroupSpec, IdentityCenter, PermissionSetSpec
from modules.literal import text
from modules.policy import Statement, statement

from .base import AccountStack

# The management stack's organization; registering a delegated administrator needs it first.
ORGANIZATION_ADDRESS = "aws_organizations_organization.organization"


def build(stack: AccountStack, created_ids: dict[str, str]) -> None:
    """created_ids: id expressions of the accounts this stack creates (a fresh landing zone has no lock entries yet)."""
    r = stack.resolved
    management = stack.account.name

    def id_of(name: str) -> str:
        return r.accounts[name].account_id or created_ids[name]

    owner = trail_account(r)
    if owner is not None and owner != management:
        delegate = aws.cloudtrail_organization_delegated_admin_account.CloudtrailOrganizationDelegatedAdminAccount(
            stack, "delegate-cloudtrail", account_id=id_of(owner)
        )
        delegate.add_override("depends_on", [ORGANIZATION_ADDRESS])
    home = identity_center_home(r)
    if home is None:
        return
    admin, ic = home
    if admin == management:
        build_identity_center(stack, ic, id_of)
    else:
        delegate = aws.organizations_delegated_administrator.OrganizationsDelegatedAdministrator(
            stack, "delegate-identity-center", account_id=id_of(admin), service_principal="sso.amazonaws.com"
        )
        delegate.add_override("depends_on", [ORGANIZATION_ADDRESS])


def build_identity_center(stack: AccountStack, ic, id_of=None) -> IdentityCenter:
    """Permission sets, groups and assignments of the configured personas, in the stack's account
    (id_of: an account's id, or the expression of one the management stack creates)."""
    r = stack.resolved
    id_of = id_of or r.account_id
    permission_sets = [
        PermissionSetSpec(
            name=name,
            description=text(persona.description),
            managed_policy_arns=tuple(
                contracts.aws_managed_policy_arn(r.partition, p) for p in persona.managed_policies
            ),
            inline_statements=tuple(persona_statements(r, persona)),
            session_hours=persona.session_duration_hours,
        )
        for name, persona in ic.personas.items()
    ]
    groups = {
        key: GroupSpec(display_name=g.display_name, group_id=g.group_id, description=g.description)
        for key, g in ic.groups.items()
    }
    assignments = [
        AssignmentSpec(group=a.group, permission_set=persona, account_id=id_of(account), account_name=account)
        for a in ic.assignments
        for persona in a.personas
        for account in assignment_accounts(r.accounts, a)
    ]
    return IdentityCenter(
        stack, "identity-center", permission_sets=permission_sets, groups=groups, assignments=assignments
    )


def persona_statements(r, persona) -> list[Statement]:
    """The persona's inline statements, plus assuming the security accounts' auditor roles when it has audit_access."""
    out = [statement(s.sid, s.actions, s.resources, effect=s.effect) for s in persona.inline_policy]
    if persona.audit_access:
        auditors = sorted(r.role_arn(a.name, security_auditor_role_name(r)) for a in r.of_kind("security"))
        out.append(statement("AssumeSecurityAuditorRole", "sts:AssumeRole", auditors))
    return out
