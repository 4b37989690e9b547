"""File names of a landing zone folder and how paths appear in messages (below the loader and the lock file)."""

from __future__ import annotations

import os
from pathlib import Path

LANDING_ZONE_FILE = "landing-zone.yaml"
ACCOUNTS_DIR = "accounts"
LOCK_FILE = "accounts.lock.yaml"


def display_path(path: Path) -> str:
    """Paths in messages are relative to the working directory when possible, as compilers print them."""
    try:
        absolute = path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: name the link itself
        absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
