"""The serving gate (issue 10, items 1 and 2): "no model yet" is a normal state, and which model package an
endpoint serves is written by the deployment pipeline alone (SSM parameters in the serving account) and
only read by the platform stacks, so a platform plan never reverts a deployment."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from config import contracts, load, resolve
from config.kinds import inference as names
from config.kinds.shared_services import deployment_parameters
from modules.model_monitor import MONITOR_METRICS_NAMESPACE
from tests.conftest import EXAMPLE, copy_example, read_stacks
from tests.helpers import config_errors, error_on, replace_text
from tests.synth_lookup import as_sent

INFERENCE = ("staging", "production")
SS = "shared-services"
VERSIONED_PACKAGE = re.compile(r":model-package/[A-Za-z0-9-]+/\d+")
TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"


def gate_ref(stacks, account: str, r, endpoint: str) -> str:
    """The data source reading one endpoint's parameter hierarchy."""
    path = contracts.serving_parameter_path(r, endpoint)
    found = [k for k, v in stacks.data(account, "aws_ssm_parameters_by_path").items() if v["path"] == path]
    assert len(found) == 1, (account, endpoint, found)
    lookup = stacks.data(account, "aws_ssm_parameters_by_path")[found[0]]
    assert (lookup["recursive"], lookup["with_decryption"]) == (True, False)
    return f"data.aws_ssm_parameters_by_path.{found[0]}"


def exists(stacks, account: str, r, endpoint: str) -> str:
    return (
        f"contains({gate_ref(stacks, account, r, endpoint)}.names, "
        f'"{contracts.serving_parameter_name(r, endpoint, "primary")}")'
    )


def gate_count(stacks, account: str, r, endpoint: str) -> str:
    return f"${{{exists(stacks, account, r, endpoint)} ? 1 : 0}}"


def lookup_expr(stacks, account: str, r, endpoint: str, variant: str, fallback: str) -> str:
    ref = gate_ref(stacks, account, r, endpoint)
    return (
        f"nonsensitive(lookup(zipmap({ref}.names, {ref}.values), "
        f'"{contracts.serving_parameter_name(r, endpoint, variant)}", {fallback}))'
    )


def buildspec(stacks, project: str) -> dict:
    [found] = [p for p in stacks.resources(SS, "aws_codebuild_project").values() if p["name"] == project]
    return yaml.safe_load(as_sent(found["source"]["buildspec"]))


# -- first rollout -------------------------------------------------------------------------------
def test_fresh_landing_zone_names_no_model_package_version(stacks, resolved_example):
    """No approved model yet: no stack names a model package version, no pin, no Terraform variable."""
    for account, stack in stacks.items():
        text = json.dumps(stack)
        assert not VERSIONED_PACKAGE.search(text), (account, VERSIONED_PACKAGE.search(text).group())
        assert "variable" not in stack, account
    for account in INFERENCE:
        for ep in resolved_example.accounts[account].config.inference.endpoints:
            assert set(ep.serving_variants().values()) == {None}, (account, ep.name)  # the example pins nothing


def serving_matchers(name: str, route: str) -> list[tuple[str, Callable[[dict], object]]]:
    """(resource type, predicate) of each serving resource of the endpoint named name, routed at route."""
    return [
        (
            "aws_sagemaker_model",
            lambda v: v["name"].startswith(f"{name}-") and v["name"].split("-${")[0].rsplit("-", 1)[0] == name,
        ),
        ("aws_sagemaker_endpoint_configuration", lambda v: v["name_prefix"] == f"{name}-"),
        ("aws_sagemaker_endpoint", lambda v: v["name"] == name),
        ("aws_appautoscaling_target", lambda v: v["resource_id"].startswith(f"endpoint/{name}/variant/")),
        (
            "aws_appautoscaling_policy",
            lambda v: (
                re.fullmatch(rf"{name}-[a-z0-9-]+-invocations", v["name"])
                and v["name"].count("-") == name.count("-") + 2
            ),
        ),
        ("aws_sagemaker_data_quality_job_definition", lambda v: v["name"] == f"{name}-data-quality"),
        ("aws_sagemaker_monitoring_schedule", lambda v: v["name"] == f"{name}-data-quality"),
        (
            "aws_cloudwatch_metric_alarm",
            lambda v: v["namespace"] == MONITOR_METRICS_NAMESPACE and v["dimensions"]["Endpoint"] == name,
        ),
        ("aws_apigatewayv2_route", lambda v: v["route_key"] == f"POST /{route}"),
        ("aws_api_gateway_resource", lambda v: v["path_part"] == route),
    ]


def test_every_serving_resource_is_gated_by_its_endpoint_parameter(stacks, resolved_example):
    """Models, configuration, endpoint, autoscaling, monitor, alarms and routes take the endpoint's count."""
    r = resolved_example
    for account in INFERENCE:
        section = r.accounts[account].config.inference
        gated: dict[str, set[str]] = {}

        def expect(rtype: str, key: str, count: str, account: str = account, gated: dict = gated) -> None:
            resource = stacks.resources(account, rtype)[key]
            assert resource["count"] == count, (account, rtype, key)
            gated.setdefault(rtype, set()).add(key)

        for ep in section.endpoints:
            name, count = names.endpoint_name(r, ep.name), gate_count(stacks, account, r, ep.name)
            for rtype, match in serving_matchers(name, ep.name):
                for key, value in stacks.resources(account, rtype).items():
                    if match(value):
                        expect(rtype, key, count)
            expected_models = len(ep.serving_variants())
            assert (
                sum(
                    1
                    for k in gated.get("aws_sagemaker_model", ())
                    if stacks.resources(account, "aws_sagemaker_model")[k]["name"].startswith(f"{name}-")
                )
                == expected_models
            )
            # REST methods and integrations hang off the gated resource of their route.
            for key, resource in stacks.resources(account, "aws_api_gateway_resource").items():
                if resource["path_part"] == ep.name:
                    for rtype in ("aws_api_gateway_method", "aws_api_gateway_integration"):
                        for k, v in stacks.resources(account, rtype).items():
                            if v["resource_id"] == f"${{aws_api_gateway_resource.{key}[0].id}}":
                                expect(rtype, k, count)
        # REST: the deployment and everything on its stage exist once any routed endpoint serves a model.
        for api in section.apis:
            if api.type.value != "rest":
                continue
            any_count = f"${{anytrue([{', '.join(exists(stacks, account, r, e) for e in api.endpoints)}]) ? 1 : 0}}"
            for rtype in (
                "aws_api_gateway_deployment",
                "aws_api_gateway_stage",
                "aws_api_gateway_method_settings",
                "aws_api_gateway_usage_plan",
                "aws_api_gateway_usage_plan_key",
            ):
                for key in stacks.resources(account, rtype):
                    expect(rtype, key, any_count)
        # Nothing of these types escapes its gate.
        for rtype, keys in gated.items():
            assert keys == set(stacks.resources(account, rtype)), (
                account,
                rtype,
                set(stacks.resources(account, rtype)) - keys,
            )
        assert {
            "aws_sagemaker_model",
            "aws_sagemaker_endpoint",
            "aws_sagemaker_endpoint_configuration",
            "aws_appautoscaling_target",
            "aws_sagemaker_monitoring_schedule",
            "aws_cloudwatch_metric_alarm",
        } <= set(gated)
    assert (
        "aws_apigatewayv2_route" in {t for t in stacks["staging"]["resource"]}
        and "aws_api_gateway_usage_plan" in stacks["production"]["resource"]
    )


def test_variants_serve_their_own_parameter_else_the_primary_package(stacks, resolved_example):
    r = resolved_example
    models = {v["name"].split("-${")[0]: v for v in stacks.resources("staging", "aws_sagemaker_model").values()}
    primary = lookup_expr(stacks, "staging", r, "churn", "primary", '""')
    assert models["acme-ml-churn-primary"]["primary_container"] == {"model_package_name": f"${{{primary}}}"}
    shadow = lookup_expr(stacks, "staging", r, "churn", "shadow", primary)
    assert models["acme-ml-churn-shadow"]["primary_container"] == {"model_package_name": f"${{{shadow}}}"}
    # A new package gives a new model name (create before destroy), so the endpoint rolls to a new configuration.
    assert models["acme-ml-churn-shadow"]["name"].startswith(
        f'acme-ml-churn-shadow-${{substr(sha1(join("|", [{shadow}, '
    )
    assert models["acme-ml-churn-shadow"]["lifecycle"] == {"create_before_destroy": True}
    config = next(
        v
        for v in stacks.resources("staging", "aws_sagemaker_endpoint_configuration").values()
        if v["name_prefix"] == "acme-ml-churn-"
    )
    model_keys = {v["name"].split("-${")[0]: k for k, v in stacks.resources("staging", "aws_sagemaker_model").items()}
    assert (
        config["production_variants"][0]["model_name"]
        == f"${{aws_sagemaker_model.{model_keys['acme-ml-churn-primary']}[0].name}}"
    )
    assert (
        config["shadow_production_variants"][0]["model_name"]
        == f"${{aws_sagemaker_model.{model_keys['acme-ml-churn-shadow']}[0].name}}"
    )
    assert config["lifecycle"] == {"create_before_destroy": True}
    endpoint = next(
        v for v in stacks.resources("staging", "aws_sagemaker_endpoint").values() if v["name"] == "acme-ml-churn"
    )
    config_key = next(
        k
        for k, v in stacks.resources("staging", "aws_sagemaker_endpoint_configuration").items()
        if v["name_prefix"] == "acme-ml-churn-"
    )
    assert endpoint["endpoint_config_name"] == f"${{aws_sagemaker_endpoint_configuration.{config_key}[0].name}}"


@pytest.mark.skipif(not Path(TERRAFORM).is_file(), reason="terraform is not installed")
def test_gate_expressions_evaluate_in_terraform(stacks, tmp_path: Path):
    """The synthesized count and package expressions, run by the real Terraform against the two states
    a GetParametersByPath can return: nothing yet (fresh account), and the pipeline's parameters."""
    model = next(
        v
        for v in stacks.resources("staging", "aws_sagemaker_model").values()
        if v["name"].startswith("acme-ml-churn-shadow-")
    )
    local = lambda text: re.sub(r"data\.aws_ssm_parameters_by_path\.[^.]+\.(names|values)", r"local.\1", text)  # noqa: E731
    count = local(model["count"][2:-1])
    package = local(model["primary_container"]["model_package_name"][2:-1])
    primary_arn = "arn:aws:sagemaker:eu-west-1:666666666666:model-package/acme-ml-churn/7"

    def evaluate(parameters: dict[str, str], expression: str) -> str:
        folder = tmp_path / str(abs(hash(json.dumps(parameters))))
        folder.mkdir(exist_ok=True)
        # values is sensitive in the provider's schema; sensitive() reproduces that.
        (folder / "main.tf").write_text(
            f"locals {{\n  names = {json.dumps(list(parameters))}\n  values = "
            f"sensitive({json.dumps(list(parameters.values()))})\n}}\n"
        )
        done = subprocess.run(
            [TERRAFORM, f"-chdir={folder}", "console"], input=expression, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert evaluate({}, count) == "0"  # fresh account: no endpoint, no model, nothing fails
    deployed = {"/acme-ml/serving/churn/primary/model-package-arn": primary_arn}
    assert evaluate(deployed, count) == "1"
    assert evaluate(deployed, package) == json.dumps(primary_arn)  # the shadow follows the primary
    shadow_arn = primary_arn[:-1] + "8"
    both = {**deployed, "/acme-ml/serving/churn/shadow/model-package-arn": shadow_arn}
    assert evaluate(both, package) == json.dumps(shadow_arn)


# -- one owner per fact --------------------------------------------------------------------------
def test_only_the_pipeline_writes_the_served_package(stacks, resolved_example):
    """The stacks read the parameters the deploy buildspec writes (both sides from one function) and
    never own them; the buildspec writes them before it applies the target's stack."""
    r = resolved_example
    for stack in stacks.values():
        for parameter in stack.get("resource", {}).get("aws_ssm_parameter", {}).values():
            assert "/serving/" not in parameter["name"]
    deploy = buildspec(stacks, "acme-ml-model-deploy-deploy")
    commands = deploy["phases"]["build"]["commands"]
    write = next(i for i, c in enumerate(commands) if "aws ssm put-parameter" in c)
    apply = next(i for i, c in enumerate(commands) if " apply " in c)
    assert write < apply == len(commands) - 1
    # A failed write stops the deployment (a subshell with errexit, whose status fails the build command).
    assert commands[write].startswith("(\nset -euo pipefail\n") and commands[write].endswith("\n)\n")
    for account in INFERENCE:
        read = set()
        for ep in r.accounts[account].config.inference.endpoints:
            gate_ref(stacks, account, r, ep.name)
            read |= {contracts.serving_parameter_name(r, ep.name, v) for v in ep.serving_variants()}
        written = {p for groups in deployment_parameters(r, account).values() for ps in groups.values() for p in ps}
        assert written == read
        for group, variants in deployment_parameters(r, account).items():
            for variant, parameters in variants.items():
                assert f'{account}/{group}/{variant}) PARAMETERS="{" ".join(parameters)}" ;;' in commands[write]
        # The deploy role may write exactly those parameters.
        role_policy = next(
            p
            for p in stacks.resources(account, "aws_iam_role_policy").values()
            if "WriteServedModelPackages" in p["policy"]
        )
        grant = next(
            s for s in json.loads(role_policy["policy"])["Statement"] if s["Sid"] == "WriteServedModelPackages"
        )
        assert grant["Action"] == ["ssm:GetParameter", "ssm:PutParameter"]
        assert grant["Resource"] == sorted(
            f"arn:aws:ssm:eu-west-1:{r.account_id(account)}:parameter{p}" for p in written
        )
    assert (
        "staging/acme-ml-churn/shadow)" in commands[write] and "production/acme-ml-churn/challenger)" in commands[write]
    )


AWS_STUB = """#!/bin/sh
echo "aws $* key=${AWS_ACCESS_KEY_ID:-}" >> "$CALLS"
if [ "$1 $2" = "sts assume-role" ]; then printf 'AK\\tSK\\tST\\n'; fi
if [ "$1" = ssm ] && [ -n "$FAIL_SSM" ]; then echo "AccessDenied" >&2; exit 254; fi
exit 0
"""


def run_deploy(stacks, tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    """The deploy buildspec's pre_build and build commands in one bash, as CodeBuild runs them (a failing
    command fails the build), with stand-ins for the AWS CLI and Terraform that record their calls."""
    spec = buildspec(stacks, "acme-ml-model-deploy-deploy")
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir(exist_ok=True)
    calls.unlink(missing_ok=True)
    (bin_dir / "aws").write_text(AWS_STUB)
    (bin_dir / "terraform").write_text('#!/bin/sh\necho "terraform $*" >> "$CALLS"\n')
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    script = "set -e\n" + "\n".join(spec["phases"]["pre_build"]["commands"] + spec["phases"]["build"]["commands"])
    done = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(calls), **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    return done.returncode, calls.read_text().splitlines() if calls.exists() else []


def test_deploy_buildspec_writes_the_parameters_then_applies(stacks, tmp_path: Path):
    arn = "arn:aws:sagemaker:eu-west-1:666666666666:model-package/acme-ml-churn/7"
    role = "arn:aws:iam::777777777777:role/acme-ml-pipeline-deploy"
    apply = [
        "terraform -chdir=cdktf.out/stacks/staging init -input=false",
        "terraform -chdir=cdktf.out/stacks/staging apply -input=false -auto-approve -lock-timeout=5m",
    ]
    put = (
        "aws ssm put-parameter --region eu-west-1 --name /acme-ml/serving/churn/{}/model-package-arn --type String "
        "--data-type text --overwrite --value " + arn + " key=AK"
    )
    assume = (
        f"aws sts assume-role --role-arn {role} --role-session-name acme-ml-model-deploy --query "
        "Credentials.[AccessKeyId,SecretAccessKey,SessionToken] --output text key="
    )
    # The approval event: MODEL_VARIANT unset means the primary variant; the write uses the deploy role's credentials.
    assert run_deploy(stacks, tmp_path, TARGET_ACCOUNT="staging", MODEL_PACKAGE_ARN=arn) == (
        0,
        [assume, put.format("primary"), *apply],
    )
    assert run_deploy(stacks, tmp_path, TARGET_ACCOUNT="staging", MODEL_PACKAGE_ARN=arn, MODEL_VARIANT="shadow") == (
        0,
        [assume, put.format("shadow"), *apply],
    )
    # No unpinned variant of that name serves the group there: nothing written, the stack is applied unchanged.
    assert run_deploy(
        stacks, tmp_path, TARGET_ACCOUNT="staging", MODEL_PACKAGE_ARN=arn, MODEL_VARIANT="challenger"
    ) == (0, apply)
    # A failed write stops the deployment before Terraform runs.
    code, calls = run_deploy(stacks, tmp_path, TARGET_ACCOUNT="staging", MODEL_PACKAGE_ARN=arn, FAIL_SSM="1")
    assert code != 0 and calls == [assume, put.format("primary")]
    # Not a model package, or an unknown target: refused before anything runs.
    assert run_deploy(stacks, tmp_path, TARGET_ACCOUNT="staging", MODEL_PACKAGE_ARN="none")[1] == []
    assert run_deploy(stacks, tmp_path, TARGET_ACCOUNT="staging", MODEL_PACKAGE_ARN="none")[0] != 0
    assert run_deploy(stacks, tmp_path, TARGET_ACCOUNT="qa", MODEL_PACKAGE_ARN=arn)[1] == []


def test_a_deployed_package_survives_a_platform_plan(stacks, example_out: Path, tmp_path: Path):
    """The platform JSON holds no package: re-synthesizing after a deployment gives the same bytes, so
    `mlops-tf plan` compares the same configuration, and the data source reads what the pipeline wrote."""
    from accounts.app import synthesize

    out = tmp_path / "cdktf.out"
    synthesize(resolve(load(EXAMPLE)), list(INFERENCE), out, state_dir=tmp_path / "terraform-state")
    for account in INFERENCE:
        again = (out / "stacks" / account / "cdk.tf.json").read_bytes()
        assert again == (example_out / "stacks" / account / "cdk.tf.json").read_bytes()
        assert b"MODEL_PACKAGE_ARN" not in again and b"TF_VAR" not in again


def test_chain_from_approval_to_the_serving_model_per_endpoint(stacks, resolved_example):
    """Package group in ml-exec -> approval event -> registry bus -> trigger -> pipeline -> deploy action ->
    serving parameter -> gate -> model, and the group policy lets that account's deployer create it."""
    from config.kinds.ml_execution import model_package_group_owner

    r = resolved_example
    pipeline = next(iter(stacks.resources(SS, "aws_codepipeline").values()))
    deploy_actions = {a["name"] for stage in pipeline["stage"] for a in stage["action"]}
    trigger = yaml.safe_load(
        next(p for p in stacks.resources(SS, "aws_codebuild_project").values() if p["name"].endswith("-trigger"))[
            "source"
        ]["buildspec"]
    )
    assert f'--name "{pipeline["name"]}"' in trigger["phases"]["build"]["commands"][1]
    approved = next(
        v for v in stacks.resources(SS, "aws_cloudwatch_event_rule").values() if v["name"] == "acme-ml-model-approved"
    )
    approved_pattern = json.loads(approved["event_pattern"])
    deploy_commands = "\n".join(buildspec(stacks, "acme-ml-model-deploy-deploy")["phases"]["build"]["commands"])
    chains = 0
    for account in INFERENCE:
        for ep in r.accounts[account].config.inference.endpoints:
            owner = model_package_group_owner(r.config, ep.model_package_group)
            group = contracts.model_package_group_name(r, ep.model_package_group)
            # ml-exec owns the group and forwards its state changes to the registry bus.
            assert group in {
                g["model_package_group_name"]
                for g in stacks.resources(owner, "aws_sagemaker_model_package_group").values()
            }
            forward = next(
                v
                for v in stacks.resources(owner, "aws_cloudwatch_event_rule").values()
                if v["name"] == f"acme-ml-registry-to-{SS}"
            )
            assert group in json.loads(forward["event_pattern"])["detail"]["ModelPackageGroupName"]
            # An approval from that account starts the pipeline, which deploys to this account.
            assert r.account_id(owner) in approved_pattern["account"] and approved_pattern["detail"] == {
                "ModelApprovalStatus": ["Approved"]
            }
            assert f"Deploy-{account}" in deploy_actions
            # The deploy action writes the primary's parameter; this account's stack reads it for the model.
            parameter = contracts.serving_parameter_name(r, ep.name, "primary")
            assert f'{account}/{group}/primary) PARAMETERS="' in deploy_commands
            assert (
                parameter in deploy_commands.split(f'{account}/{group}/primary) PARAMETERS="')[1].split('"')[0].split()
            )
            model = next(
                v
                for v in stacks.resources(account, "aws_sagemaker_model").values()
                if v["name"].startswith(f"acme-ml-{ep.name}-primary-")
            )
            assert f'"{parameter}"' in model["primary_container"]["model_package_name"]
            # The group's policy lets this account's pipeline deploy role create models from its packages.
            policy = next(
                json.loads(v["resource_policy"])
                for v in stacks.resources(owner, "aws_sagemaker_model_package_group_policy").values()
                if any(
                    st["Resource"].endswith(f"/{group}") or st["Resource"].endswith(f"/{group}/*")
                    for st in json.loads(v["resource_policy"])["Statement"]
                )
            )
            create = next(st for st in policy["Statement"] if st["Sid"] == "InferenceAccountsCreateModels")
            assert create["Resource"] == contracts.model_package_arn_pattern(r, owner, ep.model_package_group)
            assert (
                r.role_arn(account, contracts.pipeline_deploy_role_name(r))
                in create["Condition"]["ArnEquals"]["aws:PrincipalArn"]
            )
            chains += 1
    assert chains == 4  # churn and fraud in staging and production


# -- pins, cloud state, another configuration folder (one variant landing zone) ------------------
@pytest.fixture(scope="module")
def variant(tmp_path_factory) -> tuple:
    base = tmp_path_factory.mktemp("pinned-cloud")
    config = copy_example(base)
    replace_text(
        config / "landing-zone.yaml",
        "state_backend:\n  type: s3\n  bucket: acme-ml-tfstate\n  region: eu-west-1\n",
        "state_backend:\n  type: cloud\n  organization: acme\n",
    )
    # Production pins churn (primary and challenger); fraud stays unpinned.
    replace_text(
        config / "accounts/production.yaml",
        "      model_package_group: churn\n",
        "      model_package_group: churn\n      model_version: 3\n",
    )
    replace_text(
        config / "accounts/production.yaml",
        "        - name: challenger",
        "        - model_version: 2\n          name: challenger",
    )
    replace_text(
        config / "accounts/shared-services.yaml",
        "    approval_timeout_minutes: 4320\n",
        "    approval_timeout_minutes: 4320\n    config_path: landing/config\n",
    )
    from accounts.app import synthesize

    resolved = resolve(load(config))
    out = base / "cdktf.out"
    synthesize(resolved, ["management", SS, "production"], out, state_dir=base / "state")
    return resolved, read_stacks(out)


def test_pinned_variants_are_served_as_written(variant):
    r, stacks = variant
    churn = names.model_package_arn(r, "ml-exec", "churn", 3)
    assert churn == "arn:aws:sagemaker:eu-west-1:666666666666:model-package/acme-ml-churn/3"
    models = {v["name"].split("-${")[0]: v for v in stacks.resources("production", "aws_sagemaker_model").values()}
    assert models["acme-ml-churn-primary"]["primary_container"] == {"model_package_name": churn}
    assert models["acme-ml-churn-challenger"]["primary_container"] == {"model_package_name": churn[:-1] + "2"}
    assert models["acme-ml-churn-primary"]["count"] == 1  # a pin is served from the first apply
    endpoint = next(
        v for v in stacks.resources("production", "aws_sagemaker_endpoint").values() if v["name"] == "acme-ml-churn"
    )
    assert endpoint["count"] == 1
    assert models["acme-ml-fraud-primary"]["count"] == gate_count(stacks, "production", r, "fraud")
    # The REST API is deployed from the start because a pinned route exists.
    [deployment] = stacks.resources("production", "aws_api_gateway_deployment").values()
    assert deployment["count"] == 1
    # The pipeline leaves pins to the YAML: it writes and may write only the unpinned fraud parameter.
    assert deployment_parameters(r, "production") == {
        "acme-ml-fraud": {"primary": ["/acme-ml/serving/fraud/primary/model-package-arn"]}
    }
    policy = next(
        p
        for p in stacks.resources("production", "aws_iam_role_policy").values()
        if "WriteServedModelPackages" in p["policy"]
    )
    grant = next(s for s in json.loads(policy["policy"])["Statement"] if s["Sid"] == "WriteServedModelPackages")
    assert (
        grant["Resource"]
        == "arn:aws:ssm:eu-west-1:888888888888:parameter/acme-ml/serving/fraud/primary/model-package-arn"
    )


def test_cloud_state_runs_through_terraform_cloud_with_a_token_from_secrets_manager(variant):
    r, stacks = variant
    secret_name = contracts.terraform_cloud_token_secret_name(r)
    [(secret_key, secret)] = stacks.resources(SS, "aws_secretsmanager_secret").items()
    assert secret["name"] == secret_name == "acme-ml/terraform-cloud-token"
    assert secret["kms_key_id"].startswith("${aws_kms_key.")
    build_policy = next(
        p for p in stacks.resources(SS, "aws_iam_role_policy").values() if "ReadTerraformCloudToken" in p["policy"]
    )
    grant = next(s for s in json.loads(build_policy["policy"])["Statement"] if s["Sid"] == "ReadTerraformCloudToken")
    assert (grant["Action"], grant["Resource"]) == (
        "secretsmanager:GetSecretValue",
        f"${{aws_secretsmanager_secret.{secret_key}.arn}}",
    )
    for project in ("acme-ml-model-deploy-build", "acme-ml-model-deploy-deploy"):
        spec = buildspec(stacks, project)
        assert spec["env"]["secrets-manager"] == {"TF_TOKEN_app_terraform_io": secret_name}
        text = json.dumps(spec)
        # A remote run uses the workspace's credentials: no provider or backend override, no local lock flag.
        assert "zz_pipeline_deploy_override" not in text and "-lock-timeout" not in text
    build = buildspec(stacks, "acme-ml-model-deploy-build")
    assert (
        build["phases"]["build"]["commands"][0]
        == 'mlops-tf synth --config "landing/config" --account production --account staging --out cdktf.out'
    )
    assert not [k for k in stacks.resources("management", "aws_iam_role") if "pipeline-state" in k]


def test_s3_state_is_reached_through_the_management_state_role(stacks, resolved_example):
    r = resolved_example
    role_name = contracts.pipeline_state_role_name(r)
    [(role_key, role)] = [
        (k, v) for k, v in stacks.resources("management", "aws_iam_role").items() if v["name"] == role_name
    ]
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"AWS": r.root_arn(SS)}
    assert trust["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": r.role_arn(SS, contracts.pipeline_build_role_name(r))}
    }
    policy = next(
        p
        for p in stacks.resources("management", "aws_iam_role_policy").values()
        if p["role"] == f"${{aws_iam_role.{role_key}.id}}"
    )
    stmts = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    states = [f"arn:aws:s3:::acme-ml-tfstate/acme-ml/{t}/terraform.tfstate" for t in ("production", "staging")]
    assert stmts["ListStateBucket"]["Resource"] == "arn:aws:s3:::acme-ml-tfstate"
    assert stmts["ReadWriteTargetStates"]["Resource"] == states
    assert stmts["S3NativeStateLocks"]["Resource"] == [s + ".tflock" for s in states]
    assert stmts["UseStateKey"]["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/acme-ml/terraform-state"}
    }
    state_role = r.role_arn("management", role_name)
    build_policy = next(
        p for p in stacks.resources(SS, "aws_iam_role_policy").values() if "AssumeStateRole" in p["policy"]
    )
    assert (
        next(s for s in json.loads(build_policy["policy"])["Statement"] if s["Sid"] == "AssumeStateRole")["Resource"]
        == state_role
    )
    # The override carries the stack's own backend block plus the state role (an override replaces the block).
    commands = "\n".join(buildspec(stacks, "acme-ml-model-deploy-build")["phases"]["build"]["commands"])
    for target in ("staging", "production"):
        body = re.search(
            rf"stacks/{target}/zz_pipeline_deploy_override\.tf\.json <<'JSON'\n(.+)\nJSON", commands
        ).group(1)
        override = json.loads(body)
        assert override["terraform"]["backend"]["s3"] == {
            **stacks[target]["terraform"]["backend"]["s3"],
            "assume_role": {"role_arn": state_role},
        }
        assert override["provider"]["aws"][0]["assume_role"][0]["role_arn"] == r.role_arn(
            target, contracts.pipeline_deploy_role_name(r)
        )


def test_state_role_on_a_fresh_landing_zone_trusts_the_account_created_in_the_same_apply(
    config_copy: Path, tmp_path: Path
):
    """shared-services created by email has no id before the management apply: the trust uses the new id."""
    from accounts.app import synthesize

    replace_text(
        config_copy / "accounts/shared-services.yaml", 'account_id: "444444444444"', "email: aws+shared@acme.example"
    )
    synthesize(resolve(load(config_copy)), ["management"], tmp_path / "out", state_dir=tmp_path / "state")
    stack = read_stacks(tmp_path / "out")
    [role] = [
        v for v in stack.resources("management", "aws_iam_role").values() if v["name"] == "acme-ml-pipeline-state"
    ]
    [account_key] = [
        k for k, v in stack.resources("management", "aws_organizations_account").items() if v["name"] == SS
    ]
    new_id = f"${{aws_organizations_account.{account_key}.id}}"
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{new_id}:root"}
    assert trust["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{new_id}:role/acme-ml-model-deploy-build"}
    }


def test_a_prefix_parameter_store_rejects_is_a_located_error(config_copy: Path):
    replace_text(config_copy / "landing-zone.yaml", "prefix: acme-ml", "prefix: ssm-ml")
    diag = error_on(config_errors(config_copy), "prefix")
    assert diag.file.endswith("landing-zone.yaml") and diag.line == 2
    assert "Parameter Store rejects names that begin with 'aws' or 'ssm'" in diag.message


def test_every_regional_provider_of_a_target_assumes_the_deploy_role(stacks, tmp_path: Path):
    """Override blocks merge by name and alias: the build writes one assume_role per provider of the target stack."""
    r = resolve(load(EXAMPLE))
    commands = buildspec(stacks, "acme-ml-model-deploy-build")["phases"]["build"]["commands"]
    target = "staging"
    (tmp_path / "cdktf.out" / "stacks" / target).mkdir(parents=True)
    (tmp_path / "cdktf.out" / "stacks" / target / "cdk.tf.json").write_text(json.dumps(stacks[target]))
    steps = [
        c
        for c in commands
        if f"cdktf.out/stacks/{target}" in c
        and "zz_pipeline_deploy_override" in c
        or f"python3 - cdktf.out/stacks/{target}" in c
    ]
    assert len(steps) == 2
    done = subprocess.run(
        ["bash", "-c", "set -e\n" + "\n".join(steps)], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    override = json.loads(
        (tmp_path / "cdktf.out" / "stacks" / target / "zz_pipeline_deploy_override.tf.json").read_text()
    )
    aliases = sorted(p.get("alias", "") for p in stacks[target]["provider"]["aws"])
    assert len(aliases) > 1  # a provider per allowed region
    assert sorted(p.get("alias", "") for p in override["provider"]["aws"]) == aliases
    role = r.role_arn(target, contracts.pipeline_deploy_role_name(r))
    assert all(p["assume_role"][0]["role_arn"] == role for p in override["provider"]["aws"])
