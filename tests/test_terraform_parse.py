"""The real Terraform binary reads every synthesized stack of the example without a configuration error.

No provider can be downloaded here, so `terraform init` runs against an empty plugin directory: it
loads and checks the whole configuration (block structure, backend) before it looks for providers,
and the only error allowed is that hashicorp/aws cannot be found.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

TERRAFORM = shutil.which("terraform")
pytestmark = pytest.mark.skipif(TERRAFORM is None, reason="no terraform binary on PATH")

PROVIDER_ERROR = "Failed to query available provider packages"
REFERENCE = re.compile(r"(?<![\w.$])(?:(data)\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)")


def terraform_init(stack_dir: Path, plugins: Path, *, backend: bool) -> tuple[str, list[str]]:
    """Run terraform init offline; stdout and the error blocks of stderr (their first lines)."""
    cli_config = plugins.parent / "empty.tfrc"
    cli_config.touch()
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(cli_config), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    args = [TERRAFORM, f"-chdir={stack_dir}", "init", "-input=false", "-no-color", f"-plugin-dir={plugins}"]
    if not backend:
        args.append("-backend=false")
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
    blocks = re.split(r"^(?:│ )?Error: ", proc.stderr, flags=re.M)[1:]
    return proc.stdout, [block.strip() for block in blocks]


def copy_stack(source: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copyfile(source / "cdk.tf.json", dest / "cdk.tf.json")
    return dest


def test_terraform_reads_every_stack(example_out, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    checked = []
    for source in sorted((example_out / "stacks").iterdir()):
        stack = json.loads((source / "cdk.tf.json").read_text())
        # A local backend initializes offline, so it is checked too; S3 and cloud would call AWS/HCP.
        local = "local" in stack.get("terraform", {}).get("backend", {})
        stdout, errors = terraform_init(copy_stack(source, tmp_path / source.name), plugins, backend=local)
        assert "Finding hashicorp/aws versions" in stdout, (
            f"{source.name}: terraform stopped before providers: {errors}"
        )
        unexpected = [e for e in errors if not (e.startswith(PROVIDER_ERROR) and "hashicorp/aws" in e)]
        assert unexpected == [], f"{source.name}: {unexpected}"
        checked.append(source.name)
    assert "management" in checked and len(checked) >= 8


def test_terraform_check_can_fail(tmp_path):
    """A configuration error (a misspelled output argument) is reported, not taken for the provider error."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    stack = tmp_path / "broken"
    stack.mkdir()
    (stack / "cdk.tf.json").write_text(json.dumps({"output": {"o": {"valeu": "x"}}}))
    _, errors = terraform_init(stack, plugins, backend=False)
    assert errors and not errors[0].startswith(PROVIDER_ERROR)


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_references_name_blocks_declared_in_the_same_stack(stacks):
    """Terraform checks references only with the provider; here we check each names a block of its own stack."""
    problems, seen = [], 0
    for account, stack in stacks.items():
        declared = {("resource", t, n) for t, items in stack.get("resource", {}).items() for n in items}
        declared |= {("data", t, n) for t, items in stack.get("data", {}).items() for n in items}
        for text in _strings({k: v for k, v in stack.items() if k != "//"}):
            for expression in re.findall(r"(?<!\$)\$\{([^}]*)\}", text):
                for data, rtype, name in REFERENCE.findall(expression):
                    seen += 1
                    if ("data" if data else "resource", rtype, name) not in declared:
                        problems.append(f"{account}: ${{{expression}}}")
    assert problems == []
    assert seen > 10, "the example's stacks reference their own resources (organization, accounts, OUs...)"
