"""Section of data accounts (filled in by the issue that builds this account kind)."""
from __future__ import annotations

from .common import StrictModel


class DataSection(StrictModel):
    """Settings of data accounts."""
