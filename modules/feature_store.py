"""Feature Store: feature groups with an encrypted offline store (S3 + Glue catalog) and online store."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from .aws import aws


@dataclass(frozen=True, kw_only=True)
class FeatureGroupSpec:
    name: str
    description: str
    record_identifier: str
    event_time: str
    online_store: bool
    features: list[tuple[str, str]]  # (name, Integral|Fractional|String)


class FeatureGroup(Construct):
    """One feature group; the offline store writes to `offline_s3_uri` and registers a Glue table."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: FeatureGroupSpec,
        role_arn: str,
        kms_key_arn: str,
        offline_s3_uri: str | None,
        glue_database: str | None,
        depends_on: list | None = None,
    ) -> None:
        super().__init__(scope, id)
        args: dict = {}
        if spec.online_store:
            args["online_store_config"] = {"enable_online_store": True, "security_config": {"kms_key_id": kms_key_arn}}
        if offline_s3_uri is not None:
            args["offline_store_config"] = {
                "s3_storage_config": {"s3_uri": offline_s3_uri, "kms_key_id": kms_key_arn},
                "data_catalog_config": {
                    "catalog": "AwsDataCatalog",
                    "database": glue_database,
                    "table_name": spec.name.replace("-", "_"),
                },
                "disable_glue_table_creation": False,
                "table_format": "Iceberg",
            }
        self.group = aws.sagemaker_feature_group.SagemakerFeatureGroup(
            self,
            "group",
            feature_group_name=spec.name,
            description=spec.description or None,
            record_identifier_feature_name=spec.record_identifier,
            event_time_feature_name=spec.event_time,
            role_arn=role_arn,
            feature_definition=[
                aws.sagemaker_feature_group.SagemakerFeatureGroupFeatureDefinition(feature_name=n, feature_type=t)
                for n, t in spec.features
            ],
            depends_on=depends_on or None,
            **args,
        )
