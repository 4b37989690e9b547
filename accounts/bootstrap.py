"""The bootstrap stack: the S3 bucket (and KMS key) that the s3 state backend keeps every account's state in.

It lives in the management account and keeps its own state in a local file: it must exist before any
stack can use the s3 backend, so it cannot keep its state there itself.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from cdktf import App, LocalBackend, TerraformResourceLifecycle

from config import Resolved
from modules.aws import aws
from modules.policy import deny_insecure_transport, document, statement

from .base import AccountStack

STATE_KEY_PURPOSE = "terraform-state"
BOOTSTRAP_STATE_FILE = "bootstrap.tfstate"


class BootstrapStack(AccountStack):
    """The management account's provider and tags, with a local backend whatever the landing zone uses."""

    def _backend(self, stack_dir: Path, state_dir: Path) -> None:
        LocalBackend(self, path=os.path.relpath(state_dir / BOOTSTRAP_STATE_FILE, stack_dir))


def build(stack: AccountStack) -> None:
    """Versioned, KMS-encrypted, TLS-only state bucket with every public access blocked; nothing can destroy it."""
    resolved = stack.resolved
    backend = resolved.landing_zone.state_backend
    provider = stack.regional_provider(backend.region)
    keep = TerraformResourceLifecycle(prevent_destroy=True)
    bucket_arn = f"arn:{resolved.partition}:s3:::{backend.bucket}"

    key_arn = backend.kms_key_id
    if key_arn is None:
        key = aws.kms_key.KmsKey(
            stack, "state-key", provider=provider,
            description=f"{resolved.prefix}: Terraform state of every account",
            enable_key_rotation=True, deletion_window_in_days=30, lifecycle=keep,
            policy=document(statement("AccountAdministers", "kms:*", "*", principal={"AWS": resolved.root_arn(stack.name)})),
        )
        aws.kms_alias.KmsAlias(stack, "state-key-alias", provider=provider, name=resolved.kms_alias(STATE_KEY_PURPOSE), target_key_id=key.key_id)
        key_arn = key.arn
    bucket = aws.s3_bucket.S3Bucket(stack, "state-bucket", provider=provider, bucket=backend.bucket, lifecycle=keep)
    aws.s3_bucket_versioning.S3BucketVersioningA(
        stack, "state-bucket-versioning", provider=provider, bucket=bucket.id,
        versioning_configuration={"status": "Enabled"},
    )
    sse = aws.s3_bucket_server_side_encryption_configuration
    sse.S3BucketServerSideEncryptionConfigurationA(
        stack, "state-bucket-encryption", provider=provider, bucket=bucket.id,
        rule=[sse.S3BucketServerSideEncryptionConfigurationRuleA(
            apply_server_side_encryption_by_default=sse.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="aws:kms", kms_master_key_id=key_arn,
            ),
            bucket_key_enabled=True,
        )],
    )
    aws.s3_bucket_public_access_block.S3BucketPublicAccessBlock(
        stack, "state-bucket-public-access", provider=provider, bucket=bucket.id,
        block_public_acls=True, block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
    )
    aws.s3_bucket_ownership_controls.S3BucketOwnershipControls(
        stack, "state-bucket-ownership", provider=provider, bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"},
    )
    aws.s3_bucket_policy.S3BucketPolicy(
        stack, "state-bucket-policy", provider=provider, bucket=bucket.id,
        policy=document(deny_insecure_transport([bucket_arn, f"{bucket_arn}/*"])),
    )
    stack.output("state_bucket", bucket.bucket, "Bucket of the s3 state backend")
    stack.output("state_kms_key_arn", key_arn, "Key that encrypts the state: set state_backend.kms_key_id to it")


def synthesize_bootstrap(resolved: Resolved, stack_folder: Path, *, state_dir: Path) -> Path:
    """Write <stack_folder>/cdk.tf.json (atomically; .terraform and plans/ stay). Returns its path."""
    stack_folder = stack_folder.resolve()
    stack_folder.mkdir(parents=True, exist_ok=True)
    management = resolved.management()
    with tempfile.TemporaryDirectory(prefix=".bootstrap.", dir=stack_folder.parent) as tmp:
        app = App(outdir=tmp)
        build(BootstrapStack(app, resolved, management, stack_dir=stack_folder, state_dir=state_dir.resolve()))
        app.synth()
        staged = stack_folder / ".cdk.tf.json.tmp"
        shutil.copyfile(Path(tmp) / "stacks" / management.name / "cdk.tf.json", staged)
        os.replace(staged, stack_folder / "cdk.tf.json")
    return stack_folder / "cdk.tf.json"
