"""Section of ml-execution accounts (filled in by the issue that builds this account kind)."""
from __future__ import annotations

from .common import StrictModel


class MlExecutionSection(StrictModel):
    """Settings of ml-execution accounts."""
