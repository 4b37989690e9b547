"""The Terraform runner: finds terraform (or tofu), runs one step in one stack folder, maps failures.

Every step runs as `<bin> -chdir=<stack folder> <step> ...`. Terraform's own output goes line by line
to the account's log file (<stack>/plans/<command>.log) and, when one account runs alone, to the
terminal too. A failing step raises TerraformError (exit 3) naming the account and the step.
Several accounts may run at once, each in its own thread: nothing here is shared between them but
the read-only settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from config import TerraformError

TerraformBinOption = Annotated[
    str | None,
    typer.Option(
        "--terraform-bin",
        help="Terraform or OpenTofu executable. Default: $MLOPS_TF_TERRAFORM, else terraform, then tofu on PATH.",
    ),
]
ENV_BINARY = "MLOPS_TF_TERRAFORM"
SEARCHED = ("terraform", "tofu")
INSTALL_HINTS = (
    "install Terraform (https://developer.hashicorp.com/terraform/install) or OpenTofu "
    "(https://opentofu.org/docs/intro/install/), or point --terraform-bin or $MLOPS_TF_TERRAFORM at the executable"
)
# Terraform prints this when it cannot reach the registry (offline machine, proxy, no mirror).
PROVIDER_DOWNLOAD_MARKERS = (
    "Failed to query available provider packages",
    "Failed to install provider",
    "could not connect to registry",
)


def find_terraform(explicit: str | None = None) -> str:
    """The executable to run: --terraform-bin, else $MLOPS_TF_TERRAFORM, else terraform, then tofu on PATH."""
    for source, value in (("--terraform-bin", explicit), (f"${ENV_BINARY}", os.environ.get(ENV_BINARY))):
        if value:
            found = _executable(value)
            if found is None:
                raise TerraformError(
                    f"{source} {value!r} is not an executable file or a command on PATH; {INSTALL_HINTS}"
                )
            return found
    for name in SEARCHED:
        found = shutil.which(name)
        if found:
            return found
    raise TerraformError(f"neither terraform nor tofu was found on PATH; {INSTALL_HINTS}")


def _executable(value: str) -> str | None:
    path = Path(value)
    if path.is_file() and os.access(path, os.X_OK):
        return str(path.resolve())
    return shutil.which(value)


def stack_dir(out: Path, account: str) -> Path:
    return out / "stacks" / account


class Terraform:
    """Runs steps of one binary.

    echo: stream Terraform's output to the terminal (stdout, or stderr when stdout carries JSON);
    log_name: also append it to <stack>/plans/<log_name>.log; observer(account, step) hears of every
    step as it starts (the progress view).
    """

    def __init__(
        self,
        binary: str,
        *,
        stream_to_stderr: bool = False,
        echo: bool = True,
        log_name: str | None = None,
        observer: Callable[[str, str], None] | None = None,
    ) -> None:
        self.binary = binary
        self.stream = sys.stderr if stream_to_stderr else sys.stdout
        self.echo = echo
        self.log_name = log_name
        self.observer = observer
        self.env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}

    def _color(self) -> list[str]:
        return [] if self.echo and self.stream.isatty() else ["-no-color"]

    def command(self, stack: Path, step: str, *args: str) -> list[str]:
        return [self.binary, f"-chdir={stack}", step, *args]

    def log_path(self, stack: Path) -> Path | None:
        return None if self.log_name is None else stack / "plans" / f"{self.log_name}.log"

    def start_log(self, stack: Path) -> None:
        """Begin this command's log of the account afresh (one log file per account and command)."""
        path = self.log_path(stack)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")

    def _open_log(self, stack: Path, cmd: list[str]) -> IO[str] | None:
        path = self.log_path(stack)
        if path is None:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        log = path.open("a", encoding="utf-8")
        log.write(f"$ {' '.join([Path(cmd[0]).name, *cmd[1:]])}\n")
        return log

    def _observe(self, account: str, step: str) -> None:
        if self.observer is not None:
            self.observer(account, step)

    def run(self, account: str, stack: Path, step: str, *args: str) -> None:
        """Run a step with its output streamed; raise TerraformError naming account and step on failure."""
        cmd = self.command(stack, step, *self._color(), *args)  # flags before a positional plan file
        self._observe(account, step)
        log = self._open_log(stack, cmd)
        try:
            try:
                proc = subprocess.Popen(
                    cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env, bufsize=1
                )
            except OSError as exc:
                raise TerraformError(f"{account}: cannot run {self.binary}: {exc}") from None
            tail: list[str] = []
            assert proc.stdout is not None
            for line in proc.stdout:
                if self.echo:
                    self.stream.write(line)
                    self.stream.flush()
                if log is not None:
                    log.write(line)
                    log.flush()
                tail = (tail + [line.rstrip("\n")])[-200:]
            code = proc.wait()
            if log is not None:
                log.write(f"[exit {code}]\n")
        finally:
            if log is not None:
                log.close()
        if code != 0:
            raise TerraformError(_failure(account, step, stack, code, tail, self.log_path(stack)))

    def capture(self, account: str, stack: Path, step: str, *args: str) -> str:
        """Run a step that prints data (show -json, output -json) and return its standard output."""
        cmd = self.command(stack, step, *args)
        self._observe(account, step)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=self.env, check=False)
        except OSError as exc:
            raise TerraformError(f"{account}: cannot run {self.binary}: {exc}") from None
        log = self._open_log(stack, cmd)
        if log is not None:
            with log:  # the data itself is not logged (a plan's JSON is large); its errors are
                log.write(f"{proc.stderr}[exit {proc.returncode}]\n")
        if proc.returncode != 0:
            lines = proc.stderr.splitlines() + proc.stdout.splitlines()
            raise TerraformError(_failure(account, step, stack, proc.returncode, lines, self.log_path(stack)))
        return proc.stdout

    def capture_json(self, account: str, stack: Path, step: str, *args: str) -> Any:
        text = self.capture(account, stack, step, *args)
        try:
            return json.loads(text)
        except ValueError:
            raise TerraformError(f"{account}: `terraform {step}` did not print JSON (got {text[:200]!r})") from None

    # -- the steps mlops-tf uses ---------------------------------------------------------------
    def init(self, account: str, stack: Path) -> None:
        self.run(account, stack, "init", "-input=false")

    def ensure_init(self, account: str, stack: Path) -> None:
        """Init only when the folder has never been initialized (synth keeps .terraform across runs)."""
        if not (stack / ".terraform").is_dir():
            self.init(account, stack)


def _failure(account: str, step: str, stack: Path, code: int, lines: list[str], log: Path | None = None) -> str:
    message = f"terraform {step} failed for account {account!r} (exit {code}) in {stack}"
    first_error = next((_unbox(line) for line in lines if _unbox(line).startswith("Error:")), None)
    if first_error:
        message += f": {first_error}"
    if log is not None:
        message += f"\nTerraform's full output: {log}"
    if any(marker in line for line in lines for marker in PROVIDER_DOWNLOAD_MARKERS):
        message += (
            "\nTerraform could not download the AWS provider: allow access to registry.terraform.io, or configure "
            "a provider mirror (provider_installation in the CLI configuration, or TF_PLUGIN_CACHE_DIR)"
        )
    return message


def _unbox(line: str) -> str:
    """Terraform draws diagnostics in a box ('│ Error: ...'); strip it to read the message."""
    return line.strip().lstrip("╷│╵").strip()


@dataclass(frozen=True)
class SavedPlan:
    """A saved plan in <stack>/plans/ with the hash of the cdk.tf.json it was made from.

    synth carries the plans/ folder across re-synths, so the hash is what tells whether the plan
    still matches the configuration that would be applied now.
    """

    stack: Path
    name: str = "tfplan"

    @property
    def relpath(self) -> str:
        return f"plans/{self.name}"  # relative to -chdir

    @property
    def path(self) -> Path:
        return self.stack / "plans" / self.name

    @property
    def meta_path(self) -> Path:
        return self.stack / "plans" / f"{self.name}.meta.json"

    def config_hash(self) -> str:
        return hashlib.sha256((self.stack / "cdk.tf.json").read_bytes()).hexdigest()

    def prepare(self) -> None:
        """Remove any previous plan before planning, so a failed plan never leaves a stale one behind."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.discard()

    def record(self) -> None:
        self.meta_path.write_text(json.dumps({"cdk_tf_json_sha256": self.config_hash()}) + "\n", encoding="utf-8")

    def matches(self) -> bool:
        if not (self.path.is_file() and self.meta_path.is_file()):
            return False
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return meta.get("cdk_tf_json_sha256") == self.config_hash()

    def discard(self) -> None:
        for path in (self.path, self.meta_path):
            path.unlink(missing_ok=True)
