#!/usr/bin/env bash
# One command to set up a fresh machine: a virtualenv in .venv with mlops-tf and its test tools.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# validate: the offline terraform validate extra (gRPC plugin), used by mlops-tf validate --terraform and the tests.
.venv/bin/python -m pip install --quiet -e '.[dev,validate]'
# An editable install leaves mlops-tf's modules without bytecode (a wheel install compiles them): compile them
# now, or a shell with PYTHONDONTWRITEBYTECODE=1 compiles ~150 modules from source on every run (~0.15 s).
.venv/bin/python -m compileall -q -j 0 -x '(lambda_src|scripts)/' accounts cli config modules >/dev/null
# checkov (mlops-tf scan) gets its own environment: it pins ~90 packages that must not constrain
# mlops-tf's. mlops-tf scan finds it in .venv-scan. MLOPS_TF_NO_SCAN=1 skips this step.
if [ "${MLOPS_TF_NO_SCAN:-0}" != 1 ]; then
  [ -x .venv-scan/bin/python ] || "$PYTHON" -m venv .venv-scan
  .venv-scan/bin/python -m pip install --quiet --upgrade pip
  .venv-scan/bin/python -m pip install --quiet "checkov==3.3.30"
fi
echo "mlops-tf installed in .venv: run .venv/bin/mlops-tf --help (or activate with: source .venv/bin/activate)"
