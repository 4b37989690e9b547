"""Offline `terraform validate`: a stand-in hashicorp/aws plugin wired in through a CLI configuration.

`install(work_dir)` writes a `terraform-provider-aws` launcher and a CLI configuration whose
`dev_overrides` point Terraform at it, so `terraform validate` needs neither `init` nor a registry:
https://developer.hashicorp.com/terraform/cli/config/config-file#development-overrides-for-provider-developers
The schema comes from the installed bindings and is cached per bindings version (see schema.py).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .schema import cached_schema

PROVIDER_SOURCE = "hashicorp/aws"
CACHE_ENV = "MLOPS_TF_CACHE_DIR"
# MLOPS_TF_SHARED_PLUGIN=0: let Terraform start the plugin for every run (dev_overrides only), as a user's own terraform
# does.
SHARED_ENV = "MLOPS_TF_SHARED_PLUGIN"
ROOT = Path(__file__).resolve().parents[2]  # the folder holding the cli package, whether installed or a checkout


def cache_dir() -> Path:
    """$MLOPS_TF_CACHE_DIR, else $XDG_CACHE_HOME/mlops-tf, else ~/.cache/mlops-tf."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlops-tf"


def install(work_dir: Path, cache: Path | None = None) -> dict[str, str]:
    """Write the launcher and CLI configuration into work_dir; return the environment Terraform needs."""
    schema = cached_schema(cache or cache_dir())
    plugin_dir = work_dir / "plugins"
    plugin_dir.mkdir(parents=True, exist_ok=True)
    launcher = plugin_dir / "terraform-provider-aws"
    launcher.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(str(ROOT))}${{PYTHONPATH:+:$PYTHONPATH}} exec {shlex.join(_server(schema))}\n",
        encoding="utf-8",
    )
    launcher.chmod(0o755)
    config = work_dir / "terraformrc"
    config.write_text(
        "provider_installation {\n"
        f'  dev_overrides {{\n    "{PROVIDER_SOURCE}" = "{plugin_dir}"\n  }}\n'
        "  direct {}\n"
        "}\n",
        encoding="utf-8",
    )
    return {"TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}


def _server(schema: Path, *flags: str) -> list[str]:
    return [sys.executable, "-m", "cli.offline_provider.server", *flags, str(schema)]


@contextmanager
def terraform_env(work_dir: Path, cache: Path | None = None) -> Iterator[dict[str, str]]:
    """The environment for offline Terraform runs: the dev_overrides configuration, and one shared plugin.

    Terraform starts a dev_overrides plugin twice per run (schema, then validation); one plugin kept
    running and handed to every run with TF_REATTACH_PROVIDERS halves the time of a stack.
    https://developer.hashicorp.com/terraform/plugin/debugging#running-terraform-with-a-provider-in-debug-mode
    """
    env = {**os.environ, **install(work_dir, cache)}
    if os.environ.get(SHARED_ENV, "1") == "0":
        yield env
        return
    python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    plugin = subprocess.Popen(
        _server(cached_schema(cache or cache_dir()), "--reattach"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": python_path},
    )
    try:
        assert plugin.stdout is not None
        line = plugin.stdout.readline().strip()
        yield (
            {**env, "TF_REATTACH_PROVIDERS": line} if line.startswith("{") else env
        )  # no line: Terraform starts its own
    finally:
        assert plugin.stdin is not None
        plugin.stdin.close()  # the shared plugin stops when its standard input closes
        try:
            plugin.wait(timeout=10)
        except subprocess.TimeoutExpired:
            plugin.kill()
            plugin.wait()
