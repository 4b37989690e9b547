"""mlops-tf output: the outputs of one account's stack, from `terraform output -json`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from config import UsageError
from config.errors import config_option

from .common import (
    DEFAULT_CONFIG,
    DEFAULT_OUT,
    ConfigOption,
    JsonOption,
    OutOption,
    handle_errors,
    load_resolved,
    print_json,
    select_accounts,
)
from .terraform import Terraform, TerraformBinOption, find_terraform, stack_dir


@handle_errors
def output(
    account: Annotated[str, typer.Option("--account", "-a", help="The account whose outputs to print.")],
    out: OutOption = DEFAULT_OUT,
    config: ConfigOption = DEFAULT_CONFIG,
    terraform_bin: TerraformBinOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print the outputs of an applied stack (sensitive values hidden in the table, shown with --json).

    Example: mlops-tf output --account management --json
    """
    resolved = load_resolved(config)
    (name,) = select_accounts(resolved, [account]) or [account]
    stack = stack_dir(out, name)
    if not (stack / "cdk.tf.json").is_file():
        raise UsageError(
            f"{stack} holds no synthesized stack: run `mlops-tf apply --account "
            f"{name}{config_option(config)}` (or synth) first"
        )
    tf = Terraform(find_terraform(terraform_bin), stream_to_stderr=True)
    tf.ensure_init(name, stack)
    outputs = tf.capture_json(name, stack, "output", "-json")
    if as_json:
        print_json(outputs)
        return

    table = Table(title=f"Outputs of {name}")
    for column in ("output", "value"):
        table.add_column(column)
    for key, item in sorted(outputs.items()):
        value = "(sensitive)" if item.get("sensitive") else json.dumps(item.get("value"), sort_keys=True)
        table.add_row(key, value)
    Console().print(table)  # as wide as the terminal (COLUMNS when not one)
    if not outputs:
        typer.echo(f"{name}: no outputs (has the stack been applied?)")
