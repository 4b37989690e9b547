"""config/accounts.lock.yaml: ids of accounts that mlops-tf created, recorded from the management stack's outputs."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from .errors import ConfigError, Diagnostic
from .schema.common import AccountId, AccountName, StrictModel
from .yaml_source import YamlSyntaxError, read_yaml

LOCK_FILE = "accounts.lock.yaml"
_HEADER = (
    "# Written by mlops-tf from the management stack's outputs (mlops-tf lock). Commit it:\n"
    "# every other stack reads the ids of created accounts from here.\n"
)


class AccountsLock(StrictModel):
    """Account name -> id for accounts created through Organizations or Account Factory."""

    accounts: dict[AccountName, AccountId] = {}


def read_lock(root: Path) -> AccountsLock:
    """The lock file under root, or an empty lock when there is none yet."""
    from pydantic import ValidationError

    path = root / LOCK_FILE
    if not path.exists():
        return AccountsLock()
    from .loader import _translate, display_path

    try:
        data, source = read_yaml(path, display_path(path))
    except YamlSyntaxError as exc:
        raise ConfigError([exc.diagnostic]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([source.diagnostic((), "expected a mapping with the key accounts at the top of the file")])
    try:
        return AccountsLock.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_translate(exc, data, source, AccountsLock)) from exc


def write_lock(root: Path, ids: dict[str, str]) -> Path:
    """Write the lock atomically (sorted, so that reviews show only real changes)."""
    lock = AccountsLock(accounts=dict(sorted(ids.items())))
    path = root / LOCK_FILE
    body = _HEADER + yaml.safe_dump(lock.model_dump(), sort_keys=True, default_flow_style=False)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".accounts.lock.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body)
    os.replace(tmp, path)
    return path


def unknown_lock_entries(root: Path, lock: AccountsLock, names: set[str]) -> list[Diagnostic]:
    """Lock entries for accounts the configuration no longer has."""
    from .loader import display_path

    stale = sorted(set(lock.accounts) - names)
    return [Diagnostic(display_path(root / LOCK_FILE), 1, 1, f"accounts.{n}", f"account is not in {display_path(root / 'accounts')}/; remove the entry") for n in stale]
