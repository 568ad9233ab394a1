#!/usr/bin/env bash
# One command: set up (Chromium included), then lint, type-check and run the whole test suite.
# Exits non-zero on any failure. Extra arguments go to pytest (one run, as given).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
source scripts/env.sh

echo "[test] ruff"; ruff check . && ruff format --check --quiet .
echo "[test] mypy"; mypy showroom consult tests $(ls bench/*.py 2>/dev/null)
if [ "$#" -gt 0 ]; then
  echo "[test] pytest $*"; exec pytest -q "$@"
fi

# The whole suite. The end-to-end tests spend most of their time waiting on Chromium and the
# app, so the unit and integration tests run beside them, in a pytest of their own (sync
# Playwright and the async tests cannot share one process's event loop anyway). Both must pass.
stray=$(find tests -name 'test_*.py' -not -path 'tests/unit/*' -not -path 'tests/integration/*' \
        -not -path 'tests/e2e/*')
if [ -n "$stray" ]; then
  echo "[test] tests outside tests/unit, tests/integration and tests/e2e would not run: $stray" >&2
  exit 1
fi
mkdir -p test-artifacts
fast_log=test-artifacts/pytest-unit-integration.log
echo "[test] pytest tests/unit tests/integration (in the background, output below when done)"
pytest -q -p no:cacheprovider tests/unit tests/integration >"$fast_log" 2>&1 &
fast=$!
trap 'kill "$fast" 2>/dev/null || true' EXIT
echo "[test] pytest tests/e2e"
e2e_status=0; pytest -q tests/e2e || e2e_status=$?
fast_status=0; wait "$fast" || fast_status=$?
trap - EXIT
echo "[test] pytest tests/unit tests/integration:"; cat "$fast_log"
echo "[test] exit status: end-to-end $e2e_status, unit and integration $fast_status"
[ "$e2e_status" -eq 0 ] && [ "$fast_status" -eq 0 ]
