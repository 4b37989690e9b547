"""The one place that imports the AWS provider bindings, fast.

`cdktf_cdktf_provider_aws/__init__.py` eagerly imports ~2,200 submodules (7-11 s, >1 GB). Every
submodule registers the jsii assembly itself through `.._jsii`, so we register the package without
running its `__init__` and import only the submodules a stack uses. `MLOPS_TF_PLAIN_IMPORT=1` takes
the ordinary import instead; a test checks both give byte-identical output.

Usage: `from modules.aws import aws` then `aws.s3_bucket.S3Bucket(...)`.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from typing import Any

PACKAGE = "cdktf_cdktf_provider_aws"
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")


def _register_package() -> None:
    """Put a bare package object for the bindings in sys.modules, with a path but no eager imports."""
    if PACKAGE in sys.modules:
        return
    if os.environ.get("MLOPS_TF_PLAIN_IMPORT") == "1":
        importlib.import_module(PACKAGE)
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{PACKAGE} is not installed; run the set-up command from the README")
    package = types.ModuleType(PACKAGE)
    package.__path__ = list(spec.submodule_search_locations)
    package.__file__ = spec.origin
    package.__spec__ = spec
    package.__package__ = PACKAGE
    sys.modules[PACKAGE] = package


class _Bindings:
    """Attribute access imports one submodule of the bindings, once: aws.s3_bucket, aws.provider, ..."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        _register_package()
        module = importlib.import_module(f"{PACKAGE}.{name}")
        setattr(self, name, module)
        return module


aws = _Bindings()
