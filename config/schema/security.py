"""Section of security accounts (filled in by the issue that builds this account kind)."""
from __future__ import annotations

from .common import StrictModel


class SecuritySection(StrictModel):
    """Settings of security accounts."""
