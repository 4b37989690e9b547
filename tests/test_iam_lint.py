"""Every IAM policy document the example landing zone generates passes parliament with no findings."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.policy_lint import PolicyDoc, find_policies, lintable, resolve_references

with warnings.catch_warnings():  # parliament imports pkg_resources, which warns about its own deprecation
    warnings.simplefilter("ignore")
    parliament = pytest.importorskip("parliament")
    from parliament.cli import is_finding_filtered

ACCEPTED = Path(__file__).with_name("parliament-accepted.yaml")


@dataclass(frozen=True)
class Hit:
    """One parliament finding, located at the statement (Sid) it came from."""

    where: str
    sid: str | None
    issue: str
    detail: str

    def __str__(self) -> str:
        return f"{self.issue} in {self.sid or 'document'}: {self.detail}"


def _statement_sids(text: str) -> dict[int, str]:
    """Line -> Sid of the statement it belongs to, in lintable()'s indent-2 JSON."""
    sids: dict[int, str] = {}
    start = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line == "    {":
            start, sid = number, None
        elif start is not None and line.startswith('      "Sid": '):
            sid = json.loads(line.split(": ", 1)[1].rstrip(","))
        elif start is not None and line.startswith("    }"):
            for n in range(start, number + 1):
                sids[n] = sid
            start = None
    return sids


def lint(doc: PolicyDoc, body: dict) -> list[Hit]:
    """parliament's findings (its default auditors) on one document, as parliament's CLI reports them."""
    text = lintable(doc, body)
    sids = _statement_sids(text)
    hits = []
    for finding in parliament.analyze_policy_string(text, filepath=doc.where).findings:
        finding = parliament.enhance_finding(finding)
        if is_finding_filtered(finding, "LOW"):
            continue
        line = finding.location.get("line") or finding.location.get("lineno")
        hits.append(Hit(doc.where, sids.get(line), finding.issue, str(finding.detail)))
    return hits


def load_accepted() -> list[dict]:
    entries = (yaml.safe_load(ACCEPTED.read_text()) or {}).get("accepted") or []
    for entry in entries:
        assert set(entry) <= {"issue", "where", "sid", "detail", "reason"}, entry
        assert entry.get("issue") and entry.get("where") and len(str(entry.get("reason", ""))) > 40, (
            f"{ACCEPTED.name}: {entry}"
        )
    return entries


def accepts(entry: dict, hit: Hit) -> bool:
    return (
        entry["issue"] == hit.issue
        and re.fullmatch(entry["where"], hit.where) is not None
        and ("sid" not in entry or re.fullmatch(entry["sid"], hit.sid or "") is not None)
        and re.search(entry.get("detail", ""), hit.detail) is not None
    )


def test_every_policy_document_passes_parliament(stacks):
    docs, unreadable = find_policies(stacks)
    assert not unreadable, f"policy-like strings that are not literal JSON (cannot be linted): {unreadable}"
    kinds = {doc.rtype for doc in docs}
    assert "aws_organizations_policy" in kinds, "the SCPs must be among the linted documents"
    accepted = load_accepted()
    used: set[int] = set()
    problems: dict[str, list[str]] = {}
    for doc in docs:
        for hit in lint(doc, stacks[doc.account][doc.block][doc.rtype][doc.name]):
            matches = [i for i, entry in enumerate(accepted) if accepts(entry, hit)]
            used.update(matches)
            if not matches:
                problems.setdefault(doc.where, []).append(str(hit))
    assert problems == {}, json.dumps(problems, indent=2)
    stale = [accepted[i] for i in range(len(accepted)) if i not in used]
    assert stale == [], f"{ACCEPTED.name}: entries that match no finding any more (remove them): {stale}"


def test_no_policy_is_built_by_terraform_data_sources(stacks):
    """aws_iam_policy_document data sources render at plan time: parliament (and reviewers) cannot see them."""
    users = sorted(f"{a}/{name}" for a in stacks for name in stacks.data(a, "aws_iam_policy_document"))
    assert users == []


def test_finder_sees_nested_and_escaped_documents():
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "sagemaker.amazonaws.com"}}
            ],
        }
    )
    inline = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "${aws_s3_bucket.lake.arn}/home/$${aws:username}/*",
                }
            ],
        }
    )
    stacks = {
        "dev": {
            "resource": {
                "aws_iam_role": {
                    "r": {
                        "name": "reader",
                        "assume_role_policy": trust,
                        "inline_policy": [{"name": "p", "policy": inline}],
                    }
                },
                "aws_ssm_parameter": {"p": {"value": "Statement of work"}},
            }
        }
    }
    docs, unreadable = find_policies(stacks)
    assert [d.where for d in docs] == [
        "dev/aws_iam_role.r.assume_role_policy",
        "dev/aws_iam_role.r.inline_policy.0.policy",
    ]
    assert unreadable == ["dev/aws_ssm_parameter.p.value"]
    body = stacks["dev"]["resource"]["aws_iam_role"]["r"]
    assert json.loads(lintable(docs[0], body))["Statement"][0]["Resource"] == "arn:aws:iam::123456789012:role/reader"
    assert (
        json.loads(resolve_references(inline))["Statement"][0]["Resource"] == "arn:aws:s3:::lake/home/${aws:username}/*"
    )


def test_linter_catches_bad_policies():
    """The lint is not vacuous: a misspelled action and an action on the wrong kind of resource are findings."""

    def doc(action: str, resource: str) -> PolicyDoc:
        text = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Sid": "S", "Effect": "Allow", "Action": action, "Resource": resource}],
            }
        )
        return PolicyDoc("x", "aws_iam_policy", "p", "policy", text)

    assert [(h.issue, h.sid) for h in lint(doc("s3:GetObjects", "arn:aws:s3:::bucket/*"), {})] == [
        ("UNKNOWN_ACTION", "S")
    ]
    assert [(h.issue, h.sid) for h in lint(doc("s3:GetObject", "arn:aws:s3:::bucket"), {})] == [
        ("RESOURCE_MISMATCH", "S")
    ]
