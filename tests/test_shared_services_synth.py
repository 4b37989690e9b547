"""Synthesized shared-services stack: ECR, pipeline, artifacts sharing, registry bus; both sides of each grant."""

from __future__ import annotations

import json

import yaml

from config import contracts
from config.kinds import inference as names
from config.kinds.ml_execution import MODEL_PACKAGE_STATE_CHANGE
from tests.synth_lookup import as_list, as_sent, by, sid

SS = "shared-services"


def test_ecr_repositories_are_secure(stacks, resolved_example):
    repos = stacks.resources(SS, "aws_ecr_repository")
    assert sorted(r["name"] for r in repos.values()) == [
        "acme-ml/churn-inference",
        "acme-ml/churn-processing",
        "acme-ml/churn-training",
        "acme-ml/fraud-processing",
        "acme-ml/fraud-training",
    ]
    for repo in repos.values():
        assert repo["image_tag_mutability"] == "IMMUTABLE"
        assert repo["image_scanning_configuration"] == {"scan_on_push": True}
        assert repo["encryption_configuration"][0]["encryption_type"] == "KMS"
        assert repo["encryption_configuration"][0]["kms_key"].startswith("${aws_kms_key.")
    for lifecycle in stacks.resources(SS, "aws_ecr_lifecycle_policy").values():
        rules = json.loads(lifecycle["policy"])["rules"]
        assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]
    inference = next(k for k, v in repos.items() if v["name"] == "acme-ml/churn-inference")
    lifecycle = next(
        v for v in stacks.resources(SS, "aws_ecr_lifecycle_policy").values() if inference in v["repository"]
    )
    assert json.loads(lifecycle["policy"])["rules"][1]["selection"]["countNumber"] == 100


def test_ecr_pull_grant_matches_consumers(stacks, resolved_example):
    """Repository policy roots == the accounts that run its images (derived) plus those it names; each
    root narrowed to roles its own stack creates; the consumers' identity policies name the same ARNs."""
    r = resolved_example
    repos = stacks.resources(SS, "aws_ecr_repository")
    expected = {  # from the example: who runs what (pipelines, served groups) plus pull_accounts
        "churn-inference": ["ml-exec", "production", "staging"],  # churn registers churn-inference
        "churn-processing": ["ds-dev", "ml-exec"],
        "churn-training": ["ds-dev", "ml-exec"],  # not served: churn packages carry churn-inference
        "fraud-processing": ["ml-exec"],
        "fraud-training": ["ml-exec", "production", "staging"],  # fraud has no inference image: training serves
    }
    for policy in stacks.resources(SS, "aws_ecr_repository_policy").values():
        repo = next(v for k, v in repos.items() if k in policy["repository"])
        name = repo["name"].split("/", 1)[1]
        stmt = sid(policy["policy"], "CrossAccountPull")
        roots = stmt["Principal"]["AWS"] if isinstance(stmt["Principal"]["AWS"], list) else [stmt["Principal"]["AWS"]]
        pullers = expected.pop(name)
        assert sorted(roots) == sorted(r.root_arn(a) for a in pullers)
        # Narrowed to the consumers' execution roles, each of which its own stack creates.
        roles = stmt["Condition"]["ArnEquals"]["aws:PrincipalArn"]
        roles = roles if isinstance(roles, list) else [roles]
        assert roles and {arn.split(":")[4] for arn in roles} == {r.account_id(a) for a in pullers}
        for arn in roles:
            account = next(a for a in pullers if r.account_id(a) == arn.split(":")[4])
            role_names = {role["name"] for role in stacks.resources(account, "aws_iam_role").values()}
            assert arn.rsplit("/", 1)[1] in role_names, (arn, account)
        assert stmt["Action"] == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert expected == {}, "every repository has a policy"
    # Consumer side: the ml-execution pipeline role names exactly the repositories its pipelines run.
    role_policy = next(
        p for p in stacks.resources("ml-exec", "aws_iam_role_policy").values() if "PullImages" in p["policy"]
    )
    pulled = sid(role_policy["policy"], "PullImages")["Resource"]
    own = [
        contracts.ecr_repository_arn(r, SS, n)
        for n in ("churn-inference", "churn-processing", "churn-training", "fraud-processing", "fraud-training")
    ]
    assert sorted(pulled) == sorted(own + [names.model_monitor_repository_arn(r, "eu-west-1")])
    # Serving side: the inference execution role pulls exactly the images its endpoints serve.
    for account in ("staging", "production"):
        role_policy = next(
            p for p in stacks.resources(account, "aws_iam_role_policy").values() if "PullModelImages" in p["policy"]
        )
        assert sorted(as_list(sid(role_policy["policy"], "PullModelImages")["Resource"])) == [
            contracts.ecr_repository_arn(r, SS, "churn-inference"),
            contracts.ecr_repository_arn(r, SS, "fraud-training"),
        ]


def test_pipeline_stages_and_variable(stacks):
    pipeline = by(stacks, SS, "aws_codepipeline", name="acme-ml-model-deploy")
    assert pipeline["pipeline_type"] == "V2"
    assert [s["name"] for s in pipeline["stage"]] == ["Source", "Build", "DeployStaging", "Approve", "DeployProduction"]
    source = pipeline["stage"][0]["action"][0]
    assert (
        source["provider"] == "CodeStarSourceConnection"
        and source["configuration"]["FullRepositoryId"] == "acme/ml-landing-zone"
    )
    approval = pipeline["stage"][3]["action"][0]
    assert (approval["category"], approval["provider"], approval["timeout_in_minutes"]) == ("Approval", "Manual", 4320)
    assert [(v["name"], v["default_value"]) for v in pipeline["variable"]] == [
        ("MODEL_PACKAGE_ARN", "none"),
        ("MODEL_VARIANT", "primary"),
    ]
    deploy = pipeline["stage"][2]["action"][0]["configuration"]
    env = {e["name"]: e["value"] for e in json.loads(deploy["EnvironmentVariables"])}
    assert env == {
        "MODEL_PACKAGE_ARN": "#{variables.MODEL_PACKAGE_ARN}",
        "MODEL_VARIANT": "#{variables.MODEL_VARIANT}",
        "TARGET_ACCOUNT": "staging",
    }
    store = pipeline["artifact_store"][0]
    bucket_id = next(
        k
        for k, v in stacks.resources(SS, "aws_s3_bucket").items()
        if v["bucket"] == "acme-ml-pipeline-artifacts-444444444444-eu-west-1"
    )
    assert store["location"] == f"${{aws_s3_bucket.{bucket_id}.id}}" and store["encryption_key"]["type"] == "KMS"


def test_buildspecs_render_valid_yaml_with_target_roles(stacks, resolved_example):
    # The deployment pipeline's projects (model-build projects are acme-ml-project-*: tests/test_model_build.py).
    projects = {
        p["name"]: p
        for p in stacks.resources(SS, "aws_codebuild_project").values()
        if not p["name"].startswith("acme-ml-project-")
    }
    assert sorted(projects) == [
        "acme-ml-model-deploy-build",
        "acme-ml-model-deploy-deploy",
        "acme-ml-model-deploy-trigger",
    ]
    build = yaml.safe_load(as_sent(projects["acme-ml-model-deploy-build"]["source"]["buildspec"]))
    commands = "\n".join(build["phases"]["build"]["commands"])
    # The configuration folder the landing zone was synthesized from (config/ of this repository).
    assert 'mlops-tf synth --config "config" --account production --account staging' in commands
    for target in ("staging", "production"):
        assert resolved_example.role_arn(target, contracts.pipeline_deploy_role_name(resolved_example)) in commands
    assert "terraform -chdir=cdktf.out/stacks/staging plan -input=false -lock-timeout=5m" in commands
    pre_build = "\n".join(build["phases"]["pre_build"]["commands"])
    assert "TF_VAR_" not in json.dumps(stacks[SS])  # no variable mechanism: the served package lives in SSM
    assert 'export TARGET_ACCOUNT="staging"' in pre_build
    deploy = yaml.safe_load(as_sent(projects["acme-ml-model-deploy-deploy"]["source"]["buildspec"]))
    assert (
        deploy["phases"]["build"]["commands"][-1]
        == 'terraform -chdir="cdktf.out/stacks/${TARGET_ACCOUNT}" apply -input=false -auto-approve -lock-timeout=5m'
    )
    trigger = yaml.safe_load(as_sent(projects["acme-ml-model-deploy-trigger"]["source"]["buildspec"]))
    assert 'start-pipeline-execution --name "acme-ml-model-deploy"' in trigger["phases"]["build"]["commands"][1]
    for project in projects.values():
        assert project["encryption_key"].startswith("${aws_kms_key.")


def test_build_role_assumes_exactly_the_target_deploy_roles(stacks, resolved_example):
    r = resolved_example
    role = by(stacks, SS, "aws_iam_role", name=contracts.pipeline_build_role_name(r))
    assert json.loads(role["assume_role_policy"])["Statement"][0]["Principal"] == {"Service": "codebuild.amazonaws.com"}
    policy = next(
        p for p in stacks.resources(SS, "aws_iam_role_policy").values() if "AssumeTargetDeployRoles" in p["policy"]
    )
    assert sid(policy["policy"], "AssumeTargetDeployRoles")["Resource"] == sorted(
        r.role_arn(t, contracts.pipeline_deploy_role_name(r)) for t in ("staging", "production")
    )
    assert sid(policy["policy"], "DescribeApprovedModelPackages")["Resource"] == [
        contracts.model_package_arn_pattern(r, "ml-exec", g) for g in ("churn", "fraud")
    ]


def test_artifacts_bucket_and_key_shared_with_deploy_roles(stacks, resolved_example):
    r = resolved_example
    expected_roles = sorted(r.role_arn(t, contracts.pipeline_deploy_role_name(r)) for t in ("staging", "production"))
    bucket_policy = next(
        p
        for p in stacks.resources(SS, "aws_s3_bucket_policy").values()
        if "TargetDeployRolesReadArtifacts" in p["policy"]
    )
    stmt = sid(bucket_policy["policy"], "TargetDeployRolesReadArtifacts")
    assert stmt["Resource"] == r.bucket_arn(SS, contracts.PIPELINE_ARTIFACTS) + "/*"
    assert stmt["Condition"]["ArnEquals"]["aws:PrincipalArn"] == expected_roles
    key = next(
        k for k in stacks.resources(SS, "aws_kms_key").values() if "TargetDeployRolesUseArtifactsKey" in k["policy"]
    )
    kstmt = sid(key["policy"], "TargetDeployRolesUseArtifactsKey")
    assert kstmt["Condition"]["ArnEquals"]["aws:PrincipalArn"] == expected_roles
    assert sorted(kstmt["Principal"]["AWS"]) == sorted(r.root_arn(t) for t in ("staging", "production"))


def test_registry_bus_admits_ml_execution_forwarder(stacks, resolved_example):
    r = resolved_example
    bus = by(stacks, SS, "aws_cloudwatch_event_bus", name=contracts.registry_bus_name(r))
    assert bus
    policy = next(iter(stacks.resources(SS, "aws_cloudwatch_event_bus_policy").values()))
    stmt = sid(policy["policy"], "MlExecutionForwardsRegistryEvents")
    forwarder = r.role_arn("ml-exec", contracts.events_forwarder_role_name(r))
    assert stmt == {
        "Sid": "MlExecutionForwardsRegistryEvents",
        "Effect": "Allow",
        "Action": "events:PutEvents",
        "Resource": contracts.event_bus_arn(r, SS, contracts.registry_bus_name(r)),
        "Principal": {"AWS": r.root_arn("ml-exec")},
        "Condition": {"ArnEquals": {"aws:PrincipalArn": forwarder}},
    }
    # Sender side: ml-exec's forwarder role exists with that name and targets that bus.
    by(stacks, "ml-exec", "aws_iam_role", name=contracts.events_forwarder_role_name(r))
    target = next(
        t
        for t in stacks.resources("ml-exec", "aws_cloudwatch_event_target").values()
        if "registry-to" in t["target_id"]
    )
    assert target["arn"] == stmt["Resource"]


def test_approved_rule_starts_pipeline_with_package_arn(stacks, resolved_example):
    rule = by(stacks, SS, "aws_cloudwatch_event_rule", name="acme-ml-model-approved")
    pattern = json.loads(rule["event_pattern"])
    assert pattern == {
        "source": ["aws.sagemaker"],
        "detail-type": [MODEL_PACKAGE_STATE_CHANGE],
        "detail": {"ModelApprovalStatus": ["Approved"]},
        "account": ["666666666666"],
    }
    target = next(iter(stacks.resources(SS, "aws_cloudwatch_event_target").values()))
    assert target["arn"].endswith(":project/acme-ml-model-deploy-trigger")
    assert target["input_transformer"]["input_paths"] == {"arn": "$.detail.ModelPackageArn"}
    assert '"value": <arn>' in target["input_transformer"]["input_template"]
