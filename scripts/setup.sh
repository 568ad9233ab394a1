#!/usr/bin/env bash
# Sets up everything the app needs, idempotently: the virtualenv with the project's packages,
# bun for Reflex's front-end build (from npm: Reflex's own bun download needs the internet),
# the database schema and the demo store. With --browser, also Debian's Chromium for tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUN_VERSION=1.4.4
AXE_VERSION=4.14.1  # axe-core, the accessibility checker the browser tests run on every page

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

python_bin() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    # 2>/dev/null: a pyenv shim for a version not installed says "command not found".
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "Python 3.11 or newer is required" >&2; exit 1
}

if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$(python_bin)" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  log "installing Python packages"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  rm -f .venv/.installed-*; touch "$stamp"
fi

if [ ! -x .tools/node_modules/.bin/bun ] || [ "$(.tools/node_modules/.bin/bun --version)" != "$BUN_VERSION" ]; then
  log "installing bun $BUN_VERSION from npm"
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools "bun@$BUN_VERSION"
fi

# Chromium for the browser tests, and a CJK font so Japanese pages render (and screenshot) right.
if [ "${1:-}" = "--browser" ] && { ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }; then
  log "installing Debian Chromium and a Japanese font for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  for attempt in 1 2 3 4 5; do
    if $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; then
      break
    fi
    log "apt-get failed (attempt $attempt), retrying in 10 s (another process may hold the dpkg lock)"
    sleep 10
  done
  command -v chromium >/dev/null || { echo "could not install chromium" >&2; exit 1; }
fi

if [ "${1:-}" = "--browser" ] && [ "$(node -p "require('./.tools/node_modules/axe-core/package.json').version" 2>/dev/null)" != "$AXE_VERSION" ]; then
  log "installing axe-core $AXE_VERSION from npm"
  npm install --silent --no-audit --no-fund --prefix .tools "axe-core@$AXE_VERSION"
fi

log "migrating the database and seeding the demo store"
.venv/bin/python -m showroom.seed
