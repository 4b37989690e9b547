"""The management account's own section (organization-wide settings live in landing-zone.yaml)."""

from __future__ import annotations

from enum import Enum

from pydantic import Field

from .common import AccountName, Region, StrictModel


class DelegatedService(str, Enum):
    """Services whose administration the management account delegates to the security account."""

    guardduty = "guardduty"
    securityhub = "securityhub"
    access_analyzer = "access-analyzer"


class ManagementSection(StrictModel):
    """Settings of the management (organization) account."""

    delegated_administrator: AccountName | None = Field(
        default=None,
        description=(
            "The security account that administers GuardDuty, Security Hub and Access Analyzer; default: the only one"
        ),
    )
    delegated_services: list[DelegatedService] = Field(
        default_factory=lambda: [
            DelegatedService.guardduty,
            DelegatedService.securityhub,
            DelegatedService.access_analyzer,
        ],
        description="Services whose administration is delegated to the security account",
    )
    guardduty_detector_regions: list[Region] = Field(
        default_factory=list,
        description="Allowed regions where this account already has a GuardDuty detector (aws guardduty "
        "list-detectors): adopted (imported) before delegating GuardDuty, never created twice (one per region)",
    )
