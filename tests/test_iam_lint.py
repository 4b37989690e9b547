"""Every IAM policy document the example landing zone generates passes parliament with no findings."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import yaml

from tests.policy_lint import PolicyDoc, find_policies, lintable, resolve_references

with warnings.catch_warnings():  # parliament imports pkg_resources, which warns about its own deprecation
    warnings.simplefilter("ignore")
    parliament = pytest.importorskip("parliament")
    from parliament.cli import is_finding_filtered

CONFIG = Path(__file__).with_name("parliament.yaml")


@pytest.fixture(scope="module")
def linter():
    """parliament.analyze_policy_string with the repository's overrides (each one with a reason)."""
    overrides = yaml.safe_load(CONFIG.read_text()) or {}
    for issue, settings in overrides.items():
        assert str(settings.get("reason", "")).strip(), f"{CONFIG.name}: {issue} needs a reason"
    parliament.override_config(str(CONFIG) if overrides else None)

    def lint(doc: PolicyDoc, body: dict) -> list[str]:
        policy = parliament.analyze_policy_string(lintable(doc, body), filepath=doc.where, include_community_auditors=True)
        findings = [parliament.enhance_finding(f) for f in policy.findings]
        return [f"{f.issue}: {f.detail} at {f.location}" for f in findings if not is_finding_filtered(f, "LOW")]

    return lint


def test_every_policy_document_passes_parliament(stacks, linter):
    docs, unreadable = find_policies(stacks)
    assert not unreadable, f"policy-like strings that are not literal JSON (cannot be linted): {unreadable}"
    kinds = {doc.rtype for doc in docs}
    assert "aws_organizations_policy" in kinds, "the SCPs must be among the linted documents"
    problems = {}
    for doc in docs:
        body = stacks[doc.account][doc.block][doc.rtype][doc.name]
        findings = linter(doc, body)
        if findings:
            problems[doc.where] = findings
    assert problems == {}, json.dumps(problems, indent=2)


def test_no_policy_is_built_by_terraform_data_sources(stacks):
    """aws_iam_policy_document data sources render at plan time: parliament (and reviewers) cannot see them."""
    users = sorted(f"{a}/{name}" for a in stacks for name in stacks.data(a, "aws_iam_policy_document"))
    assert users == []


def test_finder_sees_nested_and_escaped_documents():
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "sagemaker.amazonaws.com"}}]})
    inline = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${aws_s3_bucket.lake.arn}/home/$${aws:username}/*"}]})
    stacks = {"dev": {"resource": {
        "aws_iam_role": {"r": {"name": "reader", "assume_role_policy": trust, "inline_policy": [{"name": "p", "policy": inline}]}},
        "aws_ssm_parameter": {"p": {"value": "Statement of work"}},
    }}}
    docs, unreadable = find_policies(stacks)
    assert [d.where for d in docs] == ["dev/aws_iam_role.r.assume_role_policy", "dev/aws_iam_role.r.inline_policy.0.policy"]
    assert unreadable == ["dev/aws_ssm_parameter.p.value"]
    body = stacks["dev"]["resource"]["aws_iam_role"]["r"]
    assert json.loads(lintable(docs[0], body))["Statement"][0]["Resource"] == "arn:aws:iam::123456789012:role/reader"
    assert json.loads(resolve_references(inline))["Statement"][0]["Resource"] == "arn:aws:s3:::lake/home/${aws:username}/*"


def test_linter_catches_bad_policies(linter):
    """The lint is not vacuous: a misspelled action and an action on the wrong kind of resource are findings."""
    def doc(action: str, resource: str) -> PolicyDoc:
        text = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
        return PolicyDoc("x", "aws_iam_policy", "p", "policy", text)

    assert [f.split(":")[0] for f in linter(doc("s3:GetObjects", "arn:aws:s3:::bucket/*"), {})] == ["UNKNOWN_ACTION"]
    assert [f.split(":")[0] for f in linter(doc("s3:GetObject", "arn:aws:s3:::bucket"), {})] == ["RESOURCE_MISMATCH"]
