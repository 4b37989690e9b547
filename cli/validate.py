"""mlops-tf validate: check the whole configuration, offline, without starting Node (unless --terraform)."""

from __future__ import annotations

from typing import Annotated

import typer

from config import TerraformError, UsageError

from .common import (
    DEFAULT_CONFIG,
    DEFAULT_OUT,
    DEFAULT_STATE_DIR,
    AccountsOption,
    ConfigOption,
    JsonOption,
    OutOption,
    err,
    handle_errors,
    load_resolved,
    print_json,
)
from .synth import StateDirOption, run_synth
from .terraform import TerraformBinOption, find_terraform

TerraformOption = Annotated[
    bool,
    typer.Option(
        "--terraform",
        help="Also synthesize and run real `terraform validate` on every stack, offline, against a stand-in "
        "hashicorp/aws provider built from the installed bindings' schema (no init, no registry, no AWS).",
    ),
]
PlanOption = Annotated[
    bool,
    typer.Option(
        "--plan",
        help="With --terraform: instead of validate, run `terraform plan` of each stack on an empty state against the "
        "stand-in (unset computed values unknown, placeholder data sources): what would be created and imported.",
    ),
]
OFFLINE_EXTRA_HINT = "install the offline validation extra: pip install 'mlops-tf[validate]' (./setup.sh does)"


@handle_errors
def validate(
    config: ConfigOption = DEFAULT_CONFIG,
    terraform: TerraformOption = False,
    account: AccountsOption = None,
    out: OutOption = DEFAULT_OUT,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    terraform_bin: TerraformBinOption = None,
    json_output: JsonOption = False,
    plan: PlanOption = False,
) -> None:
    """Validate landing-zone.yaml and every account file; print every error, compiler style.

    Exit 0 when valid, 1 when not. Without --terraform it never imports cdktf and answers in well
    under a second. With --terraform it also synthesizes into --out and runs `terraform validate`
    on each stack, printing each error as location, account, resource address and Terraform's
    message (exit 1 on any error, 3 when Terraform is missing). --plan runs `terraform plan` on an
    empty state instead and says what each stack would create and import.

    Example: mlops-tf validate --config config --terraform
    """
    if plan and not terraform:
        raise UsageError("--plan needs --terraform")
    resolved = load_resolved(config)
    if not terraform:
        typer.echo(
            f"{config}: valid landing zone {resolved.prefix!r}: {len(resolved.accounts)} accounts, apply "
            f"order {' -> '.join(resolved.order)}"
        )
        return
    binary = find_terraform(terraform_bin)  # before synth: a missing binary fails in a second
    try:
        # lazy: grpc and the plugin protocol are the optional `validate` extra, needed by --terraform only
        from . import terraform_validate
    except ImportError as exc:
        raise TerraformError(f"offline terraform validate needs {exc.name}: {OFFLINE_EXTRA_HINT}") from None
    written = run_synth(config, account, out, state_dir)
    results = terraform_validate.validate_stacks(binary, out, list(written), plan=plan)
    found = [f for r in results for f in r.findings]
    if json_output:
        print_json(
            {
                "valid": all(r.valid for r in results),
                "stacks": [
                    {
                        "account": r.account,
                        "valid": r.valid,
                        "seconds": round(r.seconds, 2),
                        "findings": [f.as_dict() for f in r.findings],
                        **(
                            {"changes": r.changes, "create_levels": [list(level) for level in r.levels]} if plan else {}
                        ),
                    }
                    for r in results
                ],
            }
        )
    else:
        for finding in found:
            (err if finding.severity == "error" else typer.echo)(str(finding))
        for r in results:
            changes = (
                (
                    f", plan: {r.changes['add']} to add in {len(r.levels)} dependency levels, "
                    f"{r.changes['import']} to import"
                )
                if plan and r.changes
                else ""
            )
            typer.echo(
                f"{r.account}: {'valid' if r.valid else 'INVALID'} "
                f"({sum(f.severity == 'error' for f in r.findings)} errors{changes}, {r.seconds:.1f} s)"
            )
    errors = sum(f.severity == "error" for f in found)
    if errors:
        err(
            f"mlops-tf: terraform {'plan' if plan else 'validate'} found {errors} error(s) in "
            f"{sum(not r.valid for r in results)} of {len(results)} stack(s)"
        )
        raise typer.Exit(1)
