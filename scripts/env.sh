# Sourced by the scripts: puts the project's bun first and tells Reflex to use it (offline).
export PATH="$(pwd)/.tools/node_modules/.bin:$(pwd)/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
export REFLEX_TELEMETRY_ENABLED=false
