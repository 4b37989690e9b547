"""Measure the common loop of mlops-tf and print Markdown tables (wall time, peak memory, target).

Usage: python scripts/benchmark.py [--repeat N] [--accounts 50] [--tf-seconds 2] [--cdk-python PATH]
                                   [--skip-terraform | --skip-synth | --bounds-only]

Each measure runs `python -m cli ...` in a new process from the repository root. Wall time is the
best of --repeat runs (the machine is shared: the best run is the one least disturbed). Peak memory
is the largest total resident memory of the whole process tree (Python and the Node.js process jsii
starts), sampled from /proc every 20 ms. Needs Linux for the memory column.

Synth: cold (every stack), cached (nothing changed), and incremental (after editing one account's
YAML), for the example and a generated N-account landing zone; the cold synth of the example runs
side by side with an AWS CDK (Python) app of the same size (scripts/cdk_reference_app.py) when
--cdk-python (or $MLOPS_TF_BENCH_CDK_PYTHON) names an interpreter with aws-cdk-lib installed.

Terraform: `plan --all` and `apply --all --auto-approve` against the stand-in Terraform of the
tests (tests/terraform_fakes.py), whose plan and apply take --tf-seconds each. Its log tells how
long each account took: plan --all is compared with (sum of the accounts' times / parallelism),
apply --all with the critical path (the longest chain of accounts in the apply order's dependencies).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))
from generate_landing_zone import EXAMPLE, generate  # noqa: E402

from cli.runs import DEFAULT_PARALLELISM  # noqa: E402
from config import load, resolve  # noqa: E402
from tests.terraform_fakes import write_fake_terraform  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
ENV_CDK_PYTHON = "MLOPS_TF_BENCH_CDK_PYTHON"


def _tree_rss(root: int) -> int:
    """Resident bytes of root and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def measure(command: list[str], env: dict[str, str] | None = None, expect: int = 0) -> tuple[float, int, float]:
    """(wall seconds, peak tree bytes, CPU seconds of the tree) of one run; exits when its exit code is not `expect`.

    CPU time (user + system of the process and every descendant it waited for, Node included) is what a
    busy shared machine distorts least: wall time there includes waiting for a core.
    """
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
        **(env or {}),
    }
    start, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        if Path("/proc").is_dir():
            peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime
    if proc.returncode != expect:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stderr.read().decode()}")
    return wall, peak, cpu


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def best(command: list[str], repeat: int, before=None, env=None, expect: int = 0) -> tuple[float, int, float]:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(measure(command, env, expect))
    return min(r[0] for r in runs), max(r[1] for r in runs), min(r[2] for r in runs)


def oversized(folder: Path, size: int, *, files: int) -> Path:
    """A copy of the example plus `files` account files holding `size` bytes of tags in all: validate must refuse it."""
    config = folder / "config"
    shutil.copytree(ROOT / "config", config)
    line = "  k-{i:07d}: v-{i:07d}\n"
    count = size // len(line.format(i=0)) // files
    for n in range(files):
        body = f'name: extra-{n}\nkind: security\naccount_id: "9999999999{n:02d}"\nou: Security\ntags:\n'
        (config / "accounts" / f"extra-{n}.yaml").write_text(body + "".join(line.format(i=i) for i in range(count)))
    return config


def largest_accepted(folder: Path) -> Path:
    """A copy of the example plus account files holding as many tags as the size bounds admit (about 1 MiB in all)."""
    config = folder / "config"
    shutil.copytree(ROOT / "config", config)
    room = (1 << 20) - sum(p.stat().st_size for p in config.rglob("*.yaml")) - 4096
    line = "  k-{i:07d}: v-{i:07d}\n"
    for n in range(3):
        body = f'name: big-{n}\nkind: security\naccount_id: "9999999999{n:02d}"\nou: Security\ntags:\n'
        (config / "accounts" / f"big-{n}.yaml").write_text(
            body + "".join(line.format(i=i) for i in range(room // 3 // len(line.format(i=0))))
        )
    return config


class Editor:
    """Changes one value in one account file before each run, so every run has a real change to synthesize."""

    def __init__(self, path: Path, old: str) -> None:
        self.path, self.old, self.count = path, old, 0

    def __call__(self) -> None:
        self.count += 1
        text = self.path.read_text()
        new = f"{self.old.split(':')[0]}: bench-{self.count}"
        self.path.write_text(text.replace(self.old, new, 1))
        self.old = new


def _ratio(measured: tuple[float, int, float], reference: tuple[float, int, float]) -> tuple[float, float]:
    """(wall ratio, CPU ratio) of two measures."""
    return measured[0] / reference[0], measured[2] / reference[2]


def synth_rows(options: argparse.Namespace, work: Path) -> tuple[list[tuple], dict[str, float]]:
    example, _ = generate(
        len(list((EXAMPLE / "accounts").glob("*.yaml"))), work / "example"
    )  # a copy of the example's YAML
    big, _ = generate(options.accounts, work / "large")
    out, big_out, state = work / "out", work / "out-large", work / "state"
    synth = ["synth", "--config", str(example), "--out", str(out), "--state-dir", str(state)]
    big_synth = ["synth", "--config", str(big), "--out", str(big_out), "--state-dir", str(state)]
    cdk_python = options.cdk_python or os.environ.get(ENV_CDK_PYTHON)
    if cdk_python and subprocess.run([cdk_python, "-c", "import aws_cdk"], capture_output=True).returncode != 0:
        print(f"note: {cdk_python} cannot import aws_cdk: the AWS CDK comparison is skipped", file=sys.stderr)
        cdk_python = None
    if cdk_python is None:
        print(
            "note: no interpreter with aws-cdk-lib (--cdk-python or $MLOPS_TF_BENCH_CDK_PYTHON): the AWS CDK "
            "comparison is skipped",
            file=sys.stderr,
        )
    # Side by side: each repeat runs every synth measure once, so the ratios compare runs that saw
    # the same load (the machine is shared); each measure keeps its best run.
    edit = Editor(example / "accounts" / "ds-dev.yaml", "owner: data-science-team")
    big_edit = Editor(sorted((big / "accounts").glob("ds-dev-*.yaml"))[-1], "owner: data-science-team")
    runs: dict[str, list[tuple[float, int]]] = {}
    for _ in range(options.repeat):
        runs.setdefault("cold", []).append(measure(cli(*synth, "--no-cache")))
        if cdk_python is not None:
            runs.setdefault("cdk", []).append(
                measure([cdk_python, str(ROOT / "scripts" / "cdk_reference_app.py"), str(work / "cdk.out")])
            )
        runs.setdefault("cached", []).append(measure(cli(*synth)))
        edit()
        runs.setdefault("incremental", []).append(measure(cli(*synth)))
        runs.setdefault("big_cold", []).append(measure(cli(*big_synth, "--no-cache")))
        big_edit()
        runs.setdefault("big_incremental", []).append(measure(cli(*big_synth)))
    cold, cached, incremental, big_cold, big_incremental = (
        (min(r[0] for r in runs[k]), max(r[1] for r in runs[k]), min(r[2] for r in runs[k]))
        for k in ("cold", "cached", "incremental", "big_cold", "big_incremental")
    )
    cdk = (
        (min(r[0] for r in runs["cdk"]), max(r[1] for r in runs["cdk"]), min(r[2] for r in runs["cdk"]))
        if "cdk" in runs
        else None
    )
    rows = [
        ("mlops-tf --help", best(cli("--help"), options.repeat), "< 0.5 s", None),
        ("mlops-tf validate (example)", best(cli("validate"), options.repeat), "< 0.5 s", None),
        ("cold synth, example (8 accounts)", cold, "< 4 s, < 1 GB", None),
        ("cached synth, example (unchanged)", cached, "< 0.5 s", None),
        ("synth after editing one account's YAML (example)", incremental, "<= 0.4 x cold", _ratio(incremental, cold)),
        (
            f"cold synth, generated ({options.accounts} accounts)",
            big_cold,
            "<= 2 x cold example",
            _ratio(big_cold, cold),
        ),
        (
            f"synth after editing one account's YAML ({options.accounts} accounts)",
            big_incremental,
            "-",
            _ratio(big_incremental, big_cold),
        ),
    ]
    if cdk is not None:
        rows.append(
            ("AWS CDK (Python) app, 8 stacks, 551 resources", cdk, "cold example <= 0.8 x this", _ratio(cold, cdk))
        )
    met = {
        "help": rows[0][1][0] < 0.5,
        "validate": rows[1][1][0] < 0.5,
        "cold": cold[0] < 4 and cold[1] < 2**30,
        "cached": cached[0] < 0.5,
        "incremental": incremental[0] <= 0.4 * cold[0],
        "scale": big_cold[0] <= 2 * cold[0],
    }
    if cdk is not None:
        met["cdk"] = cold[0] <= 0.8 * cdk[0]
    return rows, met


def _spans(log: Path) -> dict[str, float]:
    """Seconds each account took in Terraform: from its first call's start to its last call's end."""
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for line in log.read_text().splitlines():
        call = json.loads(line)
        first[call["account"]] = min(first.get(call["account"], call["start"]), call["start"])
        last[call["account"]] = max(last.get(call["account"], call["end"]), call["end"])
    return {name: last[name] - first[name] for name in first}


def _critical_path(config: Path, spent: dict[str, float]) -> float:
    """The longest chain of accounts through the apply order's dependencies, by their measured times."""
    resolved = resolve(load(config))
    finish: dict[str, float] = {}
    for name in resolved.order:  # a topological order: dependencies come first
        finish[name] = spent[name] + max((finish[d] for d in resolved.dependencies(name)), default=0.0)
    return max(finish.values())


def terraform_rows(options: argparse.Namespace, work: Path) -> tuple[list[tuple], dict[str, bool]]:
    """plan --all and apply --all against the stand-in Terraform, for the example and the generated zone."""
    fake = write_fake_terraform(work)
    rows, met = [], {}
    example = generate(len(list((EXAMPLE / "accounts").glob("*.yaml"))), work / "tf-example")[0]
    for label, config in (
        ("example", example),
        (f"{options.accounts} accounts", generate(options.accounts, work / "tf-large")[0]),
    ):
        out, state, log = work / f"tf-out-{label}", work / "tf-state", work / f"tf-{label}.log"
        accounts = len(list((config / "accounts").glob("*.yaml")))
        common = ["--config", str(config), "--out", str(out), "--state-dir", str(state), "--terraform-bin", str(fake)]
        env = {"FAKE_TF_LOG": str(log), "FAKE_TF_SLEEP": str(options.tf_seconds), "FAKE_TF_FAIL": ""}
        measure(cli("synth", *common[:6]))  # synth is measured above; here it answers from its cache
        sequential = None
        if label == "example":  # one at a time, as before: the sum the parallel run must beat
            sequential = measure(cli("plan", "--all", "--parallelism", "1", *common), env)[0]
            rows.append((f"plan --all, {label}, parallelism 1 (sequential)", sequential, "-", None, "-"))
        log.unlink(missing_ok=True)
        parallelism = DEFAULT_PARALLELISM
        wall = measure(cli("plan", "--all", "--parallelism", str(parallelism), *common), env)[0]
        total = sum(_spans(log).values())
        bound = total / parallelism
        rows.append(
            (
                f"plan --all, {label}, parallelism {parallelism} (default)",
                wall,
                f"sum of {accounts} accounts' plan times {total:.1f} s / {parallelism} = {bound:.1f} s",
                wall / bound,
                "<= 1.3x",
            )
        )
        met[f"plan {label}"] = wall <= 1.3 * bound and wall <= (sequential or total)
        for plans in (out / "stacks").glob("*/plans"):
            shutil.rmtree(plans)  # apply plans afresh: init, plan, show, apply per account
        log.unlink(missing_ok=True)
        wall = measure(cli("apply", "--all", "--auto-approve", "--parallelism", str(accounts), *common), env)[0]
        path = _critical_path(config, _spans(log))
        rows.append(
            (
                f"apply --all, {label}, parallelism {accounts}",
                wall,
                f"critical path {path:.1f} s",
                wall / path,
                "<= 1.3x",
            )
        )
        met[f"apply {label}"] = wall <= 1.3 * path
    return rows, met


def check_rows(options: argparse.Namespace, work: Path) -> tuple[list[tuple], dict[str, bool]]:
    """validate against the loader's bounds (5 MB refused, 1 MiB accepted), and validate --terraform per stack."""
    rows = [
        (
            "validate, 5 MB in one file (refused)",
            best(
                cli("validate", "--config", str(oversized(work / "one", 5_000_000, files=1))), options.repeat, expect=1
            ),
        ),
        (
            "validate, 5 MB in ten files (refused)",
            best(
                cli("validate", "--config", str(oversized(work / "ten", 5_000_000, files=10))), options.repeat, expect=1
            ),
        ),
        (
            "validate, 1 MiB (largest accepted)",
            best(cli("validate", "--config", str(largest_accepted(work / "max"))), options.repeat),
        ),
    ]
    checks = [
        (label, measured, "< 2 s, < 300 MB", measured[0] < 2 and measured[1] < 300 * 2**20) for label, measured in rows
    ]
    out, state = work / "validate-out", work / "validate-state"
    measure(
        cli("synth", "--out", str(out), "--state-dir", str(state))
    )  # validate --terraform then answers from the cache
    wall, peak, _ = best(cli("validate", "--terraform", "--out", str(out), "--state-dir", str(state)), options.repeat)
    stacks = len(list((out / "stacks").iterdir()))
    checks.append(
        (
            f"validate --terraform, example, per stack ({stacks} stacks, cached synth)",
            (wall / stacks, peak),
            "< 2 s",
            wall / stacks < 2,
        )
    )
    return checks, {label: ok for label, _, _, ok in checks}


def compile_bytecode() -> None:
    """Measure mlops-tf as installed: a wheel install compiles its modules, an editable one (setup.sh does it
    once) leaves a module edited since without bytecode, which a shell with PYTHONDONTWRITEBYTECODE=1 would
    compile again on every measured run."""
    for package in ("accounts", "cli", "config", "modules"):
        compileall.compile_dir(ROOT / package, quiet=1, rx=re.compile(r"(lambda_src|scripts)/"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument(
        "--tf-seconds", type=float, default=2.0, help="time the stand-in Terraform takes per plan and per apply"
    )
    parser.add_argument("--cdk-python", help=f"Python with aws-cdk-lib installed (default: ${ENV_CDK_PYTHON})")
    parser.add_argument("--skip-terraform", action="store_true", help="only the synth measures")
    parser.add_argument("--skip-synth", action="store_true", help="only the Terraform measures")
    parser.add_argument("--bounds-only", action="store_true", help="only the loader-bound and offline validate rows")
    options = parser.parse_args()
    compile_bytecode()
    work = Path(tempfile.mkdtemp(prefix="mlops-tf-bench-"))
    try:
        skip_synth, skip_terraform = (
            options.skip_synth or options.bounds_only,
            options.skip_terraform or options.bounds_only,
        )
        # Each table is printed as soon as it is measured, so a later failure loses nothing.
        synth, met = ([], {}) if skip_synth else synth_rows(options, work)
        if synth:
            print("| measure | wall (s) | CPU (s) | peak memory (MB) | target | ratio (wall) | ratio (CPU) |")
            print("|---|---:|---:|---:|---|---:|---:|")
        for label, (wall, peak, cpu), target, ratio in synth:
            ratios = "| |" if ratio is None else f"| {ratio[0]:.2f}x | {ratio[1]:.2f}x |"
            print(f"| {label} | {wall:.2f} | {cpu:.2f} | {peak / 2**20:.0f} | {target} {ratios}", flush=True)
        tf_rows, tf_met = ([], {}) if skip_terraform else terraform_rows(options, work)
        if tf_rows:
            print(f"\nStand-in Terraform: {options.tf_seconds:g} s per plan and per apply.\n")
            print("| measure | wall (s) | bound | ratio | target |")
            print("|---|---:|---|---:|---|")
        for label, wall, bound, ratio, target in tf_rows:
            print(
                f"| {label} | {wall:.1f} | {bound} | {'' if ratio is None else f'{ratio:.2f}x'} | {target} |",
                flush=True,
            )
        checks, checks_met = check_rows(options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n| measure | wall (s) | peak memory (MB) | target | met |")
    print("|---|---:|---:|---|---|")
    for label, (wall, peak, *_), target, ok in checks:
        print(f"| {label} | {wall:.2f} | {peak / 2**20:.0f} | {target} | {'yes' if ok else 'NO'} |")
    met.update(tf_met)
    met.update(checks_met)
    missed = [name for name, ok in met.items() if not ok]
    print(
        f"\n{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}, "
        f"best of {options.repeat} runs for synth."
    )
    print(f"targets missed: {', '.join(missed)}" if missed else "every target met")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
