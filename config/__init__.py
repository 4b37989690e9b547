"""Configuration: YAML with line numbers -> pydantic models -> resolved names, ARNs and order.

This package never imports cdktf, so validate, --help and every config error stay fast and offline.
"""

from .errors import ConfigError, Diagnostic, MlopsError, TerraformError, UnresolvedAccountError, UsageError
from .loader import Config, load
from .resolver import Flow, Resolved, ResolvedAccount, resolve

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
