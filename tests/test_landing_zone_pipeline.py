"""The landing-zone pipeline (s3 backend, management account): roles, stages, buildspecs rendered and run."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from cli.checkov import Skip, ToolError, find_checkov, load_skips, scan_stacks
from config import landing_zone_pipeline as lzp
from modules.templates import render
from tests.conftest import ROOT, copy_example, statements
from tests.helpers import EXAMPLE_BACKEND, replace_text
from tests.policy_lint import find_policies
from tests.terraform_fakes import read_log, write_fake_terraform
from tests.test_iam_lint import accepts, lint, load_accepted

S3 = "state_backend:\n  type: s3\n  bucket: acme-ml-tfstate\n  region: eu-central-1\n"
CODECOMMIT = S3 + "landing_zone_pipeline:\n  source: {type: codecommit, repository: acme-landing-zone, branch: main}\n"
CONNECTIONS = (
    S3 + "  kms_key_id: arn:aws:kms:eu-central-1:111111111111:key/0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n"
    "landing_zone_pipeline:\n  source: {type: codeconnections, provider: GitHub, repository: acme/landing-zone, "
    "branch: release}\n"
    "  config_path: platform/lz\n"
)
UNESCAPED = re.compile(r"(?<!\$)\$\{|(?<!%)%\{")


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory):
    """{name: (resolved, management stack)}: CodeCommit (default deploy roles) and CodeConnections (explicit
    management role)."""
    from accounts.app import synthesize
    from config import load, resolve

    out = {}
    for name, text in (("codecommit", CODECOMMIT), ("connections", CONNECTIONS)):
        base = tmp_path_factory.mktemp(name)
        root = copy_example(base)
        replace_text(root / "landing-zone.yaml", EXAMPLE_BACKEND + "\n", text)
        if name == "connections":
            replace_text(
                root / "accounts" / "management.yaml",
                "kind: management\n",
                "kind: management\ndeploy_role_name: PlatformDeploy\n",
            )
            (root / "accounts.lock.yaml").unlink()  # ds-dev and ml-exec are created by this very stack
        resolved = resolve(load(root))
        synthesize(resolved, ["management"], base / "out", state_dir=base / "state")
        out[name] = (resolved, json.loads((base / "out" / "stacks" / "management" / "cdk.tf.json").read_text()))
        out[f"{name}-stacks"] = base / "out" / "stacks"
    return out


def _role(stack: dict, name: str) -> tuple[dict, list[dict], list[str]]:
    """(role, inline statements, attached managed policy ARNs) of the role with this name."""
    res = stack["resource"]
    (key,) = [k for k, r in res["aws_iam_role"].items() if r["name"] == name]
    inline = [
        s
        for p in res["aws_iam_role_policy"].values()
        if p["role"] == f"${{aws_iam_role.{key}.id}}"
        for s in statements(p["policy"])
    ]
    attached = [
        a["policy_arn"]
        for a in res.get("aws_iam_role_policy_attachment", {}).values()
        if a["role"] == f"${{aws_iam_role.{key}.name}}"
    ]
    return res["aws_iam_role"][key], inline, attached


def _project(stack: dict, name: str) -> dict:
    (project,) = [p for p in stack["resource"]["aws_codebuild_project"].values() if p["name"] == name]
    return project


def test_pipeline_plans_waits_for_approval_then_applies(variants) -> None:
    _, stack = variants["codecommit"]
    (pipeline,) = stack["resource"]["aws_codepipeline"].values()
    assert pipeline["name"] == "acme-ml-landing-zone"
    assert [s["name"] for s in pipeline["stage"]] == ["Source", "Plan", "Approve", "Apply"]
    source, plan, approve, apply = (s["action"][0] for s in pipeline["stage"])
    assert source["provider"] == "CodeCommit" and source["configuration"]["BranchName"] == "main"
    assert plan["output_artifacts"] == ["plans"] and apply["input_artifacts"] == ["plans"]
    assert approve["provider"] == "Manual" and approve["timeout_in_minutes"] == 10080
    (repo,) = stack["resource"]["aws_codecommit_repository"].values()
    assert repo["repository_name"] == "acme-landing-zone"
    # Every commit to the branch starts the pipeline (EventBridge; polling is off).
    rules = [
        r
        for r in stack["resource"]["aws_cloudwatch_event_rule"].values()
        if r["name"] == "acme-ml-landing-zone-on-commit"
    ]
    pattern = json.loads(rules[0]["event_pattern"])
    assert pattern["detail"]["referenceName"] == ["main"] and pattern["resources"] == [
        "arn:aws:codecommit:eu-west-1:111111111111:acme-landing-zone"
    ]
    (target,) = [
        t
        for t in stack["resource"]["aws_cloudwatch_event_target"].values()
        if t["target_id"] == "acme-ml-landing-zone-on-commit"
    ]
    assert target["arn"] == "arn:aws:codepipeline:eu-west-1:111111111111:acme-ml-landing-zone"
    _, events, _ = _role(stack, "acme-ml-landing-zone-events")
    assert events == [
        {
            "Sid": "StartPipeline",
            "Effect": "Allow",
            "Action": "codepipeline:StartPipelineExecution",
            "Resource": target["arn"],
        }
    ]


def test_build_roles_reach_only_the_deploy_roles_and_the_state(variants) -> None:
    resolved, stack = variants["codecommit"]
    deploy_roles = sorted(resolved.deploy_role_arn(a) for a in resolved.order if a != "management")
    states = [f"arn:aws:s3:::acme-ml-tfstate/acme-ml/{a}/terraform.tfstate" for a in resolved.order]
    for stage, policy in (("plan", "ReadOnlyAccess"), ("apply", "AdministratorAccess")):
        role, inline, attached = _role(stack, f"acme-ml-landing-zone-{stage}")
        (trust,) = statements(role["assume_role_policy"])
        assert trust["Condition"]["ArnLike"] == {
            "aws:SourceArn": f"arn:aws:codebuild:eu-west-1:111111111111:project/acme-ml-landing-zone-{stage}"
        }
        by_sid = {s["Sid"]: s for s in inline}
        assert by_sid["AssumeDeployRoles"]["Resource"] == deploy_roles
        assert sorted(by_sid["StateObjects"]["Resource"]) == sorted(states)
        assert by_sid["StateObjects"]["Action"] == (
            ["s3:GetObject", "s3:PutObject"] if stage == "apply" else "s3:GetObject"
        )
        assert sorted(by_sid["StateLockFiles"]["Resource"]) == sorted(f"{s}.tflock" for s in states)
        assert by_sid["StateBucket"]["Resource"] == "arn:aws:s3:::acme-ml-tfstate"
        # The bootstrap key, found by its alias (state_backend.kms_key_id is not set).
        assert by_sid["StateKey"]["Resource"] == "arn:aws:kms:eu-central-1:111111111111:key/*"
        assert by_sid["StateKey"]["Condition"] == {
            "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/acme-ml/terraform-state"}
        }
        # Management has no deploy role: the build role acts there itself, read-only to plan.
        assert attached == [f"arn:aws:iam::aws:policy/{policy}"]
    # Both sides from one value: the stacks' backend keys are the ones the roles may write.
    assert lzp.state_object_arns(resolved)[0] == [
        f"arn:aws:s3:::acme-ml-tfstate/{resolved.state_key(a)}" for a in resolved.order
    ]


def test_codeconnections_source_and_an_explicit_management_role(variants) -> None:
    _, stack = variants["connections"]
    (pipeline,) = stack["resource"]["aws_codepipeline"].values()
    source = pipeline["stage"][0]["action"][0]
    assert source["provider"] == "CodeStarSourceConnection"
    assert source["configuration"]["DetectChanges"] == "true" and source["configuration"]["BranchName"] == "release"
    assert "aws_cloudwatch_event_rule" not in stack["resource"] or not any(
        "landing-zone" in r["name"] for r in stack["resource"]["aws_cloudwatch_event_rule"].values()
    )
    for stage in ("plan", "apply"):
        _, inline, attached = _role(stack, f"acme-ml-landing-zone-{stage}")
        by_sid = {s["Sid"]: s for s in inline}
        assert attached == []  # it assumes PlatformDeploy like the management stack's provider does
        assert "arn:aws:iam::111111111111:role/PlatformDeploy" in by_sid["AssumeDeployRoles"]["Resource"]
        # An account created by this stack is reached through the new account's id until `mlops-tf lock` records it.
        assert (
            "arn:aws:iam::${aws_organizations_account.account-ds-dev.id}:role/OrganizationAccountAccessRole"
            in by_sid["AssumeDeployRoles"]["Resource"]
        )
        assert (
            by_sid["StateKey"]["Resource"].endswith("key/0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
            and "Condition" not in by_sid["StateKey"]
        )


def _unescape(text: str) -> str:
    return text.replace("$${", "${").replace("%%{", "%{")


def test_buildspecs_are_the_rendered_templates_escaped_for_terraform(variants) -> None:
    _, stack = variants["codecommit"]
    for stage, template in (("plan", "landing_zone_plan.yaml.j2"), ("apply", "landing_zone_apply.yaml.j2")):
        written = _project(stack, f"acme-ml-landing-zone-{stage}")["source"]["buildspec"]
        assert UNESCAPED.search(written) is None, "a literal ${ would be read by Terraform as an interpolation"
        # render() returns the template as literal Terraform text already (modules/literal.py)
        rendered = render(
            template, pipeline_name="acme-ml-landing-zone", terraform_version="1.11.4", config_path="config"
        )
        assert written == rendered and "${" in _unescape(rendered)
        spec = yaml.safe_load(_unescape(rendered))
        assert spec["version"] == 0.2 and "terraform_1.11.4_linux_amd64.zip" in " ".join(
            spec["phases"]["install"]["commands"]
        )
    plan = yaml.safe_load(_unescape(_project(stack, "acme-ml-landing-zone-plan")["source"]["buildspec"]))
    commands = plan["phases"]["build"]["commands"]
    # The folder mlops-tf synthesized from (not in a git repository here: its own name)
    assert commands[:2] == [
        'mlops-tf validate --config "config"',
        'mlops-tf synth --config "config" --out cdktf.out --no-cache',
    ]
    assert 'mlops-tf plan --all --config "config" --out cdktf.out --json > plan-summaries/plan.json' in commands
    assert plan["artifacts"]["files"] == ["cdktf.out/**/*", "plan-summaries/**/*"]
    assert plan["artifacts"]["exclude-paths"] == ["cdktf.out/**/.terraform/**/*"]
    # landing_zone_pipeline.config_path: the configuration's folder in the landing-zone repository
    _, other = variants["connections"]
    plan = yaml.safe_load(_unescape(_project(other, "acme-ml-landing-zone-plan")["source"]["buildspec"]))
    assert plan["phases"]["build"]["commands"][:2] == [
        'mlops-tf validate --config "platform/lz"',
        'mlops-tf synth --config "platform/lz" --out cdktf.out --no-cache',
    ]


def _apply_script() -> str:
    spec = yaml.safe_load(
        _unescape(render("landing_zone_apply.yaml.j2", pipeline_name="p", terraform_version="1.11.4"))
    )
    (script,) = spec["phases"]["build"]["commands"]
    return script


@pytest.fixture
def artifact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The plan stage's artifact: manifest in apply order, saved plans, the JSON summary; terraform is the stand-in."""
    order = ["management", "security", "data", "staging"]
    (tmp_path / "cdktf.out").mkdir()
    (tmp_path / "cdktf.out" / "manifest.json").write_text(json.dumps({"stacks": {a: {} for a in order}}))
    for account in order:
        (tmp_path / "cdktf.out" / "stacks" / account / "plans").mkdir(parents=True)
        (tmp_path / "cdktf.out" / "stacks" / account / "plans" / "tfplan").write_text("saved")
    (tmp_path / "plan-summaries").mkdir()
    changes = {"management": True, "security": False, "data": True, "staging": True}
    (tmp_path / "plan-summaries" / "plan.json").write_text(
        json.dumps([{"account": a, "has_changes": c} for a, c in sorted(changes.items())])
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(write_fake_terraform(tmp_path), bin_dir / "terraform")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TF_LOG", str(tmp_path / "tf.log"))
    monkeypatch.setenv("FAKE_TF_FAIL", "")
    return tmp_path


def test_apply_stage_applies_the_saved_plans_with_changes_in_apply_order(artifact: Path) -> None:
    proc = subprocess.run(
        ["bash", "-c", _apply_script()], cwd=artifact, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    calls = [(c["account"], c["argv"]) for c in read_log(artifact / "tf.log")]
    assert calls == [
        (account, argv)
        for account in ("management", "data", "staging")
        for argv in (["init", "-input=false"], ["apply", "-input=false", "-lock-timeout=5m", "plans/tfplan"])
    ]
    assert "security: no changes" in proc.stdout


def test_apply_stage_stops_at_the_first_failure(artifact: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_TF_FAIL", "data:apply")
    proc = subprocess.run(
        ["bash", "-c", _apply_script()], cwd=artifact, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode != 0
    assert [c["account"] for c in read_log(artifact / "tf.log")] == ["management", "management", "data", "data"]


def test_pipeline_policies_pass_parliament(variants) -> None:
    _, stack = variants["codecommit"]
    docs, unreadable = find_policies({"management": stack})
    ours = [d for d in docs if "landing-zone-pipeline" in d.name or "lz-pipeline" in d.name]
    assert len(ours) >= 5 and not unreadable
    accepted = load_accepted()  # the project's reviewed exceptions (kms:ResourceAliases is a resource-level key)
    hits = [
        h for d in ours for h in lint(d, stack[d.block][d.rtype][d.name]) if not any(accepts(e, h) for e in accepted)
    ]
    assert [str(h) for h in hits] == []


# The example landing zone has no pipeline (its backend is local), so its skip file cannot hold these:
# the pipeline's accepted checkov findings, each with its reason, and nothing else may fail.
PIPELINE_ACCEPTED = {
    (
        "CKV2_AWS_37",
        "aws_codecommit_repository.landing-zone-pipeline_repository_388CFC09",
    ): "Changes reach AWS only through the pipeline's manual approval of the saved plans; a CodeCommit approval rule "
    "would gate merges twice.",
    (
        "CKV_AWS_145",
        "aws_s3_bucket.lz-pipeline-access-logs_bucket_DEFD9257",
    ): "The target bucket of S3 server access logs can only use SSE-S3: AWS does not deliver access logs to an "
    "SSE-KMS bucket.",
    (
        "CKV_AWS_144",
        "aws_s3_bucket.lz-pipeline-access-logs_bucket_DEFD9257",
    ): "Access logs stay in their region; replicating them would double their cost without a recovery use.",
    (
        "CKV2_AWS_62",
        "aws_s3_bucket.lz-pipeline-access-logs_bucket_DEFD9257",
    ): "Event notifications are an integration feature, not a control: nothing consumes access-log object events.",
    (
        "CKV_AWS_144",
        "aws_s3_bucket.lz-pipeline-artifacts_bucket_12A46042",
    ): "Pipeline artifacts (saved plans) are re-created by the next run; a second region adds no recovery use.",
    (
        "CKV2_AWS_62",
        "aws_s3_bucket.lz-pipeline-artifacts_bucket_12A46042",
    ): "Event notifications are an integration feature, not a control: CodePipeline reads and writes its artifacts "
    "itself.",
    (
        "CKV_AWS_274",
        "aws_iam_role_policy_attachment.landing-zone-pipeline_apply-role-AdministratorAccess_4F0CEB0D",
    ): "Without a management deploy_role_name the management stack (Organizations, SCPs, IAM) runs with the apply "
    "role's "
    "own rights; only builds of the apply project, after the manual approval, can assume it.",
}


def test_pipeline_scans_clean_but_for_its_accepted_findings(variants) -> None:
    try:
        checkov = find_checkov()
    except ToolError as exc:
        pytest.skip(f"checkov is not installed ({exc})")
    accepted = [Skip(check, resource, reason, "management") for (check, resource), reason in PIPELINE_ACCEPTED.items()]
    report = scan_stacks(
        variants["codecommit-stacks"],
        ["management"],
        [*load_skips(ROOT / "config" / "checkov-skips.yaml"), *accepted],
        checkov,
        kinds={"management": "management"},  # as `mlops-tf scan` passes them, for the file's `kind:` entries
    )
    assert report.parsing_errors == [] and [(f.check, f.resource) for f in report.failed] == []
    assert {(f.check, f.resource) for f, _ in report.skipped} >= set(PIPELINE_ACCEPTED)
