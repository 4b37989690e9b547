"""mlops-tf accounts and mlops-tf lock: what the landing zone holds, and the ids of created accounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from config import Resolved, UsageError
from config.errors import config_option
from config.kinds.baseline import config_archive_account, config_bucket_name
from config.lockfile import LOCK_FILE, read_lock, write_lock

from .common import (
    DEFAULT_CONFIG,
    DEFAULT_OUT,
    ConfigOption,
    JsonOption,
    OutOption,
    handle_errors,
    load_resolved,
    print_json,
)
from .terraform import Terraform, TerraformBinOption, find_terraform, stack_dir


def id_source(resolved: Resolved, name: str) -> str | None:
    """Where an account's id comes from: its YAML, landing-zone.yaml (management) or the lock file."""
    account = resolved.accounts[name]
    if account.account_id is None:
        return None
    if account.kind == "management":
        return "landing-zone.yaml"
    return f"accounts/{name}.yaml" if account.config.account_id else LOCK_FILE


def account_rows(resolved: Resolved) -> list[dict[str, Any]]:
    """One row per account, in apply order."""
    backend = resolved.landing_zone.state_backend
    rows = []
    for position, name in enumerate(resolved.order, start=1):
        account = resolved.accounts[name]
        if backend.type == "cloud":
            state = f"cloud: {resolved.workspace_name(name)}"
        elif backend.type == "s3":
            state = f"s3://{backend.bucket}/{resolved.state_key(name)}"
        else:
            state = "local"
        rows.append(
            {
                "name": name,
                "kind": account.kind,
                "account_id": account.account_id,
                "account_id_source": id_source(resolved, name),
                "ou": account.ou,
                "region": account.region,
                "state": state,
                "apply_order": position,
                "depends_on": resolved.dependencies(name),
            }
        )
    return rows


@handle_errors
def accounts(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """List the accounts: kind, id (or "to be created") and where it comes from, OU, region, state, apply order.

    Example: mlops-tf accounts --json
    """
    resolved = load_resolved(config)
    rows = account_rows(resolved)
    if as_json:
        print_json(rows)
        return

    console = Console()  # as wide as the terminal (COLUMNS when not one)
    # Below 120 columns the state and dependency columns go: ids and names stay readable.
    columns = ["#", "name", "kind", "account id", "id from", "OU", "region", "state", "after"]
    shown = columns if console.width >= 120 else columns[:7]
    table = Table(title=f"Landing zone {resolved.prefix}")
    for column in shown:
        table.add_column(column, no_wrap=column in ("#", "account id"), overflow="fold")
    for row in rows:
        source = row["account_id_source"]
        cells = [
            str(row["apply_order"]),
            row["name"],
            row["kind"],
            row["account_id"] or "to be created",
            "-" if source is None else "lock file" if source == LOCK_FILE else "YAML",
            row["ou"] or "-",
            row["region"],
            row["state"],
            ", ".join(row["depends_on"]) or "-",
        ]
        table.add_row(*cells[: len(shown)])
    console.print(table)
    if len(shown) < len(columns):
        typer.echo("(state and dependencies: in 120 columns or more, or with --json)")


FromJsonOption = Annotated[
    Path | None,
    typer.Option(
        "--from-json",
        exists=True,
        dir_okay=False,
        help=(
            "`terraform output -json` of the management stack. Default: run `terraform output -json` in its stack "
            "folder."
        ),
    ),
]


@handle_errors
def lock(
    from_json: FromJsonOption = None,
    config: ConfigOption = DEFAULT_CONFIG,
    out: OutOption = DEFAULT_OUT,
    terraform_bin: TerraformBinOption = None,
) -> None:
    """Record the ids of accounts the management stack created in accounts.lock.yaml of the --config folder.

    Commit the lock file: the other stacks read created accounts' ids from it. Without --from-json
    the management stack's outputs are read with `terraform output -json` (`mlops-tf apply` does
    this by itself after applying the management stack), and so are the outputs of the AWS Config
    archive account: once its stack has created the central bucket, the lock records it and the
    management stack delivers AWS Config there from its next synth.

    Example: mlops-tf lock    (or: mlops-tf lock --from-json out.json)
    """
    resolved = load_resolved(config)
    if from_json is None:
        management = resolved.management().name
        source = f"terraform output -json of {management}"
        tf = Terraform(find_terraform(terraform_bin), stream_to_stderr=True)
        stack = stack_dir(out, management)
        if not (stack / "cdk.tf.json").is_file():
            raise UsageError(
                f"{stack} has no synthesized stack: run `mlops-tf apply --account "
                f"{management}{config_option(config)}` first, or pass --from-json"
            )
        tf.ensure_init(management, stack)
        text = tf.capture(management, stack, "output", "-json")
        if not _has_account_ids(text):
            raise UsageError(
                f"the {management} stack has no account_ids output: apply it first (mlops-tf apply --account "
                f"{management})"
            )
    else:
        source = str(from_json)
        try:
            text = from_json.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{source}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    ids = read_account_ids(text, source=source)
    path = write_created_ids(config, resolved, ids, source=source) or config / LOCK_FILE
    typer.echo(f"wrote {path} ({len(ids)} accounts)")
    if from_json is None and record_config_bucket(tf, config, load_resolved(config), out) is not None:
        typer.echo(f"recorded the central AWS Config bucket in {path}: the management stack now delivers AWS Config")


def write_created_ids(config: Path, resolved: Resolved, ids: dict[str, str], *, source: str) -> Path | None:
    """Write the lock when the ids differ from it; None when it is already up to date."""
    created = {a.name for a in resolved.accounts.values() if a.created}
    unknown = sorted(set(ids) - created)
    if unknown:
        raise UsageError(
            f"{source}: account_ids names accounts that the configuration does not create: {', '.join(unknown)}"
        )
    wanted = {n: i for n, i in ids.items() if n in created}
    current = read_lock(config)
    if current.accounts == wanted and (config / LOCK_FILE).is_file():
        return None
    return write_lock(config, wanted, current.config_bucket)


def write_config_bucket(config: Path, resolved: Resolved, outputs: Any) -> Path | None:
    """Record the central AWS Config bucket from the archive stack's `terraform output -json` once that stack has
    created it (its config_bucket output names the bucket the landing zone expects). None: nothing to change."""
    expected = config_bucket_name(resolved) if config_archive_account(resolved) else None
    found = outputs.get("config_bucket", {}).get("value") if isinstance(outputs, dict) else None
    current = read_lock(config)
    if expected is None or found != expected or current.config_bucket == expected:
        return None
    return write_lock(config, current.accounts, expected)


def record_config_bucket(tf: Any, config: Path, resolved: Resolved, out: Path) -> Path | None:
    """Read the Config archive account's outputs (when its stack is synthesized) and record its bucket."""
    archive = config_archive_account(resolved)
    if archive is None or resolved.accounts[archive].account_id is None:
        return None
    stack = stack_dir(out, archive)
    if not (stack / "cdk.tf.json").is_file():
        return None
    tf.ensure_init(archive, stack)
    return write_config_bucket(config, resolved, tf.capture_json(archive, stack, "output", "-json"))


def _has_account_ids(text: str) -> bool:
    try:
        return "account_ids" in json.loads(text)
    except ValueError:
        return True  # not JSON: read_account_ids says so


def read_account_ids(text: str, *, source: str) -> dict[str, str]:
    """account_ids from `terraform output -json` (whole document or the single output)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{source}: not JSON: {exc}") from None
    if isinstance(data, dict) and "account_ids" in data:
        data = data["account_ids"]
    if isinstance(data, dict) and "value" in data:
        data = data["value"]
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.isdigit() and len(v) == 12 for k, v in data.items()
    ):
        raise UsageError(
            f"{source}: expected the management stack's account_ids output: a map of account name to 12-digit id"
        )
    return dict(sorted(data.items()))
