"""The trusting side of the model deployment pipeline, for staging and production stacks.

The inference stack (accounts/inference.py) calls `build(stack)`: when a shared-services pipeline
targets the account, it gets the deploy role (contracts.pipeline_deploy_role_name) trusted by the
pipeline's CodeBuild role (contracts.pipeline_build_role_name), both from
config.kinds.shared_services.pipeline_deploy_trust.
"""

from __future__ import annotations

from config import contracts
from config.kinds.shared_services import deployment_parameter_arns, pipeline_deploy_trust
from modules.cross_account_role import CrossAccountRole
from modules.policy import document, statement

from .base import AccountStack


def deploy_role_policy(stack: AccountStack) -> str:
    """IAM the deploy role needs beyond PowerUserAccess: only roles and policies of this landing zone.

    Terraform applies the whole account stack (endpoints, API, Lambda, monitoring, audit roles), so the
    role gets PowerUserAccess for the services and IAM limited to names carrying the landing-zone prefix.
    """
    r = stack.resolved
    parameters = deployment_parameter_arns(r, stack.account.name)
    serving = []
    if parameters:
        # The pipeline alone writes which package each endpoint variant serves; the stack only reads it.
        # https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html
        serving.append(statement("WriteServedModelPackages", ["ssm:GetParameter", "ssm:PutParameter"], parameters))
    return document(
        *serving,
        statement(
            "ManageLandingZoneRoles",
            [
                "iam:AttachRolePolicy",
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRolePolicies",
                "iam:PassRole",
                "iam:PutRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
            ],
            [
                contracts.iam_role_arn(r.partition, stack.account_id, f"{r.prefix}-*"),
                contracts.iam_policy_arn(r.partition, stack.account_id, f"{r.prefix}-*"),
            ],
        ),
        # The stack's account baseline refreshes AWS Config's service-linked role, outside the prefix;
        # PowerUserAccess grants no iam:GetRole: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/PowerUserAccess.html
        statement(
            "ReadServiceLinkedRoles",
            "iam:GetRole",
            contracts.iam_role_arn(r.partition, stack.account_id, "*", "/aws-service-role/"),
        ),
        statement(
            "ManageLandingZonePolicies",
            [
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:ListPolicyVersions",
                "iam:TagPolicy",
            ],
            contracts.iam_policy_arn(r.partition, stack.account_id, f"{r.prefix}-*"),
        ),
    )


def build(stack: AccountStack) -> None:
    """Add the pipeline deploy role when a shared-services pipeline deploys into this account."""
    r = stack.resolved
    trust = pipeline_deploy_trust(r, stack.account.name)
    if trust is None:
        return
    principal, condition = trust
    CrossAccountRole(
        stack,
        "pipeline-deploy-role",
        role_name=contracts.pipeline_deploy_role_name(r),
        description="Assumed by the model deployment pipeline's CodeBuild role in shared services",
        trusted=principal,
        trust_condition=condition,
        managed_policy_arns=[contracts.aws_managed_policy_arn(r.partition, "PowerUserAccess")],
        inline_policies={"landing-zone-iam": deploy_role_policy(stack)},
    )
