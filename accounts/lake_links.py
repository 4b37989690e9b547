"""Consumer side of the data accounts' Lake Formation shares (config.kinds.lake), used by ml-execution and
data-science stacks: the account's data lake settings (its admin is the deploy role Terraform runs as),
a resource link per shared database, and grants from the links to the account's own roles.

Chain of one share: data account grant (to this account, with grant option) -> resource link here ->
grants here to the role (DESCRIBE on the link, DESCRIBE and the shared table permissions on the target)
-> the role's policy (lakeformation:GetDataAccess, Glue read on link and target, catalog key by alias).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config.errors import known
from config.kinds.data import DATA_LAKE
from config.kinds.lake import GET_DATA_ACCESS, LakeShare, lake_formation_shares
from modules.aws import aws
from modules.lake_formation import data_lake_settings
from modules.policy import Statement, statement

from .base import AccountStack

GLUE_READ = [
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTables",
]


@dataclass
class LakeLinks:
    """What build() created; grant() hands the shares to a role of this account."""

    stack: AccountStack
    shares: list[LakeShare]
    settings: object | None = None
    links: dict[str, object] = field(default_factory=dict)

    def grant(self, key: str, role) -> None:
        """Lake Formation grants of every share to one role (an aws_iam_role of this stack).
        https://docs.aws.amazon.com/lake-formation/latest/dg/regranting-shared-resources.html"""
        for share in self.shares:
            tag = f"{key}-{share.database_name}"
            depends = [self.settings, self.links[share.database_name], role]
            # A link is visible only to its creator until DESCRIBE is granted on it; that grants nothing on the target.
            # https://docs.aws.amazon.com/lake-formation/latest/dg/granting-link-permissions.html
            aws.lakeformation_permissions.LakeformationPermissions(
                self.stack,
                f"lake-link-grant-{tag}",
                principal=role.arn,
                permissions=["DESCRIBE"],
                database={"name": share.database_name},
                depends_on=depends,
            )
            aws.lakeformation_permissions.LakeformationPermissions(
                self.stack,
                f"lake-target-grant-{tag}",
                principal=role.arn,
                permissions=["DESCRIBE"],
                database={"catalog_id": share.catalog_id, "name": share.database_name},
                depends_on=depends,
            )
            aws.lakeformation_permissions.LakeformationPermissions(
                self.stack,
                f"lake-tables-grant-{tag}",
                principal=role.arn,
                permissions=list(share.permissions),
                table={"catalog_id": share.catalog_id, "database_name": share.database_name, "wildcard": True},
                depends_on=depends,
            )

    def glue_arns(self) -> list[str]:
        return glue_arns(self.stack, self.shares)

    def reader_statements(self) -> list[Statement]:
        """Identity policy of a role granted the shares: Lake Formation credentials, Glue read on links and
        targets, and the data accounts' catalog keys (cross-account KMS needs the caller's policy too)."""
        if not self.shares:
            return []
        return [
            # https://docs.aws.amazon.com/lake-formation/latest/dg/access-control-underlying-data.html
            statement("LakeFormationDataAccess", GET_DATA_ACCESS, "*"),
            statement("ReadSharedCatalog", GLUE_READ, self.glue_arns()),
            statement(
                "DecryptSharedCatalog",
                ["kms:Decrypt", "kms:DescribeKey"],
                catalog_key_patterns(self.stack, self.shares),
                condition=catalog_key_condition(self.stack),
            ),
        ]


def build(stack: AccountStack) -> LakeLinks:
    """Settings and one resource link per shared database (same name, in this account's catalog)."""
    r, account = stack.resolved, stack.account
    out = LakeLinks(stack, lake_formation_shares(r, account.name))
    # The deploy role administers this account's lake: it grants the shared databases to the roles. The settings
    # stay when the last share goes (their deletion would leave the account's lake without an administrator).
    out.settings = data_lake_settings(
        stack,
        "lake-settings",
        admin_arns=[known(r.deploy_role_arn(account.name), "the data account's deploy role")],
        governed=False,
    )
    if not out.shares:
        return out
    for share in out.shares:
        out.links[share.database_name] = aws.glue_catalog_database.GlueCatalogDatabase(
            stack,
            f"lake-link-{share.database_name}",
            name=share.database_name,
            description=f"Resource link to {share.database_name} shared by {share.data_account}",
            target_database={"catalog_id": share.catalog_id, "database_name": share.database_name},
        )
    return out


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


def catalog_key_patterns(stack: AccountStack, shares: list[LakeShare]) -> list[str]:
    """The data accounts' keys (no ids before apply): any key of those accounts, narrowed by alias."""
    return sorted({stack.resolved.kms_key_arn_pattern(s.data_account) for s in shares})


def catalog_key_condition(stack: AccountStack) -> dict:
    return {"ForAnyValue:StringEquals": {"kms:ResourceAliases": stack.resolved.kms_alias(DATA_LAKE)}}
