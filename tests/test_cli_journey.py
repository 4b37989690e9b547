"""A platform engineer's journey through the CLI: odd paths, broken files, exit codes, no tracebacks."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.app import app
from tests.conftest import EXAMPLE

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def test_synth_refuses_an_out_folder_it_did_not_write(tmp_path: Path):
    precious = tmp_path / "project"
    (precious / "notes").mkdir(parents=True)
    (precious / "notes" / "thesis.txt").write_text("years of work")
    result = run("synth", "--config", str(EXAMPLE), "--out", str(precious), "--account", "management")
    assert result.exit_code == 2
    assert f"--out {precious} is a folder that synth did not write" in result.stderr
    assert (precious / "notes" / "thesis.txt").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]  # no staging folder left behind


def test_synth_refuses_an_out_that_is_a_file(tmp_path: Path):
    target = tmp_path / "out.txt"
    target.write_text("keep me")
    result = run("synth", "--config", str(EXAMPLE), "--out", str(target), "--account", "management")
    assert result.exit_code == 2
    assert f"--out {target} is a file" in result.stderr
    assert target.read_text() == "keep me"


def test_graph_output_that_cannot_be_written_is_a_usage_error(tmp_path: Path):
    result = run("graph", "--config", str(EXAMPLE), "--output", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"mlops-tf: {tmp_path}: Is a directory"
    result = run("graph", "--config", str(EXAMPLE), "--output", str(tmp_path / "missing" / "graph.md"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"mlops-tf: {tmp_path / 'missing' / 'graph.md'}: No such file or directory"


def test_lock_from_json_that_is_not_utf8(config_copy: Path, tmp_path: Path):
    source = tmp_path / "outputs.json"
    source.write_bytes(b"\xff\xfe{}")
    result = run("lock", "--config", str(config_copy), "--from-json", str(source))
    assert result.exit_code == 2
    assert f"mlops-tf: {source}: not a UTF-8 text file (invalid start byte at byte 0)" in result.stderr


COMMANDS = (
    "validate",
    "accounts",
    "lock",
    "synth",
    "diff",
    "graph",
    "plan",
    "apply",
    "destroy",
    "output",
    "bootstrap",
    "tfc",
    "scan",
)


def test_every_command_explains_itself_with_an_example_in_rewrapped_paragraphs():
    assert run("--help").exit_code == 0
    for command in COMMANDS:
        result = run(command, "--help")
        assert result.exit_code == 0, command
        assert f"Example: mlops-tf {command}" in result.output, command
    # Docstrings are wrapped at 100 columns in the source; help re-wraps them instead of keeping those breaks.
    assert "Without --from-json the management stack's outputs are read" in run("lock", "--help").output


def test_scan_with_a_skip_file_that_does_not_exist_is_a_usage_error(tmp_path: Path):
    result = run(
        "scan", "--config", str(EXAMPLE), "--out", str(tmp_path / "out"), "--skips", str(tmp_path / "skips.yaml")
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == f"mlops-tf: --skips {tmp_path / 'skips.yaml'}: no such file"
    assert not (tmp_path / "out").exists()


def test_readme_error_example_is_what_validate_prints(config_copy: Path):
    """The README shows two errors of the example; they are the real output (run there from the repository root)."""
    import re

    from tests.helpers import replace_text

    replace_text(config_copy / "accounts/staging.yaml", "memory_mb: 2048", "memory_mb: 1500")
    replace_text(config_copy / "accounts/ds-dev.yaml", "ou: Workloads/Dev\n", "ou: Workloads/Devv\n")
    result = run("validate", "--config", str(config_copy))
    readme = (EXAMPLE.parent / "README.md").read_text()
    shown = re.search(r"Errors look like this.*?```\n(.*?)```", readme, re.S).group(1)
    assert result.exit_code == 1 and result.stderr.replace(f"{config_copy}/", "config/") == shown
