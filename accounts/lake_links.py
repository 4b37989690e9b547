"""Consumer side of the data account's Lake Formation shares: resource links in this account's Glue
catalog to the shared databases (config.kinds.data.lake_formation_shares), used by ml-execution
and data-science stacks.
"""
from __future__ import annotations

from config.kinds.data import LakeShare, lake_formation_shares
from modules.aws import aws

from .base import AccountStack


def build(stack: AccountStack) -> list[LakeShare]:
    """One resource link per shared database (same name, in this account's catalog)."""
    shares = lake_formation_shares(stack.resolved, stack.account.name)
    for share in shares:
        aws.glue_catalog_database.GlueCatalogDatabase(
            stack, f"lake-link-{share.database_name}", name=share.database_name,
            description=f"Resource link to {share.database_name} shared by {share.data_account}",
            target_database={"catalog_id": share.catalog_id, "database_name": share.database_name},
        )
    return shares


def glue_arns(stack: AccountStack, shares: list[LakeShare]) -> list[str]:
    """Catalog, database and table ARNs of the shared databases, in their catalog and as local links."""
    r, region = stack.resolved, stack.account.region
    out: list[str] = []
    for catalog in sorted({s.catalog_id for s in shares} | ({stack.account_id} if shares else set())):
        base = f"arn:{r.partition}:glue:{region}:{catalog}"
        out.append(f"{base}:catalog")
        for share in shares:
            out += [f"{base}:database/{share.database_name}", f"{base}:table/{share.database_name}/*"]
    return out
