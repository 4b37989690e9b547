"""Cross-file checks and flows of data-science accounts; the ML activity catalog they validate against."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Flow, Resolved

SECTION = "data_science"
CATALOG = ("data", "ml_activities.json")  # inside the `modules` package, shipped as package data
# A VpcOnly domain runs only with interface endpoints for the SageMaker API and runtime (or a NAT); the SDK
# calls STS and S3 for its session and default bucket. Activities add what they call (catalog `vpc_endpoints`).
# https://docs.aws.amazon.com/sagemaker/latest/dg/studio-notebooks-and-internet-access.html
STUDIO_BASE_ENDPOINTS = ("s3", "sagemaker.api", "sagemaker.runtime", "sts")
GATEWAY_ENDPOINTS = ("s3",)
# Commands in a lifecycle script that fetch from the internet (package indexes, URLs, repositories).
INTERNET_COMMAND = re.compile(
    r"\b(pip3?|python3? -m pip|conda|mamba|micromamba|npm|yarn|apt-get|apt|yum|dnf)\s+(install|add)\b"
    r"|\bjupyter\s+labextension\s+install\b|\b(curl|wget)\s|\bgit\s+clone\b"
)


@lru_cache(maxsize=1)
def activity_catalog() -> dict[str, dict]:
    """The Role Manager activity catalog: activity name -> {description, statements}."""
    path = resources.files("modules").joinpath(*CATALOG)
    return json.loads(path.read_text(encoding="utf-8"))["activities"]


STUDIO_KEY_PURPOSE = "studio"


def network_name(r: Resolved, account: str) -> str:
    """Name of a data-science account's managed VPC; its flow-logs role and log group are named after it."""
    return r.resource_name(account)


def persona_role_name(r: Resolved, persona: str) -> str:
    return r.resource_name("persona", persona)


def studio_endpoints(section) -> list[str]:
    """Services the Studio VPC needs endpoints for: Studio's own plus those of every persona's activities."""
    catalog = activity_catalog()
    needed = set(STUDIO_BASE_ENDPOINTS)
    for persona in section.personas:
        for activity in persona.activities:
            needed.update(catalog.get(activity, {}).get("vpc_endpoints", []))
    return sorted(needed)


def internet_lines(script: str) -> list[tuple[int, str]]:
    """(line number, line) of a lifecycle script that need the internet; offline installs (--no-index) excluded."""
    found = []
    for number, line in enumerate(script.splitlines(), start=1):
        code = line.split("#", 1)[0]
        if INTERNET_COMMAND.search(code) and "--no-index" not in code:
            found.append((number, line.strip()))
    return found


def check_egress(config: Config) -> Iterable[Diagnostic]:
    """A VPC-only Studio without egress reaches AWS services through endpoints only: a lifecycle script
    that downloads from the internet would fail at every app start."""
    for account in config.of_kind("data-science"):
        section = account.data_science
        if section.network.egress != "none":
            continue
        for i, lifecycle in enumerate(section.studio.lifecycle_configurations):
            lines = internet_lines(lifecycle.script)
            if lines:
                number, line = lines[0]
                yield config.error(
                    account.name,
                    (SECTION, "studio", "lifecycle_configurations", i, "script"),
                    f"line {number} of the script ({line!r}) needs the internet, but the Studio domain is VPC only and "
                    "data_science.network.egress is none; set network.egress: nat (a NAT gateway) or install from an "
                    "image or a local wheel (pip install --no-index)",
                )


def check_personas(config: Config) -> Iterable[Diagnostic]:
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
                    yield config.error(
                        account.name,
                        loc + ("activities", j),
                        f"unknown ML activity {activity!r}{mean} (activities: {', '.join(sorted(catalog))})",
                    )


def check_user_profiles(config: Config) -> Iterable[Diagnostic]:
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
                yield config.error(
                    account.name,
                    loc + ("persona",),
                    f"persona {profile.persona!r} is not defined in data_science.personas (defined: {listing})",
                )
            if profile.sso_user and section.studio.auth_mode != "SSO":
                yield config.error(account.name, loc + ("sso_user",), "sso_user needs studio.auth_mode SSO (got IAM)")
        if (section.personas or section.user_profiles) and section.studio.default_persona not in defined:
            yield config.error(
                account.name,
                (SECTION, "studio", "default_persona"),
                f"persona {section.studio.default_persona!r} is not defined in data_science.personas "
                f"(defined: {listing})",
            )
        lifecycle = [c.name for c in section.studio.lifecycle_configurations]
        for i, name in enumerate(lifecycle):
            if lifecycle.index(name) != i:
                yield config.error(
                    account.name,
                    (SECTION, "studio", "lifecycle_configurations", i, "name"),
                    f"lifecycle configuration {name!r} is defined twice",
                )


CHECKS = [check_personas, check_user_profiles, check_egress]


def flows(resolved: Resolved) -> Iterable[Flow]:
    """Lake access of data-science accounts follows the Lake Formation shares (config.kinds.lake.flows)."""
    return []
