"""Terraform Cloud OIDC provider and run role in every account (only with the cloud backend).

The run role trusts exactly one subject, this account's own workspace
(organization:<org>:project:<project>:workspace:<workspace>:run_phase:*), never a wildcard workspace.
It may only assume the account's deploy role, which the stack's provider assumes next: the run role
is the door, the deploy role keeps the permissions.
"""
from __future__ import annotations

from config.tfc import TFC_AWS_AUDIENCE, oidc_host, run_role_name, run_roles_enabled, workspace_subject
from modules.aws import aws
from modules.policy import document, statement

from .base import AccountStack


def build(stack: AccountStack) -> None:
    """Add the OIDC provider and the workspace's run role when the state backend is Terraform Cloud."""
    resolved = stack.resolved
    if not run_roles_enabled(resolved):
        return
    host = oidc_host(resolved)
    provider = aws.iam_openid_connect_provider.IamOpenidConnectProvider(
        stack, "tfc-oidc-provider", url=f"https://{host}", client_id_list=[TFC_AWS_AUDIENCE],
    )
    trust = document(
        statement(
            "TerraformCloudWorkspace",
            "sts:AssumeRoleWithWebIdentity",
            principal={"Federated": provider.arn},
            condition={
                "StringEquals": {f"{host}:aud": TFC_AWS_AUDIENCE},
                "StringLike": {f"{host}:sub": workspace_subject(resolved, stack.name)},
            },
        )
    )
    role = aws.iam_role.IamRole(
        stack,
        "tfc-run-role",
        name=run_role_name(resolved),
        description=f"Terraform Cloud runs of workspace {resolved.workspace_name(stack.name)}",
        assume_role_policy=trust,
        max_session_duration=3600,
    )
    aws.iam_role_policy.IamRolePolicy(
        stack,
        "tfc-run-role-assume-deploy",
        role=role.id,
        name="assume-deploy-role",
        policy=document(
            statement("AssumeDeployRole", ["sts:AssumeRole", "sts:TagSession"], resolved.deploy_role_arn(stack.name))
        ),
    )
    stack.output("tfc_run_role_arn", role.arn, "Set as TFC_AWS_RUN_ROLE_ARN in this account's workspace (mlops-tf tfc)")
