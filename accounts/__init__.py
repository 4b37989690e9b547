"""One stack per account kind: builder_for(kind) finds the module that builds its stack."""

from __future__ import annotations

import os

# jsii prints an end-of-life banner unless the variable lists the Node major version (not "1").
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from config.schema import SECTION_OF_KIND
from modules import jsii_transport, provider_index

provider_index.enable()  # before cdktf starts the jsii kernel: Node loads the provider's modules on demand
jsii_transport.enable()  # and Python talks to the kernel without jsii's relay process

if TYPE_CHECKING:
    from .base import AccountStack

# The module that builds a kind's stack is named after the kind's section (staging and production
# share `inference`).
KIND_MODULES = SECTION_OF_KIND


# Modules whose build(stack) runs in every account's stack (e.g. roles every account carries).
COMMON_MODULES: list[str] = ["security_audit", "baseline"]


def common_builders() -> list[Callable[[AccountStack], None]]:
    """build(stack) functions that apply to every account."""
    return [importlib.import_module(f"{__name__}.{m}").build for m in COMMON_MODULES]


def builder_for(kind: str) -> Callable[[AccountStack], None] | None:
    """The build(stack) function of a kind, imported on demand so synth imports only what it uses."""
    module = KIND_MODULES.get(kind)
    if module is None:
        return None
    return importlib.import_module(f"{__name__}.{module}").build
