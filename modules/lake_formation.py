"""LakeFormation: data lake settings, registered S3 locations, crawler and cross-account grants."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from constructs import Construct

from .aws import aws
from .policy import assume_role_trust, document, statement

CRAWLER_DATABASE_PERMISSIONS = ["ALTER", "CREATE_TABLE", "DESCRIBE", "DROP"]


@dataclass(frozen=True)
class LakeFormationGrant:
    """Database DESCRIBE plus table permissions on every table of a database, for another account."""

    account_id: str
    database_name: str
    table_permissions: tuple[str, ...]
    grantable: bool


class LakeFormation(Construct):
    """Lake Formation in charge of the lake: IAMAllowedPrincipals defaults off, locations registered
    with a dedicated access role, the crawler allowed on its databases, and grants to other accounts."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        admin_arns: Sequence[str],
        locations: Mapping[str, str],  # bucket name -> bucket ARN
        access_role_name: str,
        kms_key_arn: str,
        account_id: str,
        crawler_role_arn: str,
        databases: Mapping[str, object],  # database name -> GlueCatalogDatabase
        grants: Sequence[LakeFormationGrant],
    ) -> None:
        super().__init__(scope, id)
        # The deploy role is among the admins: only an admin can grant. No create_*_default_permissions
        # blocks, so new databases and tables are governed by Lake Formation, not IAMAllowedPrincipals.
        self.settings = aws.lakeformation_data_lake_settings.LakeformationDataLakeSettings(
            self, "settings", admins=sorted(set(admin_arns)), parameters={"CROSS_ACCOUNT_VERSION": "4"},
        )
        self.access_role = aws.iam_role.IamRole(
            self, "access-role", name=access_role_name, description="Lake Formation reads and writes registered lake locations",
            assume_role_policy=assume_role_trust(
                {"Service": "lakeformation.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": account_id}}
            ),
        )
        arns = [locations[name] for name in sorted(locations)]
        aws.iam_role_policy.IamRolePolicy(
            self, "access-policy", role=self.access_role.id, name="lake-locations",
            policy=document(
                statement("ReadWriteLakeObjects", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], [f"{a}/*" for a in arns]),
                statement("ListLakeBuckets", "s3:ListBucket", arns),
                statement("UseLakeKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], kms_key_arn),
            ),
        )
        after_settings = [self.settings]
        for name in sorted(locations):
            location = aws.lakeformation_resource.LakeformationResource(
                self, f"location-{name}", arn=locations[name], role_arn=self.access_role.arn,
                use_service_linked_role=False, depends_on=after_settings,
            )
            # DATA_LOCATION_ACCESS can only be granted on a registered location: reference the registration.
            aws.lakeformation_permissions.LakeformationPermissions(
                self, f"crawler-location-{name}", principal=crawler_role_arn, permissions=["DATA_LOCATION_ACCESS"],
                data_location={"arn": location.arn}, depends_on=after_settings,
            )
        for db_name in sorted(databases):
            aws.lakeformation_permissions.LakeformationPermissions(
                self, f"crawler-{db_name}", principal=crawler_role_arn, permissions=CRAWLER_DATABASE_PERMISSIONS,
                database={"name": db_name}, depends_on=[*after_settings, databases[db_name]],
            )
        for grant in sorted(grants, key=lambda g: (g.account_id, g.database_name)):
            tag = f"{grant.account_id}-{grant.database_name}"
            depends = [*after_settings, databases[grant.database_name]]
            aws.lakeformation_permissions.LakeformationPermissions(
                self, f"share-database-{tag}", principal=grant.account_id, permissions=["DESCRIBE"],
                permissions_with_grant_option=["DESCRIBE"] if grant.grantable else None,
                database={"name": grant.database_name}, depends_on=depends,
            )
            permissions = sorted(grant.table_permissions)
            aws.lakeformation_permissions.LakeformationPermissions(
                self, f"share-tables-{tag}", principal=grant.account_id, permissions=permissions,
                permissions_with_grant_option=permissions if grant.grantable else None,
                table={"database_name": grant.database_name, "wildcard": True}, depends_on=depends,
            )
