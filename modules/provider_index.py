"""Node loads the AWS provider's resource modules on demand, not all ~2,200 at start.

The jsii kernel answers `load` for the provider by requiring its `lib/index.js`, which requires every resource
module: about 1.6 s of a quiet machine (most of the fixed cost of every synthesis, and 75% of a two-stack
incremental one) and ~400 MB. `node/lazy_provider_index.js`, given to the kernel's Node processes with
`--require` through NODE_OPTIONS, compiles that one file with lazy getters instead, so a synthesis compiles
the few dozen modules its stacks use. The objects are the same, only loaded later: the output is byte-identical
(tests/test_speed.py compares a synthesis without the hook, MLOPS_TF_PLAIN_IMPORT=1, with the suite's).

Must run before the first `import cdktf` starts the kernel: accounts/__init__.py calls it.
"""

from __future__ import annotations

import os
from pathlib import Path

HOOK = Path(__file__).resolve().parent / "node" / "lazy_provider_index.js"


def require_option(path: Path = HOOK) -> str:
    """`--require "<path>"` as NODE_OPTIONS reads it (double quotes; backslash escapes a quote or backslash)."""
    quoted = str(path).replace("\\", "\\\\").replace('"', '\\"')
    return f'--require "{quoted}"'


def enable() -> None:
    """Add the hook to NODE_OPTIONS (kept for the synth worker, whose kernel inherits it); once; not for plain."""
    if os.environ.get("MLOPS_TF_PLAIN_IMPORT") == "1":
        return
    option = require_option()
    current = os.environ.get("NODE_OPTIONS", "")
    if option not in current:
        os.environ["NODE_OPTIONS"] = f"{current} {option}".strip()
