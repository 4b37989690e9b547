"""Find synthesized resources by their attributes (bucket name, key alias), not by hashed logical ids."""

from __future__ import annotations

import json
from typing import Any


def bucket_key(stacks, account: str, bucket_name: str) -> str:
    found = [k for k, v in stacks.resources(account, "aws_s3_bucket").items() if v["bucket"] == bucket_name]
    assert len(found) == 1, f"bucket {bucket_name} in {account}: {found}"
    return found[0]


def bucket_part(stacks, account: str, bucket_name: str, rtype: str) -> dict[str, Any]:
    """The resource of type rtype (policy, versioning, encryption...) attached to the named bucket."""
    ref = f"${{aws_s3_bucket.{bucket_key(stacks, account, bucket_name)}.id}}"
    found = [v for v in stacks.resources(account, rtype).values() if v["bucket"] == ref]
    assert len(found) == 1, f"{rtype} of {bucket_name}: {len(found)}"
    return found[0]


def bucket_statements(stacks, account: str, bucket_name: str) -> list[dict[str, Any]]:
    return json.loads(bucket_part(stacks, account, bucket_name, "aws_s3_bucket_policy")["policy"])["Statement"]


def key_for_alias(stacks, account: str, alias: str) -> tuple[str, dict[str, Any]]:
    aliases = [v for v in stacks.resources(account, "aws_kms_alias").values() if v["name"] == alias]
    assert len(aliases) == 1, f"alias {alias} in {account}"
    logical = aliases[0]["target_key_id"].split(".")[1]
    return logical, stacks.resources(account, "aws_kms_key")[logical]


def key_statements(stacks, account: str, alias: str) -> list[dict[str, Any]]:
    return json.loads(key_for_alias(stacks, account, alias)[1]["policy"])["Statement"]


def by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements}


def named(stacks, account: str, rtype: str, attr: str, value: str) -> dict[str, Any]:
    found = [v for v in stacks.resources(account, rtype).values() if v.get(attr) == value]
    assert len(found) == 1, f"{rtype} with {attr}={value} in {account}: {len(found)}"
    return found[0]


def as_list(value: Any) -> list[Any]:
    """IAM and Terraform JSON give one item as a scalar and several as a list."""
    return value if isinstance(value, list) else [value]


def by(stacks, account: str, rtype: str, **attrs: Any) -> dict[str, Any]:
    """The one resource of rtype in account whose attributes equal attrs."""
    found = [v for v in stacks.resources(account, rtype).values() if all(v.get(k) == x for k, x in attrs.items())]
    assert len(found) == 1, f"{rtype} {attrs} in {account}: {len(found)} found"
    return found[0]


def sid(policy: str, name: str) -> dict[str, Any]:
    """The one statement with Sid name in a policy document string."""
    found = [s for s in json.loads(policy)["Statement"] if s["Sid"] == name]
    assert len(found) == 1, f"{name} not in {[s['Sid'] for s in json.loads(policy)['Statement']]}"
    return found[0]


def as_sent(literal: str) -> str:
    """A literal Terraform string as AWS receives it: $${ and %%{ are Terraform's escapes of ${ and %{."""
    return literal.replace("$${", "${").replace("%%{", "%{")
