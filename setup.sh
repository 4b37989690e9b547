#!/usr/bin/env bash
# One command to set up a fresh machine: a virtualenv in .venv with mlops-tf and its test tools.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
echo "mlops-tf installed in .venv: run .venv/bin/mlops-tf --help (or activate with: source .venv/bin/activate)"
