"""The inference cases of the bad-input corpus fail validation with exactly their expected line.

(The corpus runner of the CLI issue also synthesizes them; this checks the cases in milliseconds.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config import load
from config.errors import ConfigError

CORPUS = Path(__file__).resolve().parent / "bad_input"
CASES = sorted(p.name for p in CORPUS.glob("inference-*"))


def test_corpus_has_the_inference_cases():
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
def test_case_reports_its_one_fault(case, tmp_path):
    shutil.copytree(CORPUS / "_base", tmp_path, dirs_exist_ok=True)
    shutil.copytree(CORPUS / case, tmp_path, dirs_exist_ok=True)
    expected = (CORPUS / case / "expected.txt").read_text().strip()
    with pytest.raises(ConfigError) as info:
        load(tmp_path / "config")
    assert len(info.value.diagnostics) == 1, [str(d) for d in info.value.diagnostics]
    diag = info.value.diagnostics[0]
    # Messages name files relative to the working directory when they can; compare relative to the case.
    relative = str(diag).replace(f"{tmp_path}/", "", 1) if str(diag).startswith(str(tmp_path)) else str(diag)
    assert relative.startswith(expected)
