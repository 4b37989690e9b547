"""Terraform Cloud OIDC provider and one run role per account workspace, all in the management stack.

Only with the cloud state backend and oidc_run_roles. A member account's deploy role
(OrganizationAccountAccessRole, AWSControlTowerExecution) trusts the management account root, so the
run roles live here: `<prefix>-tfc-run-<account>` trusts exactly that account's workspace
(organization:<org>:project:<project>:workspace:<workspace>:run_phase:*, never a wildcard workspace)
and may only assume that account's deploy role, which the stack's provider assumes next.
"""

from __future__ import annotations

from config.contracts import aws_managed_policy_arn, iam_role_arn
from config.errors import known
from config.tfc import TFC_AWS_AUDIENCE, oidc_host, run_role_name, run_roles_enabled, workspace_subject
from modules.aws import aws
from modules.policy import document, statement

from .base import AccountStack

SESSION_ACTIONS = ["sts:AssumeRole", "sts:TagSession"]


def build(stack: AccountStack, member_account_ids: dict[str, str]) -> None:
    """Add the OIDC provider and every workspace's run role to the management stack.

    member_account_ids: id expressions of the accounts this stack creates, used while they have no
    recorded id (their run role must exist before `mlops-tf lock`).
    """
    resolved = stack.resolved
    if not run_roles_enabled(resolved):
        return
    host = oidc_host(resolved)
    provider = aws.iam_openid_connect_provider.IamOpenidConnectProvider(
        stack,
        "tfc-oidc-provider",
        url=f"https://{host}",
        client_id_list=[TFC_AWS_AUDIENCE],
    )
    arns = {}
    for name in sorted(resolved.accounts):
        role = aws.iam_role.IamRole(
            stack,
            f"tfc-run-role-{name}",
            name=run_role_name(resolved, name),
            description=f"Terraform Cloud runs of workspace {resolved.workspace_name(name)}",
            assume_role_policy=_trust(provider.arn, host, workspace_subject(resolved, name)),
            max_session_duration=3600,
        )
        deploy_role = _deploy_role_arn(stack, name, member_account_ids)
        if deploy_role is not None:
            aws.iam_role_policy.IamRolePolicy(
                stack,
                f"tfc-run-role-{name}-assume-deploy",
                role=role.id,
                name="assume-deploy-role",
                policy=document(statement("AssumeDeployRole", SESSION_ACTIONS, deploy_role)),
            )
        else:
            # Organization management (accounts, OUs, SCPs, delegation) needs the management account's
            # own admin rights; the trust above admits only the management workspace.
            aws.iam_role_policy_attachment.IamRolePolicyAttachment(
                stack,
                f"tfc-run-role-{name}-administrator",
                role=role.name,
                policy_arn=aws_managed_policy_arn(resolved.partition, "AdministratorAccess"),
            )
        arns[name] = role.arn
    stack.output(
        "tfc_run_role_arns", arns, "Set each as TFC_AWS_RUN_ROLE_ARN in that account's workspace (mlops-tf tfc)"
    )


def _trust(provider_arn: str, host: str, subject: str) -> str:
    return document(
        statement(
            "TerraformCloudWorkspace",
            "sts:AssumeRoleWithWebIdentity",
            principal={"Federated": provider_arn},
            condition={"StringEquals": {f"{host}:aud": TFC_AWS_AUDIENCE}, "StringLike": {f"{host}:sub": subject}},
        )
    )


def _deploy_role_arn(stack: AccountStack, name: str, member_account_ids: dict[str, str]) -> str | None:
    """The deploy role the account's provider assumes; None for management without an explicit one."""
    resolved = stack.resolved
    account = resolved.accounts[name]
    if account.account_id is None:
        # Created by this very stack and not locked yet: the id is the new account's attribute.
        role = known(account.deploy_role_name, "a created account's deploy role")
        return iam_role_arn(resolved.partition, member_account_ids[name], role)
    return resolved.deploy_role_arn(name)
