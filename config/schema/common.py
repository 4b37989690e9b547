"""Constrained types shared by every part of the configuration schema."""

from __future__ import annotations

import difflib
import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# Commercial, GovCloud and China partitions; the validator only admits region codes AWS uses.
AWS_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "us-gov-east-1",
        "us-gov-west-1",
        "cn-north-1",
        "cn-northwest-1",
    }
)


class StrictModel(BaseModel):
    """Base of every configuration model: unknown keys are errors, values are not coerced loosely."""

    # defer_build: a model's validator is built on its first use, so --help and a cached synth (which validate
    # nothing) do not pay for ~100 of them (~0.2 s); validate builds the same ones as before.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True)


def _region(value: str) -> str:
    """A real AWS region code such as eu-west-1."""
    if value not in AWS_REGIONS:
        close = difflib.get_close_matches(value.lower(), sorted(AWS_REGIONS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; expected a region code such as us-east-1 or eu-west-1"
        raise ValueError(f"unknown AWS region {value!r}{hint}")
    return value


def _ou_path(value: str) -> str:
    """An OU path such as Workloads/Prod: names separated by '/', no leading or trailing slash."""
    parts = value.split("/")
    for part in parts:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}", part):
            raise ValueError(
                f"invalid OU path {value!r}; expected names of letters, digits, space, '_', '.', '-' joined "
                "by '/', e.g. Workloads/Prod"
            )
    return value


def _ipv4_cidr(value: str) -> str:
    """An IPv4 network in CIDR notation, read by ipaddress (each octet 0-255, no host bits set)."""
    try:
        ipaddress.IPv4Network(value)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 CIDR block such as 10.0.0.0/16: {exc}") from None
    if "/" not in value:
        raise ValueError("must be an IPv4 CIDR block such as 10.0.0.0/16, with its /prefix length")
    return value


def _hostname(value: str) -> str:
    """A DNS host name alone: no scheme, no port, no path (app.terraform.io, tfe.example.com)."""
    if "://" in value:
        raise ValueError(
            "must be a host name without a scheme, e.g. "
            f"{value.split('://', 1)[1].split('/')[0] or 'app.terraform.io'} (got {value!r})"
        )
    if not re.fullmatch(
        r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
        value,
    ):
        raise ValueError(
            "must be a host name such as app.terraform.io: labels of letters, digits and hyphens joined by "
            f"dots, no port or path (got {value!r})"
        )
    return value


Ipv4Cidr = Annotated[str, AfterValidator(_ipv4_cidr)]
Hostname = Annotated[str, AfterValidator(_hostname)]
AccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
AccountName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=40)]
# The JSON Schema states the same limits (editors complete regions); validation keeps its own messages.
Region = Annotated[str, AfterValidator(_region), Field(json_schema_extra={"enum": sorted(AWS_REGIONS)})]
OuPath = Annotated[
    str,
    AfterValidator(_ou_path),
    Field(json_schema_extra={"pattern": r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}(/[A-Za-z0-9][A-Za-z0-9 _.-]{0,127})*$"}),
]
Email = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$", max_length=64)
]
# Resource-name fragment used in bucket, role and key names: lowercase, digits, hyphens.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", max_length=32)]
TagKey = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w .:/=+\-@]+$")]
TagValue = Annotated[str, StringConstraints(max_length=256, pattern=r"^[\w .:/=+\-@]*$")]
Tags = dict[TagKey, TagValue]
RoleName = Annotated[str, StringConstraints(pattern=r"^[\w+=,.@-]{1,64}$")]
# An existing OU's id, as Organizations writes it.
# https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html
OuId = Annotated[str, StringConstraints(pattern=r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")]
# A service principal that Organizations can trust (trusted access), e.g. backup.amazonaws.com.
ServicePrincipal = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$", max_length=128)
]


def _pattern(annotated: object) -> str:
    return next(m.pattern for m in getattr(annotated, "__metadata__", ()) if getattr(m, "pattern", None))


# What each constrained string looks like, in words, for error messages instead of a regex.
PATTERN_DESCRIPTIONS: dict[str, str] = {
    _pattern(AccountId): 'must be a 12-digit AWS account id in quotes, e.g. "123456789012"',
    _pattern(
        AccountName
    ): "must be lowercase kebab-case (letters, digits, single hyphens), starting with a letter, at most 40 characters",
    _pattern(Email): "must be an email address such as aws+team@example.com (at most 64 characters)",
    _pattern(
        Slug
    ): "must be lowercase letters, digits and hyphens, not starting or ending with a hyphen, at most 32 characters",
    _pattern(RoleName): "must be an IAM role name: 1-64 of letters, digits and +=,.@_-",
    _pattern(ServicePrincipal): (
        "must be a service principal such as backup.amazonaws.com (aws organizations "
        "list-aws-service-access-for-organization)"
    ),
    _pattern(OuId): (
        "must be an organizational unit id such as ou-ab12-cd34ef56 (aws organizations "
        "list-organizational-units-for-parent)"
    ),
}
