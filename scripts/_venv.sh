# Sourced by scripts/run, scripts/test and scripts/manage: make .venv and install the project
# (once per change). NO_VENV=1 uses the `python` on PATH as it is: the container image sets
# it, since its Python got the dependencies at build time and its files are not writable.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${NO_VENV:-}" = 1 ]; then
  return 0
fi
PYTHON_BIN=${PYTHON_BIN:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON_BIN" -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  touch .venv/.installed
fi
export PATH="$PWD/.venv/bin:$PATH"
