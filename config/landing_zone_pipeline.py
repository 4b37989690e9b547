"""Names and ARNs of the landing-zone pipeline (management account, s3 backend), computed once for stack and tests.

Every role ARN the pipeline may assume and every state object it may touch is derived here from the
same values the stacks use (deploy roles, state keys), so the pipeline's policies match the stacks'.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .contracts import iam_role_arn, s3_bucket_arn
from .errors import known

if TYPE_CHECKING:
    from .errors import Diagnostic
    from .model import Config, Resolved

STATE_KEY_PURPOSE = "terraform-state"  # alias/<prefix>/terraform-state, the key `mlops-tf bootstrap` creates
KEY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^mrk-[0-9a-f]{32}$")


ARTIFACTS_PURPOSE = "lz-pipeline"  # bucket and KMS purpose of the pipeline's artifacts (saved plans)
LOGS_PURPOSE = "lz-pipeline-logs"


def enabled(r: Resolved) -> bool:
    return r.landing_zone.landing_zone_pipeline is not None and r.landing_zone.state_backend.type == "s3"


def pipeline_name(r: Resolved) -> str:
    return r.resource_name(known(r.landing_zone.landing_zone_pipeline, "landing_zone_pipeline").name)


def config_path(r: Resolved) -> str:
    """Folder of the configuration in the landing-zone repository: config_path, else the folder mlops-tf loaded."""
    pipeline = known(r.landing_zone.landing_zone_pipeline, "landing_zone_pipeline")
    return pipeline.config_path or folder_in_repository(r)


def folder_in_repository(r: Resolved) -> str:
    """The folder mlops-tf loaded, relative to its git repository (the one pipelines check out), else to
    the working directory, else its own name."""
    root = Path(r.config.root).resolve()
    for parent in (root, *root.parents):
        if (parent / ".git").exists():
            return Path(os.path.relpath(root, parent)).as_posix()
    try:
        return root.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return root.name


def state_bucket_arn(r: Resolved) -> str:
    return s3_bucket_arn(r.partition, r.landing_zone.s3_backend().bucket)


def state_object_arns(r: Resolved) -> tuple[list[str], list[str]]:
    """(state objects, lock files) of every account.

    https://developer.hashicorp.com/terraform/language/backend/s3#permissions-required: the state key
    (Get/Put) and, with use_lockfile, <key>.tflock (Get/Put/Delete).
    """
    bucket = state_bucket_arn(r)
    states = [f"{bucket}/{r.state_key(name)}" for name in r.order]
    return states, [f"{s}.tflock" for s in states]


def state_key(r: Resolved) -> tuple[str, dict | None]:
    """(KMS key ARN, condition) of the state key: the configured key, else the bootstrap key found by its alias."""
    backend = r.landing_zone.s3_backend()
    management = r.landing_zone.management_account_id
    key = backend.kms_key_id
    if key is not None and key.startswith("arn:"):
        return key, None
    if key is not None and KEY_ID.match(key):
        return f"arn:{r.partition}:kms:{backend.region}:{management}:key/{key}", None
    # https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
    condition = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": r.kms_alias(STATE_KEY_PURPOSE)}}
    return f"arn:{r.partition}:kms:{backend.region}:{management}:key/*", condition


def member_deploy_role_arns(r: Resolved, created_ids: dict[str, str]) -> list[str]:
    """Deploy roles of every member account (and of management when it names one).

    created_ids: id expressions of accounts the management stack creates and `mlops-tf lock` has not recorded yet.
    """
    arns = []
    for name in r.order:
        account = r.accounts[name]
        if account.deploy_role_name is None:
            continue  # management without a deploy role: the pipeline's own role acts there
        account_id = account.account_id if account.account_id is not None else created_ids[name]
        arns.append(iam_role_arn(r.partition, account_id, account.deploy_role_name))
    return arns


def backend_is_s3(config: Config) -> Iterator[Diagnostic]:
    """The pipeline shares state and saved plans through the s3 backend; Terraform Cloud runs its own workspaces."""
    lz = config.landing_zone
    if lz.landing_zone_pipeline is not None and lz.state_backend.type != "s3":
        yield config.error(
            None,
            ("landing_zone_pipeline",),
            (
                f"needs state_backend.type: s3 (got {lz.state_backend.type!r}): with the cloud backend "
                "Terraform Cloud runs "
                "the stacks (mlops-tf tfc), and a local state cannot be shared by a pipeline"
            ),
            key=True,
        )


CHECKS = [backend_is_s3]
