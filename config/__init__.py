"""Configuration: YAML with line numbers -> pydantic models -> resolved names, ARNs and order.

This package never imports cdktf, so validate, --help and every config error stay fast and offline.
"""

from .errors import ConfigError, Diagnostic, MlopsError, TerraformError, UnresolvedAccountError, UsageError
from .loader import load
from .model import Config, Flow, Resolved, ResolvedAccount
from .resolver import resolve

__all__ = [
    "Config",
    "ConfigError",
    "Diagnostic",
    "Flow",
    "MlopsError",
    "Resolved",
    "ResolvedAccount",
    "TerraformError",
    "UnresolvedAccountError",
    "UsageError",
    "load",
    "resolve",
]
