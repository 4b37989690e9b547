"""The model loop traced through the synthesized JSON, one chain per monitored endpoint, on a variant
landing zone: two ml-execution accounts (ml-exec with pipelines churn-training and upsell-training,
ml-b with fraud-training), two serving accounts monitoring endpoints of both (staging, production),
and a load-test staging account that serves churn unmonitored and replicates nowhere.

package group -> pipeline (registered image, baseline write path) -> image pull grant -> capture ->
replication (key layout) -> monitor (baseline path == pipeline's write path) -> metric -> alarm ->
forwarded event -> the retraining rule of exactly that group's pipeline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from config import contracts
from config.kinds import inference as names
from config.kinds.ml_execution import pipeline_execution_role_name
from modules.model_monitor import MONITOR_METRICS_NAMESPACE
from tests.conftest import copy_example, read_stacks
from tests.helpers import replace_text
from tests.synth_lookup import as_list, bucket_statements, by, key_statements

SS = "shared-services"
SERVING = ("staging", "production")
INSTANCE = "      compute: {mode: instance, instance_type: ml.m5.large}\n"
CAPTURE = "      data_capture: {sampling_percentage: 100}\n"


def _endpoint(name: str, group: str, features: list[str] | None) -> str:
    text = f"    - name: {name}\n      model_package_group: {group}\n{INSTANCE}"
    if features is not None:
        alarms = ", ".join(f"{{feature: {f}, threshold: 0.2}}" for f in features)
        text += CAPTURE + f"      monitor: {{schedule: 'cron(0 * ? * * *)', drift_alarms: [{alarms}]}}\n"
    return text


def _serving(name: str, kind: str, account_id: str, ou: str, endpoints: str, extra: str = "") -> str:
    return (
        f'name: {name}\nkind: {kind}\naccount_id: "{account_id}"\nou: {ou}\ninference:\n  '
        f"endpoints:\n{endpoints}{extra}"
    )


ML_B = """name: ml-b
kind: ml-execution
account_id: "999999999999"
ou: Workloads/Dev
ml_execution:
  model_package_groups: [{name: fraud}]
  pipelines:
    - name: fraud-training
      model_package_group: fraud
      processing_image: {repository: fraud-processing, tag: "2.1.0"}
      training_image: {repository: fraud-training, tag: "2.1.0"}
      input_data: {account: data, bucket: curated, prefix: transactions/v2/}
  retraining: {pipelines: [fraud-training]}
"""

UPSELL_PIPELINE = """    - name: upsell-training
      model_package_group: upsell
      processing_image: {repository: churn-processing, tag: "1.0.0"}
      training_image: {repository: churn-training, tag: "1.0.0"}
      input_data: {account: data, bucket: curated, prefix: churn/}
"""

# (serving account, endpoint) -> (group, owner, pipeline, drift features); the routing the variant must prove.
CHAINS = {
    ("staging", "churn"): ("churn", "ml-exec", "churn-training", ["tenure_months"]),
    ("staging", "fraud"): ("fraud", "ml-b", "fraud-training", []),  # no drift alarm: its violations retrain
    ("production", "churn"): ("churn", "ml-exec", "churn-training", ["tenure_months", "monthly_charges"]),
    ("production", "upsell"): ("upsell", "ml-exec", "upsell-training", ["basket_size"]),
}


@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    from accounts.app import synthesize
    from config import load, resolve

    base = tmp_path_factory.mktemp("model-loop")
    root = copy_example(base)
    accounts = root / "accounts"
    ml = accounts / "ml-exec.yaml"
    text = ml.read_text()
    fraud_pipeline = (
        text[text.index("    # No inference_image: fraud packages") : text.index("\n  # A violation or drift alarm")]
        + "\n"
    )
    # upsell-training sets no inference image: its packages serve churn-training, its training image.
    replace_text(ml, fraud_pipeline, UPSELL_PIPELINE)
    replace_text(ml, "    - name: fraud\n      description: Card fraud scorer\n", "    - name: upsell\n")
    replace_text(ml, "pipelines: [churn-training, fraud-training]", "pipelines: [churn-training, upsell-training]")
    (accounts / "ml-b.yaml").write_text(ML_B)
    # ml-b's pipeline reads transactions/v2/: the data account must share that dataset with it.
    replace_text(
        accounts / "data.yaml",
        "      - account: ds-dev\n",
        "      - account: ml-b\n        datasets: [transactions]\n        permissions: [SELECT, DESCRIBE]\n      - "
        "account: ds-dev\n",
    )
    (accounts / "staging.yaml").write_text(
        _serving(
            "staging",
            "staging",
            "777777777777",
            "Workloads/Staging",
            _endpoint("churn", "churn", ["tenure_months"]) + _endpoint("fraud", "fraud", []),
        )
    )
    (accounts / "production.yaml").write_text(
        _serving(
            "production",
            "production",
            "888888888888",
            "Workloads/Prod",
            _endpoint("churn", "churn", ["tenure_months", "monthly_charges"])
            + _endpoint("upsell", "upsell", ["basket_size"]),
        )
    )
    (accounts / "loadtest.yaml").write_text(
        _serving(
            "loadtest",
            "staging",
            "121212121212",
            "Workloads/Staging",
            _endpoint("churn", "churn", None),
            "  replication: {destinations: []}\n",
        )
    )
    resolved = resolve(load(root))
    out = base / "cdktf.out"
    synthesize(resolved, None, out, state_dir=base / "state")
    return resolved, read_stacks(out)


def _pipeline(stacks, owner: str, pipeline: str) -> dict:
    return json.loads(
        by(stacks, owner, "aws_sagemaker_pipeline", pipeline_name=f"acme-ml-{pipeline}")["pipeline_definition"]
    )


def _step(definition: dict, name: str) -> dict:
    steps = {s["Name"]: s for s in definition["Steps"]}
    steps.update({s["Name"]: s for s in steps["CheckAccuracy"]["Arguments"]["IfSteps"]})
    return steps[name]


def _patterns(stacks, account: str, bus: str | None = None) -> dict[str, tuple[dict, list[dict]]]:
    """Rule name -> (pattern, targets) of an account's rules (on one bus, or the default bus)."""
    rules = {
        k: v
        for k, v in stacks.resources(account, "aws_cloudwatch_event_rule").items()
        if v.get("event_bus_name") == bus or (bus and bus in str(v.get("event_bus_name")))
    }
    targets = stacks.resources(account, "aws_cloudwatch_event_target").values()
    return {
        v["name"]: (
            json.loads(v["event_pattern"]),
            [t for t in targets if t["rule"] == f"${{aws_cloudwatch_event_rule.{k}.name}}"],
        )
        for k, v in rules.items()
    }


@pytest.mark.parametrize("source,endpoint", sorted(CHAINS), ids=[f"{s}-{e}" for s, e in sorted(CHAINS)])
def test_chain(variant, source, endpoint):
    r, stacks = variant
    group, owner, pipeline, features = CHAINS[(source, endpoint)]
    source_id, owner_id = r.account_id(source), r.account_id(owner)

    # 1. The group lives in its ml-execution account, and one pipeline registers packages into it.
    by(stacks, owner, "aws_sagemaker_model_package_group", model_package_group_name=f"acme-ml-{group}")
    definition = _pipeline(stacks, owner, pipeline)
    register = _step(definition, "RegisterModel")["Arguments"]
    assert register["ModelPackageGroupName"] == f"acme-ml-{group}"
    image = register["InferenceSpecification"]["Containers"][0]["Image"]
    if isinstance(image, dict):  # a pipeline parameter: its default is the YAML's image
        image = next(p["DefaultValue"] for p in definition["Parameters"] if f"Parameters.{p['Name']}" == image["Get"])
    repository = image.split("/", 1)[1].split(":")[0]  # acme-ml/<repository>

    # 2. The registered image is pullable by the serving account's execution role (both sides of the grant).
    repo_key = next(k for k, v in stacks.resources(SS, "aws_ecr_repository").items() if v["name"] == repository)
    policy = next(v for v in stacks.resources(SS, "aws_ecr_repository_policy").values() if repo_key in v["repository"])
    pull = json.loads(policy["policy"])["Statement"][0]
    role_arn = r.role_arn(source, contracts.inference_execution_role_name(r))
    assert r.root_arn(source) in as_list(pull["Principal"]["AWS"]) and role_arn in as_list(
        pull["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    )
    by(stacks, source, "aws_iam_role", name=contracts.inference_execution_role_name(r))
    identity = next(
        p for p in stacks.resources(source, "aws_iam_role_policy").values() if "PullModelImages" in p["policy"]
    )
    pulls = next(s for s in json.loads(identity["policy"])["Statement"] if s["Sid"] == "PullModelImages")
    assert contracts.ecr_repository_arn(r, SS, repository.split("/", 1)[1]) in as_list(pulls["Resource"])

    # 3. Capture lands under the serving account's stage and name.
    endpoint_name = names.endpoint_name(r, endpoint)
    config = next(
        v
        for v in stacks.resources(source, "aws_sagemaker_endpoint_configuration").values()
        if v["name_prefix"] == f"{endpoint_name}-"
    )
    bucket = r.bucket_name(source, contracts.INFERENCE_DATA)
    capture_prefix = f"data-capture/{r.accounts[source].kind}/{source}"
    assert config["data_capture_config"]["destination_s3_uri"] == f"s3://{bucket}/{capture_prefix}"

    # 4. Replication keeps keys (a rule filter of "" and no rewrite exists), to buckets granting this source's role.
    replication = stacks.resource(source, "aws_s3_bucket_replication_configuration")
    for rule in replication["rule"]:
        assert rule["filter"] == {"prefix": ""}
        dest = next(a for a in r.accounts if rule["destination"]["bucket"] == r.bucket_arn(a, contracts.INFERENCE_DATA))
        grants = [
            s
            for s in bucket_statements(stacks, dest, r.bucket_name(dest, contracts.INFERENCE_DATA))
            if s["Sid"].startswith("ReplicateObjectsFrom")
        ]
        assert any(
            s["Condition"]["ArnEquals"]["aws:PrincipalArn"] == r.role_arn(source, contracts.replication_role_name(r))
            for s in grants
        )

    # 5. The monitor reads exactly what the group's pipeline writes, and publishes its metrics.
    schedule_name = f"{endpoint_name}-data-quality"
    job = by(stacks, source, "aws_sagemaker_data_quality_job_definition", name=schedule_name)
    written = _step(definition, "Baseline")["Arguments"]["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    assert written == names.baseline_s3_uri(r, owner, group)
    assert job["data_quality_baseline_config"]["constraints_resource"]["s3_uri"] == f"{written}/constraints.json"
    assert job["data_quality_baseline_config"]["statistics_resource"]["s3_uri"] == f"{written}/statistics.json"
    assert job["data_quality_app_specification"]["environment"] == {"publish_cloudwatch_metrics": "Enabled"}
    assert job["data_quality_job_input"]["endpoint_input"]["endpoint_name"] == endpoint_name
    by(stacks, source, "aws_sagemaker_monitoring_schedule", name=schedule_name)
    readers = next(
        s
        for s in bucket_statements(stacks, owner, r.bucket_name(owner, contracts.INFERENCE_DATA))
        if s["Sid"] == "ModelMonitorReadsBaselines"
    )
    assert r.role_arn(source, names.model_monitor_role_name(r)) in as_list(
        readers["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    )

    # 6. Metric -> alarm: the namespace and dimensions the analyzer publishes for this endpoint and schedule;
    # the endpoint's one signal is the composite over its drift alarms, or without any its schedule's violations.
    for feature in features:
        alarm = by(
            stacks,
            source,
            "aws_cloudwatch_metric_alarm",
            metric_name=f"feature_baseline_drift_{feature}",
            dimensions={"Endpoint": endpoint_name, "MonitoringSchedule": schedule_name},
        )
        assert alarm["namespace"] == MONITOR_METRICS_NAMESPACE == "aws/sagemaker/Endpoints/data-metrics"
        key = next(k for k, v in stacks.resources(source, "aws_cloudwatch_metric_alarm").items() if v is alarm)
        composite = by(stacks, source, "aws_cloudwatch_composite_alarm", alarm_name=f"{schedule_name}-drift")
        assert f'ALARM("${{aws_cloudwatch_metric_alarm.{key}[0].alarm_name}}")' in composite["alarm_rule"]
    signal = f"arn:aws:cloudwatch:eu-west-1:{source_id}:alarm:{schedule_name}-drift"
    schedule_arn = f"arn:aws:sagemaker:eu-west-1:{source_id}:monitoring-schedule/{schedule_name}"
    if not features:
        composites = stacks.resources(source, "aws_cloudwatch_composite_alarm").values()
        assert f"{schedule_name}-drift" not in {a["alarm_name"] for a in composites}

    # 7. Events: forwarded only to the owner's retraining bus, which admits this account's forwarder role.
    bus = contracts.event_bus_arn(r, owner, contracts.retraining_bus_name(r))
    forwarded = _patterns(stacks, source)
    carrying = {
        n
        for n, (p, _) in forwarded.items()
        if signal in p.get("resources", []) or schedule_arn in p.get("detail", {}).get("MonitoringScheduleArn", [])
    }
    assert carrying == {f"acme-ml-to-{owner}-{'drift-alarms' if features else 'violations'}"}
    for n in carrying:
        assert [t["arn"] for t in forwarded[n][1]] == [bus]
    bus_policy = json.loads(next(iter(stacks.resources(owner, "aws_cloudwatch_event_bus_policy").values()))["policy"])[
        "Statement"
    ][0]
    assert r.role_arn(source, contracts.events_forwarder_role_name(r)) in as_list(
        bus_policy["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    )

    # 8. On that bus, exactly the group's pipeline starts, and no rule of any ml-execution account starts another.
    pipeline_arn = f"arn:aws:sagemaker:eu-west-1:{owner_id}:pipeline/acme-ml-{pipeline}"
    started = set()
    for ml in ("ml-exec", "ml-b"):
        for pattern, targets in _patterns(stacks, ml, "retraining-bus").values():
            if signal in pattern.get("resources", []) or schedule_arn in pattern.get("detail", {}).get(
                "MonitoringScheduleArn", []
            ):
                assert source_id in pattern["account"]
                started |= {(ml, t["arn"]) for t in targets}
    assert started == {(owner, pipeline_arn)}


def test_policies_name_only_roles_that_exist(variant):
    """The load-test account serves churn unmonitored and replicates nowhere: it gets the image grant its
    endpoint needs, and no bus, bucket or key policy names a monitor, forwarder or replication role of it."""
    r, stacks = variant
    loadtest = r.account_id("loadtest")
    roles = {v["name"] for v in stacks.resources("loadtest", "aws_iam_role").values()}
    assert contracts.inference_execution_role_name(r) in roles
    for missing in (
        names.model_monitor_role_name(r),
        contracts.events_forwarder_role_name(r),
        contracts.replication_role_name(r),
    ):
        assert missing not in roles
    assert not stacks.resources("loadtest", "aws_s3_bucket_replication_configuration")
    for account, stack in stacks.items():
        text = json.dumps(stack)
        for missing in (
            names.model_monitor_role_name(r),
            contracts.events_forwarder_role_name(r),
            contracts.replication_role_name(r),
        ):
            assert f"{loadtest}:role/{missing}" not in text, (account, missing)
    # ml-b's bus admits staging only: production monitors nothing of group fraud.
    bus_policy = json.loads(next(iter(stacks.resources("ml-b", "aws_cloudwatch_event_bus_policy").values()))["policy"])[
        "Statement"
    ][0]
    assert as_list(bus_policy["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == [
        r.role_arn("staging", contracts.events_forwarder_role_name(r))
    ]
    # The baseline readers of ml-b: staging's monitor role alone; its model artifacts: staging's execution role alone.
    readers = next(
        s
        for s in bucket_statements(stacks, "ml-b", r.bucket_name("ml-b", contracts.INFERENCE_DATA))
        if s["Sid"] == "ModelMonitorReadsBaselines"
    )
    assert as_list(readers["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == [
        r.role_arn("staging", names.model_monitor_role_name(r))
    ]
    decrypt = next(
        s
        for s in key_statements(stacks, "ml-b", r.kms_alias("ml-execution"))
        if s["Sid"] == "InferenceAccountsDecryptModels"
    )
    assert as_list(decrypt["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == [
        r.role_arn("staging", contracts.inference_execution_role_name(r))
    ]
    # ECR: loadtest pulls churn's registered image; ml-b's pipeline role its own images only.
    churn = next(
        k for k, v in stacks.resources(SS, "aws_ecr_repository").items() if v["name"] == "acme-ml/churn-inference"
    )
    policy = next(v for v in stacks.resources(SS, "aws_ecr_repository_policy").values() if churn in v["repository"])
    assert (
        r.role_arn("loadtest", contracts.inference_execution_role_name(r))
        in json.loads(policy["policy"])["Statement"][0]["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    )
    for repo in ("churn-inference", "churn-training", "churn-processing"):
        key = next(k for k, v in stacks.resources(SS, "aws_ecr_repository").items() if v["name"] == f"acme-ml/{repo}")
        policy = next(v for v in stacks.resources(SS, "aws_ecr_repository_policy").values() if key in v["repository"])
        assert r.role_arn("ml-b", pipeline_execution_role_name(r)) not in policy["policy"]


def test_capture_keys_stay_apart_in_replicas(variant):
    """Two serving accounts replicate to ml-exec with keys that begin with their own stage and name."""
    r, _ = variant
    prefixes = {s: names.capture_prefix(r, s) for s in contracts.replication_sources(r, "ml-exec")}
    assert prefixes == {"production": "data-capture/production/production", "staging": "data-capture/staging/staging"}
    assert contracts.replication_destinations(r, "loadtest") == []


RESOURCE_POLICIES = {  # resource types holding a resource policy or a trust policy
    "aws_s3_bucket_policy",
    "aws_kms_key",
    "aws_cloudwatch_event_bus_policy",
    "aws_ecr_repository_policy",
    "aws_sagemaker_model_package_group_policy",
    "aws_iam_role",
    "aws_sns_topic_policy",
}
ROLE_ARN = re.compile(r"arn:aws:iam::(\d{12}):role/([\w+=,.@/-]+)")


def test_no_policy_names_a_role_its_account_lacks(variant):
    _assert_named_roles_exist(*variant)


def test_no_policy_of_the_example_names_a_role_its_account_lacks(resolved_example, stacks):
    _assert_named_roles_exist(resolved_example, stacks)


def _assert_named_roles_exist(r, stacks):
    """Every role named in a resource or trust policy of any stack is created by its account's stack, or
    is that account's deploy role (wildcard patterns such as role/aws-reserved/sso.amazonaws.com/* aside)."""
    by_id = {r.account_id(a): a for a in r.accounts if r.accounts[a].account_id or r.accounts[a].created is False}
    created = {a: {v["name"] for v in stacks.resources(a, "aws_iam_role").values()} for a in stacks}
    named = set()
    for account, stack in stacks.items():
        for rtype, resources in stack.get("resource", {}).items():
            if rtype not in RESOURCE_POLICIES:
                continue
            for body in resources.values():
                for match in ROLE_ARN.finditer(json.dumps(body)):
                    named.add((by_id.get(match.group(1)), match.group(2), account, rtype))
    assert named
    missing = sorted(
        (owner, role, where, rtype)
        for owner, role, where, rtype in named
        if owner is not None
        and not role.endswith(("/", "-"))
        and role not in created.get(owner, set())
        and role != r.accounts[owner].deploy_role_name
    )
    assert missing == [], "\n".join(map(str, missing))


def test_retraining_patterns_split_under_eventbridges_size_limit(tmp_path):
    """With many serving accounts a group's schedules and drift signals no longer fit one 2,048-character
    pattern: the rules split, each fits, and together they match exactly every routed ARN. Every other
    serving account drops its drift alarms, so its endpoints retrain on violations (one signal each)."""
    import sys

    from config import load, resolve
    from config.kinds import retraining

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    try:
        from generate_landing_zone import generate
    finally:
        sys.path.pop(0)
    config, _ = generate(120, tmp_path)
    serving = [
        p for p in sorted((config / "accounts").glob("*.yaml")) if yaml.safe_load(p.read_text())["kind"] in SERVING
    ]
    for path in serving[::2]:
        account = yaml.safe_load(path.read_text())
        for endpoint in account["inference"]["endpoints"]:
            if endpoint.get("monitor"):
                endpoint["monitor"]["drift_alarms"] = []
        path.write_text(yaml.safe_dump(account, sort_keys=False))
    r = resolve(load(config))
    routes = [x for x in retraining.retraining_routes(r) if x.pipeline == "churn-training"]
    rules = retraining.retraining_rules(r, "ml-exec")["churn-training"]
    assert len(rules) > 2 and {"violations", "violations-2", "drift-alarms", "drift-alarms-2"} <= set(rules)
    assert max(retraining.pattern_size(p) for p in rules.values()) <= retraining.EVENT_PATTERN_MAX
    schedules = [
        a for k, p in rules.items() if k.startswith("violations") for a in p["detail"]["MonitoringScheduleArn"]
    ]
    alarms = [a for k, p in rules.items() if k.startswith("drift-alarms") for a in p["resources"]]
    assert sorted(schedules) == sorted(x.schedule_arn for x in routes if x.drift_signal_arn is None)
    assert sorted(alarms) == sorted(x.drift_signal_arn for x in routes if x.drift_signal_arn)
    assert len(schedules) + len(alarms) == len(routes)  # one signal per endpoint, never both
    # Each split pattern admits only the accounts whose ARNs it lists.
    for pattern in rules.values():
        arns = pattern.get("resources") or pattern["detail"]["MonitoringScheduleArn"]
        assert pattern["account"] == sorted({a.split(":")[4] for a in arns})
