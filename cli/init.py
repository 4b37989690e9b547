"""mlops-tf init and add-account: start a landing zone of one's own, and grow it one account at a time."""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from config import ConfigError, UsageError, load
from config.paths import ACCOUNTS_DIR, LANDING_ZONE_FILE
from config.schema import Kind
from config.schema.common import AWS_REGIONS

from .common import DEFAULT_CONFIG, ConfigOption, err, handle_errors
from .references import apply_edits, sibling_edits
from .scaffold import MEMBER_KINDS, ScaffoldOptions, account_names, render, render_account, team_cidr

_SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _ask(value, label: str, default, interactive: bool):
    """A value from its flag, else from a prompt (interactive), else its default."""
    if value is not None:
        return value
    if interactive:
        return typer.prompt(label, default=default) if default is not None else typer.prompt(label)
    return default


@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new landing zone.")] = DEFAULT_CONFIG,
    prefix: Annotated[
        str | None, typer.Option(help="Name prefix of every resource: lowercase letters, digits, hyphens.")
    ] = None,
    management_account_id: Annotated[
        str | None, typer.Option(help="12-digit id of the organization's management account.")
    ] = None,
    regions: Annotated[
        str | None, typer.Option(help="Allowed regions, comma separated; the first is the home region.")
    ] = None,
    vending: Annotated[
        str | None, typer.Option(help="How member accounts are created: organizations or control_tower.")
    ] = None,
    account_factory_product_id: Annotated[
        str | None, typer.Option(help="Account Factory product (prod-...), with --vending control_tower.")
    ] = None,
    organization_id: Annotated[
        str | None,
        typer.Option(help="The organization Control Tower created (o-...), with --vending control_tower: imported."),
    ] = None,
    state_backend: Annotated[
        str | None,
        typer.Option(help="Where Terraform state lives: s3 (default; a deployment pipeline needs it) or local."),
    ] = None,
    state_bucket: Annotated[
        str | None, typer.Option(help="State bucket name (default: <prefix>-tfstate-<management id>).")
    ] = None,
    kinds: Annotated[
        str | None,
        typer.Option(
            help=f"Member account kinds, comma separated (default: all: {','.join(MEMBER_KINDS)}; 'none' for none)."
        ),
    ] = None,
    teams: Annotated[
        int | None, typer.Option(help="How many data-science accounts (ds-1, ds-2, ...).", min=0, max=50)
    ] = None,
    email_domain: Annotated[
        str | None, typer.Option(help="Domain of the new accounts' emails (aws+<prefix>-<account>@<domain>).")
    ] = None,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="Prompt for what the flags leave out (default: when the input is a terminal).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing landing zone in DIRECTORY.")] = False,
) -> None:
    """Write a new landing zone: landing-zone.yaml, one file per account and the JSON Schemas editors use.

    Every value comes from its flag or, at a terminal, from a prompt. The result validates at once;
    `mlops-tf synth --account management` synthesizes at once, the other stacks after the management
    stack created their accounts (`mlops-tf apply --account management`, which records their ids).

    Example: mlops-tf init my-lz --prefix newco --management-account-id 123456789012
    --regions eu-west-1,us-east-1 --teams 2
    """
    ask = sys.stdin.isatty() if interactive is None else interactive
    if (directory / LANDING_ZONE_FILE).exists() and not force:
        raise UsageError(
            f"{directory / LANDING_ZONE_FILE} exists already; choose another folder or pass --force to overwrite it"
        )
    prefix = _ask(prefix, "Prefix (names every resource)", None if not ask else "mlops", ask)
    if prefix is None:
        raise UsageError("--prefix is required (or run at a terminal to be asked)")
    if not _SLUG.match(prefix) or len(prefix) > 32:
        raise UsageError(
            f"--prefix must be lowercase letters, digits and hyphens, at most 32 characters (got {prefix!r})"
        )
    management_account_id = _ask(management_account_id, "Management account id (12 digits)", None, ask)
    if management_account_id is None:
        raise UsageError("--management-account-id is required (or run at a terminal to be asked)")
    if not re.fullmatch(r"\d{12}", management_account_id):
        raise UsageError(f"--management-account-id must be 12 digits (got {management_account_id!r})")
    region_list = _split(_ask(regions, "Allowed regions, comma separated (first = home region)", "us-east-1", ask))
    for region in region_list:
        if region not in AWS_REGIONS:
            hint = difflib.get_close_matches(region, sorted(AWS_REGIONS), n=1)
            raise UsageError(f"unknown AWS region {region!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""))
    vending = _ask(vending, "Vending (organizations or control_tower)", "organizations", ask)
    if vending not in ("organizations", "control_tower"):
        raise UsageError(f"--vending must be organizations or control_tower (got {vending!r})")
    if vending == "control_tower":
        account_factory_product_id = _ask(
            account_factory_product_id, "Account Factory product id (prod-...)", None, ask
        )
        if not account_factory_product_id:
            raise UsageError(
                "--vending control_tower creates accounts through Account Factory: give "
                "--account-factory-product-id prod-..."
            )
        organization_id = _ask(
            organization_id, "Organization id (o-..., aws organizations describe-organization)", None, ask
        )
        if not organization_id or not re.fullmatch(r"o-[a-z0-9]{10,32}", organization_id):
            raise UsageError(
                "--vending control_tower works in the organization Control Tower created: give --organization-id o-... "
                f"(aws organizations describe-organization; got {organization_id!r})"
            )
    state_backend = _ask(state_backend, "State backend (s3 or local)", "s3", ask)
    if state_backend not in ("s3", "local"):
        raise UsageError(
            f"--state-backend must be s3 or local (got {state_backend!r}); for Terraform Cloud see `mlops-tf tfc`"
        )
    chosen = _split(_ask(kinds, "Member account kinds", ",".join(MEMBER_KINDS), ask))
    chosen = [] if chosen == ["none"] else chosen
    unknown = [k for k in chosen if k not in MEMBER_KINDS]
    if unknown:
        raise UsageError(f"unknown account kind(s) {', '.join(unknown)}; choose from {', '.join(MEMBER_KINDS)}")
    teams = _ask(teams, "Data-science teams", 1, ask and "data-science" in chosen)
    if "data-science" in chosen and teams == 0:
        chosen.remove("data-science")
    options = ScaffoldOptions(
        prefix=prefix,
        management_account_id=management_account_id,
        home_region=region_list[0],
        regions=tuple(region_list),
        vending=vending,
        state_backend=state_backend,
        state_bucket=state_bucket,
        kinds=tuple(chosen),
        teams=int(teams),
        email_domain=email_domain or "example.com",
        account_factory_product_id=account_factory_product_id,
        organization_id=organization_id if vending == "control_tower" else None,
    )
    files = render(options)
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    load(directory)  # what init writes must validate; a failure here is a bug worth its message
    names = ", ".join(name for name, _ in account_names(options))
    typer.echo(f"wrote a landing zone {prefix!r} in {directory}: {names}")
    typer.echo(
        f"next: mlops-tf validate --config {directory}; mlops-tf accounts --config {directory}; "
        f"mlops-tf synth --config {directory} --account management"
    )


@handle_errors
def add_account(
    kind: Annotated[str, typer.Argument(help=f"Account kind: {', '.join(k.value for k in Kind)}.")],
    name: Annotated[str, typer.Argument(help="Account name (also the file name): lowercase kebab-case.")],
    email: Annotated[
        str | None,
        typer.Option(
            help="Email of the account to create (default: like its sibling's, with the new name); with "
            "--account-id under Control Tower, the existing account's root email, by which Account Factory enrolls it."
        ),
    ] = None,
    account_id: Annotated[
        str | None, typer.Option(help="Id of an existing account to take in instead of creating one.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the new file and every edit; change nothing.")
    ] = False,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Add an account file, and name the account wherever an account of its kind is named.

    The new account gets what its first sibling of the same kind gets: a copy of each Lake
    Formation grant, a place in each list of accounts (Identity Center assignments, ECR pull
    accounts, pipeline targets). Edits insert lines, so comments stay. What cannot be edited that
    way is printed as file:line instructions. The result is validated; on errors nothing changes.

    Example: mlops-tf add-account data-science ds-fraud
    """
    kinds = [k.value for k in Kind]
    if kind not in kinds:
        hint = difflib.get_close_matches(kind, kinds, n=1)
        raise UsageError(
            f"unknown kind {kind!r}"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
            + f" (kinds: {', '.join(kinds)})"
        )
    if not _NAME.match(name) or len(name) > 40:
        raise UsageError(f"account name must be lowercase kebab-case, at most 40 characters (got {name!r})")
    current = load(config)
    target = config / ACCOUNTS_DIR / f"{name}.yaml"
    if name in current.accounts or target.exists():
        raise UsageError(f"account {name!r} exists already ({target})")
    siblings = current.of_kind(kind)
    sibling = siblings[0] if siblings else None
    text = _new_account_text(current, kind, name, sibling, email, account_id)
    files = sorted((config / ACCOUNTS_DIR).glob("*.y*ml")) + [config / LANDING_ZONE_FILE]
    edits = sibling_edits(files, sibling.name, name) if sibling else []
    unsafe = [e for e in edits if not e.safe]
    if dry_run:
        typer.echo(f"would write {target}:\n{text}")
        for edit in edits:
            typer.echo(edit.describe())
        return
    originals = {path: path.read_text(encoding="utf-8") for path in {e.path for e in edits}}
    target.write_text(text, encoding="utf-8")
    apply_edits(edits)
    try:
        load(config)
    except ConfigError as exc:
        target.unlink()
        for path, original in originals.items():
            path.write_text(original, encoding="utf-8")
        err(str(exc))
        raise UsageError(f"adding {name!r} would leave the landing zone invalid (above); nothing was changed") from None
    typer.echo(f"wrote {target}")
    for edit in edits:
        if edit.safe and sibling is not None:  # edits exist only with a sibling to copy
            typer.echo(f"edited {edit.path}:{edit.line}: {edit.field}: named {name!r} next to {sibling.name!r}")
    for edit in unsafe:
        typer.echo(f"to do by hand: {edit.describe()}")
    if sibling is None:
        for advice in _first_of_kind_hints(kind, name):
            typer.echo(f"to consider: {advice}")


def _new_account_text(current, kind: str, name: str, sibling, email: str | None, account_id: str | None) -> str:
    lz = current.landing_zone
    domain = "example.com"
    if sibling is not None and sibling.email:
        domain = sibling.email.split("@", 1)[1]
    options = ScaffoldOptions(
        prefix=lz.prefix,
        management_account_id=lz.management_account_id,
        home_region=lz.home_region,
        regions=tuple(lz.allowed_regions),
        kinds=tuple(MEMBER_KINDS),
        email_domain=domain,
    )
    text = render_account(options, name, kind)
    if kind == "data-science":
        used = {
            a.data_science.network.cidr
            for a in current.of_kind("data-science")
            if hasattr(a.data_science.network, "cidr")
        }
        index = next(i for i in range(1, 200) if team_cidr(i) not in used)
        text = re.sub(r"(?m)^(    cidr: ).*$", lambda m: m.group(1) + team_cidr(index), text)
    if sibling is not None and sibling.ou:
        text = re.sub(r"(?m)^ou: .*$", f"ou: {sibling.ou}", text)
    if account_id:
        # Under Control Tower an existing account keeps its root email too: Account Factory enrolls it by that address.
        kept = f"\nemail: {email}" if email else ""
        text = re.sub(r"(?m)^email: .*$", lambda _: f'account_id: "{account_id}"{kept}', text)
    elif email:
        text = re.sub(r"(?m)^email: .*$", f"email: {email}", text)
    return text


def _first_of_kind_hints(kind: str, name: str) -> list[str]:
    """What a first account of a kind usually needs elsewhere, said in words (no sibling to copy)."""
    hints = {
        "data-science": [
            f"a Lake Formation grant in a data account: data.lake_formation.grants: - {{account: {name}, "
            f"datasets: [...], permissions: [SELECT, DESCRIBE]}}",
            (
                "an Identity Center assignment (security.identity_center.assignments) with account_kinds: "
                "[data-science] or accounts: ["
            )
            + name
            + "]",
        ],
        "ml-execution": [
            f"a Lake Formation grant in a data account: data.lake_formation.grants: - {{account: {name}, "
            f"datasets: [...], permissions: [SELECT, DESCRIBE]}}"
        ],
        "production": [
            f"shared_services.pipeline.production: [{name}] in the shared-services account, so the deployment "
            "pipeline promotes to it"
        ],
    }
    return hints.get(kind, [])
