"""Documentation that cannot drift: generated references are current, YAML snippets parse and validate."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from cli.app import app
from cli.reference import pages
from config.schema import SECTION_OF_KIND, Account, LandingZone
from tests.conftest import EXAMPLE, ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_FENCE = re.compile(r"^```ya?ml[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_ACCOUNT = TypeAdapter(Account)
# A snippet preceded by this line is a fragment of a file (top-level keys of the landing zone, or one
# account kind's section) and must validate once completed with the example's required fields.
MARK = "<!-- validate -->"


def _snippets() -> list[tuple[str, int, str, bool]]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
            found.append((str(path.relative_to(ROOT)), line, match.group(1), before == MARK))
    return found


SNIPPETS = _snippets()


def test_reference_pages_are_current():
    stale = [
        str(path)
        for path, text in pages(app).items()
        if not (ROOT / path).is_file() or (ROOT / path).read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"stale: {stale}; run `mlops-tf docs`"


def test_docs_have_yaml_snippets():
    assert len(SNIPPETS) >= 10
    assert sum(marked for *_, marked in SNIPPETS) >= 5


@pytest.mark.parametrize(("path", "line", "body", "marked"), SNIPPETS, ids=[f"{p}:{n}" for p, n, *_ in SNIPPETS])
def test_yaml_snippet_parses_and_validates(path: str, line: int, body: str, marked: bool):
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        pytest.fail(f"{path}:{line}: invalid YAML: {exc}")
    whole_account = isinstance(data, dict) and {"name", "kind"} <= set(data)
    whole_landing_zone = isinstance(data, dict) and {"prefix", "management_account_id"} <= set(data)
    if not (whole_account or whole_landing_zone or marked):
        return
    document = _completed(data)
    try:
        if "kind" in document:
            _ACCOUNT.validate_json(json.dumps(document), strict=True)
        else:
            LandingZone.model_validate_json(json.dumps(document), strict=True)
    except ValidationError as exc:
        pytest.fail(f"{path}:{line}: does not validate: {exc}")


def _completed(data: Any) -> dict[str, Any]:
    """A whole file as it is; a marked fragment inside the example's landing zone or a fresh account."""
    assert isinstance(data, dict), "a marked snippet is a mapping"
    if {"name", "kind"} <= set(data) or {"prefix", "management_account_id"} <= set(data):
        return data
    kinds = [k for k, section in SECTION_OF_KIND.items() if section in data]
    if kinds:
        return {"name": "example", "kind": kinds[0], **data}
    landing_zone = yaml.safe_load((EXAMPLE / "landing-zone.yaml").read_text())
    return {**landing_zone, **data}


def test_a_broken_snippet_is_caught():
    """The checks above fail on what they should: YAML aliases and unknown keys."""
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load("a: {b: cron(30 1 * * ? *)}")
    with pytest.raises(ValidationError):
        LandingZone.model_validate_json(
            json.dumps(_completed({"baseline": {"budget": {"monthly_limit": 3}}})), strict=True
        )


def _anchors(text: str) -> set[str]:
    found, fence = set(), False
    for line in text.splitlines():
        fence = not fence if line.startswith("```") else fence
        heading = re.match(r"^#{1,6} (.*)$", line)
        if heading and not fence:
            found.add(re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-"))
        found.update(re.findall(r'<a id="([^"]+)"', line))
    return found


def test_links_between_pages_resolve():
    """README sections moved to docs/: every relative link and anchor still points at something."""
    broken = []
    for path in DOCS:
        prose = re.sub(r"`[^`\n]*`", "", _FENCE.sub("", path.read_text(encoding="utf-8")))
        prose = re.sub(r"^```.*?^```", "", prose, flags=re.MULTILINE | re.DOTALL)
        for link in re.findall(r"\]\(([^)\s]+)\)", prose):
            if link.startswith(("http://", "https://", "mailto:")):
                continue
            target, _, fragment = link.partition("#")
            page = (path.parent / target) if target else path
            if not page.is_file() or (fragment and fragment not in _anchors(page.read_text(encoding="utf-8"))):
                broken.append(f"{path.relative_to(ROOT)}: {link}")
    assert broken == []
