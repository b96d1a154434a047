#!/usr/bin/env bash
# Sign-in flood: 64 concurrent clients post wrong passwords for one account for 60 s (ignoring
# Retry-After) against an API with the default sign-in settings, while the API's RSS and an
# authenticated run list's latency are sampled; then the right password must sign in once the
# lock has expired. The server runs without the per-token request limit, so that the run list
# sampler measures latency rather than its own quota.
#
#   make bench-signin               (uses DATABASE_URL from scripts/pg.sh)
#   BENCH_DURATION=60s BENCH_CLIENTS=64 BENCH_PORT=18081 BENCH_LOG=<file for the server's log>
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?run through make bench-signin, or set DATABASE_URL}"
PORT=${BENCH_PORT:-18081}
DB=tenantatlas_bench_signin
BENCH_URL=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/${DB}\1#")
BIN=bin/tenantatlas
EMAIL=owner@demo.tenantatlas.test
PASSWORD=demo-owner-password

go build -o bin/benchsignin ./scripts/benchsignin
psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" -c "CREATE DATABASE ${DB}"
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" || true
}
trap cleanup EXIT

DATABASE_URL=$BENCH_URL $BIN migrate up 2>/dev/null
DATABASE_URL=$BENCH_URL $BIN seed demo >/dev/null
TOKEN=$(DATABASE_URL=$BENCH_URL $BIN tokens create --email "$EMAIL" --name bench --ttl 1h)

DATABASE_URL=$BENCH_URL TENANTATLAS_LISTEN=127.0.0.1:$PORT TENANTATLAS_LOG_LEVEL=warn TENANTATLAS_RATE_LIMIT=0 $BIN serve >/dev/null 2>"${BENCH_LOG:-/dev/null}" &
SERVER_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/operation-runs?limit=1"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
bin/benchsignin -api "http://127.0.0.1:$PORT" -email "$EMAIL" -password "$PASSWORD" -token "$TOKEN" \
  -pid "$SERVER_PID" -clients "${BENCH_CLIENTS:-64}" -duration "${BENCH_DURATION:-60s}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
