"""Section of data-science accounts (filled in by the issue that builds this account kind)."""
from __future__ import annotations

from .common import StrictModel


class DataScienceSection(StrictModel):
    """Settings of data-science accounts."""
