#!/usr/bin/env bash
# One command: set up, then start the app on its embedded default (SQLite, local files,
# a local localstripe for payments, mail printed to the log, the seeded demo store).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

PORT=${PORT:-3000}
STRIPE_PORT=${STRIPE_PORT:-8420}
export SHOWROOM_PUBLIC_URL=${SHOWROOM_PUBLIC_URL:-http://localhost:$PORT}

# Stopping this script stops what it started (and only that).
stopping=0 stripe_pid="" app_pid=""
stop() {
  stopping=1
  for pid in $app_pid $stripe_pid; do kill "$pid" 2>/dev/null || true; done
}
trap stop INT TERM
trap 'stop; wait' EXIT

if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  export STRIPE_API_BASE=${STRIPE_API_BASE:-http://127.0.0.1:$STRIPE_PORT}
  python -m consult.commerce.localstripe_server --port "$STRIPE_PORT" \
    --webhook-url "http://127.0.0.1:$PORT/api/stripe/webhook" &
  stripe_pid=$!
fi

cat <<INFO

  Showroom is starting (the first start builds the front end, a minute or two).
  Open:        $SHOWROOM_PUBLIC_URL
  Staff:       aiko@showroom.example / showroom-demo   (also ken@, mia@)
  Supervisor:  yuki@showroom.example / showroom-demo
  Payments:    ${STRIPE_API_BASE:-Stripe (real keys)}; mail: ${SMTP_HOST:-printed to this log}
  POS/ERP API: PUT /api/catalogue/... with the key in data/api_key (or SHOWROOM_API_KEYS)

INFO
# The app keeps running: a backend worker that dies is restarted by Granian within a second
# or two (showroom.serve); if the whole server exits, it is started again here. Localstripe
# is not touched either way. Production: deploy/ (systemd or supervisor).
while [ "$stopping" = 0 ]; do
  python -m showroom.serve --backend-port "$PORT" --loglevel warning &
  app_pid=$!
  status=0
  wait "$app_pid" || status=$?
  [ "$stopping" = 1 ] && break
  echo "[run] the app exited (status $status); starting it again in 1 s" >&2
  sleep 1
done
