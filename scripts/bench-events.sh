#!/usr/bin/env bash
# Run event streams: one API process with 1,000 open streams. Prints the server's extra memory
# and CPU with the streams idle, and the latency from a run's commit to its event at every
# client (p50, p99), with the load average before and after.
#
#   make bench-events                 (uses DATABASE_URL from scripts/pg.sh)
#   BENCH_EVENTS_STREAMS=1000 BENCH_EVENTS_COMMITS=100 BENCH_EVENTS_IDLE=30s BENCH_PORT=18380
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?run through make bench-events, or set DATABASE_URL}"
PORT=${BENCH_PORT:-18380}
DB=tenantatlas_bench_events
BENCH_URL=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/${DB}\1#")
BIN=bin/tenantatlas

psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" -c "CREATE DATABASE ${DB}"
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" || true
}
trap cleanup EXIT

DATABASE_URL=$BENCH_URL $BIN migrate up 2>/dev/null
DATABASE_URL=$BENCH_URL $BIN seed demo >/dev/null
TOKEN=$(DATABASE_URL=$BENCH_URL $BIN tokens create --email owner@demo.tenantatlas.test --name bench --ttl 1h)

DATABASE_URL=$BENCH_URL TENANTATLAS_LISTEN=127.0.0.1:$PORT TENANTATLAS_LOG_LEVEL=warn $BIN serve >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

BENCH_EVENTS_API="http://127.0.0.1:$PORT" BENCH_EVENTS_TOKEN=$TOKEN BENCH_EVENTS_PID=$SERVER_PID BENCH_EVENTS_DB=$BENCH_URL \
  go test -run '^$' -bench BenchmarkRunEventStreams -benchtime 1x -timeout 20m ./pkg/runevents/
