"""Speed guards: what must never load cdktf, the synth cache, and the lazy provider import.

Timings themselves are measured by scripts/benchmark.py (a shared machine makes timing asserts
flaky); these tests pin the causes: no cdktf/jsii (hence no Node) where it is not needed.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import synth_cache
from cli.app import app
from modules.jsii_transport import KernelExited, _Channel
from tests.conftest import EXAMPLE, ROOT, copy_example
from tests.helpers import replace_text

HEAVY = ("cdktf", "jsii", "constructs", "cdktf_cdktf_provider_aws")
runner = CliRunner()

# Runs mlops-tf commands in a fresh interpreter and reports which heavy packages got imported.
PROBE = """
import json, sys
from typer.testing import CliRunner
from cli.app import app
results = []
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(app, args)
    results.append({"exit": result.exit_code, "output": result.output})
heavy = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY_PACKAGES)
print(json.dumps({"results": results, "heavy": heavy}))
""".replace("HEAVY_PACKAGES", repr(HEAVY))


def probe(*commands: list[str], env: dict[str, str] | None = None) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(commands))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=300,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_help_and_validate_never_import_cdktf():
    report = probe(["--help"], ["validate", "--config", str(EXAMPLE)], ["synth", "--help"], ["scan", "--help"])
    assert [r["exit"] for r in report["results"]] == [0, 0, 0, 0]
    assert "valid landing zone" in report["results"][1]["output"]
    assert report["heavy"] == []


def test_second_synth_answers_from_cache_without_cdktf(tmp_path):
    config = copy_example(tmp_path)
    out, state = tmp_path / "cdktf.out", tmp_path / "state"
    args = ["synth", "--config", str(config), "--out", str(out), "--state-dir", str(state)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0 and first.output.startswith("synthesized 8 stack(s)"), first.output
    before = snapshot(out)

    report = probe(args)
    assert report["results"][0]["exit"] == 0 and report["results"][0]["output"].startswith("up to date: 8 stack(s)")
    assert report["heavy"] == []
    assert snapshot(out) == before

    forced = runner.invoke(app, [*args, "--no-cache"])
    assert forced.exit_code == 0 and forced.output.startswith("synthesized 8 stack(s)")
    assert snapshot(out) == before  # deterministic: forcing changes nothing


def test_cache_key_covers_config_code_selection_and_paths(tmp_path):
    config = copy_example(tmp_path)
    code = tmp_path / "code"
    shutil.copytree(ROOT / "modules", code, ignore=shutil.ignore_patterns("__pycache__"))
    out, state = tmp_path / "out", tmp_path / "state"

    def key(**changes):
        params = {"config_dir": config, "names": None, "out": out, "state_dir": state, "roots": [code], **changes}
        return synth_cache.cache_key(
            params.pop("config_dir"), params.pop("names"), params.pop("out"), params.pop("state_dir"), **params
        )

    base = key()
    assert key() == base
    assert key(names=["staging"]) != base and key(names=["staging", "data"]) == key(names=["data", "staging"])
    assert key(out=tmp_path / "elsewhere") != base and key(state_dir=tmp_path / "s2") != base
    (code / "policy.py").write_text((code / "policy.py").read_text() + "\n# changed\n")
    changed_code = key()
    assert changed_code != base
    (config / "accounts" / "staging.yaml").write_text((config / "accounts" / "staging.yaml").read_text() + "\n")
    assert key() != changed_code
    (code / "new_template.j2").write_text("{{ x }}")
    assert key() != changed_code
    assert synth_cache.cache_key(config, None, out, state) != key()  # the real code roots differ from the copy


def test_cache_misses_when_output_was_touched(tmp_path):
    out = tmp_path / "out"
    (out / "stacks" / "a").mkdir(parents=True)
    (out / "manifest.json").write_text("{}")
    (out / "stacks" / "a" / "cdk.tf.json").write_text('{"resource": {}}')
    (out / "stacks" / "a" / "assets" / "fn").mkdir(parents=True)
    (out / "stacks" / "a" / "assets" / "fn" / "handler.zip").write_bytes(b"zip")
    synth_cache.store(out, "k1", ["a"])
    assert synth_cache.lookup(out, "k1") == ["a"] and synth_cache.lookup(out, "k1").cached
    assert synth_cache.lookup(out, "k2") is None
    # What Terraform leaves in a stack folder is not the synth's output: still a hit.
    (out / "stacks" / "a" / ".terraform").mkdir()
    (out / "stacks" / "a" / ".terraform.lock.hcl").write_text("lock")
    (out / "stacks" / "a" / "plans").mkdir()
    (out / "stacks" / "a" / "plans" / "a.tfplan").write_text("plan")
    assert synth_cache.lookup(out, "k1") == ["a"]
    (out / "stacks" / "a" / "assets" / "fn" / "handler.zip").unlink()
    assert synth_cache.lookup(out, "k1") is None
    (out / "stacks" / "a" / "assets" / "fn" / "handler.zip").write_bytes(b"zip")
    (out / "stacks" / "a" / "cdk.tf.json").write_text('{"resource": {"x": {}}}')
    assert synth_cache.lookup(out, "k1") is None
    synth_cache.store(out, "k1", ["a"])
    (out / "stacks" / "b").mkdir()
    (out / "stacks" / "b" / "cdk.tf.json").write_text("{}")
    assert synth_cache.lookup(out, "k1") is None  # an extra stack is not what the cache recorded
    shutil.rmtree(out / "stacks" / "b")
    (out / "stacks" / "a" / "cdk.tf.json").unlink()
    assert synth_cache.lookup(out, "k1") is None
    (out / synth_cache.CACHE_FILE).write_text("not json")
    assert synth_cache.lookup(out, "k1") is None


PLAIN_SYNTH = """
import sys
from pathlib import Path
from accounts.app import synthesize
from config import load, resolve
base = Path(sys.argv[1])
synthesize(resolve(load(sys.argv[2])), None, base / "cdktf.out", state_dir=base / "terraform-state")
loaded = sum(1 for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws."))
print(loaded)
"""


@pytest.mark.slow
def test_lazy_provider_import_gives_the_same_output_as_plain_import(example_out, tmp_path):
    """modules/aws.py skips the bindings' eager __init__ and modules/jsii_transport.py jsii's relay process;
    MLOPS_TF_PLAIN_IMPORT=1 takes jsii's own ways. Same bytes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLOPS_TF_PLAIN_IMPORT": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", PLAIN_SYNTH, str(tmp_path), str(EXAMPLE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert int(proc.stdout.strip().splitlines()[-1]) > 1000, "the plain import must load every submodule"
    lazy_loaded = sum(1 for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws."))
    assert 0 < lazy_loaded < 500, "this session took the lazy path (only the submodules the stacks use)"
    # lazy: jsii is loaded by the session's synthesis already
    from jsii._kernel.providers import process

    assert process._NodeProcess.start.__module__ == "modules.jsii_transport", "and spoke to the kernel directly"
    plain = tmp_path / "cdktf.out"
    assert snapshot(plain) == snapshot(example_out)


def test_generated_landing_zone_is_valid(tmp_path):
    """The benchmark's N-account landing zone validates (scripts/generate_landing_zone.py)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from generate_landing_zone import generate
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    from config import load

    config, _ = generate(20, tmp_path)
    loaded = load(config)
    assert len(loaded.accounts) == 20
    assert {"management", "security", "staging", "production"} <= {a.kind for a in loaded.accounts.values()}


def test_preload_takes_only_real_binding_submodules_from_the_cache_record():
    """The names come from a file in the output folder: anything but a submodule of the bindings is skipped."""
    from modules.aws import preload

    preload(["no_such_resource", "../../etc", "s3_bucket.__init__", "S3Bucket", ""])
    assert "cdktf_cdktf_provider_aws.no_such_resource" not in sys.modules
    preload(["s3_bucket"])
    assert "cdktf_cdktf_provider_aws.s3_bucket" in sys.modules


def test_bindings_of_unions_what_the_named_stacks_used():
    previous = {
        "a": {"bindings": ["kms_key", "provider"]},
        "b": {"bindings": ["provider", "s3_bucket", 7]},
        "c": {"bindings": "not a list"},
    }
    assert synth_cache.bindings_of(previous, ["a", "b", "c", "never-built"]) == ["kms_key", "provider", "s3_bucket"]
    # an edited or corrupt record naming hundreds of submodules would cost more than it saves
    many = {"d": {"bindings": [f"m{i}" for i in range(synth_cache.MAX_BINDINGS + 1)]}}
    assert synth_cache.bindings_of({**previous, **many}, ["a", "d"]) == ["kms_key", "provider"]
    split = {n: {"bindings": [f"{n}{i}" for i in range(200)]} for n in ("e", "f")}
    assert synth_cache.bindings_of(split, ["e", "f"]) == []


EXIT_PROBE = """
import atexit, sys, cdktf
from modules.jsii_transport import exit_process
atexit.register(lambda: print("exit handler ran", flush=True))
exit_process(int(sys.argv[1]) if sys.argv[1].isdigit() else sys.argv[1])
"""


@pytest.mark.parametrize(("code", "status", "stderr"), [("0", 0, ""), ("3", 3, ""), ("boom", 1, "boom")])
def test_exit_after_synthesis_runs_exit_handlers_and_keeps_the_status(code, status, stderr):
    """exit_process skips only the interpreter's teardown: handlers run, the status and message are sys.exit's."""
    proc = subprocess.run(
        [sys.executable, "-c", EXIT_PROBE, code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == status
    assert proc.stdout == "exit handler ran\n" and proc.stderr.strip() == stderr


def synth_in_new_process(config: Path, out: Path, **env: str) -> subprocess.CompletedProcess:
    """`mlops-tf synth` as users run it, with these environment variables changed."""
    return subprocess.run(
        [sys.executable, "-m", "cli", "synth", "--config", str(config), "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_configuration_error_in_synth_leaves_no_kernel_files_behind(tmp_path):
    """synth starts Node before it loads the configuration; an error then exits at once (modules/aws.py
    abandon), and Node, reading end-of-file after its current load, exits and removes its own folder."""
    config = copy_example(tmp_path)
    replace_text(config / "accounts" / "ds-dev.yaml", "name: ds-dev", "name: ds-dev\nbogus_key: 1")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = synth_in_new_process(config, tmp_path / "out", TMPDIR=str(scratch))
    assert proc.returncode == 1 and "bogus_key: unknown key" in proc.stderr and "Traceback" not in proc.stderr
    deadline = time.monotonic() + 30
    while any(scratch.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(scratch.iterdir()) == []
    assert not (tmp_path / "out").exists()


def test_synth_without_node_says_so(tmp_path):
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "sh").symlink_to(shutil.which("sh"))
    proc = synth_in_new_process(EXAMPLE, tmp_path / "out", PATH=str(tools))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "mlops-tf: node: No such file or directory (Node.js runs cdktf: install it)" in proc.stderr


def test_a_kernel_that_ended_is_reported_as_such():
    """Node killed mid-synthesis (out of memory, say): a clear error instead of jsii's JSON parse error."""
    killed = subprocess.Popen(["sh", "-c", "kill -9 $$"])
    channel = _Channel(io.BytesIO(b""), killed)
    with pytest.raises(KernelExited, match=r"ended during the synthesis \(killed by signal 9; .*nothing was written"):
        channel.readline()
    assert _Channel(io.BytesIO(b'{"ok": 1}\n'), killed).readline() == b'{"ok": 1}\n'


def test_exit_under_a_profiler_is_the_ordinary_exit(tmp_path):
    """cProfile writes its file after the program returns: exit_process must not skip that."""
    script = tmp_path / "probe.py"
    script.write_text(EXIT_PROBE)
    proc = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(tmp_path / "probe.prof"), str(script), "0"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and "exit handler ran" in proc.stdout
    assert (tmp_path / "probe.prof").is_file()
