"""Glue Data Catalog (encrypted, one database and crawler per dataset) and an Athena workgroup."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from constructs import Construct

from .aws import aws
from .policy import assume_role_trust, document, statement

# Read the crawler's databases, create and update their tables and partitions; no delete (delete_behavior LOG).
CRAWLER_GLUE_ACTIONS = [
    "glue:BatchCreatePartition",
    "glue:BatchGetPartition",
    "glue:BatchUpdatePartition",
    "glue:CreatePartition",
    "glue:CreateTable",
    "glue:GetDatabase",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTables",
    "glue:UpdatePartition",
    "glue:UpdateTable",
]


@dataclass(frozen=True)
class CatalogDataset:
    """One dataset: a Glue database over s3://<bucket>/<prefix>, kept current by a crawler."""

    database_name: str
    crawler_name: str
    bucket_name: str
    prefix: str
    description: str
    schedule: str | None


def _location(dataset: CatalogDataset) -> str:
    return f"s3://{dataset.bucket_name}/{dataset.prefix}"


class DataCatalog(Construct):
    """Catalog encryption, a Glue security configuration, the crawler role, databases and crawlers.

    Lake Formation permissions of the crawler role are granted by the LakeFormation construct; the crawlers
    follow them (add_crawlers).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        datasets: Sequence[CatalogDataset],
        kms_key_arn: str,
        crawler_role_name: str,
        security_configuration_name: str,
        account_id: str,
        region: str,
        partition: str = "aws",
        after: Sequence[object] = (),
    ) -> None:
        """`after`: the Lake Formation data lake settings. A database created before them keeps
        IAM_ALLOWED_PRINCIPALS (and so do the tables crawled into it): Lake Formation would be bypassed."""
        # https://docs.aws.amazon.com/lake-formation/latest/dg/change-settings.html
        super().__init__(scope, id)
        self._after = list(after)
        aws.glue_data_catalog_encryption_settings.GlueDataCatalogEncryptionSettings(
            self,
            "encryption",
            data_catalog_encryption_settings={
                "encryption_at_rest": {"catalog_encryption_mode": "SSE-KMS", "sse_aws_kms_key_id": kms_key_arn},
                "connection_password_encryption": {
                    "return_connection_password_encrypted": True,
                    "aws_kms_key_id": kms_key_arn,
                },
            },
        )
        self.security_configuration = aws.glue_security_configuration.GlueSecurityConfiguration(
            self,
            "security-configuration",
            name=security_configuration_name,
            encryption_configuration={
                "cloudwatch_encryption": {"cloudwatch_encryption_mode": "SSE-KMS", "kms_key_arn": kms_key_arn},
                "job_bookmarks_encryption": {"job_bookmarks_encryption_mode": "CSE-KMS", "kms_key_arn": kms_key_arn},
                "s3_encryption": {"s3_encryption_mode": "SSE-KMS", "kms_key_arn": kms_key_arn},
            },
        )
        self.crawler_role = aws.iam_role.IamRole(
            self,
            "crawler-role",
            name=crawler_role_name,
            description="Glue crawlers of the data lake datasets",
            assume_role_policy=assume_role_trust(
                {"Service": "glue.amazonaws.com"}, {"StringEquals": {"aws:SourceAccount": account_id}}
            ),
        )
        # No AWSGlueServiceRole (glue:* on every catalog resource): the crawler's own databases and tables only.
        # https://docs.aws.amazon.com/glue/latest/dg/crawler-prereqs.html ("or a scoped down version of this policy")
        self.crawler_policy = aws.iam_role_policy.IamRolePolicy(
            self,
            "crawler-access",
            role=self.crawler_role.id,
            name="dataset-access",
            policy=self._crawler_policy(datasets, kms_key_arn, account_id, region, partition),
        )
        self.databases = {}
        self._datasets = sorted(datasets, key=lambda d: d.database_name)
        for dataset in self._datasets:
            self.databases[dataset.database_name] = aws.glue_catalog_database.GlueCatalogDatabase(
                self,
                f"database-{dataset.database_name}",
                name=dataset.database_name,
                description=dataset.description or None,
                location_uri=_location(dataset),
                depends_on=list(after) or None,
            )

    def add_crawlers(self, grants: Mapping[str, Sequence[object]]) -> None:
        """One crawler per dataset, after the Lake Formation grants it runs with (database name -> grants).
        A crawler created before them fails its first scheduled run or crawls nothing into a governed database."""
        # https://docs.aws.amazon.com/glue/latest/dg/error-crawler-config-lf.html
        for dataset in self._datasets:
            aws.glue_crawler.GlueCrawler(
                self,
                f"crawler-{dataset.database_name}",
                name=dataset.crawler_name,
                database_name=self.databases[dataset.database_name].name,
                role=self.crawler_role.arn,
                s3_target=[{"path": _location(dataset)}],
                schedule=dataset.schedule,
                security_configuration=self.security_configuration.name,
                schema_change_policy={"delete_behavior": "LOG", "update_behavior": "UPDATE_IN_DATABASE"},
                lake_formation_configuration={"use_lake_formation_credentials": False},
                depends_on=[*self._after, self.crawler_policy, *grants[dataset.database_name]],
            )

    @staticmethod
    def _crawler_policy(
        datasets: Sequence[CatalogDataset], kms_key_arn: str, account_id: str, region: str, partition: str
    ) -> str:
        buckets = sorted({d.bucket_name for d in datasets})
        objects = sorted({f"arn:{partition}:s3:::{d.bucket_name}/{d.prefix}*" for d in datasets})
        prefixes = sorted({f"{d.prefix}*" for d in datasets})
        log_groups = f"arn:{partition}:logs:{region}:{account_id}:log-group:/aws-glue/crawlers*"
        glue = f"arn:{partition}:glue:{region}:{account_id}"
        databases = sorted({d.database_name for d in datasets})
        # https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html
        catalog = [f"{glue}:catalog"]
        catalog += [arn for db in databases for arn in (f"{glue}:database/{db}", f"{glue}:table/{db}/*")]
        return document(
            statement("CrawlDatasetCatalog", CRAWLER_GLUE_ACTIONS, catalog),
            # GetSecurityConfiguration has no resource-level permissions.
            # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html
            statement("ReadSecurityConfiguration", "glue:GetSecurityConfiguration", "*"),
            statement("ReadDatasetObjects", "s3:GetObject", objects),
            statement("LocateDatasetBuckets", "s3:GetBucketLocation", [f"arn:{partition}:s3:::{b}" for b in buckets]),
            statement(
                "ListDatasetPrefixes",
                "s3:ListBucket",
                [f"arn:{partition}:s3:::{b}" for b in buckets],
                condition={"StringLike": {"s3:prefix": prefixes}},
            ),
            statement("UseLakeKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], kms_key_arn),
            statement(
                "EncryptCrawlerLogs",
                ["logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                [log_groups, f"{log_groups}:*"],
            ),
        )


class AnalyticsWorkgroup(Construct):
    """Athena workgroup that enforces its settings: KMS-encrypted results and a bytes-scanned cutoff."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        results_bucket_name: str,
        kms_key_arn: str,
        bytes_scanned_cutoff: int,
    ) -> None:
        super().__init__(scope, id)
        self.workgroup = aws.athena_workgroup.AthenaWorkgroup(
            self,
            "workgroup",
            name=name,
            description="Data lake queries; results encrypted with the lake key",
            force_destroy=False,
            configuration={
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics_enabled": True,
                "bytes_scanned_cutoff_per_query": bytes_scanned_cutoff,
                "result_configuration": {
                    "output_location": f"s3://{results_bucket_name}/results/",
                    "encryption_configuration": {"encryption_option": "SSE_KMS", "kms_key_arn": kms_key_arn},
                },
            },
        )
