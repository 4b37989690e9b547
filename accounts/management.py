"""Management account: the organization, OUs by path, member accounts, SCPs, controls, delegated admins."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle

from config import local_names
from config.kinds.baseline import enrolled
from config.kinds.security import delegated_admin
from config.schema import Vending
from config.schema.account import ManagementAccount
from modules.aws import aws
from modules.guardrails import GUARDRAIL_DESCRIPTIONS, guardrail_policy

from . import (
    account_factory,
    control_tower,
    landing_zone_pipeline,
    organization_adoption,
    organization_security,
    pipeline_state,
    regional,
    tfc_oidc,
)
from .base import AccountStack
from .organization_adoption import slug as _slug

# Service principals the organization trusts; delegated administration needs trusted access.
SERVICE_ACCESS_PRINCIPALS = [
    "access-analyzer.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "config-multiaccountsetup.amazonaws.com",  # Config's delegated administrator needs both Config principals
    "config.amazonaws.com",
    "guardduty.amazonaws.com",
    "malware-protection.guardduty.amazonaws.com",
    "ram.amazonaws.com",
    "securityhub.amazonaws.com",
    "sso.amazonaws.com",
]
CONTROL_TOWER_PRINCIPALS = ["controltower.amazonaws.com"]


def build(stack: AccountStack) -> None:
    resolved = stack.resolved
    lz = resolved.landing_zone
    org_config = lz.organization

    principals = SERVICE_ACCESS_PRINCIPALS + (
        CONTROL_TOWER_PRINCIPALS if org_config.vending is Vending.control_tower else []
    )
    org = organization_adoption.organization(stack, principals)
    root_id = org.roots.get(0).id
    # Lake Formation shares cross-account through RAM; inside the organization no one must accept them.
    aws.ram_sharing_with_organization.RamSharingWithOrganization(stack, "ram-sharing", depends_on=[org])
    # Control Tower's own OUs are found by name, never created twice; the others are adopted by id or created.
    ous, created = organization_adoption.organizational_units(stack, root_id, control_tower.adopted_ous(stack, root_id))
    registered = control_tower.register_ous(stack, created)
    # Under Control Tower, existing accounts outside its foundational OU are enrolled through Account Factory.
    enrolling = {a.name for a in resolved.accounts.values() if enrolled(lz, a.config)}
    organization_adoption.adopt_accounts(stack, ous, skip=enrolling)
    last_registration = list(registered.values())[-1:]
    controls = _controls(stack, ous, last_registration)

    account_ids = {}
    # Account Factory runs after every registration and control, then one product at a time.
    product = None
    gate = [*last_registration, *controls]
    for account in sorted(resolved.accounts.values(), key=lambda a: a.name):
        if account.name in enrolling:
            product, _ = account_factory.provision(stack, account, ous[account.ou], [] if product else gate, product)
        if not account.created:
            continue
        if org_config.vending is Vending.control_tower:
            product, account_ids[account.name] = account_factory.provision(
                stack, account, ous[account.ou], [] if product else gate, product
            )
        else:
            member = aws.organizations_account.OrganizationsAccount(
                stack,
                f"account-{account.name}",
                name=account.name,
                email=account.email,
                parent_id=ous[account.ou].id,
                role_name=account.deploy_role_name,
                # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/organizations_account
                # (close_on_deletion)
                close_on_deletion=account.config.close_on_deletion,
                iam_user_access_to_billing="ALLOW",
                tags=dict(sorted(account.tags.items())),
                # AWS cannot change these after creation; a later edit must not force a new account.
                lifecycle=TerraformResourceLifecycle(
                    ignore_changes=["role_name", "iam_user_access_to_billing"], prevent_destroy=True
                ),
            )
            account_ids[account.name] = member.id

    _guardrails(stack, ous, registered)
    _delegated_administrators(stack, org, account_ids)
    organization_security.build(stack, account_ids)
    tfc_oidc.build(stack, account_ids)
    pipeline_state.build(stack, account_ids)
    landing_zone_pipeline.build(stack, account_ids)

    stack.output("account_ids", account_ids, "Ids of the accounts this stack created: `mlops-tf lock` records them")
    stack.output("organizational_unit_ids", {p: ou.id for p, ou in ous.items()}, "OU ids by path")
    stack.output("organization_id", org.id, "Organization id")


def _guardrails(stack: AccountStack, ous: dict, registered: dict) -> None:
    """The guardrail SCPs and their attachments; on an OU mlops-tf registers with Control Tower, after that
    registration, so Control Tower attaches its SCPs first and a sixth SCP fails at AttachPolicy, not EnableBaseline.
    # https://docs.aws.amazon.com/controltower/latest/userguide/limits.html"""
    lz = stack.resolved.landing_zone
    wanted = sorted({g.value for ou in lz.organization.organizational_units for g in ou.guardrails})
    policies = {}
    for guardrail in wanted:
        policies[guardrail] = aws.organizations_policy.OrganizationsPolicy(
            stack,
            f"scp-{guardrail}",
            name=local_names.guardrail_policy_name(stack.resolved, guardrail),
            description=GUARDRAIL_DESCRIPTIONS[guardrail],
            type="SERVICE_CONTROL_POLICY",
            content=guardrail_policy(
                guardrail,
                allowed_regions=lz.allowed_regions,
                deploy_role_name=lz.default_deploy_role,
                partition=stack.resolved.partition,
            ),
        )
    for ou in lz.organization.organizational_units:
        for guardrail in ou.guardrails:
            aws.organizations_policy_attachment.OrganizationsPolicyAttachment(
                stack,
                f"scp-{guardrail.value}-{_slug(ou.path)}",
                policy_id=policies[guardrail.value].id,
                target_id=ous[ou.path].id,
                depends_on=[registered[ou.path]] if ou.path in registered else None,
            )


def _controls(stack: AccountStack, ous: dict, last_registration: list) -> list:
    """Control Tower controls of every OU, all after the last OU registration (they may run concurrently)."""
    lz = stack.resolved.landing_zone
    if lz.organization.vending is not Vending.control_tower:
        return []
    controls = []
    for ou in lz.organization.organizational_units:
        for control in ou.controls:
            identifier = (
                control
                if control.startswith("arn:")
                else (f"arn:{stack.resolved.partition}:controltower:{lz.home_region}::control/{control}")
            )
            control_resource = aws.controltower_control.ControltowerControl(
                stack,
                f"control-{_slug(ou.path)}-{_slug(control.rsplit('/', 1)[-1])}",
                control_identifier=identifier,
                target_identifier=ous[ou.path].arn,
                # Controls apply to registered OUs only, and no registration may run beside them:
                # https://docs.aws.amazon.com/controltower/latest/userguide/limits.html (one operation at a time)
                depends_on=last_registration or None,
            )
            controls.append(control_resource)
    return controls


def _delegated_administrators(stack: AccountStack, org, created_ids: dict[str, str]) -> None:
    admin = delegated_admin(stack.resolved)
    if admin is None:
        return
    # A security account this stack creates is delegated through the new account's id (known after its creation).
    admin_id = stack.resolved.accounts[admin].account_id or created_ids[admin]
    services = {s.value for s in stack.account.model(ManagementAccount).management.delegated_services}
    if "guardduty" in services:
        regional.delegate_guardduty(stack, org, admin_id)
    regional.delegate_config(stack, org, admin_id)
    if "securityhub" in services:
        aws.securityhub_organization_admin_account.SecurityhubOrganizationAdminAccount(
            stack, "delegate-securityhub", admin_account_id=admin_id, depends_on=[org]
        )
    if "access-analyzer" in services:
        aws.organizations_delegated_administrator.OrganizationsDelegatedAdministrator(
            stack,
            "delegate-access-analyzer",
            account_id=admin_id,
            service_principal="access-analyzer.amazonaws.com",
            depends_on=[org],
        )
