#!/usr/bin/env bash
# One command: set up (Chromium included), then lint, type-check and run the whole test suite.
# Exits non-zero on any failure. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
source scripts/env.sh

echo "[test] ruff"; ruff check . && ruff format --check --quiet .
echo "[test] mypy"; mypy showroom consult tests $(ls bench/*.py 2>/dev/null)
echo "[test] pytest"; pytest -q "$@"
