"""Names and ARNs that cross account boundaries, computed once for both sides of every grant.

Producer and consumer stacks both call these functions; never rebuild one of these strings elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .schema.account import INFERENCE_ACCOUNTS

if TYPE_CHECKING:
    from .model import Resolved

INFERENCE_KINDS: Final = ("staging", "production")
STATE_KEY_PURPOSE = "terraform-state"  # KMS purpose of the S3 state backend's key (bootstrap)
INFERENCE_DATA = "inference-data"  # bucket purpose and KMS alias purpose of the inference-data buckets
PIPELINE_ARTIFACTS = "pipeline-artifacts"  # shared-services artifacts bucket and key


def bucket_name_of(prefix: str, purpose: str, account_id: str, region: str) -> str:
    """Globally unique bucket name: prefix, purpose, account id and region (Resolved.bucket_name and validate)."""
    return f"{prefix}-{purpose}-{account_id}-{region}"


def root_arn_of(partition: str, account_id: str) -> str:
    """The account root principal (Resolved.root_arn, and stacks granting to ids not recorded yet)."""
    return f"arn:{partition}:iam::{account_id}:root"


def iam_role_arn(partition: str, account_id: str, role_name: str, path: str = "/") -> str:
    """ARN of a role (Resolved.role_arn, and stacks granting to ids not recorded yet)."""
    return f"arn:{partition}:iam::{account_id}:role{path}{role_name}"


def s3_bucket_arn(partition: str, bucket: str) -> str:
    """ARN of a bucket by name (Resolved.bucket_arn, the state bucket)."""
    return f"arn:{partition}:s3:::{bucket}"


def s3_uri_arn(partition: str, s3_uri: str) -> str:
    """s3://bucket/key -> arn:<partition>:s3:::bucket/key (baselines that one account writes and another reads)."""
    return s3_bucket_arn(partition, s3_uri.removeprefix("s3://"))


def aws_managed_policy_arn(partition: str, name: str) -> str:
    """An AWS managed policy, e.g. ReadOnlyAccess or service-role/AmazonAPIGatewayPushToCloudWatchLogs."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def iam_policy_arn(partition: str, account_id: str, policy_name: str, path: str = "/") -> str:
    """ARN of a customer-managed policy (or a pattern of them, with *)."""
    return f"arn:{partition}:iam::{account_id}:policy{path}{policy_name}"


def kms_alias_of(prefix: str, purpose: str) -> str:
    """Alias of the customer-managed key for a purpose, the same in every account (Resolved.kms_alias and validate)."""
    return f"alias/{prefix}/{purpose}"


# Identity Center creates one role per permission set in each assigned account, under this path, named
# AWSReservedSSO_<permission set>_<hex>.
# https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
SSO_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"


def sso_role_name_regex(persona: str) -> str:
    """Name of the role Identity Center provisions for a persona's permission set ([a-z0-9-]) in an account."""
    return f"^AWSReservedSSO_{persona}_[0-9a-f]+$"


def sso_role_arn_pattern(partition: str, account_id: str, persona: str) -> str:
    """ArnLike pattern of that role (its suffix is known only after Identity Center provisions it)."""
    return f"arn:{partition}:iam::{account_id}:role{SSO_ROLE_PATH}*AWSReservedSSO_{persona}_*"


def provisioned_product_name(r: Resolved, account: str) -> str:
    """Service Catalog provisioned product through which Account Factory creates an account (control_tower)."""
    return f"{r.prefix}-{account}"


def partition_of(region: str) -> str:
    """The AWS partition of a region: what ARNs start with (arn:aws:, arn:aws-us-gov:, arn:aws-cn:)."""
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"


# -- roles ------------------------------------------------------------------------------------
def security_audit_role_name(r: Resolved) -> str:
    """Read-only audit role in every account, trusted by the security account(s)."""
    return r.resource_name("security-audit")


def replication_role_name(r: Resolved) -> str:
    """S3 replication role in each staging/production account."""
    return r.resource_name("inference-replication")


def pipeline_build_role_name(r: Resolved) -> str:
    """CodeBuild role of the model deployment pipeline in shared-services."""
    return r.resource_name("model-deploy-build")


def pipeline_deploy_role_name(r: Resolved) -> str:
    """Role in each staging/production account that the deployment CodeBuild assumes."""
    return r.resource_name("pipeline-deploy")


def inference_execution_role_name(r: Resolved) -> str:
    """SageMaker execution role of the models in each staging/production account: ml-execution grants it reads
    of model packages and baselines, shared services pulls of the serving images."""
    return r.resource_name("inference-execution")


def pipeline_state_role_name(r: Resolved) -> str:
    """Role in the management account through which the deployment CodeBuild reads and writes s3 state."""
    return r.resource_name("pipeline-state")


def terraform_cloud_token_secret_name(r: Resolved) -> str:
    """Secrets Manager secret (shared services) holding the Terraform Cloud team token the pipeline runs with."""
    return f"{r.prefix}/terraform-cloud-token"


def events_forwarder_role_name(r: Resolved) -> str:
    """Role EventBridge uses to put events on another account's bus."""
    return r.resource_name("events-forwarder")


# -- buses -----------------------------------------------------------------------------------
def registry_bus_name(r: Resolved) -> str:
    """Bus in shared-services receiving Model Package State Change events from ml-execution."""
    return r.resource_name("model-registry-events")


def retraining_bus_name(r: Resolved) -> str:
    """Bus in ml-execution receiving monitoring events from staging/production."""
    return r.resource_name("retraining-events")


def event_bus_arn(r: Resolved, account: str, bus_name: str) -> str:
    acct = r.accounts[account]
    return f"arn:{r.partition}:events:{acct.region}:{r.account_id(account)}:event-bus/{bus_name}"


# -- SageMaker and ECR -----------------------------------------------------------------------
def model_package_group_name(r: Resolved, group: str) -> str:
    return r.resource_name(group)


def model_package_group_arn(r: Resolved, account: str, group: str) -> str:
    acct = r.accounts[account]
    return (
        f"arn:{r.partition}:sagemaker:{acct.region}:{r.account_id(account)}"
        f":model-package-group/{model_package_group_name(r, group)}"
    )


def model_package_arn_pattern(r: Resolved, account: str, group: str) -> str:
    acct = r.accounts[account]
    return (
        f"arn:{r.partition}:sagemaker:{acct.region}:{r.account_id(account)}"
        f":model-package/{model_package_group_name(r, group)}/*"
    )


# -- which model each endpoint serves (written by the deployment path, read by the platform) ------
SERVING_PARAMETER_LEAF = "model-package-arn"


def serving_parameter_path(r: Resolved, endpoint: str) -> str:
    """SSM hierarchy holding the served model package of every variant of one endpoint (no trailing slash)."""
    return f"/{r.prefix}/serving/{endpoint}"


def serving_parameter_name(r: Resolved, endpoint: str, variant: str) -> str:
    """SSM String parameter of one endpoint variant: the model package ARN the deployment pipeline deployed."""
    return f"{serving_parameter_path(r, endpoint)}/{variant}/{SERVING_PARAMETER_LEAF}"


def serving_parameter_arn(r: Resolved, account: str, endpoint: str, variant: str) -> str:
    """ARN of a serving parameter; a hierarchical name's leading slash is not repeated after 'parameter'."""
    # https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html
    acct = r.accounts[account]
    return (
        f"arn:{r.partition}:ssm:{acct.region}:{r.account_id(account)}"
        f":parameter{serving_parameter_name(r, endpoint, variant)}"
    )


def ecr_repository_name(r: Resolved, repo: str) -> str:
    return f"{r.prefix}/{repo}"


def ecr_repository_arn(r: Resolved, account: str, repo: str) -> str:
    acct = r.accounts[account]
    return f"arn:{r.partition}:ecr:{acct.region}:{r.account_id(account)}:repository/{ecr_repository_name(r, repo)}"


def ecr_image_uri(r: Resolved, account: str, repo: str, tag: str = "latest") -> str:
    acct = r.accounts[account]
    return f"{r.account_id(account)}.dkr.ecr.{acct.region}.amazonaws.com/{ecr_repository_name(r, repo)}:{tag}"


# -- inference data replication --------------------------------------------------------------
def inference_accounts(r: Resolved) -> list[str]:
    """Accounts whose inference data is replicated back (staging and production)."""
    return [a.name for a in r.of_kind(*INFERENCE_KINDS)]


def replication_pairs(r: Resolved) -> list[tuple[str, str]]:
    """(source, destination) pairs: each inference account to its `inference.replication.destinations`
    (default: every data and ml-execution account; [] = none). Both sides of every grant read it here."""
    every = [a.name for a in r.of_kind("data", "ml-execution")]
    pairs = []
    for src in inference_accounts(r):
        chosen = r.accounts[src].model(INFERENCE_ACCOUNTS).inference.replication.destinations
        pairs += [(src, dst) for dst in (every if chosen is None else sorted(chosen))]
    return pairs


def replication_sources(r: Resolved, destination: str) -> list[str]:
    return [src for src, dst in replication_pairs(r) if dst == destination]


def replication_destinations(r: Resolved, source: str) -> list[str]:
    return [dst for src, dst in replication_pairs(r) if src == source]
