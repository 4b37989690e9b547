"""Lake Formation: data lake settings, principals that must exist, and the data account's lake (registered
locations, crawler grants, grants to other accounts and to the account's own personas)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf import Fn, Postcondition, TerraformResourceLifecycle
from constructs import Construct

from .aws import aws
from .policy import assume_role_trust, document, statement

# What a crawler needs on its output database (Create, Describe, Alter); never DROP of the database.
# https://docs.aws.amazon.com/glue/latest/dg/crawler-lf-integ.html
CRAWLER_DATABASE_PERMISSIONS = ["ALTER", "CREATE_TABLE", "DESCRIBE"]
# ...and on every table of it, those the Glue job role created included, or updating one fails with
# "Insufficient Lake Formation permission(s)": https://docs.aws.amazon.com/glue/latest/dg/error-crawler-config-lf.html
CRAWLER_TABLE_PERMISSIONS = ["ALTER", "DESCRIBE"]
# Table permissions whose principal also needs DATA_LOCATION_ACCESS on a registered location.
# https://docs.aws.amazon.com/lake-formation/latest/dg/granting-location-permissions.html
LOCATION_PERMISSIONS = {"ALTER"}
IAM_ONLY_DEFAULTS = [{"principal": "IAM_ALLOWED_PRINCIPALS", "permissions": ["ALL"]}]


@dataclass(frozen=True)
class LakeFormationGrant:
    """Database DESCRIBE plus table permissions on every table of a database, for another account."""

    account_id: str
    database_name: str
    table_permissions: tuple[str, ...]
    grantable: bool


@dataclass(frozen=True)
class PrincipalGrant:
    """Permissions of a principal of this account on one database and its tables (and, when it creates
    or alters tables, on the registered location of the database's bucket)."""

    key: str  # stable name for logical ids
    principal: str  # an ARN or a token resolving to one
    database_name: str
    table_permissions: tuple[str, ...]
    create_tables: bool
    location: str  # configured bucket name (a key of LakeFormation's locations)


# https://docs.aws.amazon.com/lake-formation/latest/dg/change-settings.html
def data_lake_settings(scope: Construct, id: str, *, admin_arns: Sequence[str], governed: bool):
    """The account's data lake settings. PutDataLakeSettings replaces the whole settings object, so the stack
    owns them: admins, cross-account version and the defaults for new databases and tables.

    governed=True: empty defaults, so databases and tables created afterwards are governed by Lake Formation
    only (nothing inherits IAM_ALLOWED_PRINCIPALS). governed=False keeps AWS's initial IAM-only defaults
    (consumer accounts: their own databases stay IAM-governed; shared data is governed by the producer).
    """
    defaults = [] if governed else IAM_ONLY_DEFAULTS
    return aws.lakeformation_data_lake_settings.LakeformationDataLakeSettings(
        scope,
        id,
        admins=sorted(set(admin_arns)),
        # AWS also returns SET_CONTEXT=TRUE ("parameters" in the page below); the provider plans no change for it (its
        # acceptance test testAccDataLakeSettings_parameters sets only CROSS_ACCOUNT_VERSION and expects an empty
        # plan), so no ignore_changes: version 4 stays enforced.
        # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lakeformation_data_lake_settings
        parameters={"CROSS_ACCOUNT_VERSION": "4"},
        create_database_default_permissions=defaults,
        create_table_default_permissions=defaults,
        # Deleting the resource writes empty settings (no administrator left to grant anything): never by a plan.
        # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lakeformation_data_lake_settings
        lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
    )


def existing_role_arn(scope: Construct, id: str, name: str) -> str:
    """ARN of a role that must already exist: reading it fails the plan when it does not."""
    return aws.data_aws_iam_role.DataAwsIamRole(scope, id, name=name).arn


def identity_center_role_arn(scope: Construct, id: str, *, name_regex: str, path_prefix: str, persona: str) -> str:
    """ARN of the role Identity Center provisioned in this account for a persona's permission set; the plan
    stops with a clear message while the assignment is not provisioned (a missing principal is never named)."""
    roles = aws.data_aws_iam_roles.DataAwsIamRoles(
        scope,
        id,
        name_regex=name_regex,
        path_prefix=path_prefix,
        lifecycle=TerraformResourceLifecycle(
            postcondition=[
                Postcondition(
                    condition="${length(self.arns) == 1}",
                    error_message=f"Identity Center has no role for persona {persona} in this account yet: apply the "
                    "Identity Center "
                    "account (its assignments) first; mlops-tf apply --all does it in order.",
                )
            ]
        ),
    )
    return Fn.one(roles.arns)


class LakeFormation(Construct):
    """The data account's lake under Lake Formation: locations registered with a dedicated access role, the
    crawler allowed on its databases, grants to other accounts and to principals of this account."""

    def __init__(self, scope: Construct, id: str, *, admin_arns: Sequence[str]) -> None:
        super().__init__(scope, id)
        # The deploy role is among the admins: only an admin can grant. Databases wait for these settings.
        self.settings = data_lake_settings(self, "settings", admin_arns=admin_arns, governed=True)

    def govern(
        self,
        *,
        locations: Mapping[str, str],  # bucket name -> bucket ARN
        access_role_name: str,
        kms_key_arn: str,
        account_id: str,
        crawler_role_arn: str,
        databases: Mapping[str, object],  # database name -> GlueCatalogDatabase
        grants: Sequence[LakeFormationGrant],
        principal_grants: Sequence[PrincipalGrant] = (),
    ) -> None:
        """Locations, crawler permissions and grants, once the catalog exists."""
        self.access_role = aws.iam_role.IamRole(
            self,
            "access-role",
            name=access_role_name,
            description="Lake Formation reads and writes registered lake locations",
            assume_role_policy=assume_role_trust(
                {"Service": "lakeformation.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": account_id}}
            ),
        )
        arns = [locations[name] for name in sorted(locations)]
        aws.iam_role_policy.IamRolePolicy(
            self,
            "access-policy",
            role=self.access_role.id,
            name="lake-locations",
            policy=document(
                statement(
                    "ReadWriteLakeObjects",
                    ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                    [f"{a}/*" for a in arns],
                ),
                statement("ListLakeBuckets", "s3:ListBucket", arns),
                statement("UseLakeKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], kms_key_arn),
            ),
        )
        # Only an admin can grant: every grant waits for the settings that make the deploy role one.
        after_settings = [self.settings]
        self.locations = {}
        # The crawler's grants by location (bucket name) and database: the crawlers are created after them.
        self.crawler_location_grants: dict[str, object] = {}
        self.crawler_database_grants: dict[str, list[object]] = {}
        for name in sorted(locations):
            location = aws.lakeformation_resource.LakeformationResource(
                self,
                f"location-{name}",
                arn=locations[name],
                role_arn=self.access_role.arn,
                use_service_linked_role=False,
                depends_on=after_settings,
            )
            self.locations[name] = location
            # DATA_LOCATION_ACCESS can only be granted on a registered location: reference the registration.
            self.crawler_location_grants[name] = aws.lakeformation_permissions.LakeformationPermissions(
                self,
                f"crawler-location-{name}",
                principal=crawler_role_arn,
                permissions=["DATA_LOCATION_ACCESS"],
                data_location={"arn": location.arn},
                depends_on=after_settings,
            )
        for db_name in sorted(databases):
            on_database = [*after_settings, databases[db_name]]
            self.crawler_database_grants[db_name] = [
                aws.lakeformation_permissions.LakeformationPermissions(
                    self,
                    f"crawler-{db_name}",
                    principal=crawler_role_arn,
                    permissions=CRAWLER_DATABASE_PERMISSIONS,
                    database={"name": db_name},
                    depends_on=on_database,
                ),
                aws.lakeformation_permissions.LakeformationPermissions(
                    self,
                    f"crawler-tables-{db_name}",
                    principal=crawler_role_arn,
                    permissions=CRAWLER_TABLE_PERMISSIONS,
                    table={"database_name": db_name, "wildcard": True},
                    depends_on=on_database,
                ),
            ]
        # Grants to other accounts need the grant option so that their admin can grant their roles.
        # https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-permissions.html
        for grant in sorted(grants, key=lambda g: (g.account_id, g.database_name)):
            tag = f"{grant.account_id}-{grant.database_name}"
            depends = [*after_settings, databases[grant.database_name]]
            aws.lakeformation_permissions.LakeformationPermissions(
                self,
                f"share-database-{tag}",
                principal=grant.account_id,
                permissions=["DESCRIBE"],
                permissions_with_grant_option=["DESCRIBE"] if grant.grantable else None,
                database={"name": grant.database_name},
                depends_on=depends,
            )
            permissions = sorted(grant.table_permissions)
            aws.lakeformation_permissions.LakeformationPermissions(
                self,
                f"share-tables-{tag}",
                principal=grant.account_id,
                permissions=permissions,
                permissions_with_grant_option=permissions if grant.grantable else None,
                table={"database_name": grant.database_name, "wildcard": True},
                depends_on=depends,
            )
        located: set[tuple[str, str]] = set()
        for pgrant in sorted(principal_grants, key=lambda g: (g.key, g.database_name)):
            tag = f"{pgrant.key}-{pgrant.database_name}"
            depends = [*after_settings, databases[pgrant.database_name]]
            aws.lakeformation_permissions.LakeformationPermissions(
                self,
                f"principal-database-{tag}",
                principal=pgrant.principal,
                permissions=["CREATE_TABLE", "DESCRIBE"] if pgrant.create_tables else ["DESCRIBE"],
                database={"name": pgrant.database_name},
                depends_on=depends,
            )
            aws.lakeformation_permissions.LakeformationPermissions(
                self,
                f"principal-tables-{tag}",
                principal=pgrant.principal,
                permissions=sorted(pgrant.table_permissions),
                table={"database_name": pgrant.database_name, "wildcard": True},
                depends_on=depends,
            )
            needs_location = pgrant.create_tables or LOCATION_PERMISSIONS & set(pgrant.table_permissions)
            if needs_location and (pgrant.key, pgrant.location) not in located:
                located.add((pgrant.key, pgrant.location))
                aws.lakeformation_permissions.LakeformationPermissions(
                    self,
                    f"principal-location-{pgrant.key}-{pgrant.location}",
                    principal=pgrant.principal,
                    permissions=["DATA_LOCATION_ACCESS"],
                    data_location={"arn": self.locations[pgrant.location].arn},
                    depends_on=after_settings,
                )
