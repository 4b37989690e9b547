"""Pydantic models of the landing-zone configuration (no cdktf here, ever)."""

from .account import SECTION_OF_KIND, Account, AccountBase, AnyAccount, Kind
from .landing_zone import Guardrail, LandingZone, Vending

__all__ = ["SECTION_OF_KIND", "Account", "AccountBase", "AnyAccount", "Guardrail", "Kind", "LandingZone", "Vending"]
