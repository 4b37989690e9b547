"""Run every broken landing zone of tests/bad_input/ through `mlops-tf synth` (format: bad_input/README.md).

Each case: exit 1, its expected `file:line:col: field` line in the output, no traceback, and the
previous synthesized output (a real one, of the base landing zone) byte-identical afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app

CORPUS = Path(__file__).with_name("bad_input")
BASE = CORPUS / "_base" / "config"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))

runner = CliRunner()


def assemble(case: Path, dest: Path) -> Path:
    """The base configuration, its remove.txt files deleted, the case's files (and folders) laid over it,
    then the symbolic links of its links.txt (`path -> target`, for faults that are links)."""
    root = dest / case.name
    shutil.copytree(BASE, root / "config")
    removals = case / "remove.txt"
    for line in removals.read_text().splitlines() if removals.is_file() else []:
        if line.strip():
            (root / line.strip()).unlink()
    for source in sorted((case / "config").rglob("*")):
        if source.is_file() and source.name != ".keep":  # .keep: an otherwise empty folder of the case
            target = root / source.relative_to(case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        elif source.is_dir():
            (root / source.relative_to(case)).mkdir(parents=True, exist_ok=True)
    links = case / "links.txt"
    for line in links.read_text().splitlines() if links.is_file() else []:
        if line.strip():
            link, target = (part.strip() for part in line.split("->"))
            (root / link).unlink(missing_ok=True)
            (root / link).symlink_to(target)
    return root


# twin.txt, one change a line: `<file>:<line>: <old> => <new>` (in that line, old becomes new), `<file>:<line> = <text>`
# (the whole line), `<file>: delete` or `<file>: base` (whatever is there replaced by the base's file). In old, new
# and text, \n and \xNN are escapes (bytes of a file that is not UTF-8).
TWIN_EDIT = re.compile(r"^(config/[^:]+):(\d+): (.+?) =>(?: (.*))?$")
TWIN_LINE = re.compile(r"^(config/[^:]+):(\d+) =(?: (.*))?$")
TWIN_FILE = re.compile(r"^(config/[^:]+): (delete|base)$")


def unescape(text: str) -> bytes:
    return text.encode().decode("unicode_escape").encode("latin-1")


def twin_changes(case: Path) -> list[str]:
    return [line for line in (case / "twin.txt").read_text().splitlines() if line.strip()]


def apply_twin(case: Path, root: Path) -> None:
    """The case without its defect: its twin.txt changes applied to the assembled case under root."""
    edits: dict[Path, list[tuple[int, bytes | None, bytes]]] = {}
    for change in twin_changes(case):
        if match := TWIN_FILE.match(change):
            target = root / match[1]
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)  # missing: a base file the case removes
            if match[2] == "base":
                shutil.copyfile(BASE / Path(match[1]).relative_to("config"), target)
        elif match := TWIN_EDIT.match(change):
            edits.setdefault(root / match[1], []).append((int(match[2]), unescape(match[3]), unescape(match[4] or "")))
        elif match := TWIN_LINE.match(change):
            edits.setdefault(root / match[1], []).append((int(match[2]), None, unescape(match[3] or "")))
        else:
            raise AssertionError(f"{case.name}/twin.txt: cannot read {change!r}")
    for path, changes in edits.items():
        lines = path.read_bytes().split(b"\n")
        for number, old, new in changes:
            if old is None:
                lines[number - 1] = new
            else:
                assert old in lines[number - 1], f"{case.name}/twin.txt: {old!r} not in line {number} of {path.name}"
                lines[number - 1] = lines[number - 1].replace(old, new, 1)
        path.write_bytes(b"\n".join(lines))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def output_of(result) -> str:
    text = result.output
    try:
        stderr = result.stderr
    except ValueError:  # stderr mixed into output
        stderr = ""
    return text if stderr in text else text + stderr


@pytest.fixture(scope="session")
def previous_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real synthesis of the base landing zone: the output every case must leave as it was."""
    work = tmp_path_factory.mktemp("bad-input-base")
    out = work / "cdktf.out"
    result = runner.invoke(app, ["synth", "--config", str(BASE), "--out", str(out), "--state-dir", str(work / "state")])
    assert result.exit_code == 0, f"the base landing zone must be valid:\n{output_of(result)}"
    assert sorted(p.name for p in (out / "stacks").iterdir()) == ["management", "security"]
    return out


def test_corpus_is_well_formed():
    assert len(CASES) >= 12
    for case in CASES:
        lines = [line for line in (case / "expected.txt").read_text().splitlines() if line.strip()]
        assert len(lines) == 1, f"{case.name}/expected.txt: exactly one line"
        assert re.match(r"^config/[\w./-]+\.ya?ml:\d+:\d+: \S", lines[0]), f"{case.name}/expected.txt: {lines[0]!r}"
        assert (case / "config").is_dir(), f"{case.name}: no config/ overlay"
        assert (case / "twin.txt").is_file() and twin_changes(case), f"{case.name}: no twin.txt (its passing twin)"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_passing_twin(case: Path, tmp_path: Path):
    """The same case without its defect validates: the expected error comes from that defect alone."""
    root = assemble(case, tmp_path)
    apply_twin(case, root)
    result = runner.invoke(app, ["validate", "--config", str(root / "config")])
    assert result.exit_code == 0, output_of(result).replace(f"{root}/", "")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Path, previous_output: Path, tmp_path: Path):
    expected = (case / "expected.txt").read_text().strip()
    root = assemble(case, tmp_path)
    named_file, line_number = expected.split(":")[:2]
    assert os.path.lexists(root / named_file), f"expected.txt names {named_file}, which the case does not have"
    if (root / named_file).is_file():
        assert int(line_number) <= len((root / named_file).read_bytes().splitlines()) + 1

    out = tmp_path / "cdktf.out"
    shutil.copytree(previous_output, out, symlinks=True)
    before = snapshot(out)
    args = ["synth", "--config", str(root / "config"), "--out", str(out), "--state-dir", str(tmp_path / "state")]
    result = runner.invoke(app, args)
    text = output_of(result).replace(f"{root}/", "")

    assert result.exit_code == 1, text
    assert "Traceback" not in text and "internal error" not in text, text
    pattern = re.compile(re.escape(expected) + r"(?![\w.\[])")
    assert any(pattern.match(line) for line in text.splitlines()), f"no line starts with {expected!r}:\n{text}"
    assert snapshot(out) == before, "a failed synth changed the previous output"
    # One fault, one error: the located errors number 1, or errors.txt's count (one root cause reported once).
    count = case / "errors.txt"
    located = [line for line in text.splitlines() if re.match(r"^config/\S+:\d+:\d+: ", line)]
    if count.is_file():
        assert len(located) == int(count.read_text()), f"expected {count.read_text().strip()} error(s):\n{text}"
    else:
        assert len(located) == 1, f"one fault, one error expected:\n{text}"
