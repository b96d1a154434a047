#!/usr/bin/env bash
# Run list benchmark: 1,000,000 runs over 1,000 tenants in 50 workspaces. Measures the API with
# wrk (first page, deep page by cursor, filtered page, counts) for a caller entitled to 200
# tenants, the first page for callers of 1 and of all tenants, and prints the query plans.
#
#   make bench            (uses DATABASE_URL from scripts/pg.sh)
#   BENCH_KEEP=1          keep the database afterwards
#   BENCH_DURATION=15s    wrk duration per scenario
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?run through make bench, or set DATABASE_URL}"
DURATION=${BENCH_DURATION:-15s}
PORT=${BENCH_PORT:-18080}
DB=tenantatlas_bench_api
BENCH_URL=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/${DB}\1#")
BIN=bin/tenantatlas
command -v wrk >/dev/null || { echo "bench: installing wrk" >&2; apt-get install -y -qq wrk >/dev/null; }

psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" -c "CREATE DATABASE ${DB}"
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ "${BENCH_KEEP:-0}" = 1 ] || psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" || true
}
trap cleanup EXIT

DATABASE_URL=$BENCH_URL $BIN migrate up 2>/dev/null
start=$(date +%s.%N)
psql -q "$BENCH_URL" -f db/bench/fill_runs.sql
printf 'fill: %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"

token() { DATABASE_URL=$BENCH_URL $BIN tokens create --email "$1" --name bench --ttl 1h; }
ONE=$(token bench-one@bench.test); MANY=$(token bench-many@bench.test); ALL=$(token bench-all@bench.test)

DATABASE_URL=$BENCH_URL TENANTATLAS_LISTEN=127.0.0.1:$PORT TENANTATLAS_LOG_LEVEL=warn TENANTATLAS_RATE_LIMIT=0 $BIN serve >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

API="http://127.0.0.1:$PORT/api/v1/operation-runs"
# A cursor 20,000 runs deep into bench-many's history: follow next_cursor through 100 pages of 200.
DEEP=
for page in $(seq 100); do
  DEEP=$(curl -fs -H "Authorization: Bearer $MANY" "$API?limit=200${DEEP:+&cursor=$DEEP}" |
    sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
  [ -n "$DEEP" ] || { echo "bench: the run list ended after $page pages of 200" >&2; exit 1; }
done

scenario() { # name token url
  local out
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $2" "$3")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-34s %10s req/s   p50 %-9s p99 %-9s %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
}

# Warm up: the first request of a caller computes its visibility.
for t in "$ONE" "$MANY" "$ALL"; do curl -fs -o /dev/null -H "Authorization: Bearer $t" "$API?limit=1"; done

# Latency at a concurrency is bounded by concurrency / throughput (Little's law): 8 connections
# show the latency of a loaded but not saturated server, 16 the throughput at saturation.
for CONNS in ${BENCH_CONNECTIONS:-8 16}; do
echo "scenario (wrk -t2 -c$CONNS -d$DURATION, server and wrk on the same 2 cores)"
scenario "first page, 200 tenants"        "$MANY" "$API?limit=50"
scenario "deep page (20k rows), 200 tenants" "$MANY" "$API?limit=50&cursor=$DEEP"
scenario "filtered page, 200 tenants"     "$MANY" "$API?limit=50&type=inventory_sync&outcome=failed"
scenario "first page, 1 tenant"           "$ONE"  "$API?limit=50"
scenario "first page, all 1000 tenants"   "$ALL"  "$API?limit=50"
scenario "counts (cached 5 s), 200 tenants" "$MANY" "$API/counts"
done

echo
echo "counts without the cache (SQL, 30-day window, 200 tenants):"
psql -Atq "$BENCH_URL" <<SQL | grep -E 'Execution Time|Index|Seq Scan' | head -5
EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*), count(*) FILTER (WHERE status IN ('queued','running')),
  count(*) FILTER (WHERE outcome = 'succeeded'), count(*) FILTER (WHERE outcome = 'partially_succeeded'),
  count(*) FILTER (WHERE outcome = 'failed')
FROM operation_runs r WHERE r.tenant_id = ANY(ARRAY(SELECT t.id FROM tenants t JOIN workspace_memberships m ON m.workspace_id = t.workspace_id
  JOIN users u ON u.id = m.user_id WHERE u.email = 'bench-many@bench.test')) AND r.created_at >= now() - interval '30 days';
SQL

echo
echo "plan of the first page, 200 tenants:"
psql -Atq "$BENCH_URL" <<SQL | head -12
EXPLAIN (ANALYZE, COSTS OFF) SELECT r.id FROM operation_runs r
WHERE r.tenant_id = ANY(ARRAY(SELECT t.id FROM tenants t JOIN workspace_memberships m ON m.workspace_id = t.workspace_id
  JOIN users u ON u.id = m.user_id WHERE u.email = 'bench-many@bench.test'))
ORDER BY r.created_at DESC, r.id DESC LIMIT 51;
SQL
