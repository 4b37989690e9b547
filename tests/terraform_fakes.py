"""A stand-in Terraform for plan/apply sequences: logs every call, writes saved plans, prints canned JSON.

Controlled through environment variables (tests set them with monkeypatch; the subprocess inherits):
  FAKE_TF_LOG        file to append one JSON line per call: {"argv": [...], "chdir": ..., "account": ...}
  FAKE_TF_SHOW_DIR   folder with <account>.json documents for `show -json` (default: one resource to create)
  FAKE_TF_FAIL       comma list of account:step that exit 1 with a Terraform-style error
  FAKE_TF_OUTPUTS    folder with <account>.json documents for `output -json` (default: {})
  FAKE_TF_SLEEP      seconds that `plan` and `apply` take (default 0), as a stand-in for AWS's time
Each log line also has the call's "start" and "end" (time.time()), so tests can see which calls overlapped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app

SCRIPT = r"""
import atexit, json, os, sys, time
from pathlib import Path

started = time.time()
args = sys.argv[1:]
chdir = Path(args[0].split("=", 1)[1]) if args and args[0].startswith("-chdir=") else Path.cwd()
if args and args[0].startswith("-chdir="):
    args = args[1:]
step = args[0] if args else ""
account = chdir.name

def record():
    with open(os.environ["FAKE_TF_LOG"], "a") as log:
        entry = {"argv": args, "chdir": str(chdir), "account": account, "start": started, "end": time.time()}
        log.write(json.dumps(entry) + "\n")

atexit.register(record)
if step in ("plan", "apply"):
    time.sleep(float(os.environ.get("FAKE_TF_SLEEP") or 0))
positional = [i for i, a in enumerate(args[1:]) if not a.startswith("-")]
if positional and any(a.startswith("-") for a in args[1 + positional[0]:]):
    print("Error: flags must come before arguments (Go flag parsing)", file=sys.stderr)
    sys.exit(2)
if f"{account}:{step}" in os.environ.get("FAKE_TF_FAIL", "").split(","):
    print("╷", file=sys.stderr)
    print(f"│ Error: {step} went wrong in {account}", file=sys.stderr)
    print("╵", file=sys.stderr)
    sys.exit(1)

def canned(var, default):
    folder = os.environ.get(var)
    path = Path(folder) / f"{account}.json" if folder else None
    return path.read_text() if path and path.is_file() else json.dumps(default)

if step == "init":
    (chdir / ".terraform").mkdir(exist_ok=True)
    print("Terraform has been successfully initialized!")
elif step == "plan":
    out = next(a.split("=", 1)[1] for a in args if a.startswith("-out="))
    (chdir / out).write_text("fake plan of " + account)
    print(f"Plan: planned {account}")
elif step == "show":
    print(canned("FAKE_TF_SHOW_DIR", {"format_version": "1.2", "resource_changes": [
        {"address": "aws_iam_role.x", "mode": "managed", "type": "aws_iam_role", "name": "x",
         "change": {"actions": ["create"], "before": None, "after": {}}}]}))
elif step == "apply":
    plan = next((a for a in args[1:] if not a.startswith("-")), None)
    if plan is None or not (chdir / plan).is_file():
        print("Error: no saved plan", file=sys.stderr)
        sys.exit(1)
    print(f"Apply complete! {account}")
elif step == "output":
    print(canned("FAKE_TF_OUTPUTS", {}))
"""


def write_fake_terraform(folder: Path) -> Path:
    """An executable stand-in for terraform in folder; returns its path."""
    path = folder / "fake-terraform"
    path.write_text(f"#!{sys.executable}\n{SCRIPT}", encoding="utf-8")
    path.chmod(0o755)
    return path


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def plan_doc(
    *changes: tuple[str, list[str]], outputs: dict[str, list[str]] | None = None, reason: str | None = None
) -> dict[str, Any]:
    """A `terraform show -json` plan document in Terraform's format (format_version 1.2)."""
    resource_changes = []
    for address, actions in changes:
        rtype, name = address.split(".")[-2:]
        rc: dict[str, Any] = {
            "address": address,
            "mode": "managed",
            "type": rtype,
            "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": actions,
                "before": None if actions == ["create"] else {},
                "after": None if actions == ["delete"] else {},
                "after_unknown": {},
                "before_sensitive": False,
                "after_sensitive": False,
            },
        }
        if actions in (["delete", "create"], ["create", "delete"]):
            rc["action_reason"] = reason or "replace_because_cannot_update"
        resource_changes.append(rc)
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": resource_changes,
        "output_changes": {
            k: {
                "actions": v,
                "before": None,
                "after": "x",
                "after_unknown": False,
                "before_sensitive": False,
                "after_sensitive": False,
            }
            for k, v in (outputs or {}).items()
        },
        "configuration": {"root_module": {}},
    }


ORDER = ["management", "security", "data", "shared-services", "ml-exec", "ds-dev", "staging", "production"]


class Env:
    """A config copy, an output folder and a stand-in terraform whose calls are logged."""

    def __init__(self, tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.config, self.out, self.state = config, tmp_path / "out", tmp_path / "state"
        self.log = tmp_path / "tf.log"
        self.show, self.outputs = tmp_path / "show", tmp_path / "outputs"
        self.show.mkdir()
        self.outputs.mkdir()
        self.bin = write_fake_terraform(tmp_path)
        monkeypatch.setenv("FAKE_TF_LOG", str(self.log))
        monkeypatch.setenv("FAKE_TF_SHOW_DIR", str(self.show))
        monkeypatch.setenv("FAKE_TF_OUTPUTS", str(self.outputs))
        monkeypatch.setenv("FAKE_TF_FAIL", "")
        self.monkeypatch = monkeypatch

    def run(self, *args: str, input: str | None = None):
        common = ["--config", str(self.config), "--terraform-bin", str(self.bin)]
        if args[0] not in ("output", "lock"):
            common += ["--state-dir", str(self.state)]
        return CliRunner().invoke(app, [*args, *common, "--out", str(self.out)], input=input)

    def calls(self) -> list[tuple[str, list[str]]]:
        return [(c["account"], c["argv"]) for c in read_log(self.log)]

    def reset_log(self) -> None:
        self.log.unlink(missing_ok=True)

    def fail(self, *account_steps: str) -> None:
        self.monkeypatch.setenv("FAKE_TF_FAIL", ",".join(account_steps))

    def canned_show(self, account: str, doc: dict) -> None:
        (self.show / f"{account}.json").write_text(json.dumps(doc))
