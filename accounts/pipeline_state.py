"""The management account's side of the deployment pipeline's s3 state access.

The state bucket and its key live in the management account (accounts/bootstrap.py). The pipeline's
CodeBuild role in shared services assumes `contracts.pipeline_state_role_name` here, whose identity
policy (same account as bucket and key, so no bucket or key policy change) reaches exactly the state
objects and lock files of the pipeline's target accounts. The s3 backend's `assume_role` in the
buildspec's override names this role; both sides use config.kinds.shared_services.pipeline_state_access.
"""

from __future__ import annotations

from config import contracts
from config.kinds.shared_services import pipeline_state_access
from modules.cross_account_role import CrossAccountRole
from modules.policy import document, statement

from .base import AccountStack


def build(stack: AccountStack, member_account_ids: dict[str, str]) -> None:
    """Add the pipeline's state role when the backend is s3 and a shared-services pipeline exists.

    member_account_ids: id expressions of the accounts this stack creates, used for a shared-services
    account that has no recorded id yet (a fresh landing zone: the role is created in the same apply).
    """
    r = stack.resolved
    access = pipeline_state_access(r)
    if access is None or not access.keys:
        return
    bucket_arn = contracts.s3_bucket_arn(r.partition, access.bucket)
    states = sorted(f"{bucket_arn}/{key}" for key in access.keys.values())
    # Terraform's s3 backend: ListBucket on the bucket, Get/Put on the state key, Get/Put/Delete on <key>.tflock.
    # https://developer.hashicorp.com/terraform/language/backend/s3#permissions-required
    kms_condition = (
        None if access.kms_alias is None else {"ForAnyValue:StringEquals": {"kms:ResourceAliases": access.kms_alias}}
    )
    policy = document(
        statement("ListStateBucket", "s3:ListBucket", bucket_arn),
        statement("ReadWriteTargetStates", ["s3:GetObject", "s3:PutObject"], states),
        statement(
            "S3NativeStateLocks", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], [f"{s}.tflock" for s in states]
        ),
        statement(
            "UseStateKey",
            ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            access.kms_key_arn,
            condition=kms_condition,
        ),
    )
    # The shared-services roots, narrowed to their build roles (the DESIGN's cross-account rule).
    ids = sorted(
        member_account_ids[ss.name] if ss.account_id is None else r.account_id(ss.name)
        for ss in r.of_kind("shared-services")
    )
    roots = [contracts.root_arn_of(r.partition, i) for i in ids]
    builds = [contracts.iam_role_arn(r.partition, i, contracts.pipeline_build_role_name(r)) for i in ids]
    principal = {"AWS": roots if len(roots) > 1 else roots[0]}
    condition = {"ArnEquals": {"aws:PrincipalArn": builds if len(builds) > 1 else builds[0]}}
    role = CrossAccountRole(
        stack,
        "pipeline-state-role",
        role_name=contracts.pipeline_state_role_name(r),
        description="The model deployment pipeline reads and writes the Terraform state of its target accounts",
        trusted=principal,
        trust_condition=condition,
        inline_policies={"terraform-state": policy},
    )
    stack.output(
        "pipeline_state_role_arn", role.arn, "Role the deployment pipeline assumes for the s3 state of its targets"
    )
