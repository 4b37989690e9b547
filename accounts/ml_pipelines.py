"""ML execution: Feature Store (offline store bucket, Glue database, feature groups) and SageMaker
Pipelines rendered from the shipped Jinja2 template, with their execution roles.
"""

from __future__ import annotations

from config import contracts, local_names
from config.errors import known
from config.kinds import inference as inference_names
from config.kinds import ml_execution as kind
from config.kinds.data import DATA_LAKE, lake_bucket_purpose
from config.kinds.shared_services import ecr_repository_owner
from config.schema.account import MlExecutionAccount
from modules.aws import aws
from modules.feature_store import FeatureGroup, FeatureGroupSpec
from modules.kms import KmsKey
from modules.literal import text
from modules.policy import Statement, assume_role_trust, document, statement
from modules.replication import ReplicationDestination
from modules.secure_bucket import AccessLogBucket, SecureBucket
from modules.templates import render_json

from .base import AccountStack
from .lake_links import LakeLinks

FEATURE_STORE_PURPOSE = kind.FEATURE_STORE_PURPOSE


def build(
    stack: AccountStack,
    *,
    key: KmsKey,
    artifacts: SecureBucket,
    cards: SecureBucket | None,
    logs: AccessLogBucket,
    inference_data: ReplicationDestination,
    lake: LakeLinks,
) -> dict[str, str]:
    """Feature Store and pipelines; returns pipeline name (as configured) -> pipeline ARN."""
    _feature_store(stack, key, logs)
    return _pipelines(stack, key, artifacts, cards, inference_data, lake)


def _sagemaker_role(stack: AccountStack, id: str, name: str, statements: list[Statement]):
    role = aws.iam_role.IamRole(
        stack,
        id,
        name=name,
        assume_role_policy=assume_role_trust(
            {"Service": "sagemaker.amazonaws.com"},
            {"StringEquals": {"aws:SourceAccount": stack.account_id}},
            sid="SageMakerAssumes",
        ),
    )
    policy = aws.iam_role_policy.IamRolePolicy(
        stack, f"{id}-policy", role=role.id, name="execution", policy=document(*statements)
    )
    return role, policy


def _feature_store(stack: AccountStack, key: KmsKey, logs: AccessLogBucket) -> None:
    r, acct = stack.resolved, stack.account
    store = acct.model(MlExecutionAccount).ml_execution.feature_store
    if not store.feature_groups:
        return
    arn = lambda service, res: f"arn:{r.partition}:{service}:{acct.region}:{stack.account_id}:{res}"  # noqa: E731
    bucket = database = None
    # CreateFeatureGroup creates the offline store's Glue table with the role while Terraform waits: the
    # database, the bucket and the role's policy must exist first (the names below are plain strings).
    prerequisites: list = []
    statements = [
        statement("UseKey", ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"], key.arn)
    ]
    if store.offline_store:
        bucket = SecureBucket(
            stack,
            "feature-store",
            bucket_name=r.bucket_name(acct.name, FEATURE_STORE_PURPOSE),
            kms_key_arn=key.arn,
            log_bucket=logs,
            partition=r.partition,
        )
        database = kind.feature_store_database(r)
        database_resource = aws.glue_catalog_database.GlueCatalogDatabase(
            stack, "feature-store-db", name=database, description="Feature Store offline store tables"
        )
        prerequisites += [database_resource, bucket.policy]
        statements += [
            statement("WriteOfflineStore", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], bucket.objects_arn),
            statement("OfflineStoreBucket", ["s3:GetBucketAcl", "s3:GetBucketLocation", "s3:ListBucket"], bucket.arn),
            statement(
                "OfflineStoreCatalog",
                ["glue:CreateTable", "glue:GetTable", "glue:UpdateTable", "glue:GetDatabase"],
                [arn("glue", "catalog"), arn("glue", f"database/{database}"), arn("glue", f"table/{database}/*")],
            ),
        ]
    role, role_policy = _sagemaker_role(stack, "feature-store-role", local_names.feature_store_role_name(r), statements)
    for group in sorted(store.feature_groups, key=lambda g: g.name):
        spec = FeatureGroupSpec(
            name=group.name,
            description=text(group.description),
            record_identifier=group.record_identifier,
            event_time=group.event_time,
            online_store=group.online_store,
            features=[(f.name, f.type) for f in group.features],
        )
        FeatureGroup(
            stack,
            f"feature-group-{group.name}",
            spec=spec,
            role_arn=role.arn,
            kms_key_arn=key.arn,
            offline_s3_uri=f"s3://{bucket.name}/offline" if bucket else None,
            glue_database=database,
            depends_on=[*prerequisites, role_policy],
        )


def _image(stack: AccountStack, ref) -> str:
    r = stack.resolved
    owner = known(ecr_repository_owner(r.config, ref.repository), f"the owner of repository {ref.repository!r}")
    return contracts.ecr_image_uri(r, owner, ref.repository, ref.tag)


def _pipelines(
    stack: AccountStack,
    key: KmsKey,
    artifacts: SecureBucket,
    cards: SecureBucket | None,
    inference_data: ReplicationDestination,
    lake: LakeLinks,
) -> dict[str, str]:
    r, acct = stack.resolved, stack.account
    section = acct.model(MlExecutionAccount).ml_execution
    if not section.pipelines:
        return {}
    arn = lambda service, res: f"arn:{r.partition}:{service}:{acct.region}:{stack.account_id}:{res}"  # noqa: E731
    role_name = kind.pipeline_execution_role_name(r)
    role_arn = r.role_arn(acct.name, role_name)
    repos = sorted(
        {
            (known(ecr_repository_owner(r.config, ref.repository), "the repository's owner"), ref.repository)
            for p in section.pipelines
            for ref in (p.processing_image, p.training_image, kind.registered_image(p))
        }
    )
    inputs = sorted(
        {
            (p.input_data.account, lake_bucket_purpose(p.input_data.bucket), p.input_data.prefix)
            for p in section.pipelines
        }
    )
    statements = [
        statement(
            "RunPipelineJobs",
            [
                "sagemaker:AddTags",
                "sagemaker:CreateProcessingJob",
                "sagemaker:CreateTrainingJob",
                "sagemaker:DescribeProcessingJob",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:StopProcessingJob",
                "sagemaker:StopTrainingJob",
            ],
            [arn("sagemaker", "processing-job/*"), arn("sagemaker", "training-job/*")],
        ),
        statement(
            "RegisterModels",
            [
                "sagemaker:CreateModelPackage",
                "sagemaker:DescribeModelPackage",
                "sagemaker:DescribeModelPackageGroup",
                "sagemaker:ListModelPackages",
                "sagemaker:UpdateModelPackage",
            ],
            sorted(
                [contracts.model_package_group_arn(r, acct.name, g.name) for g in section.model_package_groups]
                + [contracts.model_package_arn_pattern(r, acct.name, g.name) for g in section.model_package_groups]
            ),
        ),
        statement(
            "PassSelf",
            "iam:PassRole",
            role_arn,
            condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
        statement("Artifacts", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], artifacts.objects_arn),
        statement("ArtifactsBucket", ["s3:GetBucketLocation", "s3:ListBucket"], artifacts.arn),
        statement(
            "UseKey",
            ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"],
            key.arn,
        ),
        statement("ReadInputData", "s3:GetObject", [f"{r.bucket_arn(a, b)}/{p}*" for a, b, p in inputs]),
        statement("ListInputData", "s3:ListBucket", sorted({r.bucket_arn(a, b) for a, b, _ in inputs})),
        # Data account keys have no known ids before apply: the lake key is named by its alias.
        statement(
            "DecryptInputData",
            "kms:Decrypt",
            sorted({r.kms_key_arn_pattern(a) for a, _, _ in inputs}),
            condition={"ForAnyValue:StringEquals": {"kms:ResourceAliases": r.kms_alias(DATA_LAKE)}},
        ),
        # Data quality baselines go where the inference accounts' Model Monitor reads them, under that bucket's key.
        statement(
            "WriteBaselines",
            "s3:PutObject",
            sorted(
                {
                    contracts.s3_uri_arn(
                        r.partition, inference_names.baseline_s3_uri(r, acct.name, p.model_package_group)
                    )
                    + "/*"
                    for p in section.pipelines
                }
            ),
        ),
        statement(
            "EncryptBaselines", ["kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"], inference_data.key.arn
        ),
        statement("EcrToken", "ecr:GetAuthorizationToken", "*"),
        statement(
            "PullImages",
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            [contracts.ecr_repository_arn(r, owner, repo) for owner, repo in repos]
            + [inference_names.model_monitor_repository_arn(r, acct.region)],
        ),
        statement(
            "Logs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            arn("logs", "log-group:/aws/sagemaker/*"),
        ),
        statement(
            "Metrics",
            "cloudwatch:PutMetricData",
            "*",
            condition={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        ),
    ]
    if cards is not None:
        statements += [
            statement(
                "ModelCards",
                [
                    "sagemaker:CreateModelCard",
                    "sagemaker:CreateModelCardExportJob",
                    "sagemaker:DescribeModelCard",
                    "sagemaker:DescribeModelCardExportJob",
                    "sagemaker:UpdateModelCard",
                ],
                arn("sagemaker", "model-card/*"),
            ),
            statement("ExportModelCards", ["s3:PutObject"], cards.objects_arn),
        ]
    statements += lake.reader_statements()  # the Lake Formation shares of data accounts, through the resource links
    role, _ = _sagemaker_role(stack, "pipeline-role", role_name, statements)
    lake.grant("pipeline", role)
    out: dict[str, str] = {}
    for p in sorted(section.pipelines, key=lambda x: x.name):
        name = kind.pipeline_name(r, p.name)
        definition = render_json(
            "sagemaker_pipeline.json.j2",
            input_data_url=(
                f"s3://{r.bucket_name(p.input_data.account, lake_bucket_purpose(p.input_data.bucket))}"
                f"/{p.input_data.prefix}"
            ),
            artifacts_url=f"s3://{artifacts.name}/pipelines/{p.name}",
            kms_key_arn=key.arn,
            role_arn=role.arn,
            processing_image=_image(stack, p.processing_image),
            training_image=_image(stack, p.training_image),
            inference_image=_image(stack, kind.registered_image(p)),
            monitor_image=inference_names.model_monitor_image(acct.region),
            processing_instance_type=p.processing_instance_type,
            training_instance_type=p.training_instance_type,
            training_instance_count=p.training_instance_count,
            volume_size_gb=p.volume_size_gb,
            max_runtime_seconds=p.max_runtime_seconds,
            min_accuracy=p.min_accuracy,
            model_package_group=contracts.model_package_group_name(r, p.model_package_group),
            baseline_url=inference_names.baseline_s3_uri(r, acct.name, p.model_package_group),
            baseline_kms_key_arn=inference_data.key.arn,
        )
        aws.sagemaker_pipeline.SagemakerPipeline(
            stack,
            f"pipeline-{p.name}",
            pipeline_name=name,
            pipeline_display_name=name,
            pipeline_description=f"{p.name}: processing, training, evaluation, register model",
            role_arn=role.arn,
            pipeline_definition=definition,
        )
        out[p.name] = arn("sagemaker", f"pipeline/{name}")
    return out
