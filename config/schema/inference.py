"""Section of staging and production accounts (filled in by the issue that builds this account kind)."""
from __future__ import annotations

from .common import StrictModel


class InferenceSection(StrictModel):
    """Settings of staging and production accounts."""
