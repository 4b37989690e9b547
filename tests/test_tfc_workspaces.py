"""Terraform Cloud as code: the tfe stack `mlops-tf tfc --plan/--apply` synthesizes, and its first run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from config.tfc import run_role_arn
from tests.conftest import ROOT, copy_example
from tests.helpers import EXAMPLE_BACKEND, replace_text
from tests.terraform_fakes import read_log, write_fake_terraform

runner = CliRunner()
CLOUD = (
    "state_backend:\n  type: cloud\n  organization: acme\n  project: ml-platform\n  workspaces:\n"
    "    vcs_repo: {identifier: acme/landing-zone, branch: main, github_app_installation_id: ghain-123}\n"
    "    auto_apply_run_trigger: true\n"
)


def _cloud_config(base: Path, text: str = CLOUD) -> Path:
    root = copy_example(base)
    replace_text(root / "landing-zone.yaml", EXAMPLE_BACKEND + "\n", text)
    return root


@pytest.fixture(scope="module")
def tfc(tmp_path_factory: pytest.TempPathFactory):
    """(resolved, steady-state stack, bootstrap stack, Default Project stack), each parsed from its cdk.tf.json."""
    from accounts.tfc_workspaces import synthesize_tfc
    from config import load, resolve

    base = tmp_path_factory.mktemp("tfc")
    resolved = resolve(load(_cloud_config(base)))
    stacks = []
    for folder, bootstrap in (("steady", False), ("bootstrap", True)):
        path = synthesize_tfc(resolved, base / folder, state_dir=base / "state", bootstrap=bootstrap)
        stacks.append(json.loads(path.read_text()))
    default = resolve(load(_cloud_config(base / "default", "state_backend:\n  type: cloud\n  organization: acme\n")))
    stacks.append(
        json.loads(
            synthesize_tfc(default, base / "default-stack", state_dir=base / "state", bootstrap=False).read_text()
        )
    )
    return resolved, *stacks


def _by_account(stack: dict) -> dict[str, dict]:
    """Workspaces by account, with their settings, variables and address."""
    res = stack["resource"]
    out = {}
    for key, ws in res["tfe_workspace"].items():
        account = ws["description"].split("account ", 1)[1].split(" ", 1)[0]
        ref = f"${{tfe_workspace.{key}.id}}"
        (settings,) = [s for s in res["tfe_workspace_settings"].values() if s["workspace_id"] == ref]
        variables = {v["key"]: v for v in res.get("tfe_variable", {}).values() if v["workspace_id"] == ref}
        out[account] = {"workspace": ws, "settings": settings, "variables": variables, "ref": ref}
    return out


def test_one_workspace_per_account_running_its_committed_stack_folder(tfc) -> None:
    resolved, stack, _, _ = tfc
    workspaces = _by_account(stack)
    assert sorted(workspaces) == sorted(resolved.accounts)
    (project,) = stack["resource"]["tfe_project"].values()
    assert project["name"] == "ml-platform" and project["organization"] == "acme"
    assert stack["provider"]["tfe"] == [{"hostname": "app.terraform.io", "organization": "acme"}]
    assert stack["terraform"]["required_providers"]["tfe"]["source"] == "hashicorp/tfe"
    assert stack["terraform"]["required_version"] == ">= 1.10"
    assert stack["terraform"]["backend"] == {"local": {"path": "../state/tfc.tfstate"}}
    for account, w in workspaces.items():
        ws = w["workspace"]
        assert ws["name"] == f"acme-ml-{account}" == resolved.workspace_name(account)
        assert ws["project_id"] == "${tfe_project.project.id}" and ws["organization"] == "acme"
        assert ws["working_directory"] == f"cdktf.out/stacks/{account}"
        assert ws["trigger_patterns"] == [f"cdktf.out/stacks/{account}/**/*"] and ws["file_triggers_enabled"] is True
        assert ws["vcs_repo"] == {
            "identifier": "acme/landing-zone",
            "branch": "main",
            "github_app_installation_id": "ghain-123",
        }
        assert ws["queue_all_runs"] is False and ws["auto_apply"] is False and ws["auto_apply_run_trigger"] is True
        assert ws["allow_destroy_plan"] is False
        assert "execution_mode" not in ws  # deprecated there; tfe_workspace_settings holds it
        assert w["settings"]["execution_mode"] == "remote"


def test_each_workspace_gets_its_dynamic_credential_variables(tfc) -> None:
    resolved, stack, _, _ = tfc
    for account, w in _by_account(stack).items():
        values = {k: (v["value"], v["category"]) for k, v in w["variables"].items()}
        assert values == {
            "TFC_AWS_PROVIDER_AUTH": ("true", "env"),
            "TFC_AWS_RUN_ROLE_ARN": (f"arn:aws:iam::111111111111:role/acme-ml-tfc-run-{account}", "env"),
        }
        # The same role the management stack creates and trusts for exactly this workspace.
        assert values["TFC_AWS_RUN_ROLE_ARN"][0] == run_role_arn(resolved, account)


def test_run_triggers_are_the_apply_orders_edges(tfc) -> None:
    resolved, stack, _, _ = tfc
    account_of = {w["ref"]: a for a, w in _by_account(stack).items()}
    triggers = {
        (account_of[t["sourceable_id"]], account_of[t["workspace_id"]])
        for t in stack["resource"]["tfe_run_trigger"].values()
    }
    management = resolved.management().name
    # Computed here from the flows directly: management before everyone, and each flow that orders apply.
    expected = {(management, a) for a in resolved.accounts if a != management}
    expected |= {(f.first, f.target if f.first == f.source else f.source) for f in resolved.flows if f.first}
    assert triggers == expected
    assert ("data", "production") in triggers  # production replicates inference data into the data account
    assert len(stack["resource"]["tfe_run_trigger"]) == len(expected)
    position = {a: i for i, a in enumerate(resolved.order)}
    assert all(position[s] < position[t] for s, t in triggers)


def test_bootstrap_runs_the_management_workspace_locally_until_its_run_roles_exist(tfc) -> None:
    _, steady, bootstrap, _ = tfc
    before, after = _by_account(bootstrap), _by_account(steady)
    assert before["management"]["settings"]["execution_mode"] == "local"
    assert "vcs_repo" not in before["management"]["workspace"] and before["management"]["variables"] == {}
    assert (
        after["management"]["settings"]["execution_mode"] == "remote" and "vcs_repo" in after["management"]["workspace"]
    )
    # Everything else is the same in both, so switching changes the management workspace only.
    for account in set(before) - {"management"}:
        assert before[account] == after[account]


def test_the_default_project_is_looked_up_not_created(tfc) -> None:
    _, _, _, default = tfc
    assert "tfe_project" not in default["resource"]
    lookup = {k: v for k, v in default["data"]["tfe_project"]["project"].items() if k != "//"}
    assert lookup == {"name": "Default Project", "organization": "acme"}
    ws = next(iter(default["resource"]["tfe_workspace"].values()))
    assert (
        ws["project_id"] == "${data.tfe_project.project.id}" and "vcs_repo" not in ws and "trigger_patterns" not in ws
    )


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAKE_TF_LOG", str(tmp_path / "tf.log"))
    monkeypatch.delenv("FAKE_TF_SHOW_DIR", raising=False)
    monkeypatch.setenv("FAKE_TF_FAIL", "")
    return write_fake_terraform(tmp_path)


def test_tfc_plans_and_applies_the_stack_like_bootstrap(tmp_path: Path, fake: Path) -> None:
    config = _cloud_config(tmp_path)
    folder = tmp_path / "tfc-stack"
    args = [
        "tfc",
        "--config",
        str(config),
        "--dir",
        str(folder),
        "--state-dir",
        str(tmp_path / "state"),
        "--terraform-bin",
        str(fake),
    ]
    result = runner.invoke(app, [*args, "--apply", "--bootstrap", "--auto-approve", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"] == "applied" and json.loads(result.stdout)["bootstrap"] is True
    assert [c["argv"][0] for c in read_log(tmp_path / "tf.log")] == ["init", "plan", "show", "apply"]
    assert read_log(tmp_path / "tf.log")[-1]["argv"] == ["apply", "-no-color", "-input=false", "plans/tfplan"]
    assert (
        _by_account(json.loads((folder / "cdk.tf.json").read_text()))["management"]["settings"]["execution_mode"]
        == "local"
    )
    result = runner.invoke(app, [*args, "--plan"])
    assert result.exit_code == 0, result.output
    assert "run `mlops-tf tfc --apply` to apply it" in result.stdout
    assert (
        _by_account(json.loads((folder / "cdk.tf.json").read_text()))["management"]["settings"]["execution_mode"]
        == "remote"
    )
    # Without --plan/--apply it lists, as before; --bootstrap alone is a usage error.
    listing = runner.invoke(app, ["tfc", "--config", str(config), "--json"])
    assert listing.exit_code == 0 and json.loads(listing.stdout)[0]["workspace"] == "acme-ml-management"
    assert runner.invoke(app, ["tfc", "--config", str(config), "--bootstrap"]).exit_code == 2


def test_listing_workspaces_never_imports_cdktf_or_the_tfe_bindings(tmp_path: Path) -> None:
    """Only --plan/--apply load the tfe bindings (about 0.7 s on top of cdktf); the listing stays sub-second."""
    config = _cloud_config(tmp_path)
    script = (
        "import json, sys\nfrom typer.testing import CliRunner\nfrom cli.app import app\n"
        f"r = CliRunner().invoke(app, ['tfc', '--config', {str(config)!r}, '--json'])\n"
        "print(json.dumps({'exit': r.exit_code, 'heavy': sorted(m for m in sys.modules if m.split('.')[0] in "
        "('cdktf', 'jsii', 'cdktf_cdktf_provider_tfe', 'cdktf_cdktf_provider_aws'))}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"exit": 0, "heavy": []}
