"""One exception hierarchy for mlops-tf; the CLI maps each class to an exit code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One configuration problem, located compiler style: file:line:col: field: message."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}:{self.column}: {field}{self.message}"


def config_option(root: object) -> str:
    """` --config DIR` for commands suggested in messages, empty for the default folder `config`."""
    text = str(root)
    return "" if text in ("config", "config/") else f" --config {text}"


class MlopsError(Exception):
    """Base of every error mlops-tf reports without a traceback."""

    exit_code = 1


class ConfigError(MlopsError):
    """The configuration is invalid; carries every diagnostic found in one run."""

    exit_code = 1

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class UsageError(MlopsError):
    """The command line asks for something that cannot be done (unknown account, bad option)."""

    exit_code = 2


class UnresolvedAccountError(MlopsError):
    """A stack needs the id of an account that has not been created yet."""

    exit_code = 1


class TerraformError(MlopsError):
    """Terraform (or OpenTofu) is missing or one of its steps failed."""

    exit_code = 3


def known(value: T | None, what: str) -> T:
    """`value`, which the caller's own checks guarantee is set (a stack of a kind asks for what its kind has);
    None here is a bug in mlops-tf, reported as one rather than as a KeyError on None further down."""
    if value is None:
        raise AssertionError(f"internal: {what} is not set")
    return value
