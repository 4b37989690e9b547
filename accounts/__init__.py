"""One stack per account kind. KIND_BUILDERS maps a kind to the module that builds its stack."""
from __future__ import annotations

import os

# jsii prints an end-of-life banner unless the variable lists the Node major version (not "1").
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import AccountStack

# Module (in this package) that builds each kind; a kind not listed gets only the base stack.
KIND_MODULES = {
    "management": "management",
    "security": "security",
    "data": "data",
    "shared-services": "shared_services",
    "data-science": "data_science",
    "ml-execution": "ml_execution",
    "staging": "inference",
    "production": "inference",
}


# Modules whose build(stack) runs in every account's stack (e.g. roles every account carries).
# (Terraform Cloud run roles all live in the management stack: accounts/tfc_oidc.py, called by management.)
COMMON_MODULES: list[str] = ["security_audit", "organization_security"]


def common_builders() -> list[Callable[["AccountStack"], None]]:
    """build(stack) functions that apply to every account."""
    return [importlib.import_module(f"{__name__}.{m}").build for m in COMMON_MODULES]


def builder_for(kind: str) -> Callable[["AccountStack"], None] | None:
    """The build(stack) function of a kind, imported on demand so synth imports only what it uses."""
    module = KIND_MODULES.get(kind)
    if module is None:
        return None
    return importlib.import_module(f"{__name__}.{module}").build
