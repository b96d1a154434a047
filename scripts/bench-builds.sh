#!/usr/bin/env bash
# Run list benchmark of two builds side by side: this checkout and another revision (BASE, default
# origin/main or HEAD~1) serve one database filled with db/bench/fill_runs.sql (1,000,000 runs),
# and wrk measures them in alternation, scenario by scenario, for ROUNDS rounds. It prints each
# figure for both builds and the ratio this ÷ base, with the load average, so a change can be
# judged on a shared, noisy machine.
#
#   make bench-builds BASE=<rev>     (DATABASE_URL from scripts/pg.sh)
#   BENCH_DURATION=10s  BENCH_CONNECTIONS=8  ROUNDS=2
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?run through make bench-builds, or set DATABASE_URL}"
BASE=${BASE:-$(git rev-parse --verify -q origin/main || git rev-parse HEAD~1)}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-8}
ROUNDS=${ROUNDS:-2}
DB=tenantatlas_bench_builds
BENCH_URL=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/${DB}\1#")
WORK=$(mktemp -d)
command -v wrk >/dev/null || { echo "bench: installing wrk" >&2; apt-get install -y -qq wrk >/dev/null; }

cleanup() {
  for pid in ${PIDS:-}; do kill "$pid" 2>/dev/null || true; done
  git worktree remove --force "$WORK/base" 2>/dev/null || true
  rm -rf "$WORK"
  [ "${BENCH_KEEP:-0}" = 1 ] || psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" || true
}
trap cleanup EXIT

echo "this: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')   base: $(git rev-parse --short "$BASE")"
go build -o "$WORK/this" ./cmd/tenantatlas
git worktree add -q --detach "$WORK/base" "$BASE"
(cd "$WORK/base" && go build -o "$WORK/base-bin" ./cmd/tenantatlas)

psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" -c "CREATE DATABASE ${DB}"
# The newer build's schema: a superset of what the base build reads for its lists.
DATABASE_URL=$BENCH_URL "$WORK/this" migrate up 2>/dev/null
psql -q "$BENCH_URL" -f db/bench/fill_runs.sql

token() { DATABASE_URL=$BENCH_URL "$WORK/this" tokens create --email "$1" --name bench --ttl 2h; }
ONE=$(token bench-one@bench.test); MANY=$(token bench-many@bench.test); ALL=$(token bench-all@bench.test)

declare -A PORT=([this]=18181 [base]=18182) BIN=([this]="$WORK/this" [base]="$WORK/base-bin")
for b in this base; do
  DATABASE_URL=$BENCH_URL TENANTATLAS_LISTEN=127.0.0.1:${PORT[$b]} TENANTATLAS_LOG_LEVEL=warn TENANTATLAS_RATE_LIMIT=0 "${BIN[$b]}" serve >/dev/null 2>&1 &
  PIDS="${PIDS:-} $!"
done
for b in this base; do
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:${PORT[$b]}/healthz" && break; sleep 0.2; done
done

# A cursor 20,000 rows deep for bench-many, from each server's own paging (cursors are opaque).
declare -A DEEP
for b in this base; do
  url="http://127.0.0.1:${PORT[$b]}/api/v1/operation-runs?limit=200"
  cur=""
  for _ in $(seq 100); do
    cur=$(curl -fs -H "Authorization: Bearer $MANY" "$url${cur:+&cursor=$cur}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_cursor"] or "")')
  done
  DEEP[$b]=$cur
  for t in "$ONE" "$MANY" "$ALL"; do curl -fs -o /dev/null -H "Authorization: Bearer $t" "http://127.0.0.1:${PORT[$b]}/api/v1/operation-runs?limit=1"; done
done

measure() { # build token path → "rps p50 p99"
  local out
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $2" "http://127.0.0.1:${PORT[$1]}$3")
  printf '%s %s %s' "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
}

API=/api/v1/operation-runs
for round in $(seq "$ROUNDS"); do
  echo
  echo "round $round (wrk -t2 -c$CONNS -d$DURATION, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  printf '%-36s %-30s %-30s %s\n' scenario "this (req/s p50 p99)" "base (req/s p50 p99)" "req/s this ÷ base"
  while IFS='|' read -r name tok path; do
    declare -A res=()
    # Alternate which build goes first, so neither always gets the warmer minute.
    order="this base"; [ $((round % 2)) = 0 ] && order="base this"
    for b in $order; do
      p=${path//@DEEP@/${DEEP[$b]}}
      res[$b]=$(measure "$b" "${!tok}" "$p")
    done
    ratio=$(awk -v a="${res[this]%% *}" -v b="${res[base]%% *}" 'BEGIN { printf "%.2f", a / b }')
    printf '%-36s %-30s %-30s %s\n' "$name" "${res[this]}" "${res[base]}" "$ratio"
  done <<EOF
first page, 200 tenants|MANY|$API?limit=50
deep page (20k rows), 200 tenants|MANY|$API?limit=50&cursor=@DEEP@
filtered page, 200 tenants|MANY|$API?limit=50&type=inventory_sync&outcome=failed
first page, 1 tenant|ONE|$API?limit=50
first page, all 1000 tenants|ALL|$API?limit=50
counts (cached), 200 tenants|MANY|$API/counts
EOF
done
