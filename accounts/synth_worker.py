"""A second synthesis process for large landing zones (started as `python -m accounts.synth_worker_main`).

Large landing zones split their stacks over two processes, one per core: each has its own Node
runtime, so building and synthesizing run side by side. Stacks are independent Terraform
configurations, so the output is the same as one process would write. This module imports no
cdktf, so the CLI can start the second process before the first one loads cdktf itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config import Resolved

# From this many stacks on, a second process (one per core) synthesizes part of them.
PARALLEL_MIN_STACKS = 12
# The second process's share of the stacks: at 50 accounts it finished 0.1-0.9 s before the first with
# 0.4, about with it at 0.45-0.46 (measured with scripts/benchmark.py's generated landing zone).
SECOND_SHARE = 0.45
READS_FILE = "reads.json"  # beside the worker's manifest: what each of its stacks read, and its binding submodules


def selected_accounts(resolved: Resolved, names: list[str] | None) -> list[str]:
    """The accounts to synthesize, in apply order (all when names is None)."""
    return list(resolved.order) if names is None else [n for n in resolved.order if n in set(names)]


def split_for_workers(names: list[str]) -> tuple[list[str], list[str]]:
    """(stacks for this process, stacks for a second one): split only when it pays off."""
    if len(names) < PARALLEL_MIN_STACKS or (os.cpu_count() or 1) < 2:
        return list(names), []
    # Interleave so both get a similar mix of kinds; the second process starts later (its own Python,
    # configuration and Node), so it takes a little less than half: SECOND_SHARE, spread evenly.
    theirs = {i for i in range(len(names)) if int((i + 1) * SECOND_SHARE) > int(i * SECOND_SHARE)}
    return [n for i, n in enumerate(names) if i not in theirs], [n for i, n in enumerate(names) if i in theirs]


@dataclass
class Worker:
    """A running second synthesis process and the folder it writes to."""

    names: list[str]
    outdir: Path
    process: subprocess.Popen

    def stop(self) -> None:
        """Abandon the work (the first process failed)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        shutil.rmtree(self.outdir, ignore_errors=True)

    def join(self) -> dict:
        """Wait for the stacks; returns the worker's manifest. Raises when the process failed."""
        _, stderr = self.process.communicate()
        if self.process.returncode != 0:
            shutil.rmtree(self.outdir, ignore_errors=True)
            raise RuntimeError(
                f"the second synthesis process failed (exit {self.process.returncode}): {stderr.strip()[-2000:]}"
            )
        return json.loads((self.outdir / "manifest.json").read_text(encoding="utf-8"))


def start(resolved: Resolved, names: list[str], out: Path, state_dir: Path) -> Worker | None:
    """Start a second process for its share of `names` when there are enough; None otherwise."""
    _, theirs = split_for_workers(names)
    if not theirs:
        return None
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    outdir = Path(tempfile.mkdtemp(prefix=f".{out.name}.worker.", dir=out.parent))
    package_root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(package_root), os.environ.get("PYTHONPATH")]))}
    command = [
        sys.executable,
        "-m",
        "accounts.synth_worker_main",
        "--config",
        str(resolved.config.root.resolve()),
        "--outdir",
        str(outdir),
        "--stack-root",
        str(out),
        "--state-dir",
        str(state_dir.resolve()),
        *theirs,
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return Worker(theirs, outdir, process)
