"""The security-* and data-* cases of the bad-input corpus fail validation at exactly their expected line
(the full runner, with synth and output preservation, lives with the corpus)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config import load
from config.errors import ConfigError

CORPUS = Path(__file__).parent / "bad_input"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.name.startswith(("security-", "data-"))) if CORPUS.is_dir() else []


def test_corpus_has_cases_for_both_sections():
    assert len([c for c in CASES if c.startswith("security-")]) >= 5
    assert len([c for c in CASES if c.startswith("data-")]) >= 5


@pytest.mark.parametrize("case", CASES)
def test_case_fails_at_expected_line(case: str, tmp_path: Path):
    shutil.copytree(CORPUS / "_base" / "config", tmp_path / "config")
    shutil.copytree(CORPUS / case / "config", tmp_path / "config", dirs_exist_ok=True)
    expected = (CORPUS / case / "expected.txt").read_text().strip()
    with pytest.raises(ConfigError) as exc:
        load(tmp_path / "config")
    lines = [str(d).replace(f"{tmp_path}/", "") for d in exc.value.diagnostics]
    assert any(line.startswith(expected) for line in lines), lines


def test_base_landing_zone_is_valid_with_security_defaults(tmp_path: Path):
    shutil.copytree(CORPUS / "_base" / "config", tmp_path / "config")
    config = load(tmp_path / "config")
    assert config.accounts["security"].security.organization_trail.enabled
