"""Day-two operations: parallel plans, applies in waves, approvals of risky plans, early destroy refusal."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from cli.runs import closure, run_accounts
from config import load, resolve
from tests.terraform_fakes import ORDER, Env, plan_doc, read_log


@pytest.fixture
def env(tmp_path: Path, config_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    return Env(tmp_path, config_copy, monkeypatch)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cli.runs.stdin_is_terminal", lambda: True)


def _max_overlap(calls: list[dict]) -> int:
    """The most calls that were running at one moment."""
    events = sorted([(c["start"], 1) for c in calls] + [(c["end"], -1) for c in calls])
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def test_plan_all_runs_accounts_at_once_within_the_bound_each_with_its_log(env: Env) -> None:
    env.monkeypatch.setenv("FAKE_TF_SLEEP", "0.5")
    result = env.run("plan", "--all", "--parallelism", "3")
    assert result.exit_code == 0, result.output
    plans = [c for c in read_log(env.log) if c["argv"][0] == "plan"]
    assert sorted(c["account"] for c in plans) == sorted(ORDER)
    assert 2 <= _max_overlap(plans) <= 3
    # Terraform's output is in one log per account, never on the terminal
    assert "Plan: planned" not in result.output
    for name in ORDER:
        log = (env.out / "stacks" / name / "plans" / "plan.log").read_text()
        assert f"Plan: planned {name}" in log
        assert all(f"Plan: planned {other}\n" not in log for other in ORDER if other != name)
        assert f"{name}: planned - +1 ~0 -0" in result.stderr  # progress, one line per change without a terminal
    rows = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("│ ")]
    assert rows == ORDER  # the summary table, in apply order


def test_apply_all_applies_in_waves_of_the_apply_order(env: Env) -> None:
    env.monkeypatch.setenv("FAKE_TF_SLEEP", "0.3")
    result = env.run("apply", "--all", "--auto-approve", "--parallelism", "8", "--json")
    assert result.exit_code == 0, result.output
    assert {r["account"]: r["result"] for r in json.loads(result.stdout)} == {n: "applied" for n in ORDER}
    resolved = resolve(load(env.config))
    calls = read_log(env.log)
    apply_end = {c["account"]: c["end"] for c in calls if c["argv"][0] == "apply"}
    for name in ORDER:
        first_start = min(c["start"] for c in calls if c["account"] == name)
        for dep in resolved.dependencies(name):
            assert first_start >= apply_end[dep], f"{name} started before {dep} was applied"
    # staging replicates to ml-exec only; every account delivers AWS Config to the security account
    assert set(resolved.dependencies("staging")) == {"management", "security", "ml-exec"}
    # the accounts that only wait for management and security form one wave
    wave = [c for c in calls if c["argv"][0] == "apply" and c["account"] in ("data", "shared-services")]
    assert _max_overlap(wave) >= 2


def test_a_failure_stops_new_applies_and_lets_running_ones_finish(env: Env) -> None:
    env.monkeypatch.setenv("FAKE_TF_SLEEP", "0.3")
    env.fail("data:apply")
    result = env.run("apply", "--all", "--auto-approve", "--parallelism", "8", "--json")
    assert result.exit_code == 3
    assert "terraform apply failed for account 'data'" in result.stderr
    report = {r["account"]: r["result"] for r in json.loads(result.stdout)}
    assert report == {
        "management": "applied",
        "security": "applied",
        "data": "failed",
        "shared-services": "applied",
        "ml-exec": "not started",
        "ds-dev": "not started",
        "staging": "not started",
        "production": "not started",
    }
    assert not any(c["account"] in ("ml-exec", "ds-dev", "staging", "production") for c in read_log(env.log))
    assert not (env.out / "stacks" / "data" / "plans" / "tfplan").exists()  # a failed apply keeps no stale plan


def test_saved_plan_replacing_stateful_resources_needs_approval(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    env.canned_show("staging", plan_doc(("aws_kms_key.capture", ["delete", "create"]), ("aws_iam_role.r", ["update"])))
    assert env.run("plan", "--account", "staging").exit_code == 0
    saved = env.out / "stacks" / "staging" / "plans" / "tfplan"
    env.reset_log()
    result = env.run("apply", "--account", "staging")  # standard input is not a terminal
    assert result.exit_code == 1
    assert "destroys or replaces 1 stateful resource(s)" in result.stderr
    assert "standard input is not a terminal" in result.stderr and "--auto-approve" in result.stderr
    assert "REPLACE staging: aws_kms_key.capture" in result.stderr
    assert "staging: refused" in result.stderr and "staging: declined" not in result.stderr  # progress = table
    assert "apply" not in [argv[0] for _, argv in env.calls()]
    assert saved.is_file()  # reviewed, only not approved: --auto-approve can apply exactly this plan
    report = env.run("apply", "--account", "staging", "--json")
    assert [r["result"] for r in json.loads(report.stdout)] == ["refused"]

    monkeypatch.setattr("cli.runs.stdin_is_terminal", lambda: True)
    env.reset_log()
    result = env.run("apply", "--account", "staging", input="n\n")
    assert result.exit_code == 1
    assert "The plan for 'staging' destroys or replaces 1 stateful resource(s)" in result.output
    assert "apply" not in [argv[0] for _, argv in env.calls()] and not saved.exists()

    assert env.run("plan", "--account", "staging").exit_code == 0
    env.reset_log()
    result = env.run("apply", "--account", "staging", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert env.calls() == [
        ("staging", ["show", "-json", "plans/tfplan"]),
        ("staging", ["apply", "-no-color", "-input=false", "plans/tfplan"]),
    ]


def test_unreviewed_plan_without_a_terminal_is_refused_and_discarded(env: Env) -> None:
    result = env.run("apply", "--account", "ds-dev")
    assert result.exit_code == 1
    assert "ds-dev: the plan is new (not reviewed with `mlops-tf plan`)" in result.stderr
    assert "run mlops-tf apply with --auto-approve" in result.stderr
    assert [argv[0] for _, argv in env.calls()] == ["init", "plan", "show"]
    assert not (env.out / "stacks" / "ds-dev" / "plans" / "tfplan").exists()


def test_parallel_apply_asks_one_question_for_the_risky_plan(env: Env, terminal: None) -> None:
    assert env.run("plan", "--all").exit_code == 0
    env.canned_show("data", plan_doc(("aws_s3_bucket.lake", ["delete"])))
    env.reset_log()
    result = env.run("apply", "--all", "--json", input="y\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Apply 0 to add, 0 to change, 1 to destroy in account 'data'?") == 1
    assert sorted(a for a, argv in env.calls() if argv[0] == "apply") == sorted(ORDER)


def test_failed_apply_discards_the_saved_plan(env: Env) -> None:
    assert env.run("plan", "--account", "security").exit_code == 0
    env.fail("security:apply")
    result = env.run("apply", "--account", "security")
    assert result.exit_code == 3
    assert not (env.out / "stacks" / "security" / "plans" / "tfplan").exists()
    assert not (env.out / "stacks" / "security" / "plans" / "tfplan.meta.json").exists()


def test_destroy_refuses_before_synth_without_a_matching_confirm(env: Env) -> None:
    result = env.run("destroy", "--account", "data", "--confirm", "dta")
    assert result.exit_code == 1
    assert "--confirm 'dta' is not the account name 'data'" in result.stderr
    assert "  ds-dev: Lake Formation grants\n" in result.stderr
    assert "production: inference data replication" in result.stderr
    assert env.calls() == [] and not env.out.exists()  # nothing synthesized, nothing planned

    result = env.run("destroy", "--account", "data")  # no terminal to type the name in
    assert result.exit_code == 1
    assert "pass --confirm data to destroy it" in result.stderr
    assert env.calls() == [] and not env.out.exists()


def test_destroy_with_confirm_lists_dependents_and_destroys(env: Env) -> None:
    result = env.run("destroy", "--account", "ds-dev", "--confirm", "ds-dev", "--json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    assert done["result"] == "destroyed"
    assert done["dependents"] == {
        "management": ["creates account"],
        "security": ["AWS Config delivery", "Identity Center assignments", "security audit role"],
        "data": ["Lake Formation grants"],
        "shared-services": [
            "ECR pull: churn-processing, churn-training",
            "churn: personas push to repository acme-ml-churn",
        ],
    }
    assert env.calls()[-1] == ("ds-dev", ["apply", "-no-color", "-input=false", "plans/destroy.tfplan"])
    assert "Plan: planned ds-dev" in (env.out / "stacks" / "ds-dev" / "plans" / "destroy.log").read_text()


def test_run_accounts_respects_dependencies_the_bound_and_stops_after_a_failure() -> None:
    events: list[tuple[str, str]] = []
    running, peak = [0], [0]
    lock = threading.Lock()
    failing: set[str] = set()

    def job(name: str) -> str:
        with lock:
            events.append(("start", name))
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            if name in failing:
                raise RuntimeError(f"{name} broke")
            return name.upper()
        finally:
            with lock:
                running[0] -= 1
                events.append(("end", name))

    names = ["a", "b", "c", "d", "e"]
    deps = closure(names, {"b": ["a"], "c": ["x"], "x": ["b"], "d": ["a"], "e": []})
    assert deps == {"a": set(), "b": {"a"}, "c": {"a", "b"}, "d": {"a"}, "e": set()}  # c waits for b through x
    recorded: list[str] = []
    outcomes = run_accounts(names, job, parallelism=3, deps=deps, after=lambda n, r: recorded.append(n))
    assert {n: (o.state, o.result) for n, o in outcomes.items()} == {n: ("done", n.upper()) for n in names}
    for name in names:
        for dep in deps[name]:
            assert events.index(("start", name)) > events.index(("end", dep))
    assert peak[0] <= 3 and sorted(recorded) == names

    # One at a time: the longest chain first (a, then b before d and e); b fails, nothing new starts.
    events.clear()
    failing.add("b")
    outcomes = run_accounts(names, job, parallelism=1, deps=deps)
    assert [n for kind, n in events if kind == "start"] == ["a", "b"]
    assert {n: o.state for n, o in outcomes.items()} == {
        "a": "done",
        "b": "failed",
        "c": "not started",
        "d": "not started",
        "e": "not started",
    }
    assert str(outcomes["b"].error) == "b broke"
