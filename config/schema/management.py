"""The management account's own section (organization-wide settings live in landing-zone.yaml)."""
from __future__ import annotations

from enum import Enum

from pydantic import Field

from .common import AccountName, StrictModel


class DelegatedService(str, Enum):
    """Services whose administration the management account delegates to the security account."""

    guardduty = "guardduty"
    securityhub = "securityhub"
    access_analyzer = "access-analyzer"


class ManagementSection(StrictModel):
    """Settings of the management (organization) account."""

    # The security account that administers GuardDuty, Security Hub and Access Analyzer; default: the only one.
    delegated_administrator: AccountName | None = None
    delegated_services: list[DelegatedService] = Field(
        default_factory=lambda: [DelegatedService.guardduty, DelegatedService.securityhub, DelegatedService.access_analyzer]
    )
