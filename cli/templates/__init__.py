"""Jinja2 templates of `mlops-tf init` (package data: pyproject includes *.j2 beside this file)."""
