"""Measure the common loop of mlops-tf and print a Markdown table (wall time, peak memory, target).

Usage: python scripts/benchmark.py [--repeat N] [--accounts 50]

Each measure runs `python -m cli ...` in a new process from the repository root. Wall time is the
best of --repeat runs (the machine is shared: the best run is the one least disturbed). Peak memory
is the largest total resident memory of the whole process tree (Python and the Node.js process jsii
starts), sampled from /proc every 20 ms. Needs Linux for the memory column.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from generate_landing_zone import generate  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


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


def measure(args: list[str], expect: int = 0) -> tuple[float, int, int]:
    """(wall seconds, peak tree bytes, exit code) of one run of `python -m cli args`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        if Path("/proc").is_dir():
            peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    if proc.returncode != expect:
        raise SystemExit(f"python -m cli {' '.join(args)} failed:\n{proc.stderr.read().decode()}")
    return wall, peak, proc.returncode


def best(args: list[str], repeat: int, before=None, expect: int = 0) -> tuple[float, int]:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(measure(args, expect))
    return min(r[0] for r in runs), max(r[1] for r in runs)


def oversized(folder: Path, size: int, *, files: int) -> Path:
    """A copy of the example plus `files` account files holding `size` bytes of tags in all: validate must refuse it."""
    config = folder / "config"
    shutil.copytree(ROOT / "config", config)
    line = "  k-{i:07d}: v-{i:07d}\n"
    count = size // len(line.format(i=0)) // files
    for n in range(files):
        body = f"name: extra-{n}\nkind: security\naccount_id: \"9999999999{n:02d}\"\nou: Security\ntags:\n"
        (config / "accounts" / f"extra-{n}.yaml").write_text(body + "".join(line.format(i=i) for i in range(count)))
    return config


def largest_accepted(folder: Path) -> Path:
    """A copy of the example plus account files holding as many tags as the size bounds admit (about 1 MiB in all)."""
    config = folder / "config"
    shutil.copytree(ROOT / "config", config)
    room = (1 << 20) - sum(p.stat().st_size for p in config.rglob("*.yaml")) - 4096
    line = "  k-{i:07d}: v-{i:07d}\n"
    for n in range(3):
        body = f"name: big-{n}\nkind: security\naccount_id: \"9999999999{n:02d}\"\nou: Security\ntags:\n"
        (config / "accounts" / f"big-{n}.yaml").write_text(body + "".join(line.format(i=i) for i in range(room // 3 // len(line.format(i=0)))))
    return config


def _row(label: str, wall: float, peak: int, max_wall: float | None, max_mb: int | None) -> bool:
    """Print one table row; True when its targets are met."""
    targets, met = [], True
    if max_wall is not None:
        targets.append(f"< {max_wall:g} s")
        met &= wall < max_wall
    if max_mb is not None:
        targets.append(f"< {max_mb / 1024:g} GB" if max_mb >= 1024 else f"< {max_mb} MB")
        met &= peak / 2**20 < max_mb
    print(f"| {label} | {wall:.2f} | {peak / 2**20:.0f} | {', '.join(targets) or '-'} | {'yes' if targets and met else ('-' if not targets else 'NO')} |")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--bounds-only", action="store_true", help="only the loader-bound rows (no synthesis)")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mlops-tf-bench-"))
    try:
        big, _ = generate(options.accounts, work / "large") if not options.bounds_only else (None, None)
        out, state = work / "out", work / "state"
        big_out = work / "out-large"
        synth = ["synth", "--out", str(out), "--state-dir", str(state)]
        big_synth = ["synth", "--config", str(big), "--out", str(big_out), "--state-dir", str(state), "--no-cache"]
        bounds = [
            ("validate, 5 MB in one file (refused)", best(["validate", "--config", str(oversized(work / "one", 5_000_000, files=1))], options.repeat, expect=1), 2.0, 300),
            ("validate, 5 MB in ten files (refused)", best(["validate", "--config", str(oversized(work / "ten", 5_000_000, files=10))], options.repeat, expect=1), 2.0, 300),
            ("validate, 1 MiB (largest accepted)", best(["validate", "--config", str(largest_accepted(work / "max"))], options.repeat), 2.0, 300),
        ]
        rows = [] if options.bounds_only else [
            ("mlops-tf --help", best(["--help"], options.repeat), 0.5, None),
            ("mlops-tf validate (example)", best(["validate"], options.repeat), 0.5, None),
            ("cold synth, example (8 accounts)", best([*synth, "--no-cache"], options.repeat), 4.0, 1024),
            ("cached synth, example (unchanged)", best(synth, options.repeat), 0.5, None),
            (f"cold synth, generated ({options.accounts} accounts)", best(big_synth, options.repeat), None, None),
        ]
        # After the synths above the stacks are cached: this is Terraform and the stand-in provider alone.
        wall, peak = best(["validate", "--terraform", "--out", str(out), "--state-dir", str(state)], options.repeat)
        stacks = len(list((out / "stacks").iterdir()))
        rows.append((f"validate --terraform, example, per stack ({stacks} stacks, cached synth)", (wall / stacks, peak), 2.0, None))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| measure | wall (s) | peak memory (MB) | target | met |")
    print("|---|---:|---:|---|---|")
    ok = True
    for label, (wall, peak), max_wall, max_mb in rows:
        ok &= _row(label, wall, peak, max_wall, max_mb)
    if rows:
        ratio = rows[4][1][0] / rows[2][1][0]
        print(f"| {options.accounts} accounts / 8 accounts | {ratio:.2f}x | | < 2x | {'yes' if ratio < 2 else 'NO'} |")
        ok &= ratio < 2
    for label, (wall, peak), max_wall, max_mb in bounds:
        ok &= _row(label, wall, peak, max_wall, max_mb)
    print(f"\n{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, best of {options.repeat} runs each.")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
