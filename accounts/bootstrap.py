"""The bootstrap stack: the S3 bucket (and KMS key) that the s3 state backend keeps every account's state in.

It lives in the management account and keeps its own state in a local file: it must exist before any
stack can use the s3 backend, so it cannot keep its state there itself.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

from cdktf import LocalBackend

from config import Resolved, contracts
from modules.kms import KmsKey
from modules.secure_bucket import SecureBucket

from .base import AccountStack
from .synth_app import new_app, synth

STATE_KEY_PURPOSE = contracts.STATE_KEY_PURPOSE
BOOTSTRAP_STATE_FILE = "bootstrap.tfstate"


class BootstrapStack(AccountStack):
    """The management account's provider and tags, with a local backend whatever the landing zone uses."""

    def _backend(self, stack_dir: Path, state_dir: Path) -> None:
        LocalBackend(self, path=os.path.relpath(state_dir / BOOTSTRAP_STATE_FILE, stack_dir))


def build(stack: AccountStack) -> None:
    """Versioned, KMS-encrypted, TLS-only state bucket with every public access blocked; nothing can destroy it.

    The stack's default provider is already in the backend's region (see synthesize_bootstrap).
    """
    resolved = stack.resolved
    backend = resolved.landing_zone.s3_backend()
    key_arn = backend.kms_key_id
    if key_arn is None:
        key = KmsKey(
            stack,
            "state-key",
            alias=resolved.kms_alias(STATE_KEY_PURPOSE),
            description=f"{resolved.prefix}: Terraform state of every account",
            account_id=stack.account_id,
            partition=resolved.partition,
        )
        key.key.add_override("lifecycle.prevent_destroy", True)
        key_arn = key.arn
    # No access-log bucket: the state bucket must be the first thing that exists, and CloudTrail
    # data events (security account) are the audit trail for state reads.
    bucket = SecureBucket(
        stack,
        "state-bucket",
        bucket_name=backend.bucket,
        kms_key_arn=key_arn,
        log_bucket=None,
        partition=resolved.partition,
    )
    bucket.bucket.add_override("lifecycle.prevent_destroy", True)
    stack.output("state_bucket", bucket.bucket.bucket, "Bucket of the s3 state backend")
    stack.output(
        "state_kms_key_arn", key_arn, "Key that encrypts the state: set state_backend.kms_key_id to exactly this ARN"
    )


def synthesize_bootstrap(resolved: Resolved, stack_folder: Path, *, state_dir: Path) -> Path:
    """Write <stack_folder>/cdk.tf.json (atomically; .terraform and plans/ stay). Returns its path."""
    stack_folder = stack_folder.resolve()
    stack_folder.mkdir(parents=True, exist_ok=True)
    # The bucket lives in the backend's region: give the stack's default provider that region.
    management = dataclasses.replace(resolved.management(), region=resolved.landing_zone.s3_backend().region)
    with tempfile.TemporaryDirectory(prefix=".bootstrap.", dir=stack_folder.parent) as tmp:
        app = new_app(tmp)
        build(BootstrapStack(app, resolved, management, stack_dir=stack_folder, state_dir=state_dir.resolve()))
        synth(app)
        staged = stack_folder / ".cdk.tf.json.tmp"
        shutil.copyfile(Path(tmp) / "stacks" / management.name / "cdk.tf.json", staged)
        os.replace(staged, stack_folder / "cdk.tf.json")
    return stack_folder / "cdk.tf.json"
