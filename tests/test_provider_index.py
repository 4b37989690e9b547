"""The Node hook that loads the AWS provider's resource modules on demand (modules/provider_index.py).

Byte-identical output with and without it is checked by tests/test_speed.py (the plain-import synthesis runs
without the hook); here: the hook is lazy, keeps the exports, touches no other file, and handles the index of
the installed provider completely.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from modules import provider_index
from tests.conftest import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

INDEX = """\
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.beta = exports.alpha = void 0;
exports.alpha = require("./alpha");
exports.beta = require("./beta-thing");
//# sourceMappingURL=data:application/json;base64,e30=
"""
MODULE = 'globalThis.loaded = (globalThis.loaded || []).concat(["%s"]); exports.%s = class %s {};\n'

PROBE = """
const index = require(process.argv[1]);
const before = (globalThis.loaded || []).slice();
const keys = Object.keys(index);
const ctor = index.alpha.Alpha;
const descriptor = Object.getOwnPropertyDescriptor(index, "alpha");
console.log(JSON.stringify({
  before, keys, after: globalThis.loaded, name: ctor.name, same: index.alpha === require(process.argv[2]),
  value: "value" in descriptor, writable: descriptor.writable, enumerable: descriptor.enumerable,
}));
"""


def package(root: Path, name: str) -> Path:
    lib = root / "node_modules" / name / "lib"
    for sub, cls in (("alpha", "Alpha"), ("beta-thing", "Beta")):
        (lib / sub).mkdir(parents=True)
        (lib / sub / "index.js").write_text(MODULE % (sub, cls, cls))
    (lib / "index.js").write_text(INDEX)
    return lib


def run(lib: Path, *, hook: bool) -> dict:
    options = ["--preserve-symlinks"] + (["--require", str(provider_index.HOOK)] if hook else [])
    env = {k: v for k, v in os.environ.items() if k != "NODE_OPTIONS"}  # the session's import of accounts set it
    proc = subprocess.run(
        [NODE, *options, "-e", PROBE, str(lib / "index.js"), str(lib / "alpha" / "index.js")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)


def test_provider_index_requires_a_module_on_first_access(tmp_path):
    lib = package(tmp_path, "@cdktf/provider-aws")
    lazy, eager = run(lib, hook=True), run(lib, hook=False)
    assert eager["before"] == ["alpha", "beta-thing"]
    assert lazy["before"] == [] and lazy["after"] == ["alpha"]  # only what was reached
    assert lazy["keys"] == eager["keys"] == ["alpha", "beta"]  # same names, same order
    assert lazy["name"] == "Alpha" and lazy["same"]
    # After the first access the export is a plain value, as the original assignment made it.
    assert lazy["value"] and lazy["writable"] and lazy["enumerable"]


def test_other_packages_are_compiled_unchanged(tmp_path):
    lib = package(tmp_path, "@cdktf/provider-tfe")
    assert run(lib, hook=True)["before"] == ["alpha", "beta-thing"]


def test_the_installed_provider_index_is_lazy_in_full(tmp_path):
    """Every export line of the pinned provider's lib/index.js becomes lazy (else the speed-up is silently lost)."""
    tarballs = list((ROOT / ".venv").glob("lib/python*/site-packages/cdktf_cdktf_provider_aws/_jsii/*.jsii.tgz"))
    if not tarballs:
        pytest.skip("the provider bindings are not installed in .venv")
    version = tarballs[0].name.removeprefix("provider-aws@").removesuffix(".jsii.tgz")
    # jsii's package cache holds the extracted package after any synthesis; the tarball is 37 MB to decompress.
    cache = Path(
        os.environ.get("JSII_RUNTIME_PACKAGE_CACHE_ROOT") or Path.home() / ".cache" / "aws" / "jsii" / "package-cache"
    )
    extracted = sorted(cache.glob(f"@cdktf/provider-aws/{version}/*/lib/index.js"))
    if extracted:
        source = extracted[0].read_text()
    else:
        with tarfile.open(tarballs[0]) as archive:
            member = archive.extractfile("package/lib/index.js")
            assert member is not None
            source = member.read().decode()
    script = (
        "const {lazyIndex} = require(process.argv[1]); process.stdout.write(lazyIndex(require('fs')"
        ".readFileSync(0, 'utf8')))"
    )
    lazy = subprocess.run(
        [NODE, "-e", script, str(provider_index.HOOK)], input=source, capture_output=True, text=True, check=True
    ).stdout
    requires = source.count('require("./')
    assert requires > 2000
    assert lazy.count('require("./') == 0 and lazy.count("__mlopsTfLazy(") == requires + 1


def test_node_options_carry_the_hook_except_for_the_plain_import():
    code = "import os, accounts; print(os.environ.get('NODE_OPTIONS', ''))"
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "MLOPS_TF_PLAIN_IMPORT")}
    env["PYTHONPATH"] = str(ROOT)
    with_hook = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert with_hook.stdout.strip() == provider_index.require_option()
    env.update(NODE_OPTIONS="--no-warnings", MLOPS_TF_PLAIN_IMPORT="1")
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert plain.stdout.strip() == "--no-warnings"


def test_require_option_quotes_paths_node_can_read_back(tmp_path):
    odd = tmp_path / 'dir with "quote" and space'
    odd.mkdir()
    hook = odd / "hook.js"
    hook.write_text("globalThis.hooked = true;\n")
    env = {**os.environ, "NODE_OPTIONS": provider_index.require_option(hook)}
    proc = subprocess.run(
        [NODE, "-e", "console.log(globalThis.hooked === true)"], env=env, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "true"


BACKGROUND = """
import sys
from modules.aws import load_in_background
load_in_background()
import cdktf  # queues the loads; Node (here: a missing binary) starts on the second thread
try:
    cdktf.App(outdir=sys.argv[1])
except FileNotFoundError as exc:
    print("raised", exc.filename)
"""


def test_a_failed_background_load_is_raised_at_the_first_jsii_call(tmp_path):
    """modules/aws.load_in_background: the gate re-raises what went wrong on the loading thread, never hangs."""
    missing = str(tmp_path / "no-node")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JSII_NODE": missing}
    env.pop("MLOPS_TF_PLAIN_IMPORT", None)
    proc = subprocess.run(
        [sys.executable, "-c", BACKGROUND, str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.strip() == f"raised {missing}", proc.stderr
