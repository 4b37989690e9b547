"""mlops-tf destroy: plan a destroy of one account's stack, confirm by typing its name, apply it."""
from __future__ import annotations

from typing import Annotated

import typer

from config import UsageError

from .common import DEFAULT_CONFIG, DEFAULT_OUT, DEFAULT_STATE_DIR, ConfigOption, JsonOption, OutOption, handle_errors, load_resolved, print_json, select_accounts
from .plan import console, plan_account
from .plan_summary import render
from .synth import StateDirOption, run_synth
from .terraform import Terraform, TerraformBinOption, find_terraform, stack_dir

ForceProductionOption = Annotated[
    bool, typer.Option("--force-production", help="Allow destroying an account of kind production.")
]
ConfirmOption = Annotated[
    str | None, typer.Option("--confirm", help="The account name, typed in advance (for scripts); must match --account.")
]


@handle_errors
def destroy(
    account: Annotated[str, typer.Option("--account", "-a", help="The one account whose stack to destroy.")],
    force_production: ForceProductionOption = False,
    confirm: ConfirmOption = None,
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    terraform_bin: TerraformBinOption = None,
    as_json: JsonOption = False,
) -> None:
    """Destroy everything one account's stack manages, after you type the account's name.

    Production accounts are refused unless --force-production is given. Resources marked
    prevent_destroy (the organization, member accounts) make Terraform refuse the plan.

    Example: mlops-tf destroy --account ds-dev
    """
    resolved = load_resolved(config)
    (name,) = select_accounts(resolved, [account]) or [account]
    if resolved.accounts[name].kind == "production" and not force_production:
        raise UsageError(f"account {name!r} is a production account: destroying it needs --force-production")
    tf = Terraform(find_terraform(terraform_bin), stream_to_stderr=as_json)
    run_synth(config, [name], out, state_dir)
    con = console()
    con.rule(f"[bold]{name}[/]: plan destroy")
    stack = stack_dir(out, name)
    saved, summary = plan_account(tf, name, stack, destroy=True)
    render([summary], con, title=f"Destroy plan for {name}")
    if not summary.has_changes:
        saved.discard()
        _done(name, "unchanged", summary, as_json)
        return
    typed = confirm if confirm is not None else typer.prompt(
        f"This destroys {summary.destroy} resource(s) in account {name!r}. Type the account name to confirm",
        default="", show_default=False, err=True,
    )
    if typed != name:
        saved.discard()
        con.print(f"destroy cancelled: {typed!r} is not {name!r}")
        raise typer.Exit(1)
    tf.run(name, stack, "apply", "-input=false", saved.relpath)
    saved.discard()
    _done(name, "destroyed", summary, as_json)


def _done(name: str, result: str, summary, as_json: bool) -> None:
    if as_json:
        print_json({"account": name, "result": result, "plan": summary.as_dict()})
    else:
        typer.echo(f"{name}: {result} ({summary.destroy} resource(s) destroyed)" if result == "destroyed" else f"{name}: nothing to destroy")
