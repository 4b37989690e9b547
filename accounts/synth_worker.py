"""Synthesize some accounts' stacks in a second process (`python -m accounts.synth_worker`).

Large landing zones split their stacks over two processes, one per core: each has its own Node
runtime, so building and synthesizing run side by side. Stacks are independent Terraform
configurations, so the output is the same as one process would write.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m accounts.synth_worker")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--outdir", type=Path, required=True)
    parser.add_argument("--stack-root", type=Path, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("names", nargs="+")
    args = parser.parse_args(argv)

    from config import load, resolve

    from .app import build_app

    resolved = resolve(load(args.config))
    build_app(resolved, args.names, outdir=args.outdir, stack_root=args.stack_root, state_dir=args.state_dir).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
