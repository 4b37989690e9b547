"""Synthesized data-science stack: private network, Studio domain, personas composed from activities."""

from __future__ import annotations

import base64
import json

from config import contracts
from tests.conftest import statements
from tests.synth_lookup import as_list, by

DS = "ds-dev"
# Actions without resource-level permissions: the only ones a persona may hold on "*".
NO_RESOURCE_LEVEL = {
    "sagemaker:ListApps",
    "sagemaker:ListDomains",
    "sagemaker:ListSpaces",
    "sagemaker:ListUserProfiles",
    "sagemaker:ListTags",
    "sagemaker:ListTrainingJobs",
    "sagemaker:ListProcessingJobs",
    "sagemaker:ListTransformJobs",
    "sagemaker:ListHyperParameterTuningJobs",
    "sagemaker:ListModels",
    "sagemaker:ListModelPackageGroups",
    "sagemaker:ListPipelines",
    "sagemaker:ListPipelineExecutions",
    "sagemaker:Search",
    "sagemaker:ListExperiments",
    "sagemaker:ListTrials",
    "sagemaker:ListTrialComponents",
    "sagemaker:ListEndpoints",
    "sagemaker:ListEndpointConfigs",
    "sagemaker:ListMonitoringSchedules",
    "sagemaker:ListMonitoringExecutions",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "cloudwatch:PutMetricData",
    "ecr:GetAuthorizationToken",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeDhcpOptions",
    "lakeformation:GetDataAccess",
}


def persona_statements(stacks, persona):
    docs = [
        p["policy"]
        for p in stacks.resources(DS, "aws_iam_policy").values()
        if p["name"].startswith(f"acme-ml-persona-{persona}-")
    ]
    assert docs
    return [s for doc in docs for s in statements(doc)]


def test_network_is_private_with_endpoints(stacks):
    assert not stacks.resources(DS, "aws_internet_gateway") and not stacks.resources(DS, "aws_nat_gateway")
    vpc = next(iter(stacks.resources(DS, "aws_vpc").values()))
    assert vpc["cidr_block"] == "10.20.0.0/16" and vpc["enable_dns_hostnames"] is True
    subnets = stacks.resources(DS, "aws_subnet")
    assert sorted((s["availability_zone"], s["cidr_block"]) for s in subnets.values()) == [
        ("eu-west-1a", "10.20.0.0/19"),
        ("eu-west-1b", "10.20.32.0/19"),
    ]
    assert all(s["map_public_ip_on_launch"] is False for s in subnets.values())
    endpoints = {e["service_name"]: e for e in stacks.resources(DS, "aws_vpc_endpoint").values()}
    # The personas' activities need these (Athena, Glue and Lake Formation for the lake queries); codecommit and
    # git-codecommit because personas push to the churn project's repository from Studio (README, model build).
    assert sorted(endpoints) == sorted(
        f"com.amazonaws.eu-west-1.{s}"
        for s in [
            "athena",
            "codecommit",
            "ecr.api",
            "git-codecommit",
            "ecr.dkr",
            "glue",
            "kms",
            "lakeformation",
            "logs",
            "monitoring",
            "s3",
            "sagemaker.api",
            "sagemaker.runtime",
            "sts",
        ]
    )
    assert endpoints["com.amazonaws.eu-west-1.s3"]["vpc_endpoint_type"] == "Gateway"
    assert all(e["private_dns_enabled"] is True for n, e in endpoints.items() if not n.endswith(".s3"))
    egress = [r.get("cidr_ipv4") for r in stacks.resources(DS, "aws_vpc_security_group_egress_rule").values()]
    assert "0.0.0.0/0" not in egress


def test_studio_domain(stacks):
    domain = by(stacks, DS, "aws_sagemaker_domain", domain_name="acme-ml-ds-dev-studio")
    assert domain["app_network_access_type"] == "VpcOnly" and domain["auth_mode"] == "IAM"
    assert domain["kms_key_id"].startswith("${aws_kms_key.studio-key")
    assert len(domain["subnet_ids"]) == 2 and all(s.startswith("${aws_subnet.") for s in domain["subnet_ids"])
    settings = domain["default_user_settings"]
    assert "persona-data-scientist" in settings["execution_role"]
    assert (
        settings["sharing_settings"]["s3_output_path"]
        == "s3://acme-ml-project-artifacts-555555555555-eu-west-1/studio-sharing"
    )
    assert settings["sharing_settings"]["s3_kms_key_id"] == domain["kms_key_id"]
    assert (
        settings["jupyter_lab_app_settings"]["app_lifecycle_management"]["idle_settings"]["idle_timeout_in_minutes"]
        == 120
    )
    lifecycle = by(
        stacks,
        DS,
        "aws_sagemaker_studio_lifecycle_config",
        studio_lifecycle_config_name="acme-ml-ds-dev-studio-install-extensions",
    )
    assert base64.b64decode(lifecycle["studio_lifecycle_config_content"]).decode().startswith("#!/bin/bash\nset -eu\n")
    assert "install-extensions" in settings["jupyter_lab_app_settings"]["lifecycle_config_arns"][0]


def test_user_profiles_bound_to_personas(stacks):
    profiles = {p["user_profile_name"]: p for p in stacks.resources(DS, "aws_sagemaker_user_profile").values()}
    assert sorted(profiles) == ["alice", "bob"]
    assert "persona-data-scientist" in profiles["alice"]["user_settings"]["execution_role"]
    assert "persona-mlops-engineer" in profiles["bob"]["user_settings"]["execution_role"]


def test_persona_roles_trust_sagemaker(stacks):
    roles = {
        r["name"]: r for r in stacks.resources(DS, "aws_iam_role").values() if r["name"].startswith("acme-ml-persona-")
    }
    assert sorted(roles) == [
        "acme-ml-persona-data-scientist",
        "acme-ml-persona-mlops-engineer",
        "acme-ml-persona-sagemaker-compute",
    ]
    for role in roles.values():
        trust = json.loads(role["assume_role_policy"])["Statement"][0]
        assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "555555555555"}}
    for policy in stacks.resources(DS, "aws_iam_policy").values():
        assert len(json.dumps(json.loads(policy["policy"]), separators=(",", ":"))) < 6144


def test_wildcards_only_where_no_resource_level_permissions(stacks):
    for persona in ("data-scientist", "mlops-engineer", "sagemaker-compute"):
        for stmt in persona_statements(stacks, persona):
            if "*" in as_list(stmt["Resource"]):
                assert set(as_list(stmt["Action"])) <= NO_RESOURCE_LEVEL, stmt["Sid"]


def test_vpc_and_kms_conditions_on_jobs(stacks):
    stmt = next(s for s in persona_statements(stacks, "data-scientist") if s["Sid"] == "ManageMlJobsCreateVpcJobs")
    assert stmt["Condition"]["Null"] == {"sagemaker:VolumeKmsKey": "false", "sagemaker:VpcSubnets": "false"}
    subnets = stmt["Condition"]["ForAllValues:StringEquals"]["sagemaker:VpcSubnets"]
    domain = next(iter(stacks.resources(DS, "aws_sagemaker_domain").values()))
    assert sorted(subnets) == sorted(domain["subnet_ids"])
    assert (
        stmt["Condition"]["ForAllValues:StringEquals"]["sagemaker:VpcSecurityGroupIds"]
        == domain["domain_settings"]["security_group_ids"]
    )


def test_pass_role_names_the_compute_persona(stacks):
    for persona, sid in (
        ("data-scientist", "ManageMlJobsPassComputeRole"),
        ("mlops-engineer", "ManagePipelinesPassPipelineRole"),
    ):
        stmt = next(s for s in persona_statements(stacks, persona) if s["Sid"] == sid)
        assert stmt["Resource"] == "arn:aws:iam::555555555555:role/acme-ml-persona-sagemaker-compute"
        assert stmt["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_data_access_names_resources(stacks, resolved_example):
    r = resolved_example
    stmts = {s["Sid"]: s for s in persona_statements(stacks, "data-scientist")}
    # S3 reads only on the prefixes shared with ds-dev through Lake Formation (customers), not the bucket.
    assert stmts["AccessS3BucketsReadDataObjects"]["Resource"] == r.bucket_arn("data", "lake-curated") + "/customers/*"
    assert r.bucket_arn(DS, "model-outputs") in stmts["AccessS3BucketsListBuckets"]["Resource"]
    assert stmts["AccessS3BucketsDecryptDataBuckets"]["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/acme-ml/data-lake"}
    }
    # Glue: the databases the data account shares with ds-dev, in its catalog and as local resource links.
    assert stmts["ManageGlueTablesGlueTables"]["Resource"] == sorted(
        [
            "arn:aws:glue:eu-west-1:333333333333:catalog",
            "arn:aws:glue:eu-west-1:333333333333:database/acme_ml_customers",
            "arn:aws:glue:eu-west-1:333333333333:table/acme_ml_customers/*",
            "arn:aws:glue:eu-west-1:555555555555:catalog",
            "arn:aws:glue:eu-west-1:555555555555:database/acme_ml_customers",
            "arn:aws:glue:eu-west-1:555555555555:table/acme_ml_customers/*",
        ]
    )
    link = by(stacks, DS, "aws_glue_catalog_database", name="acme_ml_customers")
    assert link["target_database"] == {"catalog_id": "333333333333", "database_name": "acme_ml_customers"}
    assert (
        stmts["QueryAthenaWorkgroupsQueryWorkgroups"]["Resource"]
        == "arn:aws:athena:eu-west-1:555555555555:workgroup/acme-ml-analytics"
    )
    assert sorted(stmts["AccessRequiredServicesPullImages"]["Resource"]) == sorted(
        contracts.ecr_repository_arn(r, "shared-services", n) for n in ("churn-processing", "churn-training")
    )
    workgroup = by(stacks, DS, "aws_athena_workgroup", name="acme-ml-analytics")
    result = workgroup["configuration"]["result_configuration"]
    assert workgroup["configuration"]["enforce_workgroup_configuration"] is True
    assert result["encryption_configuration"]["encryption_option"] == "SSE_KMS"


def test_personas_only_read_the_shared_catalog(stacks, resolved_example):
    """Shares to other accounts are SELECT/DESCRIBE only: no persona may write tables of the shared catalog."""
    glue = [
        (s["Sid"], a, res)
        for p in stacks.resources(DS, "aws_iam_policy").values()
        if p["name"].startswith("acme-ml-persona-")
        for s in statements(p["policy"])
        for a in as_list(s["Action"])
        if a.startswith("glue:")
        for res in as_list(s["Resource"])
    ]
    assert {sid for sid, _, _ in glue} == {"ManageGlueTablesGlueTables", "QueryAthenaWorkgroupsReadSharedCatalog"}
    assert {a for _, a, _ in glue} <= {
        "glue:GetDatabase",
        "glue:GetDatabases",
        "glue:GetPartition",
        "glue:GetPartitions",
        "glue:GetTable",
        "glue:GetTables",
    }
    assert any(":333333333333:table/" in res for _, _, res in glue)  # the shared catalog is read, not left out


def test_project_buckets_are_secure_buckets(stacks, resolved_example):
    names = sorted(b["bucket"] for b in stacks.resources(DS, "aws_s3_bucket").values())
    assert names == sorted(
        resolved_example.bucket_name(DS, p) for p in ("access-logs", "project-artifacts", "model-outputs")
    )
    kms_encrypted = [
        e
        for e in stacks.resources(DS, "aws_s3_bucket_server_side_encryption_configuration").values()
        if e["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    ]
    assert len(kms_encrypted) == 2
