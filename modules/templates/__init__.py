"""Jinja2 templates shipped with mlops-tf (buildspecs, SageMaker pipeline definitions)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from modules.literal import json_text, text


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # StrictUndefined: a missing value is a bug in mlops-tf, never an empty string in AWS.
    return Environment(
        loader=PackageLoader("modules", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(name: str, **values: Any) -> str:
    """Render a template as literal Terraform text: its shell `${VAR}` reaches AWS verbatim."""
    return text(_raw(name, **values))


def _raw(name: str, **values: Any) -> str:
    return _environment().get_template(name).render(**values)


def render_json(name: str, **values: Any) -> str:
    """Render a JSON template and return it canonical (parsed and dumped with sorted keys)."""
    return json_text(json.loads(_raw(name, **values)))
