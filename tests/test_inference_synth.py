"""Synthesized stacks of staging and production: endpoints in both modes, API, capture, monitoring, events."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from config import contracts
from config.kinds import inference as names
from tests.conftest import statements
from tests.synth_lookup import by


def _by(stacks, account, rtype, attr, value):
    found = [(k, v) for k, v in stacks.resources(account, rtype).items() if v.get(attr) == value]
    assert len(found) == 1, f"{rtype} with {attr}={value!r} in {account}: {[k for k, _ in found]}"
    return found[0]


def _key_ref(stacks, account, alias):
    """Terraform reference to the key behind an alias, e.g. ${aws_kms_key.x.arn}."""
    _, alias_resource = _by(stacks, account, "aws_kms_alias", "name", alias)
    key_id = re.fullmatch(r"\$\{aws_kms_key\.(.+)\.key_id\}", alias_resource["target_key_id"]).group(1)
    return f"${{aws_kms_key.{key_id}.arn}}"


def _config_of(stacks, account, prefix):
    found = [
        v
        for v in stacks.resources(account, "aws_sagemaker_endpoint_configuration").values()
        if v["name_prefix"] == prefix
    ]
    assert len(found) == 1
    return found[0]


def test_serverless_endpoint_configuration(stacks, resolved_example):
    cfg = _config_of(stacks, "staging", "acme-ml-fraud-")
    assert cfg["lifecycle"] == {"create_before_destroy": True}
    [variant] = cfg["production_variants"]
    assert variant["serverless_config"] == {
        "max_concurrency": 10,
        "memory_size_in_mb": 2048,
        "provisioned_concurrency": 2,
    }
    assert "instance_type" not in variant
    # Serverless endpoints reject a storage key, data capture and shadow variants.
    assert not {"kms_key_arn", "data_capture_config", "shadow_production_variants"} & set(cfg)
    _, endpoint = _by(
        stacks, "staging", "aws_sagemaker_endpoint", "name", names.endpoint_name(resolved_example, "fraud")
    )
    assert endpoint["endpoint_config_name"].endswith(".name}")


def test_instance_endpoint_with_shadow_and_capture(stacks, resolved_example):
    cfg = _config_of(stacks, "staging", "acme-ml-churn-")
    data_key = _key_ref(stacks, "staging", resolved_example.kms_alias(contracts.INFERENCE_DATA))
    assert cfg["kms_key_arn"] == data_key
    [primary] = cfg["production_variants"]
    [shadow] = cfg["shadow_production_variants"]
    assert (
        primary["variant_name"],
        primary["instance_type"],
        primary["initial_instance_count"],
        primary["initial_variant_weight"],
    ) == ("primary", "ml.m5.large", 1, 1)
    # 25 % sampling: the shadow's weight relative to the production variant's.
    assert (shadow["variant_name"], shadow["initial_variant_weight"]) == ("shadow", 0.25)
    capture = cfg["data_capture_config"]
    bucket = resolved_example.bucket_name("staging", contracts.INFERENCE_DATA)
    # Stage and account in the key: replicas of staging and production never share a key.
    assert (
        capture["destination_s3_uri"]
        == f"s3://{bucket}/data-capture/staging/staging"
        == f"s3://{bucket}/{names.capture_prefix(resolved_example, 'staging')}"
    )
    assert capture["kms_key_id"] == data_key
    assert capture["initial_sampling_percentage"] == 100
    assert capture["capture_options"] == [{"capture_mode": "Input"}, {"capture_mode": "Output"}]
    assert capture["capture_content_type_header"] == {
        "csv_content_types": ["text/csv"],
        "json_content_types": ["application/json"],
    }


def test_production_autoscaling_per_variant(stacks):
    targets = {v["resource_id"]: v for v in stacks.resources("production", "aws_appautoscaling_target").values()}
    assert set(targets) == {
        "endpoint/acme-ml-churn/variant/primary",
        "endpoint/acme-ml-churn/variant/challenger",
        "endpoint/acme-ml-fraud/variant/primary",
    }
    churn = targets["endpoint/acme-ml-churn/variant/primary"]
    assert (churn["min_capacity"], churn["max_capacity"], churn["scalable_dimension"]) == (
        2,
        8,
        "sagemaker:variant:DesiredInstanceCount",
    )
    policies = {v["name"]: v for v in stacks.resources("production", "aws_appautoscaling_policy").values()}
    tracking = policies["acme-ml-churn-primary-invocations"]["target_tracking_scaling_policy_configuration"]
    assert tracking == {
        "predefined_metric_specification": {"predefined_metric_type": "SageMakerVariantInvocationsPerInstance"},
        "scale_in_cooldown": 600,
        "scale_out_cooldown": 60,
        "target_value": 500,
    }
    cfg = _config_of(stacks, "production", "acme-ml-churn-")
    assert [
        (v["variant_name"], v["initial_variant_weight"], v["volume_size_in_gb"]) for v in cfg["production_variants"]
    ] == [("primary", 1, 30), ("challenger", 0.1, 30)]


def test_inference_data_bucket_and_keys(stacks, resolved_example):
    for account in ("staging", "production"):
        bucket_name = resolved_example.bucket_name(account, contracts.INFERENCE_DATA)
        bucket_id, _ = _by(stacks, account, "aws_s3_bucket", "bucket", bucket_name)
        sse = [
            v
            for v in stacks.resources(account, "aws_s3_bucket_server_side_encryption_configuration").values()
            if v["bucket"] == f"${{aws_s3_bucket.{bucket_id}.id}}"
        ]
        rule = sse[0]["rule"][0]["apply_server_side_encryption_by_default"]
        assert rule == {
            "kms_master_key_id": _key_ref(stacks, account, resolved_example.kms_alias(contracts.INFERENCE_DATA)),
            "sse_algorithm": "aws:kms",
        }
        keys = stacks.resources(account, "aws_kms_key")
        assert all(k["enable_key_rotation"] for k in keys.values())


def test_replication_rules_point_at_contract_destinations(stacks, resolved_example):
    r = resolved_example
    for source in ("staging", "production"):
        config = stacks.resource(source, "aws_s3_bucket_replication_configuration")
        destinations = contracts.replication_destinations(r, source)
        # staging.yaml chooses ml-exec only (inference.replication.destinations); production takes the default.
        assert destinations == (["ml-exec"] if source == "staging" else ["data", "ml-exec"])
        rules = {rule["id"]: rule for rule in config["rule"]}
        assert set(rules) == {f"to-{d}" for d in destinations}
        for dest in destinations:
            rule = rules[f"to-{dest}"]
            assert rule["destination"]["bucket"] == r.bucket_arn(dest, contracts.INFERENCE_DATA)
            assert rule["destination"]["account"] == r.account_id(dest)
            assert rule["destination"]["encryption_configuration"] == {
                "replica_kms_key_id": r.kms_alias_arn(dest, contracts.INFERENCE_DATA)
            }
            assert rule["destination"]["access_control_translation"] == {"owner": "Destination"}
            assert rule["delete_marker_replication"] == {"status": "Disabled"}
            assert rule["source_selection_criteria"] == {"sse_kms_encrypted_objects": {"status": "Enabled"}}
        assert sorted(rule["priority"] for rule in rules.values()) == list(range(1, len(destinations) + 1))
        role_id, role = _by(stacks, source, "aws_iam_role", "name", contracts.replication_role_name(r))
        assert config["role"] == f"${{aws_iam_role.{role_id}.arn}}"
        assert statements(role["assume_role_policy"])[0]["Principal"] == {"Service": "s3.amazonaws.com"}
        policy = next(
            p
            for p in stacks.resources(source, "aws_iam_role_policy").values()
            if p["role"] == f"${{aws_iam_role.{role_id}.id}}"
        )
        stmts = {s["Sid"]: s for s in statements(policy["policy"])}
        resources = stmts["ReplicateToDestinations"]["Resource"]
        assert (resources if isinstance(resources, list) else [resources]) == [
            f"{r.bucket_arn(d, contracts.INFERENCE_DATA)}/*" for d in destinations
        ]
        for dest, sid in (("data", "EncryptReplicasForData"), ("ml-exec", "EncryptReplicasForMlExec"))[
            2 - len(destinations) :
        ]:
            assert stmts[sid]["Resource"] == r.kms_key_arn_pattern(dest)
            assert stmts[sid]["Condition"] == {
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": r.kms_alias(contracts.INFERENCE_DATA)}
            }
        assert stmts["DecryptSourceObjects"]["Resource"] == _key_ref(
            stacks, source, r.kms_alias(contracts.INFERENCE_DATA)
        )


def test_replication_orders_destinations_first(resolved_example):
    r = resolved_example
    replication = {(f.source, f.target): f for f in r.flows if f.kind == "replication"}
    for source in ("staging", "production"):
        for dest in contracts.replication_destinations(r, source):
            assert replication[(source, dest)].first == dest
            assert r.order.index(dest) < r.order.index(source)


def test_model_monitor_and_alarms(stacks, resolved_example):
    r = resolved_example
    job = stacks.resource("staging", "aws_sagemaker_data_quality_job_definition")
    baseline = names.baseline_s3_uri(r, "ml-exec", "churn")
    assert baseline == "s3://acme-ml-inference-data-666666666666-eu-west-1/monitoring-baselines/acme-ml-churn"
    assert job["data_quality_baseline_config"]["constraints_resource"] == {"s3_uri": f"{baseline}/constraints.json"}
    assert job["data_quality_baseline_config"]["statistics_resource"] == {"s3_uri": f"{baseline}/statistics.json"}
    assert job["data_quality_job_input"]["endpoint_input"]["endpoint_name"] == "acme-ml-churn"
    assert (
        job["data_quality_app_specification"]["image_uri"]
        == "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer:latest"
    )
    _, role = _by(stacks, "staging", "aws_iam_role", "name", names.model_monitor_role_name(r))
    schedule = by(stacks, "production", "aws_sagemaker_monitoring_schedule", name="acme-ml-churn-data-quality")
    assert schedule["monitoring_schedule_config"]["schedule_config"] == {"schedule_expression": "cron(0 0/6 ? * * *)"}
    assert schedule["monitoring_schedule_config"]["monitoring_type"] == "DataQuality"
    alarms = {a["metric_name"]: a for a in stacks.resources("production", "aws_cloudwatch_metric_alarm").values()}
    assert set(alarms) == {
        "feature_baseline_drift_tenure_months",
        "feature_baseline_drift_monthly_charges",
        "feature_baseline_drift_amount",
    }
    assert alarms["feature_baseline_drift_monthly_charges"]["threshold"] == 0.15
    assert alarms["feature_baseline_drift_monthly_charges"]["dimensions"] == {
        "Endpoint": "acme-ml-churn",
        "MonitoringSchedule": "acme-ml-churn-data-quality",
    }
    # The analyzer publishes the metrics these alarms read only with this environment variable.
    assert job["data_quality_app_specification"]["environment"] == {"publish_cloudwatch_metrics": "Enabled"}
    assert len(stacks.resources("production", "aws_sagemaker_monitoring_schedule")) == 2


def test_monitoring_events_go_to_the_retraining_bus(stacks, resolved_example):
    r = resolved_example
    bus = contracts.event_bus_arn(r, "ml-exec", contracts.retraining_bus_name(r))
    for account in ("staging", "production"):
        role_id, role = _by(stacks, account, "aws_iam_role", "name", contracts.events_forwarder_role_name(r))
        policy = next(
            p
            for p in stacks.resources(account, "aws_iam_role_policy").values()
            if p["role"] == f"${{aws_iam_role.{role_id}.id}}"
        )
        assert statements(policy["policy"]) == [
            {"Sid": "PutEventsOnRetrainingBuses", "Effect": "Allow", "Action": "events:PutEvents", "Resource": bus}
        ]
        targets = stacks.resources(account, "aws_cloudwatch_event_target").values()
        assert {(t["arn"], t["role_arn"]) for t in targets} == {(bus, f"${{aws_iam_role.{role_id}.arn}}")}
        rules = {
            v["name"]: json.loads(v["event_pattern"])
            for v in stacks.resources(account, "aws_cloudwatch_event_rule").values()
        }
        # Every monitored endpoint here has drift alarms: its one signal is its composite drift alarm, and its
        # violations (the same run's breach) are not forwarded too.
        assert set(rules) == {"acme-ml-to-ml-exec-drift-alarms"}
        monitored = ["churn"] if account == "staging" else ["churn", "fraud"]
        alarms = rules["acme-ml-to-ml-exec-drift-alarms"]
        assert alarms["detail"] == {"state": {"value": ["ALARM"]}}
        assert alarms["resources"] == [
            f"arn:aws:cloudwatch:eu-west-1:{r.account_id(account)}:alarm:acme-ml-{e}-data-quality-drift"
            for e in monitored
        ]
        composites = {a["alarm_name"]: a for a in stacks.resources(account, "aws_cloudwatch_composite_alarm").values()}
        assert sorted(composites) == [f"acme-ml-{e}-data-quality-drift" for e in monitored]


def test_drift_alarm_enters_alarm_once_per_drift(stacks):
    """Datapoints come once per scheduled run: missing data keeps the state (no return to OK between runs,
    so no re-fire each schedule), and one composite alarm per endpoint raises a single signal."""
    for account in ("staging", "production"):
        alarms = stacks.resources(account, "aws_cloudwatch_metric_alarm")
        drift = {k: a for k, a in alarms.items() if a["metric_name"].startswith("feature_baseline_drift_")}
        assert drift and all(a["treat_missing_data"] == "ignore" for a in drift.values())
        assert all(a["evaluation_periods"] == 1 and a["statistic"] == "Maximum" for a in drift.values())
    churn = by(stacks, "production", "aws_cloudwatch_composite_alarm", alarm_name="acme-ml-churn-data-quality-drift")
    logical = {a["metric_name"]: k for k, a in stacks.resources("production", "aws_cloudwatch_metric_alarm").items()}
    children = [logical[f"feature_baseline_drift_{f}"] for f in ("tenure_months", "monthly_charges")]  # YAML order
    assert churn["alarm_rule"] == " OR ".join(
        f'ALARM("${{aws_cloudwatch_metric_alarm.{k}[0].alarm_name}}")' for k in children
    )
    # Gated like its children: it exists exactly when the endpoint does.
    child = stacks.resources("production", "aws_cloudwatch_metric_alarm")[children[0]]
    assert churn["count"] == child["count"]


def test_http_api_with_iam_auth(stacks, resolved_example):
    routes = {v["route_key"]: v for v in stacks.resources("staging", "aws_apigatewayv2_route").values()}
    assert set(routes) == {"POST /fraud", "POST /churn"}
    assert {v["authorization_type"] for v in routes.values()} == {"AWS_IAM"}
    stage = stacks.resource("staging", "aws_apigatewayv2_stage")
    assert stage["default_route_settings"]["throttling_rate_limit"] == 20
    assert stage["default_route_settings"]["throttling_burst_limit"] == 40
    logs_key = _key_ref(stacks, "staging", resolved_example.kms_alias("inference-logs"))
    groups = {v["name"]: v for v in stacks.resources("staging", "aws_cloudwatch_log_group").values()}
    assert set(groups) == {"/aws/apigateway/acme-ml-scoring-api", "/aws/lambda/acme-ml-scoring-api"}
    assert {g["kms_key_id"] for g in groups.values()} == {logs_key}
    group_id = next(
        k
        for k, v in stacks.resources("staging", "aws_cloudwatch_log_group").items()
        if v["name"].startswith("/aws/apigateway/")
    )
    assert stage["access_log_settings"]["destination_arn"] == f"${{aws_cloudwatch_log_group.{group_id}.arn}}"


def test_rest_api_with_api_keys_and_usage_plans(stacks):
    methods = stacks.resources("production", "aws_api_gateway_method").values()
    assert {(m["http_method"], m["authorization"], m["api_key_required"]) for m in methods} == {("POST", "NONE", True)}
    plans = {p["name"]: p for p in stacks.resources("production", "aws_api_gateway_usage_plan").values()}
    assert set(plans) == {"acme-ml-partners-api-gold", "acme-ml-partners-api-trial"}
    assert plans["acme-ml-partners-api-trial"]["throttle_settings"] == {"burst_limit": 10, "rate_limit": 5}
    assert plans["acme-ml-partners-api-trial"]["quota_settings"] == {"limit": 1000, "period": "DAY"}
    keys = {k["name"] for k in stacks.resources("production", "aws_api_gateway_api_key").values()}
    assert keys == {
        "acme-ml-partners-api-partner-a",
        "acme-ml-partners-api-partner-b",
        "acme-ml-partners-api-partner-c",
    }
    assert len(stacks.resources("production", "aws_api_gateway_usage_plan_key")) == 3
    settings = stacks.resource("production", "aws_api_gateway_method_settings")["settings"]
    assert (settings["throttling_rate_limit"], settings["throttling_burst_limit"]) == (200, 400)
    stage = stacks.resource("production", "aws_api_gateway_stage")
    assert any(d.startswith("aws_api_gateway_account.") for d in stage["depends_on"])


def test_lambda_invokes_only_routed_endpoints_and_captures_serverless(stacks, resolved_example):
    fn = stacks.resource("staging", "aws_lambda_function")
    env = fn["environment"]["variables"]
    assert json.loads(env["ENDPOINTS"]) == {
        "churn": {"capture_percentage": 0, "endpoint": "acme-ml-churn"},
        "fraud": {"capture_percentage": 100, "endpoint": "acme-ml-fraud"},
    }
    assert env["CAPTURE_BUCKET"] == resolved_example.bucket_name("staging", contracts.INFERENCE_DATA)
    role_id = re.fullmatch(r"\$\{aws_iam_role\.(.+)\.arn\}", fn["role"]).group(1)
    policy = next(
        p
        for p in stacks.resources("staging", "aws_iam_role_policy").values()
        if p["role"] == f"${{aws_iam_role.{role_id}.id}}"
    )
    stmts = {s["Sid"]: s for s in statements(policy["policy"])}
    assert stmts["InvokeRoutedEndpoints"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:777777777777:endpoint/acme-ml-churn",
        "arn:aws:sagemaker:eu-west-1:777777777777:endpoint/acme-ml-fraud",
    ]
    assert env["CAPTURE_PREFIX"] == "data-capture/staging/staging"
    assert (
        stmts["WriteApiCapture"]["Resource"] == f"arn:aws:s3:::{env['CAPTURE_BUCKET']}/data-capture/staging/staging/*"
    )
    # Production serves only instance endpoints: its Lambda gets no capture permission.
    prod_fn = stacks.resource("production", "aws_lambda_function")
    prod_role = re.fullmatch(r"\$\{aws_iam_role\.(.+)\.arn\}", prod_fn["role"]).group(1)
    prod_policy = next(
        p
        for p in stacks.resources("production", "aws_iam_role_policy").values()
        if p["role"] == f"${{aws_iam_role.{prod_role}.id}}"
    )
    assert "WriteApiCapture" not in {s["Sid"] for s in statements(prod_policy["policy"])}


# Actions without resource-level permissions, so "*" is their only resource:
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
RESOURCELESS_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
}

# Every AWS managed policy a staging or production role may carry, by role; any other attachment fails.
# PowerUserAccess (every action but IAM and Organizations, on "*") is broad by design: the pipeline's deploy
# role applies the whole account stack (docs/account-kinds.md, accounts/pipeline_targets.py).
REVIEWED_MANAGED_POLICIES = {
    "staging": {
        "acme-ml-pipeline-deploy": {"PowerUserAccess"},
        "acme-ml-security-audit": {"SecurityAudit", "job-function/ViewOnlyAccess"},
    },
    "production": {
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
        "acme-ml-apigateway-cloudwatch": {"service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
        "acme-ml-pipeline-deploy": {"PowerUserAccess"},
        "acme-ml-security-audit": {"SecurityAudit", "job-function/ViewOnlyAccess"},
    },
}


def _as_list(value) -> list:
    return [value] if isinstance(value, str) else list(value or [])


def _identity_policies(stacks, account) -> list[tuple[str, str]]:
    """(where, policy JSON) of every identity policy of the stack: role policies, managed and inline."""
    found = [
        (f"aws_iam_role_policy.{k}", v["policy"]) for k, v in stacks.resources(account, "aws_iam_role_policy").items()
    ]
    found += [(f"aws_iam_policy.{k}", v["policy"]) for k, v in stacks.resources(account, "aws_iam_policy").items()]
    for key, role in stacks.resources(account, "aws_iam_role").items():
        found += [(f"aws_iam_role.{key}.inline_policy", p["policy"]) for p in _as_list(role.get("inline_policy"))]
    return found


@pytest.mark.parametrize("account", ["staging", "production"])
def test_no_unintended_wildcards(stacks, account):
    """No "*" action; "*" as a resource (alone or in a list) only for actions without resource-level permissions."""
    wildcard_actions = set()
    policies = _identity_policies(stacks, account)
    assert len(policies) >= 5, policies
    for where, document in policies:
        for stmt in statements(document):
            assert "NotAction" not in stmt and "NotResource" not in stmt, (where, stmt)
            actions, resources = _as_list(stmt["Action"]), _as_list(stmt["Resource"])
            assert not [a for a in actions if a == "*" or a.endswith(":*")], (where, stmt)
            if "*" in resources:
                assert set(actions) <= RESOURCELESS_ACTIONS, (where, stmt)
                assert resources == ["*"], (where, stmt)  # "*" beside named resources would hide them
                wildcard_actions.update(actions)
    # The check saw the example's resourceless grants (ECR login, metrics, traces), so it is not vacuous.
    assert {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"} <= wildcard_actions


@pytest.mark.parametrize("account", ["staging", "production"])
def test_managed_policies_attached_to_roles_are_the_reviewed_ones(stacks, account):
    """AWS managed policies grant on "*": each attachment to a role is one of the reviewed ones."""
    names = {key: role["name"] for key, role in stacks.resources(account, "aws_iam_role").items()}
    attached: dict[str, set[str]] = {}

    def attach(role: str, arn: str) -> None:
        assert arn.startswith("arn:aws:iam::aws:policy/"), f"{role}: {arn} is not an AWS managed policy"
        attached.setdefault(role, set()).add(arn.removeprefix("arn:aws:iam::aws:policy/"))

    for attachment in stacks.resources(account, "aws_iam_role_policy_attachment").values():
        role_key = re.fullmatch(r"\$\{aws_iam_role\.(.+)\.(?:name|id)\}", attachment["role"]).group(1)
        attach(names[role_key], attachment["policy_arn"])
    for exclusive in stacks.resources(account, "aws_iam_role_policy_attachments_exclusive").values():
        role_key = re.fullmatch(r"\$\{aws_iam_role\.(.+)\.(?:name|id)\}", exclusive["role_name"]).group(1)
        for arn in exclusive["policy_arns"]:
            attach(names[role_key], arn)
    for key, role in stacks.resources(account, "aws_iam_role").items():
        for arn in role.get("managed_policy_arns") or []:
            attach(names[key], arn)
    assert stacks.resources(account, "aws_iam_user_policy_attachment") == {}
    assert stacks.resources(account, "aws_iam_group_policy_attachment") == {}
    assert attached == REVIEWED_MANAGED_POLICIES[account]


def test_vpc_and_network_isolation_on_instance_models(config_copy, tmp_path):
    """Not in the example (subnets are site specific): synthesize production with a VPC."""
    from accounts.app import synthesize
    from config import load, resolve
    from tests.conftest import read_stacks
    from tests.helpers import replace_text

    replace_text(
        config_copy / "accounts/production.yaml",
        "      variants:\n",
        # network_isolation: true is in the example
        "      vpc:\n        subnet_ids: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n"
        "        security_group_ids: [sg-0123456789abcdef0]\n      variants:\n",
    )
    out = tmp_path / "cdktf.out"
    synthesize(resolve(load(config_copy)), ["production"], out, state_dir=tmp_path / "state")
    stacks = read_stacks(out)
    churn = [
        m
        for m in stacks.resources("production", "aws_sagemaker_model").values()
        if m["name"].startswith("acme-ml-churn-")
    ]
    assert len(churn) == 2
    for model in churn:
        assert model["vpc_config"] == {
            "security_group_ids": ["sg-0123456789abcdef0"],
            "subnets": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        }
        assert model["enable_network_isolation"] is True
        # The name digest covers the network settings, so changing them creates a new model first.
        network = json.dumps([["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], ["sg-0123456789abcdef0"], True])
        assert f'"{hashlib.sha1(network.encode()).hexdigest()}"' in model["name"]
    role_policy = [
        p
        for p in stacks.resources("production", "aws_iam_role_policy").values()
        if "ModelContainersInVpc" in p["policy"]
    ]
    assert len(role_policy) == 1
