"""The organization, its OUs and its member accounts, created or adopted (imported) from an existing organization.

Called by accounts/management.py. Adoption never changes what it does not own: trusted services and policy
types enabled today stay enabled, existing accounts keep their name, email and settings AWS cannot read back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf import Fn, TerraformResourceLifecycle

from config.errors import known
from modules.aws import aws

from .base import AccountStack

# The guardrails are SCPs; attaching one needs its policy type enabled on the root.
# https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnablePolicyType.html
REQUIRED_POLICY_TYPES = ("SERVICE_CONTROL_POLICY",)
# Arguments of an adopted account that AWS cannot read back or that belong to the account's owner:
# https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/organizations_account#import
ADOPTED_ACCOUNT_IGNORED = ["name", "email", "role_name", "iam_user_access_to_billing"]


def organization(stack: AccountStack, principals: Sequence[str]):
    """The organization with trusted access for `principals` (plus the YAML's extras); imported when it exists.

    Both lists are authoritative: the provider disables every trusted service and policy type it does not list.
    An imported organization therefore keeps everything enabled today (read at plan time) and adds ours.
    """
    org_config = stack.resolved.landing_zone.organization
    wanted_principals = sorted({*principals, *org_config.extra_service_access_principals})
    wanted_types = sorted({*REQUIRED_POLICY_TYPES, *org_config.extra_policy_types})
    principals_value: list[str] = wanted_principals
    types_value: list[str] = wanted_types
    if org_config.organization_id:
        # Disabling trusted access breaks the service's organization features (delegated administrators too):
        # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services.html
        # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/organizations_organization
        today = aws.data_aws_organizations_organization.DataAwsOrganizationsOrganization(stack, "organization-today")
        principals_value = Fn.sort(Fn.setunion(wanted_principals, [today.aws_service_access_principals]))
        types_value = Fn.sort(Fn.setunion(wanted_types, [today.enabled_policy_types]))
    org = aws.organizations_organization.OrganizationsOrganization(
        stack,
        "organization",
        feature_set="ALL",
        aws_service_access_principals=principals_value,
        enabled_policy_types=types_value,
        lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
    )
    if org_config.organization_id:
        org.import_from(org_config.organization_id)
    return org


def organizational_units(stack: AccountStack, root_id: str, existing: Mapping | None = None) -> tuple[dict, dict]:
    """Every OU path of the landing zone, parents first: `existing` ones (Control Tower's) as given, adopted by
    id when the YAML gives one, else created. Returns (all OUs by path, the OUs this stack creates)."""
    lz = stack.resolved.landing_zone
    adopted = {ou.path: ou.id for ou in lz.organization.organizational_units if ou.id}
    ous: dict = dict(existing or {})
    created: dict = {}
    for path in sorted(lz.ou_paths() - set(ous), key=lambda p: (p.count("/"), p)):
        parent, _, leaf = path.rpartition("/")
        ou = aws.organizations_organizational_unit.OrganizationsOrganizationalUnit(
            stack,
            f"ou-{slug(path)}",
            name=leaf,
            parent_id=ous[parent].id if parent else root_id,
            # An OU cannot move (parent_id forces a new OU); deleting an adopted one is never mlops-tf's call.
            # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/organizations_organizational_unit
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if path in adopted else None,
        )
        if path in adopted:
            ou.import_from(adopted[path])
        else:
            created[path] = ou
        ous[path] = ou
    return ous, created


def adopt_accounts(stack: AccountStack, ous: dict, skip: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Existing member accounts (given by account_id) imported and moved into the OU their YAML names.

    The management account is never a member resource; `skip` names accounts Account Factory enrolls instead
    (accounts/account_factory.py). Returns account name -> id of the adopted accounts.
    """
    adopted = {}
    for account in sorted(stack.resolved.accounts.values(), key=lambda a: a.name):
        if account.kind == "management" or account.created or account.ou is None or account.name in skip:
            continue
        member = aws.organizations_account.OrganizationsAccount(
            stack,
            f"account-{account.name}",
            name=account.name,
            # Required by the provider but ignored below: the account keeps its root email (.invalid: RFC 2606).
            email=f"{account.account_id}@adopted.invalid",
            parent_id=ous[account.ou].id,
            # Removing the account from the YAML must never close it.
            close_on_deletion=False,
            tags=dict(sorted(account.tags.items())),
            lifecycle=TerraformResourceLifecycle(ignore_changes=ADOPTED_ACCOUNT_IGNORED, prevent_destroy=True),
        )
        account_id = known(account.account_id, "an adopted account's id (its YAML names it)")
        member.import_from(account_id)
        adopted[account.name] = account_id
    return adopted


def slug(text: str) -> str:
    """A Terraform-friendly construct id fragment for an OU path or control name."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
