"""Names and ARNs that cross account boundaries, computed once for both sides of every grant.

Producer and consumer stacks both call these functions; never rebuild one of these strings elsewhere.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .resolver import Resolved

INFERENCE_KINDS = ("staging", "production")
STATE_KEY_PURPOSE = "terraform-state"  # KMS purpose of the S3 state backend's key (bootstrap)
INFERENCE_DATA = "inference-data"  # bucket purpose and KMS alias purpose of the inference-data buckets
PIPELINE_ARTIFACTS = "pipeline-artifacts"  # shared-services artifacts bucket and key


def bucket_name_of(prefix: str, purpose: str, account_id: str, region: str) -> str:
    """Globally unique bucket name: prefix, purpose, account id and region (Resolved.bucket_name and validate)."""
    return f"{prefix}-{purpose}-{account_id}-{region}"


def provisioned_product_name(r: "Resolved", account: str) -> str:
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
def security_audit_role_name(r: "Resolved") -> str:
    """Read-only audit role in every account, trusted by the security account(s)."""
    return r.resource_name("security-audit")


def replication_role_name(r: "Resolved") -> str:
    """S3 replication role in each staging/production account."""
    return r.resource_name("inference-replication")


def pipeline_build_role_name(r: "Resolved") -> str:
    """CodeBuild role of the model deployment pipeline in shared-services."""
    return r.resource_name("model-deploy-build")


def pipeline_deploy_role_name(r: "Resolved") -> str:
    """Role in each staging/production account that the deployment CodeBuild assumes."""
    return r.resource_name("pipeline-deploy")


def events_forwarder_role_name(r: "Resolved") -> str:
    """Role EventBridge uses to put events on another account's bus."""
    return r.resource_name("events-forwarder")


# -- buses -----------------------------------------------------------------------------------
def registry_bus_name(r: "Resolved") -> str:
    """Bus in shared-services receiving Model Package State Change events from ml-execution."""
    return r.resource_name("model-registry-events")


def retraining_bus_name(r: "Resolved") -> str:
    """Bus in ml-execution receiving monitoring events from staging/production."""
    return r.resource_name("retraining-events")


def event_bus_arn(r: "Resolved", account: str, bus_name: str) -> str:
    acct = r.accounts[account]
    return f"arn:{r.partition}:events:{acct.region}:{r.account_id(account)}:event-bus/{bus_name}"


# -- SageMaker and ECR -----------------------------------------------------------------------
def model_package_group_name(r: "Resolved", group: str) -> str:
    return r.resource_name(group)


def model_package_group_arn(r: "Resolved", account: str, group: str) -> str:
    acct = r.accounts[account]
    return f"arn:{r.partition}:sagemaker:{acct.region}:{r.account_id(account)}:model-package-group/{model_package_group_name(r, group)}"


def model_package_arn_pattern(r: "Resolved", account: str, group: str) -> str:
    acct = r.accounts[account]
    return f"arn:{r.partition}:sagemaker:{acct.region}:{r.account_id(account)}:model-package/{model_package_group_name(r, group)}/*"


def ecr_repository_name(r: "Resolved", repo: str) -> str:
    return f"{r.prefix}/{repo}"


def ecr_repository_arn(r: "Resolved", account: str, repo: str) -> str:
    acct = r.accounts[account]
    return f"arn:{r.partition}:ecr:{acct.region}:{r.account_id(account)}:repository/{ecr_repository_name(r, repo)}"


def ecr_image_uri(r: "Resolved", account: str, repo: str, tag: str = "latest") -> str:
    acct = r.accounts[account]
    return f"{r.account_id(account)}.dkr.ecr.{acct.region}.amazonaws.com/{ecr_repository_name(r, repo)}:{tag}"


# -- inference data replication --------------------------------------------------------------
def inference_accounts(r: "Resolved") -> list[str]:
    """Accounts whose inference data is replicated back (staging and production)."""
    return [a.name for a in r.of_kind(*INFERENCE_KINDS)]


def replication_pairs(r: "Resolved") -> list[tuple[str, str]]:
    """(source, destination) pairs: every inference account to every data and ml-execution account.

    The staging/production issue may narrow this from the configuration; both sides read it here.
    """
    destinations = [a.name for a in r.of_kind("data", "ml-execution")]
    return [(src, dst) for src in inference_accounts(r) for dst in destinations]


def replication_sources(r: "Resolved", destination: str) -> list[str]:
    return [src for src, dst in replication_pairs(r) if dst == destination]


def replication_destinations(r: "Resolved", source: str) -> list[str]:
    return [dst for src, dst in replication_pairs(r) if src == source]
