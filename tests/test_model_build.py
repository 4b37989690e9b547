"""From a commit to a registered model: the chain of the example's churn project traced through the synthesized
JSON (persona -> push permission -> commit event -> image build -> cross-account start -> pipeline parameters ->
registration metadata -> card permissions), the buildspecs run with stand-ins, and the configuration errors."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from config.kinds import model_build as kind
from tests.helpers import config_errors, error_on, line_of, replace_text

SS, ML, DS = "shared-services", "ml-exec", "ds-dev"
REPO_ARN = "arn:aws:codecommit:eu-west-1:444444444444:acme-ml-churn"
PIPELINE_ARN = "arn:aws:sagemaker:eu-west-1:666666666666:pipeline/acme-ml-churn-training"
START_ROLE = "arn:aws:iam::666666666666:role/acme-ml-project-churn-start"
BUILD_ROLE = "arn:aws:iam::444444444444:role/acme-ml-project-churn-build"
REGISTRY = "444444444444.dkr.ecr.eu-west-1.amazonaws.com/acme-ml"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def policy_of(stacks, account: str, rtype: str, needle: str) -> dict:
    found = [r for r in stacks.resources(account, rtype).values() if needle in json.dumps(r)]
    assert len(found) == 1, f"{len(found)} {rtype} in {account} match {needle!r}"
    return found[0]


def statements(policy: str) -> dict:
    return {s["Sid"]: s for s in json.loads(policy)["Statement"]}


def role(stacks, account: str, name: str) -> dict:
    return next(r for r in stacks.resources(account, "aws_iam_role").values() if r["name"] == name)


def inline(stacks, account: str, role_ref_part: str, name: str) -> dict:
    return statements(
        next(
            p["policy"]
            for key, p in stacks.resources(account, "aws_iam_role_policy").items()
            if role_ref_part in key and p["name"] == name
        )
    )


def project(stacks, suffix: str) -> dict:
    return next(
        p
        for p in stacks.resources(SS, "aws_codebuild_project").values()
        if p["name"] == f"acme-ml-project-churn-{suffix}"
    )


def pipeline_definition(stacks) -> dict:
    found = next(
        p
        for p in stacks.resources(ML, "aws_sagemaker_pipeline").values()
        if p["pipeline_name"] == "acme-ml-churn-training"
    )
    return json.loads(found["pipeline_definition"])


# -- 1. persona -> push permission on exactly that repository -----------------------------------
def test_personas_push_to_exactly_the_project_repository(stacks, resolved_example):
    data_scientist = resolved_example.role_arn(DS, "acme-ml-persona-data-scientist")
    engineer = resolved_example.role_arn(DS, "acme-ml-persona-mlops-engineer")
    # data-science side: each named persona may assume its role in shared services, nothing else.
    assert (
        inline(stacks, DS, "persona-data-scientist", "model-build-push")["AssumeProjectPushRoles"]["Resource"]
        == "arn:aws:iam::444444444444:role/acme-ml-project-churn-push"
    )
    assert (
        inline(stacks, DS, "persona-mlops-engineer", "model-build-push")["AssumeProjectPushRoles"]["Resource"]
        == "arn:aws:iam::444444444444:role/acme-ml-project-churn-release"
    )
    assert not [
        p
        for k, p in stacks.resources(DS, "aws_iam_role_policy").items()
        if "sagemaker-compute" in k and p["name"] == "model-build-push"
    ]
    # shared-services side: the root of ds-dev narrowed to exactly those persona roles (both sides from one name).
    for name, persona in (("acme-ml-project-churn-push", data_scientist), ("acme-ml-project-churn-release", engineer)):
        trust = json.loads(role(stacks, SS, name)["assume_role_policy"])["Statement"][0]
        assert trust["Principal"] == {"AWS": "arn:aws:iam::555555555555:root"}
        assert trust["Condition"] == {"ArnEquals": {"aws:PrincipalArn": persona}}
    push = inline(stacks, SS, "push-role", "repository")
    release = inline(stacks, SS, "release-role", "repository")
    assert push["WorkInRepository"]["Resource"] == release["WorkInRepository"]["Resource"] == REPO_ARN
    assert "codecommit:GitPush" in push["WorkInRepository"]["Action"]
    # Only the release role may update main: the push role is denied every branch write on refs/heads/main.
    deny = push["KeepMainBranch"]
    assert deny["Effect"] == "Deny" and deny["Resource"] == REPO_ARN
    assert deny["Condition"] == {
        "StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
        "Null": {"codecommit:References": "false"},
    }
    assert {"codecommit:GitPush", "codecommit:MergePullRequestBySquash", "codecommit:PutFile"} <= set(deny["Action"])
    assert "KeepMainBranch" not in release
    # Pull requests into main need one approval by a release-role session.
    rule = json.loads(stacks.resource(SS, "aws_codecommit_approval_rule_template")["content"])
    assert rule["DestinationReferences"] == ["refs/heads/main"]
    assert rule["Statements"][0]["ApprovalPoolMembers"] == [
        "arn:aws:sts::444444444444:assumed-role/acme-ml-project-churn-release/*"
    ]
    # Studio has no internet egress: git reaches CodeCommit through endpoints of its VPC.
    services = {e["service_name"] for e in stacks.resources(DS, "aws_vpc_endpoint").values()}
    assert {"com.amazonaws.eu-west-1.codecommit", "com.amazonaws.eu-west-1.git-codecommit"} <= services


def test_repository_is_encrypted_with_the_model_build_key(stacks):
    repo = stacks.resource(
        SS,
        "aws_codecommit_repository",
        next(k for k in stacks.resources(SS, "aws_codecommit_repository") if k.startswith("model-build-churn")),
    )
    assert repo["repository_name"] == "acme-ml-churn"
    assert repo["kms_key_id"].startswith("${aws_kms_key.model-build-key")


# -- 2. commit event -> build project -> images in the right ECR repositories --------------------
def test_a_push_to_main_starts_the_image_build_at_that_commit(stacks):
    rule = next(
        r
        for r in stacks.resources(SS, "aws_cloudwatch_event_rule").values()
        if r["name"] == "acme-ml-project-churn-push"
    )
    pattern = json.loads(rule["event_pattern"])
    assert pattern["resources"] == [REPO_ARN] and pattern["source"] == ["aws.codecommit"]
    assert pattern["detail"] == {
        "event": ["referenceCreated", "referenceUpdated"],
        "referenceType": ["branch"],
        "referenceName": ["main"],
    }
    assert rule.get("event_bus_name") is None  # CodeCommit events arrive on the default bus
    target = next(
        t
        for t in stacks.resources(SS, "aws_cloudwatch_event_target").values()
        if t["target_id"] == "acme-ml-project-churn-push"
    )
    images = project(stacks, "images")
    assert target["arn"].startswith("${aws_codebuild_project.model-build-churn_images")
    assert target["input_transformer"]["input_paths"] == {"commit": "$.detail.commitId"}
    assert json.loads(target["input_transformer"]["input_template"].replace("<commit>", f'"{COMMIT}"')) == {
        "sourceVersion": COMMIT
    }
    events_policy = inline(stacks, SS, "events-role", "deliver")["StartModelBuilds"]
    assert events_policy["Resource"] == [
        "arn:aws:codebuild:eu-west-1:444444444444:project/acme-ml-project-churn-card",
        "arn:aws:codebuild:eu-west-1:444444444444:project/acme-ml-project-churn-images",
    ]
    assert images["source"]["type"] == "CODECOMMIT" and images["source"]["location"].startswith(
        "${aws_codecommit_repository.model-build-churn_repository"
    )
    assert images["environment"]["privileged_mode"] is True


def test_build_pushes_to_exactly_the_pipeline_repositories(stacks):
    policy = inline(stacks, SS, "model-build-churn_build-role", "model-build")
    repos = ["churn-inference", "churn-processing", "churn-training"]
    assert policy["PushImages"]["Resource"] == [
        f"arn:aws:ecr:eu-west-1:444444444444:repository/acme-ml/{r}" for r in repos
    ]
    assert "ecr:PutImage" in policy["PushImages"]["Action"]
    assert policy["CloneRepository"]["Resource"] == REPO_ARN
    assert policy["AssumeStartRole"]["Resource"] == START_ROLE
    for repo in stacks.resources(SS, "aws_ecr_repository").values():
        if repo["name"] in {f"acme-ml/{r}" for r in repos}:
            assert repo["image_tag_mutability"] == "IMMUTABLE" and repo["image_scanning_configuration"] == {
                "scan_on_push": True
            }
    spec = yaml.safe_load(project(stacks, "images")["source"]["buildspec"])
    commands = "\n".join(spec["phases"]["build"]["commands"])
    for repo, folder in (
        ("churn-processing", "processing"),
        ("churn-training", "training"),
        ("churn-inference", "inference"),
    ):
        assert f'docker build --tag "{REGISTRY}/{repo}:$COMMIT" "{folder}"' in commands
        assert f'docker push "{REGISTRY}/{repo}:$COMMIT"' in commands


# -- 3. cross-account start of exactly that pipeline, with the images as parameters ---------------
def test_start_role_starts_exactly_that_pipeline(stacks):
    start = role(stacks, ML, "acme-ml-project-churn-start")
    trust = json.loads(start["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::444444444444:root"} and trust["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": BUILD_ROLE}
    }
    policy = inline(stacks, ML, "model-build-start-churn", "start-pipeline")
    assert policy["StartPipeline"] == {
        "Sid": "StartPipeline",
        "Effect": "Allow",
        "Action": "sagemaker:StartPipelineExecution",
        "Resource": PIPELINE_ARN,
    }
    # The fraud pipeline has no project: no start role for it.
    assert [
        r["name"]
        for r in stacks.resources(ML, "aws_iam_role").values()
        if "-project-" in r["name"] and r["name"].endswith("-start")
    ] == ["acme-ml-project-churn-start"]


def test_pipeline_takes_its_images_as_parameters_defaulting_to_the_yaml_tags(stacks):
    definition = pipeline_definition(stacks)
    params = {p["Name"]: p["DefaultValue"] for p in definition["Parameters"]}
    assert params["ProcessingImage"] == f"{REGISTRY}/churn-processing:1.0.0"
    assert params["TrainingImage"] == f"{REGISTRY}/churn-training:1.0.0"
    assert params["InferenceImage"] == f"{REGISTRY}/churn-inference:1.0.0"
    assert params["CommitId"] == "none"
    steps = {s["Name"]: s for s in definition["Steps"]}
    assert steps["Preprocess"]["Arguments"]["AppSpecification"]["ImageUri"] == {"Get": "Parameters.ProcessingImage"}
    assert steps["Evaluate"]["Arguments"]["AppSpecification"]["ImageUri"] == {"Get": "Parameters.ProcessingImage"}
    assert steps["Train"]["Arguments"]["AlgorithmSpecification"]["TrainingImage"] == {"Get": "Parameters.TrainingImage"}
    register = steps["CheckAccuracy"]["Arguments"]["IfSteps"][0]["Arguments"]
    assert register["InferenceSpecification"]["Containers"][0]["Image"] == {"Get": "Parameters.InferenceImage"}
    # Traceability: the package records the commit, every image and digest, and the execution.
    meta = register["CustomerMetadataProperties"]
    assert meta["CommitId"] == {"Get": "Parameters.CommitId"}
    for name in (
        "ProcessingImage",
        "TrainingImage",
        "InferenceImage",
        "ProcessingImageDigest",
        "TrainingImageDigest",
        "InferenceImageDigest",
    ):
        assert meta[name] == {"Get": f"Parameters.{name}"} and name in params
    assert meta["PipelineExecutionArn"] == {"Get": "Execution.PipelineExecutionArn"}


AWS_STUB = r"""#!/bin/sh
echo "aws $*" >> "$CALLS"
case "$1 $2" in
  "ecr describe-images")
    repo=$(echo "$*" | sed 's/.*--repository-name \([^ ]*\).*/\1/')
    grep -q "docker push .*$repo:" "$CALLS" || [ -n "$EXISTING" ] || exit 254
    echo "sha256:$(echo "$repo" | md5sum | cut -c1-8)";;
  "ecr get-login-password") echo token;;
esac
exit 0
"""


def run_buildspec(
    spec: dict, tmp_path: Path, phases: tuple[str, ...], folders=(), **env: str
) -> tuple[int, list[str], str]:
    """Commands of the given phases in one bash (buildspec 0.2 runs them in one shell; a failing command fails
    the build), with stand-ins for aws, docker and python-free tools that record their calls."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir(exist_ok=True)
    calls.unlink(missing_ok=True)
    (bin_dir / "aws").write_text(AWS_STUB)
    (bin_dir / "docker").write_text('#!/bin/sh\necho "docker $*" >> "$CALLS"\n')
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    work = tmp_path / "src"
    work.mkdir(exist_ok=True)
    for folder in folders:
        (work / folder).mkdir(exist_ok=True)
        (work / folder / "Dockerfile").write_text("FROM scratch\n")
    script = "set -e\n" + "\n".join(c for p in phases for c in spec["phases"][p]["commands"])
    done = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(calls), **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=work,
    )
    return done.returncode, calls.read_text().splitlines() if calls.exists() else [], done.stdout + done.stderr


def test_image_build_pushes_then_starts_the_pipeline_with_its_images(stacks, tmp_path: Path):
    spec = yaml.safe_load(project(stacks, "images")["source"]["buildspec"])
    code, calls, out = run_buildspec(
        spec,
        tmp_path,
        ("pre_build", "build"),
        ("processing", "training", "inference"),
        CODEBUILD_RESOLVED_SOURCE_VERSION=COMMIT,
    )
    assert code == 0, out
    pushes = [c for c in calls if c.startswith("docker push")]
    assert pushes == [
        f"docker push {REGISTRY}/{r}:{COMMIT}" for r in ("churn-inference", "churn-processing", "churn-training")
    ]
    assert f"aws configure set profile.pipeline.role_arn {START_ROLE}" in calls
    start = [c for c in calls if "start-pipeline-execution" in c]
    assert (
        len(start) == 1
        and "--pipeline-name acme-ml-churn-training" in start[0]
        and f"--client-request-token {COMMIT}" in start[0]
    )
    # Every parameter the build sets is declared by the pipeline; images carry the commit tag, digests the pushed
    # digest.
    declared = {p["Name"] for p in pipeline_definition(stacks)["Parameters"]}
    passed = dict(re.findall(r"Name=(\w+),Value=(\S+)", start[0]))
    assert set(passed) <= declared and set(passed) == {
        "CommitId",
        *kind.IMAGE_PARAMETERS.values(),
        *kind.DIGEST_PARAMETERS.values(),
    }
    assert passed["CommitId"] == COMMIT
    assert passed["TrainingImage"] == f"{REGISTRY}/churn-training:{COMMIT}"
    assert passed["InferenceImage"] == f"{REGISTRY}/churn-inference:{COMMIT}"
    assert all(passed[d].startswith("sha256:") for d in kind.DIGEST_PARAMETERS.values())
    assert calls.index(pushes[-1]) < calls.index(start[0])
    # The same commit again (a branch created at it, a retried build): nothing is pushed twice, the pipeline starts
    # with the existing images (the commit id is the start's idempotency token).
    code, calls, out = run_buildspec(
        spec, tmp_path, ("pre_build", "build"), (), CODEBUILD_RESOLVED_SOURCE_VERSION=COMMIT, EXISTING="1"
    )
    assert code == 0, out
    assert (
        not [c for c in calls if c.startswith(("docker build", "docker push"))]
        and len([c for c in calls if "start-pipeline-execution" in c]) == 1
    )


def test_image_build_refuses_a_missing_dockerfile_or_a_non_commit(stacks, tmp_path: Path):
    spec = yaml.safe_load(project(stacks, "images")["source"]["buildspec"])
    code, calls, out = run_buildspec(
        spec, tmp_path, ("pre_build", "build"), ("processing", "inference"), CODEBUILD_RESOLVED_SOURCE_VERSION=COMMIT
    )
    assert code != 0 and "training/Dockerfile is missing" in out
    assert not [c for c in calls if "start-pipeline-execution" in c]
    (tmp_path / "x").mkdir()
    code, calls, out = run_buildspec(
        spec,
        tmp_path / "x",
        ("pre_build", "build"),
        ("processing", "training", "inference"),
        CODEBUILD_RESOLVED_SOURCE_VERSION="refs/heads/main",
    )
    assert code != 0 and calls == []


def test_no_shell_interpolation_reaches_terraform(stacks):
    """Terraform reads a dollar-brace in any JSON string as an interpolation: the buildspecs write $NAME only."""
    for suffix in ("images", "card"):
        spec = project(stacks, suffix)["source"]["buildspec"]
        assert "${" not in spec and "%{" not in spec


# -- 4. registration -> model card, with permissions on that group's cards only ---------------------
def test_registered_versions_get_a_model_card_scoped_to_the_group(stacks):
    rule = next(
        r
        for r in stacks.resources(SS, "aws_cloudwatch_event_rule").values()
        if r["name"] == "acme-ml-project-churn-push-card"
    )
    pattern = json.loads(rule["event_pattern"])
    assert pattern["detail"] == {"ModelPackageGroupName": ["acme-ml-churn"]} and pattern["account"] == ["666666666666"]
    assert rule["event_bus_name"].startswith("${aws_cloudwatch_event_bus.registry-bus")
    policy = inline(stacks, ML, "model-build-start-churn", "start-pipeline")
    assert (
        policy["WriteGroupCards"]["Resource"] == "arn:aws:sagemaker:eu-west-1:666666666666:model-card/acme-ml-churn-*"
    )
    assert policy["WriteGroupCards"]["Action"] == ["sagemaker:CreateModelCard", "sagemaker:DescribeModelCard"]
    assert (
        policy["ReadPackages"]["Resource"] == "arn:aws:sagemaker:eu-west-1:666666666666:model-package/acme-ml-churn/*"
    )
    assert policy["ReadExecutions"]["Resource"] == f"{PIPELINE_ARN}/execution/*"
    spec = project(stacks, "card")["source"]["buildspec"]
    assert 'CARD="acme-ml-churn-$VERSION"' in spec and "create-model-card" in spec


CARD_AWS_STUB = """#!/bin/sh
echo "aws $*" >> "$CALLS"
case "$4" in
  describe-model-card) [ -n "$CARD_EXISTS" ] && exit 0; exit 254;;
  describe-model-package) cat <<'J'
{"ModelPackageVersion": 3, "ModelPackageGroupName": "acme-ml-churn", "InferenceSpecification": {"Containers": [{"Image": "img:abc"}]},
 "CustomerMetadataProperties": {"CommitId": "abc", "TrainingImageDigest": "sha256:1", "PipelineExecutionArn": "arn:aws:sagemaker:eu-west-1:666666666666:pipeline/acme-ml-churn-training/execution/x1"}}
J
;;
  list-pipeline-execution-steps) echo '{"PipelineExecutionSteps": [{"StepName": "Train", "Metadata": {"TrainingJob": {"Arn": "arn:aws:sagemaker:eu-west-1:666666666666:training-job/pipelines-x1-Train-abc"}}}]}';;
  describe-training-job) echo '{"TrainingJobArn": "arn:aws:sagemaker:eu-west-1:666666666666:training-job/pipelines-x1-Train-abc", "AlgorithmSpecification": {"TrainingImage": "img:train"}, "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}, "HyperParameters": {"depth": "6"}, "FinalMetricDataList": [{"MetricName": "auc", "Value": 0.9}], "InputDataConfig": [{"DataSource": {"S3DataSource": {"S3Uri": "s3://b/train"}}}]}';;
  create-model-card) cp content.json "$CALLS.card";;
esac
exit 0
"""  # noqa: E501 (the stub prints the AWS CLI's JSON, one line a call)


def test_card_build_writes_the_training_details_once_per_version(stacks, tmp_path: Path):
    spec = yaml.safe_load(project(stacks, "card")["source"]["buildspec"])
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "aws").write_text(CARD_AWS_STUB)
    (tmp_path / "bin" / "aws").chmod(0o755)
    calls = tmp_path / "calls.log"
    package = "arn:aws:sagemaker:eu-west-1:666666666666:model-package/acme-ml-churn/3"

    def run(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", "set -e\n" + "\n".join(spec["phases"]["build"]["commands"])],
            cwd=tmp_path,
            timeout=60,
            env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "CALLS": str(calls), **env},
            capture_output=True,
            text=True,
        )

    done = run(MODEL_PACKAGE_ARN=package)
    assert done.returncode == 0, done.stdout + done.stderr
    created = [c for c in calls.read_text().splitlines() if "create-model-card" in c]
    assert created == [
        "aws --profile pipeline sagemaker create-model-card --model-card-name acme-ml-churn-3 --model-card-status "
        "Draft --content file://content.json"
    ]
    content = json.loads(Path(f"{calls}.card").read_text())
    job = content["training_details"]["training_job_details"]
    assert job["training_arn"].endswith("training-job/pipelines-x1-Train-abc") and job["training_environment"] == {
        "container_image": ["img:train"]
    }
    assert job["hyper_parameters"] == [{"name": "depth", "value": "6"}] and job["training_metrics"] == [
        {"name": "auc", "value": 0.9}
    ]
    assert (
        content["additional_information"]["custom_details"]["CommitId"] == "abc"
        and content["model_overview"]["model_version"] == 3
    )
    # A later state change of the same version (its approval) leaves the card alone; another group is refused.
    calls.unlink()
    assert run(MODEL_PACKAGE_ARN=package, CARD_EXISTS="1").returncode == 0
    assert not [c for c in calls.read_text().splitlines() if "create-model-card" in c]
    assert (
        run(MODEL_PACKAGE_ARN="arn:aws:sagemaker:eu-west-1:666666666666:model-package/acme-ml-fraud/1").returncode != 0
    )


# -- configuration errors at file:line:col ------------------------------------------------------------
def _projects(config_copy: Path) -> Path:
    return config_copy / "accounts" / "shared-services.yaml"


@pytest.mark.parametrize(
    "old, new, field, needle, message",
    [
        (
            "name: churn-training}",
            "name: churn-trainin}",
            "shared_services.projects[0].pipeline.name",
            "churn-trainin}",
            "has no pipeline 'churn-trainin'",
        ),
        (
            "{account: ml-exec, name: churn-training}",
            "{account: ml-exe, name: churn-training}",
            "shared_services.projects[0].pipeline.account",
            "ml-exe,",
            "unknown account 'ml-exe'",
        ),
        (
            "{account: ds-dev, personas: [data-scientist]}",
            "{account: ds-dev, personas: [data-scientist, sagemaker-compute, data-scientist]}",
            "shared_services.projects[0].pushers[0].personas[2]",
            "sagemaker-compute, data-scientist]",
            "listed twice",
        ),
        (
            "{account: ds-dev, personas: [data-scientist]}",
            "{account: staging, personas: [data-scientist]}",
            "shared_services.projects[0].pushers[0].account",
            "{account: staging, personas",
            "expected an account of kind data-science",
        ),
        (
            "      branch: main\n      pushers:",
            "      branch: release..1\n      pushers:",
            "shared_services.projects[0].branch",
            "release..1",
            "not a branch name git accepts",
        ),
        (
            "      branch: main\n      pushers:",
            "      branch: feature.lock\n      pushers:",
            "shared_services.projects[0].branch",
            "feature.lock",
            "not a branch name git accepts",
        ),
        (
            "personas: [mlops-engineer], main: true}",
            "personas: [mlops-engineer]}",
            "shared_services.projects[0].pushers",
            "pushers:",
            "no pushers entry has main: true",
        ),
    ],
)
def test_project_errors_are_located(config_copy, old, new, field, needle, message):
    path = _projects(config_copy)
    replace_text(path, old, new)
    d = error_on(config_errors(config_copy), field)
    assert d.file.endswith("shared-services.yaml") and d.line == line_of(path, needle), str(d)
    assert message in d.message, str(d)


def test_pipeline_images_must_live_in_the_project_account(config_copy):
    path = _projects(config_copy)
    replace_text(path, "name: churn-training}", "name: fraud-training}")
    replace_text(path, "    - name: fraud-training\n      purpose: training\n", "")
    diagnostics = config_errors(config_copy)
    d = next(d for d in diagnostics if d.field == "shared_services.projects[0].pipeline")
    assert "ECR repository 'fraud-training'" in d.message


def test_example_projects(resolved_example):
    assert kind.fed_pipelines(resolved_example, ML) == {
        "churn-training": (SS, resolved_example.accounts[SS].config.shared_services.projects[0])
    }
    assert kind.persona_push_roles(resolved_example, DS) == {
        "data-scientist": ["arn:aws:iam::444444444444:role/acme-ml-project-churn-push"],
        "mlops-engineer": ["arn:aws:iam::444444444444:role/acme-ml-project-churn-release"],
    }


def test_one_repository_for_two_images_needs_one_folder(config_copy):
    """The registered image in the training repository: one image per commit tag, so one Dockerfile folder."""
    ml = config_copy / "accounts" / "ml-exec.yaml"
    replace_text(
        ml,
        'inference_image: {repository: churn-inference, tag: "1.0.0"}',
        'inference_image: {repository: churn-training, tag: "1.0.0"}',
    )
    path = _projects(config_copy)
    replace_text(
        path,
        "      branch: main\n      pushers:",
        "      branch: main\n      images: {training: model, inference: serve}\n      pushers:",
    )
    d = error_on(config_errors(config_copy), "shared_services.projects[0].images")
    assert d.line == line_of(path, "images: {training: model") and "share ECR repository 'churn-training'" in d.message


def test_studio_without_egress_pushes_only_within_its_region(config_copy):
    replace_text(
        config_copy / "accounts" / "ds-dev.yaml", "ou: Workloads/Dev\n", "ou: Workloads/Dev\nregion: eu-central-1\n"
    )
    path = _projects(config_copy)
    d = error_on(config_errors(config_copy), "shared_services.projects[0].pushers[0].account")
    assert (
        d.line == line_of(path, "{account: ds-dev, personas: [data-scientist]}")
        and "VPC endpoint of its own region" in d.message
    )


def test_card_names_fit_sagemaker(config_copy):
    """Cards are <prefix>-<group>-<version>: a group name that leaves no room for the version is refused at the
    group."""
    long = "churn" + "x" * 27  # 32, the longest group name; with a 25-character prefix the card name is 64
    replace_text(config_copy / "landing-zone.yaml", "prefix: acme-ml\n", f"prefix: {'acme-ml' + 'x' * 18}\n")
    ml = config_copy / "accounts" / "ml-exec.yaml"
    ml.write_text(ml.read_text().replace("- name: churn\n", f"- name: {long}\n"))
    for name in ("ml-exec.yaml", "production.yaml", "staging.yaml"):
        path = config_copy / "accounts" / name
        path.write_text(path.read_text().replace("model_package_group: churn\n", f"model_package_group: {long}\n"))
    d = error_on(config_errors(config_copy), "ml_execution.model_package_groups[0].name")
    assert d.line == line_of(ml, f"- name: {long}") and "SageMaker allows 63" in d.message
    assert f"'acme-ml{'x' * 18}-{long}-99999'" in d.message  # the card name, the longest name of the group


def test_project_names_too_long_for_its_roles_and_rules_are_refused_at_the_project(config_copy):
    """Every name derived from a project (roles here and in ml-execution, builds, rules) is checked at the project's
    name."""
    replace_text(config_copy / "landing-zone.yaml", "prefix: acme-ml\n", "prefix: acme-machine-learning-plat\n")
    path = _projects(config_copy)
    text = path.read_text()
    path.write_text(re.sub(r"(projects:\n\s+- name: )churn\n", r"\1churn-model-build-project-long\n", text, count=1))
    d = error_on(config_errors(config_copy), "shared_services.projects[0].name")
    assert d.file.endswith("shared-services.yaml") and d.line == line_of(path, "- name: churn-model-build-project-long")
    assert (
        "derived EventBridge rule name 'acme-machine-learning-plat-project-churn-model-build-project-long-push-card'"
        in d.message
    )
