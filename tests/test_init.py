"""mlops-tf init and add-account: a landing zone of one's own that validates and synthesizes at once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.app import app
from config import load, resolve
from config.lockfile import write_lock
from tests.conftest import copy_example, read_stacks

runner = CliRunner()
INIT = (
    "init",
    "--prefix",
    "newco",
    "--management-account-id",
    "123456789012",
    "--regions",
    "eu-west-1,us-east-1",
    "--teams",
    "2",
    "--no-interactive",
)


def _init(dest: Path, *extra: str):
    return runner.invoke(app, [*INIT[:1], str(dest), *INIT[1:], *extra])


@pytest.fixture(scope="module")
def initialized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("init") / "lz"
    result = _init(dest)
    assert result.exit_code == 0, result.output
    return dest


def test_init_writes_a_landing_zone_that_validates(initialized: Path):
    config = load(initialized)
    resolved = resolve(config)
    assert sorted(config.accounts) == [
        "data",
        "ds-1",
        "ds-2",
        "management",
        "ml-exec",
        "production",
        "security",
        "shared-services",
        "staging",
    ]
    assert config.landing_zone.prefix == "newco"
    assert config.landing_zone.allowed_regions == ["eu-west-1", "us-east-1"]
    assert config.landing_zone.home_region == "eu-west-1"
    # Default backend s3: a deployment pipeline refuses local state.
    assert config.landing_zone.state_backend.type == "s3"
    assert config.landing_zone.state_backend.bucket == "newco-tfstate-123456789012"
    assert resolved.order[0] == "management"
    # Each team reads the lake: the data account grants both, and their networks differ.
    grants = {g.account for g in config.accounts["data"].data.lake_formation.grants}
    assert grants == {"ds-1", "ds-2", "ml-exec"}
    assert config.accounts["ds-1"].data_science.network.cidr != config.accounts["ds-2"].data_science.network.cidr


def test_init_writes_schema_lines_that_point_at_written_schemas(initialized: Path):
    first = (initialized / "landing-zone.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=schemas/landing-zone.schema.json"
    account_line = (initialized / "accounts" / "ds-1.yaml").read_text().splitlines()[0]
    assert account_line == "# yaml-language-server: $schema=../schemas/account.schema.json"
    schema = json.loads((initialized / "schemas" / "account.schema.json").read_text())
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "DataScienceAccount" in schema["$defs"]


def test_init_refuses_to_overwrite_without_force(initialized: Path):
    before = (initialized / "landing-zone.yaml").read_text()
    result = _init(initialized)
    assert result.exit_code == 2
    assert "exists already" in result.output and "--force" in result.output
    assert (initialized / "landing-zone.yaml").read_text() == before


def test_init_with_force_local_state_and_no_member_kinds(tmp_path: Path):
    # Member kinds with a deployment pipeline need remote state (local is refused with a pipeline), so start
    # without them.
    assert _init(tmp_path / "lz", "--kinds", "none").exit_code == 0
    result = _init(tmp_path / "lz", "--force", "--kinds", "none", "--state-backend", "local")
    assert result.exit_code == 0, result.output
    config = load(tmp_path / "lz")
    assert config.landing_zone.state_backend.type == "local"
    # Files of kinds no longer chosen stay (init never deletes); management and security are rewritten.
    assert {"management", "security"} <= set(config.accounts)


def test_init_bad_flags_are_usage_errors(tmp_path: Path):
    result = runner.invoke(
        app, ["init", str(tmp_path / "x"), "--prefix", "newco", "--management-account-id", "123", "--no-interactive"]
    )
    assert result.exit_code == 2 and "12 digits" in result.output
    result = _init(tmp_path / "y", "--regions", "eu-wst-1")
    assert result.exit_code == 2 and "did you mean 'eu-west-1'" in result.output
    result = _init(tmp_path / "z", "--vending", "control_tower")
    assert result.exit_code == 2 and "--account-factory-product-id" in result.output
    # Control Tower's landing zone created the organization: init needs its id to import it.
    result = _init(tmp_path / "z", "--vending", "control_tower", "--account-factory-product-id", "prod-abcdefghijklm")
    assert result.exit_code == 2 and "--organization-id o-..." in result.output
    assert not (tmp_path / "y").exists() and not (tmp_path / "z").exists()


def test_init_prompts_at_a_terminal(tmp_path: Path):
    answers = "\n".join(["acme", "123456789012", "us-east-1", "organizations", "s3", "data,data-science", "3"]) + "\n"
    result = runner.invoke(app, ["init", str(tmp_path / "lz"), "--interactive"], input=answers)
    assert result.exit_code == 0, result.output
    config = load(tmp_path / "lz")
    assert sorted(config.accounts) == ["data", "ds-1", "ds-2", "ds-3", "management", "security"]


def test_init_synthesizes(initialized: Path, tmp_path_factory: pytest.TempPathFactory):
    """Every stack synthesizes once the management stack has created the accounts (ids in the lock file)."""
    from accounts.app import synthesize

    work = tmp_path_factory.mktemp("init-synth")
    config = work / "lz"
    shutil.copytree(initialized, config)
    created = [n for n in load(config).accounts if n != "management"]
    write_lock(config, {name: f"{200000000000 + i}" for i, name in enumerate(created)})
    synthesize(resolve(load(config)), None, work / "out", state_dir=work / "state")
    stacks = read_stacks(work / "out")
    assert sorted(stacks) == sorted(load(config).accounts)
    backend = stacks["ds-2"]["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "newco-tfstate-123456789012"
    assert backend["key"] == "newco/ds-2/terraform.tfstate"
    domains = stacks["ds-2"]["resource"]["aws_sagemaker_domain"]
    assert len(domains) == 1


def test_fresh_landing_zone_synthesizes_its_management_stack_first(
    initialized: Path, tmp_path_factory: pytest.TempPathFactory
):
    """No lock file yet: the management stack creates every member and names them through the new accounts' ids;
    what needs the security account's id itself (audit role, AWS Config) comes with the synth after `lock`."""
    from accounts.app import synthesize

    work = tmp_path_factory.mktemp("init-fresh")
    config = work / "lz"
    shutil.copytree(initialized, config)
    synthesize(resolve(load(config)), ["management"], work / "out", state_dir=work / "state")
    stack = read_stacks(work / "out")["management"]
    security = "${aws_organizations_account.account-security.id}"
    delegated = {
        d["service_principal"]: d["account_id"]
        for d in stack["resource"]["aws_organizations_delegated_administrator"].values()
    }
    assert delegated["sso.amazonaws.com"] == security and delegated["config.amazonaws.com"] == security
    assert "aws_config_configuration_recorder" not in stack["resource"]
    assert not any(r["name"].endswith("-security-audit") for r in stack["resource"].get("aws_iam_role", {}).values())


def test_add_account_names_the_account_where_its_sibling_is_named(tmp_path: Path):
    config = copy_example(tmp_path)
    security_before = (config / "accounts" / "security.yaml").read_text()
    result = runner.invoke(app, ["add-account", "data-science", "ds-fraud", "--config", str(config)])
    assert result.exit_code == 0, result.output
    loaded = load(config)
    new = loaded.accounts["ds-fraud"]
    assert new.kind == "data-science" and new.ou == "Workloads/Dev"
    assert new.data_science.network.cidr not in {
        a.data_science.network.cidr for a in loaded.of_kind("data-science") if a.name != "ds-fraud"
    }
    grants = {g.account: g for g in loaded.accounts["data"].data.lake_formation.grants}
    assert grants["ds-fraud"].datasets == grants["ds-dev"].datasets
    repos = loaded.accounts["shared-services"].shared_services.ecr_repositories
    assert all("ds-fraud" in r.pull_accounts for r in repos if "ds-dev" in r.pull_accounts)
    # Comments survive: only the one assignment line changed in security.yaml.
    after = (config / "accounts" / "security.yaml").read_text()
    changed = [(a, b) for a, b in zip(security_before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [("        accounts: [ds-dev]", "        accounts: [ds-dev, ds-fraud]")]
    data_text = (config / "accounts" / "data.yaml").read_text()
    assert data_text.count("# What data engineers") == 1


def test_add_account_production_joins_the_pipeline(tmp_path: Path):
    config = copy_example(tmp_path)
    result = runner.invoke(
        app, ["add-account", "production", "prod-us", "--account-id", "999999999999", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    loaded = load(config)
    assert loaded.accounts["shared-services"].shared_services.pipeline.production == ["production", "prod-us"]
    assert loaded.accounts["prod-us"].account_id == "999999999999"


def test_add_account_refuses_what_would_not_validate(tmp_path: Path):
    config = copy_example(tmp_path)
    snapshot = {p: p.read_text() for p in (config / "accounts").glob("*.yaml")}
    # The id of an existing account: duplicate ids are a configuration error, so nothing changes.
    result = runner.invoke(
        app, ["add-account", "staging", "stg-2", "--account-id", "777777777777", "--config", str(config)]
    )
    assert result.exit_code == 2
    assert "duplicate account id" in result.output and "nothing was changed" in result.output
    assert {p: p.read_text() for p in (config / "accounts").glob("*.yaml")} == snapshot
    result = runner.invoke(app, ["add-account", "staging", "staging", "--config", str(config)])
    assert result.exit_code == 2 and "exists already" in result.output


def test_add_account_dry_run_changes_nothing(tmp_path: Path):
    config = copy_example(tmp_path)
    result = runner.invoke(app, ["add-account", "data-science", "ds-x", "--dry-run", "--config", str(config)])
    assert result.exit_code == 0
    assert "accounts/data.yaml:47: data.lake_formation.grants: insert before line 47" in result.output
    assert not (config / "accounts" / "ds-x.yaml").exists()
    assert (
        yaml.safe_load((config / "accounts" / "data.yaml").read_text())["data"]["lake_formation"]["grants"][-1][
            "account"
        ]
        == "ds-dev"
    )


@pytest.mark.slow
def test_init_landing_zone_scans_clean_with_its_own_skip_file(initialized: Path, tmp_path: Path):
    """The skip file belongs to the configuration folder; its patterns cover accounts init never saw."""
    from cli.checkov import ToolError, find_checkov

    try:
        find_checkov()
    except ToolError as exc:
        pytest.skip(f"checkov is not installed ({exc})")
    config = tmp_path / "lz"
    shutil.copytree(initialized, config)
    assert runner.invoke(app, ["add-account", "data-science", "ds-extra", "--config", str(config)]).exit_code == 0
    created = [n for n in load(config).accounts if n != "management"]
    write_lock(config, {name: f"{300000000000 + i}" for i, name in enumerate(created)})
    result = runner.invoke(
        app, ["scan", "--config", str(config), "--out", str(tmp_path / "out"), "--state-dir", str(tmp_path / "state")]
    )
    assert result.exit_code == 0, result.output + result.stderr
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith("scanned 10 stack(s):") and " 0 failed," in summary
    assert f"({config / 'checkov-skips.yaml'})" in summary
    assert "skipped ds-extra: CKV2_AWS_5 aws_security_group.network_studio-sg_" in result.output


def test_init_under_control_tower_imports_the_organization(tmp_path: Path):
    result = _init(
        tmp_path / "ct",
        "--vending",
        "control_tower",
        "--account-factory-product-id",
        "prod-abcdefghijklm",
        "--organization-id",
        "o-a1b2c3d4e5",
    )
    assert result.exit_code == 0, result.output
    org = load(tmp_path / "ct").landing_zone.organization
    assert (org.vending.value, org.organization_id) == ("control_tower", "o-a1b2c3d4e5")
