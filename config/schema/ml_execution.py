"""Section of ml-execution accounts (the ML execution issue fills in the rest)."""
from __future__ import annotations

from pydantic import Field

from .common import Slug, StrictModel


class ModelPackageGroup(StrictModel):
    """A Model Registry group; staging and production endpoints refer to it by name."""

    name: Slug
    description: str = ""


class MlExecutionSection(StrictModel):
    """Settings of ml-execution accounts."""

    model_package_groups: list[ModelPackageGroup] = Field(default_factory=list)
