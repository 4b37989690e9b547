"""The second synthesis process itself (`python -m accounts.synth_worker_main`, started by accounts/synth_worker.py).

Kept apart from synth_worker so that the CLI can decide on and start the second process without loading cdktf;
this module loads the stacks (and cdktf) at the top, as any stack module does.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from config import load, resolve
from modules import jsii_transport
from modules.aws import load_in_background

from .synth_worker import READS_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m accounts.synth_worker_main")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--outdir", type=Path, required=True)
    parser.add_argument("--stack-root", type=Path, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("names", nargs="+")
    args = parser.parse_args(argv)

    load_in_background()  # Node loads cdktf and the provider while this process imports and resolves
    # The stacks (and cdktf's Python package) are imported only now, so that Node's loads overlap them.
    app_module = importlib.import_module("accounts.app")
    resolved = resolve(load(args.config))
    reads: dict = {}
    app = app_module.build_app(
        resolved, args.names, outdir=args.outdir, stack_root=args.stack_root, state_dir=args.state_dir, reads=reads
    )
    app_module.synth(app)
    record = {
        "reads": {n: r.as_list() for n, r in reads.items()},
        "bindings": {n: sorted(r.bindings) for n, r in reads.items()},
    }
    (args.outdir / READS_FILE).write_text(json.dumps(record), encoding="utf-8")
    return 0


if __name__ == "__main__":
    jsii_transport.exit_process(main())
