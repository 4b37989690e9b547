"""Per-kind cross-file checks and cross-account flows. Each module defines CHECKS and flows(resolved)."""

from __future__ import annotations

import importlib
from types import ModuleType

# images and retraining span several kinds (shared services, ml-execution, staging/production).
KIND_CHECK_MODULES = (
    "security",
    "baseline",
    "data",
    "shared_services",
    "data_science",
    "ml_execution",
    "inference",
    "images",
    "retraining",
    "data_processing",
    "model_build",
)


def modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{name}") for name in KIND_CHECK_MODULES]
