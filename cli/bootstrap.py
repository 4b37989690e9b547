"""mlops-tf bootstrap: the state bucket of the s3 backend, in the management account, with a local state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from config import UsageError
from config.errors import config_option

from .apply import AutoApproveOption
from .common import (
    DEFAULT_CONFIG,
    DEFAULT_STATE_DIR,
    ConfigOption,
    JsonOption,
    handle_errors,
    load_resolved,
    print_json,
)
from .plan import plan_then_apply
from .synth import StateDirOption
from .terraform import Terraform, TerraformBinOption, find_terraform

DEFAULT_BOOTSTRAP_DIR = Path("cdktf.bootstrap")
BootstrapDirOption = Annotated[
    Path, typer.Option("--dir", help="Folder of the bootstrap stack (kept apart from --out, which synth replaces).")
]


@handle_errors
def bootstrap(
    apply: Annotated[bool, typer.Option("--apply", help="Apply the plan (asks first unless --auto-approve).")] = False,
    auto_approve: AutoApproveOption = False,
    stack_folder: BootstrapDirOption = DEFAULT_BOOTSTRAP_DIR,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    terraform_bin: TerraformBinOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create the S3 bucket the s3 state backend uses: versioned, KMS-encrypted, TLS-only, never public.

    Runs in the management account with a local state file (<state-dir>/bootstrap.tfstate), since
    the bucket must exist before any stack keeps its state in it. Without --apply it only plans.
    Afterwards set state_backend.kms_key_id to the state_kms_key_arn output.

    Example: mlops-tf bootstrap --apply
    """
    resolved = load_resolved(config)
    backend = resolved.landing_zone.state_backend
    if backend.type != "s3":
        raise UsageError(
            f"state_backend.type is {backend.type!r}: bootstrap creates the bucket of the s3 backend; set "
            "state_backend: {type: s3, bucket: ..., region: ...} in landing-zone.yaml first"
        )
    tf = Terraform(find_terraform(terraform_bin), stream_to_stderr=as_json)
    # lazy: cdktf and the AWS provider bindings load on this synth path only (validate and --help stay offline, fast)
    from accounts.bootstrap import synthesize_bootstrap

    synthesize_bootstrap(resolved, stack_folder, state_dir=state_dir)
    result, summary = plan_then_apply(
        tf,
        f"{resolved.management().name} (bootstrap)",
        stack_folder,
        title="Bootstrap plan",
        apply=apply,
        auto_approve=auto_approve,
        question=f"Create the state bucket {backend.bucket!r} in {backend.region}?",
    )
    if as_json:
        print_json({"result": result, "bucket": backend.bucket, "region": backend.region, "plan": summary.as_dict()})
        return
    typer.echo(f"bootstrap {result}: state bucket {backend.bucket} in {backend.region}")
    if result == "planned":
        typer.echo(f"run `mlops-tf bootstrap --apply{config_option(config)}` to create it")
