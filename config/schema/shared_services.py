"""Section of shared-services accounts (filled in by the issue that builds this account kind)."""
from __future__ import annotations

from .common import StrictModel


class SharedServicesSection(StrictModel):
    """Settings of shared-services accounts."""
