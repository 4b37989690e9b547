"""config/accounts.lock.yaml: ids of accounts that mlops-tf created, recorded from the management stack's outputs,
and the central AWS Config bucket once the archive account's stack has created it (its `config_bucket` output)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import Field, ValidationError

from .errors import ConfigError, Diagnostic
from .paths import ACCOUNTS_DIR, LOCK_FILE, display_path
from .schema.common import AccountId, AccountName, StrictModel
from .translate import non_json_scalar, translate_errors
from .yaml_source import SourceMap, YamlSyntaxError, read_yaml

if TYPE_CHECKING:
    from .model import Config

_HEADER = (
    "# Written by mlops-tf from the management stack's outputs (mlops-tf lock). Commit it:\n"
    "# every other stack reads the ids of created accounts from here; config_bucket, from the Config\n"
    "# archive account's outputs, lets the management stack deliver AWS Config into that bucket.\n"
)


class AccountsLock(StrictModel):
    """Account name -> id for accounts created through Organizations or Account Factory; the Config archive."""

    accounts: dict[AccountName, AccountId] = {}
    # The management stack applies before the archive account, so it delivers AWS Config only once this is recorded.
    config_bucket: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        description="Central AWS Config bucket, recorded once the archive account's stack has created it",
    )


def read_lock(root: Path) -> AccountsLock:
    """The lock file under root, or an empty lock when there is none yet."""
    return read_lock_source(root)[0]


def read_lock_source(root: Path) -> tuple[AccountsLock, SourceMap]:
    """The lock file and where each of its entries stands (for errors at the entry's line)."""
    path = root / LOCK_FILE
    display = display_path(path)
    if not os.path.lexists(path):
        return AccountsLock(), SourceMap(display)
    try:
        data, source = read_yaml(path, display)
    except YamlSyntaxError as exc:
        raise ConfigError([exc.diagnostic]) from exc
    if data is None or data == {}:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([source.diagnostic((), "expected a mapping with the key accounts at the top of the file")])
    try:
        return AccountsLock.model_validate_json(json.dumps(data, default=non_json_scalar), strict=True), source
    except ValidationError as exc:
        raise ConfigError(translate_errors(exc, data, source, AccountsLock)) from exc


def write_lock(root: Path, ids: dict[str, str], config_bucket: str | None = None) -> Path:
    """Write the lock atomically (sorted, so that reviews show only real changes)."""
    lock = AccountsLock(accounts=dict(sorted(ids.items())), config_bucket=config_bucket)
    path = root / LOCK_FILE
    body = _HEADER + yaml.safe_dump(lock.model_dump(exclude_none=True), sort_keys=True, default_flow_style=False)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".accounts.lock.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body)
    os.replace(tmp, path)
    return path


def lock_problems(config: Config, lock: AccountsLock, source: SourceMap) -> list[Diagnostic]:
    """Entries for accounts the configuration no longer has, ids used twice, and ids that contradict
    an account's own account_id or the management account: each at its line of the lock file."""
    out = []
    lz = config.landing_zone
    claimed = {lz.management_account_id: "the management account (management_account_id in landing-zone.yaml)"}
    claimed.update(
        {
            a.account_id: f"account {a.name!r}"
            for a in config.accounts.values()
            if a.kind != "management" and a.account_id
        }
    )
    seen: dict[str, str] = {}
    for name, account_id in lock.accounts.items():
        loc = ("accounts", name)
        account = config.accounts.get(name)
        if account is None and name not in config.invalid_accounts:
            out.append(
                source.diagnostic(
                    loc,
                    f"account is not in {display_path(config.root / ACCOUNTS_DIR)}/; remove the entry "
                    "(or run mlops-tf lock)",
                    key=True,
                )
            )
        elif account is not None and account.kind == "management":
            out.append(
                source.diagnostic(
                    loc,
                    "the management account's id comes from management_account_id in landing-zone.yaml "
                    f"({lz.management_account_id}); remove the entry",
                    key=True,
                )
            )
        elif account is not None and account.account_id is not None and account.account_id != account_id:
            out.append(
                source.diagnostic(
                    loc,
                    f"contradicts account_id {account.account_id} in {config.account_sources[name].file} (got "
                    f"{account_id}); an account has one id: remove the entry or correct it",
                )
            )
        elif account_id in claimed and not (account is not None and account.account_id == account_id):
            out.append(
                source.diagnostic(
                    loc,
                    f"id {account_id} already belongs to {claimed[account_id]}; an account id is used by one "
                    "account only",
                )
            )
        if account_id in seen:
            out.append(
                source.diagnostic(
                    loc,
                    f"id {account_id} is recorded twice, also for {seen[account_id]!r}; each account has its own id",
                )
            )
        seen.setdefault(account_id, name)
    out.extend(_closing_needs_id(config, lock))
    return out


def _closing_needs_id(config: Config, lock: AccountsLock) -> list[Diagnostic]:
    """Under Control Tower an Account Factory account is closed through Organizations, which needs its id: the
    management stack imports it as aws_organizations_account once the lock records the id."""
    if config.landing_zone.organization.vending.value != "control_tower":
        return []
    return [
        config.error(
            account.name,
            ("close_on_deletion",),
            "under Control Tower an account is closed through Organizations by its id, which the lock does not have "
            "yet: apply the management stack and run `mlops-tf lock` first, then set close_on_deletion",
        )
        for account in config.accounts.values()
        if account.close_on_deletion
        and account.kind not in ("management", "production")
        and account.account_id is None
        and account.email is not None
        and account.name not in lock.accounts
    ]
