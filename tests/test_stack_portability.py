"""Synthesized stack folders run anywhere: with a remote backend a folder is self-contained.

Terraform Cloud runs a VCS-driven workspace in <out>/stacks/<account> of the committed repository,
so nothing a stack references (assets such as the Lambda zip) may live outside its folder.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path, PurePosixPath

import pytest

from tests.conftest import copy_example
from tests.helpers import EXAMPLE_BACKEND, replace_text
from tests.test_terraform_parse import PROVIDER_ERROR, TERRAFORM, terraform_init

CLOUD = "state_backend:\n  type: cloud\n  organization: acme\n  project: ml-platform\n"
# A path on the machine that synthesized (not /aws/codebuild/x log groups, nor /opt/ml/... inside SageMaker containers).
ABSOLUTE = re.compile(r"^/(tmp|home|root|usr|var|work|private|Users)/")


@pytest.fixture(scope="module")
def cloud_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The staging stack (it carries the inference Lambda zip) synthesized with the cloud backend."""
    from accounts.app import synthesize
    from config import load, resolve

    base = tmp_path_factory.mktemp("portable")
    root = copy_example(base)
    replace_text(root / "landing-zone.yaml", EXAMPLE_BACKEND + "\n", CLOUD)
    synthesize(resolve(load(root)), ["staging"], base / "cdktf.out", state_dir=base / "state")
    return base / "cdktf.out"


def _strings(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, path)
    elif isinstance(value, str):
        yield path, value


def leaving_references(stack_dir: Path, *, skip_local_backend: bool) -> list[str]:
    """Strings of a stack that point outside its folder, and asset paths that do not exist inside it."""
    stack = json.loads((stack_dir / "cdk.tf.json").read_text())
    problems = []
    for path, text in _strings(stack):
        if path[:1] == ("//",) or (skip_local_backend and path[:3] == ("terraform", "backend", "local")):
            continue
        if any(c.isspace() for c in text):
            continue  # documents (policies, buildspecs) rather than file references
        if text.startswith("../") or "/../" in text or ABSOLUTE.match(text):
            problems.append(f"{'.'.join(map(str, path))}: {text[:120]}")
        if text.startswith("assets/"):
            target = stack_dir / PurePosixPath(text)
            if not target.is_file() or stack_dir.resolve() not in target.resolve().parents:
                problems.append(f"{'.'.join(map(str, path))}: missing asset {text}")
    return problems


def test_every_stack_folder_references_only_its_own_files(example_out: Path, cloud_out: Path) -> None:
    checked = 0
    for stack_dir in sorted((example_out / "stacks").iterdir()):
        # The local backend's state file lives outside --out on purpose (synth replaces --out).
        assert leaving_references(stack_dir, skip_local_backend=True) == [], stack_dir.name
        checked += 1
    assert checked >= 8
    staging = cloud_out / "stacks" / "staging"
    assert leaving_references(staging, skip_local_backend=False) == []
    stack = json.loads((staging / "cdk.tf.json").read_text())
    assert "local" not in stack["terraform"].get("backend", {}) and "cloud" in stack["terraform"]
    (function,) = [f for f in stack["resource"]["aws_lambda_function"].values() if f["filename"].startswith("assets/")]
    assert (staging / function["filename"]).is_file()


def test_leaving_references_can_fail(tmp_path: Path) -> None:
    (tmp_path / "cdk.tf.json").write_text(
        json.dumps(
            {
                "resource": {
                    "aws_lambda_function": {
                        "f": {"filename": "../other/assets/x.zip"},
                        "g": {"filename": "assets/missing.zip"},
                        "h": {"filename": "/tmp/build/x.zip"},
                    }
                }
            }
        )
    )
    assert len(leaving_references(tmp_path, skip_local_backend=False)) == 3


@pytest.mark.skipif(TERRAFORM is None, reason="no terraform binary on PATH")
def test_a_stack_folder_copied_alone_is_read_by_terraform(cloud_out: Path, tmp_path: Path) -> None:
    """Copy only cdktf.out/stacks/staging (as a workspace's working directory would see it) and run the offline
    check."""
    alone = tmp_path / "elsewhere" / "staging"
    shutil.copytree(cloud_out / "stacks" / "staging", alone)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    stdout, errors = terraform_init(alone, plugins, backend=False)  # the cloud backend would call HCP Terraform
    assert "Finding hashicorp/aws versions" in stdout, errors
    assert [e for e in errors if not (e.startswith(PROVIDER_ERROR) and "hashicorp/aws" in e)] == []
    assert leaving_references(alone, skip_local_backend=False) == []
