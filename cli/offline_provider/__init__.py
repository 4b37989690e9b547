"""Offline `terraform validate`: a stand-in hashicorp/aws plugin wired in through a CLI configuration.

`install(work_dir)` writes a `terraform-provider-aws` launcher and a CLI configuration whose
`dev_overrides` point Terraform at it, so `terraform validate` needs neither `init` nor a registry:
https://developer.hashicorp.com/terraform/cli/config/config-file#development-overrides-for-provider-developers
The schema comes from the installed bindings and is cached per bindings version (see schema.py).
"""
from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from .schema import cached_schema

PROVIDER_SOURCE = "hashicorp/aws"
CACHE_ENV = "MLOPS_TF_CACHE_DIR"


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
    root = Path(__file__).resolve().parents[2]  # the folder holding the cli package, whether installed or a checkout
    launcher = plugin_dir / "terraform-provider-aws"
    launcher.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(str(root))}${{PYTHONPATH:+:$PYTHONPATH}} "
        f"exec {shlex.quote(sys.executable)} -m cli.offline_provider.server {shlex.quote(str(schema))}\n",
        encoding="utf-8",
    )
    launcher.chmod(0o755)
    config = work_dir / "terraformrc"
    config.write_text(
        "provider_installation {\n"
        f"  dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = \"{plugin_dir}\"\n  }}\n"
        "  direct {}\n"
        "}\n",
        encoding="utf-8",
    )
    return {"TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
