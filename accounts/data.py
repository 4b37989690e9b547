"""Stack content for data (filled in by its issue)."""
from __future__ import annotations

from .base import AccountStack


def build(stack: AccountStack) -> None:
    """Add this module's resources to the account's stack."""
