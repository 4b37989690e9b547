"""Member accounts under Control Tower (organization.vending: control_tower): one Account Factory provisioned
product per account, vending a new account (email) or enrolling an existing one (account_id and its root email).

Account Factory places the account in its OU (ManagedOrganizationalUnit) and moves it when that parameter changes.
Once the account's id is known, an imported aws_organizations_account carries its tags and close_on_deletion, and
never its parent: Control Tower reports a move made through Organizations as drift.
# https://docs.aws.amazon.com/controltower/latest/userguide/account-factory.html
"""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle

from config import contracts
from modules.aws import aws

from .base import AccountStack
from .organization_adoption import ADOPTED_ACCOUNT_IGNORED

# Creating or enrolling an account takes Account Factory tens of minutes; the provider's default (timeouts) is 30.
# https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/servicecatalog_provisioned_product
TIMEOUTS = {"create": "60m", "update": "60m", "delete": "60m"}


def provision(stack: AccountStack, account, ou, after: list, previous=None):
    """The account's provisioned product (and its Organizations member once the id is known), after `previous`
    and `after` (the first product: the last OU registration and every control); returns the product and the
    expression of the account's id as Account Factory reports it (the `account_ids` output that `mlops-tf lock`
    reads)."""
    member = _member(stack, account) if account.account_id is not None else None
    # One Account Factory operation at a time: Control Tower runs at most five account operations at once
    # (https://docs.aws.amazon.com/controltower/latest/userguide/provision-and-manage-accounts.html) and
    # Terraform would start up to ten; one at a time also leaves room for other Control Tower operations.
    product = _product(stack, account, ou, [*after, *(d for d in (member, previous) if d is not None)])
    address = f"aws_servicecatalog_provisioned_product.{product.friendly_unique_id}"
    return product, f'${{one([for o in {address}.outputs : o.value if o.key == "AccountId"])}}'


def _product(stack: AccountStack, account, ou, depends_on: list):
    """Launching the Account Factory product with the root email of an existing account enrolls that account
    instead of creating one (https://docs.aws.amazon.com/controltower/latest/userguide/quick-account-provisioning.html);
    a changed ManagedOrganizationalUnit updates the product, which moves the account
    (https://docs.aws.amazon.com/controltower/latest/userguide/updating-account-factory-accounts.html)."""
    org_config = stack.resolved.landing_zone.organization
    return aws.servicecatalog_provisioned_product.ServicecatalogProvisionedProduct(
        stack,
        f"account-{account.name}",
        name=contracts.provisioned_product_name(stack.resolved, account.name),
        product_id=org_config.account_factory_product_id,
        provisioning_artifact_name=org_config.account_factory_artifact_name,
        provisioning_parameters=[
            {"key": "AccountEmail", "value": account.email},
            {"key": "AccountName", "value": account.name},
            {"key": "ManagedOrganizationalUnit", "value": f"{account.ou.rsplit('/', 1)[-1]} ({ou.id})"},
            {"key": "SSOUserEmail", "value": account.email},
            {"key": "SSOUserFirstName", "value": "Admin"},
            {"key": "SSOUserLastName", "value": account.name},
        ],
        tags=dict(sorted(account.tags.items())),
        timeouts=TIMEOUTS,
        lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        # Account Factory provisions only into OUs registered with Control Tower; the member comes first so that
        # removing the file terminates the product (unenrolls) before Organizations closes the account:
        # https://docs.aws.amazon.com/controltower/latest/userguide/delete-account.html (unmanage before closing)
        depends_on=depends_on or None,
    )


def _member(stack: AccountStack, account):
    """The account in Organizations, imported by id: tags and close_on_deletion; never its OU or its owner's fields."""
    closing = account.created and account.config.close_on_deletion
    member = aws.organizations_account.OrganizationsAccount(
        stack,
        f"member-{account.name}",
        name=account.name,
        email=account.email,
        # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/organizations_account
        close_on_deletion=closing,
        tags=dict(sorted(account.tags.items())),
        # Without the file the resource goes, and with it prevent_destroy: `set, apply, remove` closes the account.
        lifecycle=TerraformResourceLifecycle(
            ignore_changes=[*ADOPTED_ACCOUNT_IGNORED, "parent_id"], prevent_destroy=True
        ),
    )
    member.import_from(account.account_id)
    return member
