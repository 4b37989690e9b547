"""Per-kind cross-file checks and cross-account flows. Each module defines CHECKS and flows(resolved)."""

from __future__ import annotations

from types import ModuleType

from . import (
    baseline,
    data,
    data_processing,
    data_science,
    images,
    inference,
    ml_execution,
    model_build,
    retraining,
    security,
    shared_services,
)

# The order checks run and flows are listed in; images and retraining span several kinds (shared services,
# ml-execution, staging/production).
MODULES: tuple[ModuleType, ...] = (
    security,
    baseline,
    data,
    shared_services,
    data_science,
    ml_execution,
    inference,
    images,
    retraining,
    data_processing,
    model_build,
)
