"""mlops-tf scan: checkov over the stacks, failures grouped by account, a per-resource skip file."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.checkov import Finding, Skip, ToolError, evaluate, find_checkov, load_skips, scan_stacks
from cli.scan import default_skips
from config import ConfigError, load
from tests.conftest import EXAMPLE, ROOT

SKIPS = EXAMPLE / "checkov-skips.yaml"
runner = CliRunner()
# A skipped finding as `scan` prints it: skipped <account>: <check> <resource>: <reason>
SKIPPED_LINE = re.compile(r"^skipped (\S+): (\S+) (\S+): (.*)$")


def checkov_or_skip() -> Path:
    try:
        return find_checkov()
    except ToolError as exc:
        pytest.skip(f"checkov is not installed ({exc}); ./setup.sh installs it in .venv-scan")


def write_stack(root: Path, account: str, stack: dict) -> None:
    (root / account).mkdir(parents=True)
    (root / account / "cdk.tf.json").write_text(json.dumps(stack))


@pytest.fixture(scope="module")
def example_scan(tmp_path_factory):
    """`mlops-tf scan --config <example>` without --skips: the skip file is the configuration folder's."""
    checkov_or_skip()
    tmp = tmp_path_factory.mktemp("example-scan")
    args = ["scan", "--config", str(EXAMPLE), "--out", str(tmp / "cdktf.out"), "--state-dir", str(tmp / "state")]
    return runner.invoke(app, args)


def skipped_findings(output: str) -> list[tuple[Finding, str]]:
    """(finding, reason) of every `skipped` line of a scan's text output."""
    matches = [SKIPPED_LINE.match(line) for line in output.splitlines()]
    return [(Finding(m[1], m[2], m[3], ""), m[4]) for m in matches if m]


def test_example_scans_clean(example_scan):
    result = example_scan
    assert result.exit_code == 0, result.output + result.stderr
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith("scanned 8 stack(s):") and " 0 failed," in summary and "0 parsing error(s)" in summary
    assert f"skipped ({SKIPS})" in summary, "the skip file is the configuration folder's"
    assert "matched no failed check" not in result.stderr, f"stale entries in {SKIPS}: remove them"
    # Every entry, pattern or exact, accepts at least one finding of the example with its own reason:
    # the example's file holds no entry that nothing needs.
    skipped = skipped_findings(result.output)
    assert skipped
    for skip in load_skips(SKIPS):
        assert any(
            f.check == skip.check and fnmatch.fnmatchcase(f.resource, skip.resource) and reason == skip.reason
            for f, reason in skipped
        ), f"{SKIPS}: {skip.check} {skip.resource} accepts nothing in the example"


def test_failed_checks_are_named_by_type_and_grouped_by_account(tmp_path):
    checkov = checkov_or_skip()
    write_stack(
        tmp_path, "dev", {"resource": {"aws_sqs_queue": {"q": {"name": "q"}}, "aws_sns_topic": {"q": {"name": "t"}}}}
    )
    write_stack(
        tmp_path,
        "prod",
        {"resource": {"aws_sns_topic": {"alerts": {"name": "alerts", "kms_master_key_id": "alias/x"}}}},
    )
    report = scan_stacks(tmp_path, ["dev", "prod"], [], checkov)
    assert not report.clean and report.parsing_errors == []
    failed = {(f.account, f.check, f.resource) for f in report.failed}
    assert failed == {("dev", "CKV_AWS_27", "aws_sqs_queue.q"), ("dev", "CKV_AWS_26", "aws_sns_topic.q")}
    accepted = [Skip("CKV_AWS_27", "aws_sqs_queue.q", "test", "dev")]
    report = scan_stacks(tmp_path, ["dev", "prod"], accepted, checkov)
    assert [(f.check, f.resource) for f in report.failed] == [("CKV_AWS_26", "aws_sns_topic.q")]
    assert [(f.check, s.reason) for f, s in report.skipped] == [("CKV_AWS_27", "test")]


def test_a_stack_checkov_cannot_parse_fails_the_scan(tmp_path, example_out):
    checkov = checkov_or_skip()
    stacks = tmp_path / "stacks"
    shutil.copytree(example_out / "stacks", stacks)
    # `import` (which checkov cannot parse) is removed before scanning; `moved` is not, so it must fail.
    stack = json.loads((stacks / "security" / "cdk.tf.json").read_text())
    stack["moved"] = [{"from": "aws_sqs_queue.a", "to": "aws_sqs_queue.b"}]
    (stacks / "security" / "cdk.tf.json").write_text(json.dumps(stack))
    report = scan_stacks(stacks, ["management", "security"], load_skips(SKIPS), checkov)
    assert report.parsing_errors == ["security/cdk.tf.json"] and not report.clean


def test_skip_matching_is_exact():
    finding = Finding("prod", "CKV_AWS_26", "aws_sns_topic.alerts", "t")
    report = {
        "results": {
            "failed_checks": [
                {"check_id": "CKV_AWS_26", "resource": "aws_sns_topic.alerts", "file_path": "/prod/cdk.tf.json"}
            ]
        }
    }
    for skip, applies in [
        (Skip("CKV_AWS_26", "aws_sns_topic.alerts", "r"), True),
        (Skip("CKV_AWS_26", "aws_sns_topic.alerts", "r", "prod"), True),
        (Skip("CKV_AWS_26", "aws_sns_topic.alerts", "r", "dev"), False),
        (Skip("CKV_AWS_26", "aws_sns_topic.other", "r"), False),
        (Skip("CKV_AWS_27", "aws_sns_topic.alerts", "r"), False),
    ]:
        assert skip.matches(finding) is applies
        assert evaluate(report, ["prod"], [skip]).clean is applies


def test_skip_file_rejects_blanket_and_unexplained_entries(tmp_path):
    path = tmp_path / "skips.yaml"
    path.write_text(
        "skips:\n"
        "  - check: CKV_AWS_26\n    resource: aws_sns_topic.a\n    reason: encrypted by the bus key\n"
        "  - check: CKV_AWS_27\n    resource: '*'\n    reason: everything\n"
        "  - check: CKV_AWS_28\n    resource: aws_dynamodb_table.t\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_skips(path)
    messages = [(d.line, d.field, d.message) for d in caught.value.diagnostics]
    assert messages[0][:2] == (5, "skips[1]") and "no wildcards in resource" in messages[0][2]
    assert messages[1][:2] == (8, "skips[2]") and "missing reason" in messages[1][2]
    assert load_skips(tmp_path / "absent.yaml") == []


def test_scan_without_checkov_exits_3(tmp_path):
    result = runner.invoke(
        app, ["scan", "--config", str(EXAMPLE), "--out", str(tmp_path / "o"), "--checkov", str(tmp_path / "nope")]
    )
    assert result.exit_code == 3 and "checkov not found" in result.stderr


def test_repository_skip_file_is_valid_and_explained():
    skips = load_skips(SKIPS)
    assert skips, "the example has accepted findings; each must be listed"
    for skip in skips:
        assert len(skip.reason) > 40, f"{skip.check} {skip.resource}: say why"


def test_scan_json_is_the_report_as_data(tmp_path):
    checkov_or_skip()
    out = tmp_path / "cdktf.out"
    args = [
        "scan",
        "--config",
        str(EXAMPLE),
        "--out",
        str(out),
        "--state-dir",
        str(tmp_path / "state"),
        "--skips",
        str(SKIPS),
        "--account",
        "production",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output + result.stderr
    data = json.loads(result.stdout)
    assert data["accounts"] == ["production"] and data["clean"] is True and data["failed"] == []
    assert data["passed"] > 0 and data["parsing_errors"] == []
    assert all(s["account"] == "production" and s["reason"] for s in data["skipped"])


def test_skip_patterns_and_kinds_match_stable_addresses():
    finding = Finding("ds-7", "CKV_AWS_144", "aws_s3_bucket.project-models_bucket_5977307C", "t")
    for skip, applies in [
        (Skip("CKV_AWS_144", "aws_s3_bucket.project-*_bucket_*", "r"), True),
        (Skip("CKV_AWS_144", "aws_s3_bucket.project-*_bucket_*", "r", kind="data-science"), True),
        (Skip("CKV_AWS_144", "aws_s3_bucket.project-*_bucket_*", "r", kind="data"), False),
        (Skip("CKV_AWS_144", "aws_s3_bucket.lake-*", "r"), False),
        (Skip("CKV_AWS_144", "aws_s3_bucket.project-*", "r", account="ds-*"), True),
        (Skip("CKV_AWS_144", "aws_s3_bucket.project-*", "r", account="prod-*"), False),
    ]:
        assert skip.matches(finding, "data-science") is applies, skip


def test_only_exact_skips_go_stale():
    report = {"results": {"failed_checks": []}}
    exact = Skip("CKV_AWS_26", "aws_sns_topic.alerts", "r")
    pattern = Skip("CKV_AWS_26", "aws_sns_topic.*", "r")
    other_kind = Skip("CKV_AWS_26", "aws_sns_topic.alerts", "r", kind="production")
    unused = evaluate(report, ["prod"], [exact, pattern, other_kind], kinds={"prod": "staging"}).unused_skips
    assert unused == [exact]


def test_skip_patterns_name_one_check_and_one_type(tmp_path):
    path = tmp_path / "skips.yaml"
    path.write_text(
        "skips:\n"
        "  - {check: CKV_AWS_144, resource: 'aws_s3_bucket.*access-logs*', kind: data, reason: logs stay in region}\n"
        "  - {check: 'CKV_AWS_*', resource: aws_s3_bucket.a, reason: every check}\n"
        "  - {check: CKV_AWS_1, resource: '*.a', reason: every type}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_skips(path)
    messages = [(d.field, d.message) for d in caught.value.diagnostics]
    assert [f for f, _ in messages] == ["skips[1]", "skips[2]"]
    assert "no wildcards in check" in messages[0][1] and "no wildcards in resource type" in messages[1][1]


def test_skip_file_follows_the_configuration_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "lz"
    config.mkdir()
    assert default_skips(config) == config / "checkov-skips.yaml"  # neither exists: the folder's name
    assert capsys.readouterr().err == ""
    # The working directory's .checkov-skips.yaml of earlier versions is not read, only named in a warning.
    Path(".checkov-skips.yaml").write_text("skips: []\n")
    assert default_skips(config) == config / "checkov-skips.yaml"
    assert capsys.readouterr().err.strip() == (
        f"warning: .checkov-skips.yaml is no longer read; move it to {config / 'checkov-skips.yaml'} "
        "(or pass --skips .checkov-skips.yaml)"
    )
    (config / "checkov-skips.yaml").write_text("skips: []\n")
    assert default_skips(config) == config / "checkov-skips.yaml"
    assert capsys.readouterr().err == ""


# The example's own decisions about one resource, which no pattern of a new landing zone should accept:
# the staging fraud endpoint is serverless (no KMS key, no network isolation: SageMaker rejects both there),
# and the partners API's WAF is an accepted risk of the example's security team.
EXAMPLE_ONLY = {
    ("CKV_AWS_98", "aws_sagemaker_endpoint_configuration.endpoint-fraud_configuration_5B237D97"),
    ("CKV_AWS_370", "aws_sagemaker_model.endpoint-fraud_model-primary_39E7880E"),
    ("CKV2_AWS_29", "aws_api_gateway_stage.api-partners_stage_ACFD0D1E"),
}


def test_init_skip_patterns_cover_every_finding_the_example_accepts(example_scan):
    """The skip file `init` writes accepts, by pattern and kind, every finding the example's scan accepts
    (but the example's own decisions): a new landing zone with the same kinds and features scans clean
    without hand-written entries."""
    template = load_skips(ROOT / "cli" / "templates" / "checkov-skips.yaml.j2")
    assert all(s.pattern or s.kind for s in template if s.resource != "aws_iam_role.security-auditor")
    kinds = {a.name: a.kind for a in load(EXAMPLE).accounts.values()}
    skipped = skipped_findings(example_scan.output)
    assert {(f.check, f.resource) for f, _ in skipped} >= EXAMPLE_ONLY
    uncovered = [
        f"{f.check} {f.resource} ({f.account})"
        for f, _ in skipped
        if (f.check, f.resource) not in EXAMPLE_ONLY and not any(t.matches(f, kinds[f.account]) for t in template)
    ]
    assert uncovered == []
