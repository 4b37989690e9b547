"""Cross-file checks and flows of data-science accounts; the ML activity catalog they validate against."""
from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from ..checks.refs import account_ref

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..loader import Config
    from ..resolver import Flow, Resolved

SECTION = "data_science"
CATALOG = ("data", "ml_activities.json")  # inside the `modules` package, shipped as package data


@lru_cache(maxsize=1)
def activity_catalog() -> dict[str, dict]:
    """The Role Manager activity catalog: activity name -> {description, statements}."""
    path = resources.files("modules").joinpath(*CATALOG)
    return json.loads(path.read_text(encoding="utf-8"))["activities"]


STUDIO_KEY_PURPOSE = "studio"


def network_name(r: "Resolved", account: str) -> str:
    """Name of a data-science account's managed VPC; its flow-logs role and log group are named after it."""
    return r.resource_name(account)


def persona_role_name(r: "Resolved", persona: str) -> str:
    return r.resource_name("persona", persona)


def check_personas(config: "Config") -> Iterable["Diagnostic"]:
    """Each persona once; every activity exists in the catalog."""
    catalog = activity_catalog()
    for account in config.of_kind("data-science"):
        seen: set[str] = set()
        for i, persona in enumerate(account.data_science.personas):
            loc = (SECTION, "personas", i)
            if persona.name in seen:
                yield config.error(account.name, loc + ("name",), f"persona {persona.name!r} is defined twice")
            seen.add(persona.name)
            for j, activity in enumerate(persona.activities):
                if activity not in catalog:
                    hint = difflib.get_close_matches(activity, list(catalog), n=1)
                    mean = f"; did you mean {hint[0]!r}?" if hint else ""
                    yield config.error(account.name, loc + ("activities", j), f"unknown ML activity {activity!r}{mean} (activities: {', '.join(sorted(catalog))})")


def check_user_profiles(config: "Config") -> Iterable["Diagnostic"]:
    """User profiles and the default persona name personas this account defines; names unique."""
    for account in config.of_kind("data-science"):
        section = account.data_science
        defined = [p.name for p in section.personas]
        listing = ", ".join(defined) or "none"
        names: set[str] = set()
        for i, profile in enumerate(section.user_profiles):
            loc = (SECTION, "user_profiles", i)
            if profile.name in names:
                yield config.error(account.name, loc + ("name",), f"user profile {profile.name!r} is defined twice")
            names.add(profile.name)
            if profile.persona not in defined:
                yield config.error(account.name, loc + ("persona",), f"persona {profile.persona!r} is not defined in data_science.personas (defined: {listing})")
            if profile.sso_user and section.studio.auth_mode != "SSO":
                yield config.error(account.name, loc + ("sso_user",), "sso_user needs studio.auth_mode SSO (got IAM)")
        if (section.personas or section.user_profiles) and section.studio.default_persona not in defined:
            yield config.error(account.name, (SECTION, "studio", "default_persona"), f"persona {section.studio.default_persona!r} is not defined in data_science.personas (defined: {listing})")
        lifecycle = [c.name for c in section.studio.lifecycle_configurations]
        for i, name in enumerate(lifecycle):
            if lifecycle.index(name) != i:
                yield config.error(account.name, (SECTION, "studio", "lifecycle_configurations", i, "name"), f"lifecycle configuration {name!r} is defined twice")
        if section.data_access:
            access = section.data_access
            problem = account_ref(config, account.name, (SECTION, "data_access", "account"), access.account, ("data",))
            if problem:
                yield problem
            elif access.account in config.accounts:
                defined = [b.name for b in config.accounts[access.account].data.buckets]
                for i, bucket in enumerate(access.buckets):
                    if bucket not in defined:
                        yield config.error(account.name, (SECTION, "data_access", "buckets", i), f"data account {access.account!r} has no bucket {bucket!r} (buckets: {', '.join(defined) or 'none'})")


CHECKS = [check_personas, check_user_profiles]


def flows(resolved: "Resolved") -> Iterable["Flow"]:
    from ..resolver import Flow

    for account in resolved.of_kind("data-science"):
        access = account.config.data_science.data_access
        if access:
            yield Flow(access.account, account.name, "data-access", f"lake buckets: {', '.join(sorted(access.buckets))}")
