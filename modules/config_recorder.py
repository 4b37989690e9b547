"""AWS Config: the recorder and delivery channel of one account in one region, the central archive
(bucket and key) they deliver to, and the organization aggregator."""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from .aws import aws
from .kms import KmsKey
from .policy import Statement, assume_role_trust, statement
from .secure_bucket import AccessLogBucket, LifecycleRule, SecureBucket

CONFIG = "config.amazonaws.com"
RECORDER_NAME = "default"  # one recorder and one channel per account and region; AWS names them "default"


class ConfigRecorder(Construct):
    """Recorder, delivery channel and recorder status in the region of `provider`.

    Global resource types (IAM) are recorded only where include_global is set (the account's own
    region), so they are not recorded once per region.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        provider,
        role_arn: str,
        bucket_name: str,
        include_global: bool,
        delivery_frequency: str,
        depends_on: Sequence | None = None,
        existing: tuple[str, str] | None = None,
    ) -> None:
        """`existing`: (recorder, delivery channel) names the account has in this region already, adopted by import:
        AWS allows one recorder and one channel per account and region, so creating ours next to them fails.
        # https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationRecorder.html"""
        super().__init__(scope, id)
        recorder_name, channel_name = existing or (RECORDER_NAME, "")  # a new channel takes its recorder's name
        self.recorder = aws.config_configuration_recorder.ConfigConfigurationRecorder(
            self,
            "recorder",
            provider=provider,
            name=recorder_name,
            role_arn=role_arn,
            recording_group={"all_supported": True, "include_global_resource_types": include_global},
            depends_on=list(depends_on) if depends_on else None,
        )
        # https://docs.aws.amazon.com/config/latest/developerguide/manage-delivery-channel.html (a recorder must exist
        # first)
        self.channel = aws.config_delivery_channel.ConfigDeliveryChannel(
            self,
            "channel",
            provider=provider,
            name=self.recorder.name if existing is None else channel_name,
            s3_bucket_name=bucket_name,
            snapshot_delivery_properties={"delivery_frequency": delivery_frequency},
            depends_on=[self.recorder],
        )
        # Recording starts only once a delivery channel exists.
        self.status = aws.config_configuration_recorder_status.ConfigConfigurationRecorderStatus(
            self,
            "status",
            provider=provider,
            name=self.recorder.name,
            is_enabled=True,
            depends_on=[self.channel],
        )
        if existing is not None:
            # Import ids are the names (recorder status: its recorder's):
            # https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/config_configuration_recorder#import
            self.recorder.import_from(recorder_name, provider)
            self.channel.import_from(channel_name, provider)
            self.status.import_from(recorder_name, provider)


def config_bucket_statements(*, bucket_arn: str, account_ids: Sequence[str]) -> list[Statement]:
    """Bucket policy for Config's service principal, limited to the landing zone's accounts.
    # https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html"""
    source = {"StringEquals": {"aws:SourceAccount": sorted(account_ids)}}
    return [
        statement(
            "AWSConfigBucketPermissionsCheck",
            "s3:GetBucketAcl",
            bucket_arn,
            principal={"Service": CONFIG},
            condition=source,
        ),
        statement(
            "AWSConfigBucketExistenceCheck",
            "s3:ListBucket",
            bucket_arn,
            principal={"Service": CONFIG},
            condition=source,
        ),
        statement(
            "AWSConfigBucketDelivery",
            "s3:PutObject",
            [f"{bucket_arn}/AWSLogs/{a}/Config/*" for a in sorted(account_ids)],
            principal={"Service": CONFIG},
            condition={
                "StringEquals": {"aws:SourceAccount": sorted(account_ids), "s3:x-amz-acl": "bucket-owner-full-control"}
            },
        ),
    ]


def config_key_statements(account_ids: Sequence[str]) -> list[Statement]:
    """Config encrypts with the bucket's default key on behalf of the landing zone's accounts only.
    # https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html"""
    return [
        statement(
            "AWSConfigUsesKey",
            ["kms:Decrypt", "kms:GenerateDataKey"],
            "*",
            principal={"Service": CONFIG},
            condition={"StringEquals": {"aws:SourceAccount": sorted(account_ids)}},
        )
    ]


class ConfigArchive(Construct):
    """The central Config bucket (SecureBucket) and its KMS key, written by Config for the given accounts."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_name: str,
        kms_alias: str,
        account_id: str,
        account_ids: Sequence[str],
        log_bucket: AccessLogBucket | None,
        retention_days: int,
        partition: str = "aws",
    ) -> None:
        super().__init__(scope, id)
        self.key = KmsKey(
            self,
            "key",
            alias=kms_alias,
            description="AWS Config history and snapshots of every account",
            account_id=account_id,
            partition=partition,
            statements=config_key_statements(account_ids),
        )
        self.bucket = SecureBucket(
            self,
            "bucket",
            bucket_name=bucket_name,
            kms_key_arn=self.key.arn,
            log_bucket=log_bucket,
            partition=partition,
            lifecycle_rules=[
                LifecycleRule(
                    id="retain-config-history",
                    transition_days=90,
                    storage_class="GLACIER",
                    expiration_days=retention_days,
                    noncurrent_expiration_days=30,
                )
            ],
            statements=config_bucket_statements(
                bucket_arn=f"arn:{partition}:s3:::{bucket_name}", account_ids=account_ids
            ),
            # Delivery channels send no encryption headers (their KMS key would have to be known in every account);
            # the bucket's default SSE-KMS with this key encrypts what Config writes.
            # https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html
            default_encryption_writer="config.amazonaws.com",
        )


class ConfigOrganizationAggregator(Construct):
    """Organization aggregator in the Config delegated administrator, over the given regions.
    # https://docs.aws.amazon.com/config/latest/developerguide/aggregated-register-delegated-administrator.html"""

    def __init__(
        self, scope: Construct, id: str, *, name: str, account_id: str, regions: Sequence[str], partition: str = "aws"
    ) -> None:
        super().__init__(scope, id)
        role = aws.iam_role.IamRole(
            self,
            "role",
            name=name,
            description="AWS Config reads the organization for the aggregator",
            assume_role_policy=assume_role_trust(
                {"Service": CONFIG}, {"StringEquals": {"aws:SourceAccount": account_id}}
            ),
        )
        aws.iam_role_policy_attachment.IamRolePolicyAttachment(
            self,
            "policy",
            role=role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/service-role/AWSConfigRoleForOrganizations",
        )
        self.aggregator = aws.config_configuration_aggregator.ConfigConfigurationAggregator(
            self,
            "aggregator",
            name=name,
            organization_aggregation_source={"role_arn": role.arn, "regions": sorted(regions), "all_regions": False},
        )
