"""Synthesized ml-execution stack: registry policies, events, Feature Store, pipelines, inference data."""

from __future__ import annotations

import fnmatch
import json

from config import contracts
from config.kinds.ml_execution import model_registry_reader_arns
from tests.conftest import statements
from tests.synth_lookup import as_list, by, sid

ML = "ml-exec"


def test_model_package_group_policy_both_sides(stacks, resolved_example):
    r = resolved_example
    groups = {
        g["model_package_group_name"]: g for g in stacks.resources(ML, "aws_sagemaker_model_package_group").values()
    }
    assert sorted(groups) == ["acme-ml-churn", "acme-ml-fraud"]
    assert groups["acme-ml-churn"]["model_package_group_description"] == "Customer churn classifier"
    policies = {
        ref: p["resource_policy"] for ref, p in stacks.resources(ML, "aws_sagemaker_model_package_group_policy").items()
    }
    assert len(policies) == 2
    build_policy = next(
        p
        for p in stacks.resources("shared-services", "aws_iam_role_policy").values()
        if "DescribeApprovedModelPackages" in p["policy"]
    )
    build_reads = sid(build_policy["policy"], "DescribeApprovedModelPackages")["Resource"]
    exec_role = next(
        p
        for p in stacks.resources("staging", "aws_iam_role_policy").values()
        if "DescribeServedModelPackages" in p["policy"]
    )
    exec_reads = as_list(sid(exec_role["policy"], "DescribeServedModelPackages")["Resource"])
    for group in ("churn", "fraud"):
        policy = next(p for ref, p in policies.items() if f"-{group}-policy" in ref)
        describe, read = sid(policy, "DescribeGroup"), sid(policy, "ReadModelPackages")
        assert describe["Resource"] == contracts.model_package_group_arn(r, ML, group)
        assert read["Resource"] == contracts.model_package_arn_pattern(r, ML, group)
        assert read["Action"] == ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]
        for stmt in (describe, read):
            assert sorted(stmt["Principal"]["AWS"]) == sorted(
                r.root_arn(a) for a in ("staging", "production", "shared-services")
            )
            assert stmt["Condition"]["ArnEquals"]["aws:PrincipalArn"] == model_registry_reader_arns(r)
        # Reader side: the build role and the staging execution role ask for exactly these packages.
        assert read["Resource"] in build_reads and read["Resource"] in exec_reads
        readers = read["Condition"]["ArnEquals"]["aws:PrincipalArn"]
        assert r.role_arn("shared-services", contracts.pipeline_build_role_name(r)) in readers
        assert r.role_arn("staging", "acme-ml-inference-execution") in readers
        by(stacks, "staging", "aws_iam_role", name="acme-ml-inference-execution")


def test_registry_events_forwarded_with_forwarder_role(stacks, resolved_example):
    r = resolved_example
    rule = by(stacks, ML, "aws_cloudwatch_event_rule", name="acme-ml-registry-to-shared-services")
    assert "event_bus_name" not in rule  # the default bus, where SageMaker publishes
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelPackageGroupName": ["acme-ml-churn", "acme-ml-fraud"]},
    }
    role = by(stacks, ML, "aws_iam_role", name=contracts.events_forwarder_role_name(r))
    assert json.loads(role["assume_role_policy"])["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}
    policy = next(
        p for p in stacks.resources(ML, "aws_iam_role_policy").values() if "PutOnRegistryBuses" in p["policy"]
    )
    assert sid(policy["policy"], "PutOnRegistryBuses")["Resource"] == contracts.event_bus_arn(
        r, "shared-services", contracts.registry_bus_name(r)
    )


def test_retraining_bus_admits_exactly_the_forwarding_accounts(stacks, resolved_example):
    """The bus admits the forwarder roles of the accounts that route events here; one rule pair per pipeline."""
    r = resolved_example
    by(stacks, ML, "aws_cloudwatch_event_bus", name=contracts.retraining_bus_name(r))
    policy = next(iter(stacks.resources(ML, "aws_cloudwatch_event_bus_policy").values()))["policy"]
    stmt = sid(policy, "ServingAccountsSendMonitoringEvents")
    senders = ["production", "staging"]  # both monitor an endpoint whose group ml-exec retrains
    assert sorted(stmt["Principal"]["AWS"]) == sorted(r.root_arn(a) for a in senders)
    assert stmt["Condition"]["ArnEquals"]["aws:PrincipalArn"] == sorted(
        r.role_arn(a, contracts.events_forwarder_role_name(r)) for a in senders
    )
    for sender in senders:  # each names a role its account creates
        by(stacks, sender, "aws_iam_role", name=contracts.events_forwarder_role_name(r))
    assert len(statements(policy)) == 1
    rules = {r_["name"] for r_ in stacks.resources(ML, "aws_cloudwatch_event_rule").values() if "retrain" in r_["name"]}
    # Every monitored endpoint of the example has drift alarms: their composite alarm is the one trigger.
    assert rules == {f"acme-ml-retrain-{p}-drift-alarms" for p in ("churn-training", "fraud-training")}
    role_policy = next(
        p for p in stacks.resources(ML, "aws_iam_role_policy").values() if "StartRetrainingPipelines" in p["policy"]
    )
    assert sid(role_policy["policy"], "StartRetrainingPipelines")["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:666666666666:pipeline/acme-ml-churn-training",
        "arn:aws:sagemaker:eu-west-1:666666666666:pipeline/acme-ml-fraud-training",
    ]


def test_feature_group(stacks):
    group = by(stacks, ML, "aws_sagemaker_feature_group", feature_group_name="customers")
    assert group["record_identifier_feature_name"] == "customer_id" and group["event_time_feature_name"] == "event_time"
    assert {f["feature_name"]: f["feature_type"] for f in group["feature_definition"]} == {
        "customer_id": "String",
        "event_time": "Fractional",
        "tenure_months": "Integral",
        "monthly_charges": "Fractional",
        "contract_type": "String",
    }
    assert group["online_store_config"]["enable_online_store"] is True
    assert group["online_store_config"]["security_config"]["kms_key_id"].startswith("${aws_kms_key.")
    offline = group["offline_store_config"]
    assert offline["s3_storage_config"]["s3_uri"] == "s3://acme-ml-feature-store-666666666666-eu-west-1/offline"
    assert offline["data_catalog_config"]["database"] == "acme_ml_feature_store"
    by(stacks, ML, "aws_glue_catalog_database", name="acme_ml_feature_store")


def test_pipeline_definition(stacks, resolved_example):
    r = resolved_example
    pipeline = by(stacks, ML, "aws_sagemaker_pipeline", pipeline_name="acme-ml-churn-training")
    definition = json.loads(pipeline["pipeline_definition"])
    steps = {s["Name"]: s for s in definition["Steps"]}
    assert list(steps) == ["Preprocess", "Baseline", "Train", "Evaluate", "CheckAccuracy"]
    # Images are pipeline parameters (a model-build project's build sets them); their defaults are the YAML's tags.
    params = {p["Name"]: p["DefaultValue"] for p in definition["Parameters"]}
    assert steps["Train"]["Arguments"]["AlgorithmSpecification"]["TrainingImage"] == {"Get": "Parameters.TrainingImage"}
    assert params["TrainingImage"] == contracts.ecr_image_uri(r, "shared-services", "churn-training", "1.0.0")
    assert steps["Preprocess"]["Arguments"]["AppSpecification"]["ImageUri"] == {"Get": "Parameters.ProcessingImage"}
    assert params["ProcessingImage"] == contracts.ecr_image_uri(r, "shared-services", "churn-processing", "1.0.0")
    register = steps["CheckAccuracy"]["Arguments"]["IfSteps"][0]
    assert register["Type"] == "RegisterModel" and register["Arguments"]["ModelPackageGroupName"] == "acme-ml-churn"
    assert params["InputDataUrl"] == "s3://acme-ml-lake-curated-333333333333-eu-west-1/churn/"
    by(stacks, "data", "aws_s3_bucket", bucket="acme-ml-lake-curated-333333333333-eu-west-1")  # the data side exists
    assert params["MinAccuracy"] == 0.8 and params["TrainingInstanceType"] == "ml.m5.xlarge"
    assert steps["Train"]["Arguments"]["ResourceConfig"]["VolumeKmsKeyId"].startswith("${aws_kms_key.")


def test_pipeline_role_names_resources(stacks, resolved_example):
    r = resolved_example
    policy = next(p for p in stacks.resources(ML, "aws_iam_role_policy").values() if "RunPipelineJobs" in p["policy"])[
        "policy"
    ]
    assert sid(policy, "ReadInputData")["Resource"] == [
        r.bucket_arn("data", "lake-curated") + p for p in ("/churn/*", "/transactions/v2/*")
    ]
    decrypt = sid(policy, "DecryptInputData")
    assert decrypt["Resource"] == r.kms_key_arn_pattern("data")
    assert decrypt["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/acme-ml/data-lake"}}
    by(stacks, "data", "aws_kms_alias", name="alias/acme-ml/data-lake")  # the key that encrypts the lake buckets
    assert sid(policy, "ModelCards")["Resource"] == "arn:aws:sagemaker:eu-west-1:666666666666:model-card/*"
    assert sid(policy, "ExportModelCards")["Resource"] == r.bucket_arn(ML, "model-cards") + "/*"
    wildcard = [s for s in statements(policy) if s.get("Resource") == "*"]
    # lakeformation:GetDataAccess has no resource-level permissions (the only other wildcard).
    assert sorted(s["Sid"] for s in wildcard) == ["EcrToken", "LakeFormationDataAccess", "Metrics"]


def test_inference_data_destination_grants_replication_roles(stacks, resolved_example):
    r = resolved_example
    sources = contracts.replication_sources(r, ML)
    assert sorted(sources) == ["production", "staging"]
    bucket = by(stacks, ML, "aws_s3_bucket", bucket=r.bucket_name(ML, contracts.INFERENCE_DATA))
    assert bucket
    policy = next(
        p for p in stacks.resources(ML, "aws_s3_bucket_policy").values() if "ReplicateObjectsFrom" in p["policy"]
    )["policy"]
    alias = by(stacks, ML, "aws_kms_alias", name=r.kms_alias(contracts.INFERENCE_DATA))
    key = next(k for ref, k in stacks.resources(ML, "aws_kms_key").items() if ref in alias["target_key_id"])
    for source in sorted(sources):
        suffix = source.capitalize()
        role = r.role_arn(source, contracts.replication_role_name(r))
        replicate = sid(policy, f"ReplicateObjectsFrom{suffix}")
        assert replicate["Resource"] == r.bucket_arn(ML, contracts.INFERENCE_DATA) + "/*"
        assert replicate["Condition"]["ArnEquals"]["aws:PrincipalArn"] == role
        assert sid(key["policy"], f"EncryptReplicasFrom{suffix}")["Condition"]["ArnEquals"]["aws:PrincipalArn"] == role
    # Source side: each inference account's replication role writes exactly this bucket.
    for source in sources:
        replication = next(iter(stacks.resources(source, "aws_s3_bucket_replication_configuration").values()))
        assert r.bucket_arn(ML, contracts.INFERENCE_DATA) in [
            rule["destination"]["bucket"] for rule in replication["rule"]
        ]
    assert key["enable_key_rotation"] is True


def test_model_artifacts_readable_by_inference_execution_roles(stacks, resolved_example):
    r = resolved_example
    policy = next(
        p for p in stacks.resources(ML, "aws_s3_bucket_policy").values() if "InferenceAccountsReadModels" in p["policy"]
    )["policy"]
    stmt = sid(policy, "InferenceAccountsReadModels")
    assert stmt["Resource"].endswith("/pipelines/*/models/*") and stmt["Action"] == "s3:GetObject"
    roles = [
        "arn:aws:iam::777777777777:role/acme-ml-inference-execution",
        "arn:aws:iam::888888888888:role/acme-ml-inference-execution",
    ]
    assert stmt["Condition"]["ArnEquals"]["aws:PrincipalArn"] == roles
    # Reader side: the execution role may read objects of this bucket.
    exec_policy = next(
        p for p in stacks.resources("staging", "aws_iam_role_policy").values() if "ReadModelArtifacts" in p["policy"]
    )
    pattern = as_list(sid(exec_policy["policy"], "ReadModelArtifacts")["Resource"])[0]
    assert fnmatch.fnmatch(r.bucket_arn(ML, "ml-artifacts") + "/pipelines/churn-training/models/x", pattern)


def test_baselines_written_by_pipeline_and_read_by_model_monitor(stacks, resolved_example):
    r = resolved_example
    from config.kinds.inference import baseline_s3_uri, model_monitor_role_name

    uri = baseline_s3_uri(r, ML, "churn")
    definition = json.loads(
        by(stacks, ML, "aws_sagemaker_pipeline", pipeline_name="acme-ml-churn-training")["pipeline_definition"]
    )
    baseline = next(s for s in definition["Steps"] if s["Name"] == "Baseline")
    assert baseline["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] == uri
    policy = next(
        p for p in stacks.resources(ML, "aws_s3_bucket_policy").values() if "ModelMonitorReadsBaselines" in p["policy"]
    )["policy"]
    stmt = sid(policy, "ModelMonitorReadsBaselines")
    assert fnmatch.fnmatch(uri.replace("s3://", "arn:aws:s3:::") + "/constraints.json", stmt["Resource"])
    assert stmt["Condition"]["ArnEquals"]["aws:PrincipalArn"] == sorted(
        r.role_arn(a, model_monitor_role_name(r)) for a in ("staging", "production")
    )
    role_policy = next(
        p for p in stacks.resources(ML, "aws_iam_role_policy").values() if "WriteBaselines" in p["policy"]
    )["policy"]
    assert sid(role_policy, "WriteBaselines")["Resource"] == [
        baseline_s3_uri(r, ML, g).replace("s3://", "arn:aws:s3:::") + "/*" for g in ("churn", "fraud")
    ]


def test_lake_formation_resource_links(stacks, resolved_example):
    from config.kinds.data import lake_formation_shares

    shares = lake_formation_shares(resolved_example, ML)
    links = {d["name"]: d for d in stacks.resources(ML, "aws_glue_catalog_database").values() if "target_database" in d}
    assert sorted(links) == sorted(s.database_name for s in shares) and links
    for share in shares:
        assert links[share.database_name]["target_database"] == {
            "catalog_id": "333333333333",
            "database_name": share.database_name,
        }
