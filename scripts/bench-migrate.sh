#!/usr/bin/env bash
# Time the spec-087 cut-over on a production-sized database (`make bench-migrate`).
#
#   1. (re)create a scratch database, $BENCH_DB (default tenantatlas_bench), on the server of
#      DATABASE_URL, and migrate it to the baseline 20260211000000;
#   2. fill it server-side with db/bench/fill_baseline.sql (1M legacy inventory runs, 1.1M operation
#      runs, 2M inventory items, 0.5M findings, ...), then VACUUM ANALYZE;
#   3. compute what the cut-over must produce (db/bench/expect_before.sql);
#   4. time `/usr/bin/time -v bin/tenantatlas migrate up`: wall clock, max RSS of the migrating
#      process and the WAL written (pg_current_wal_lsn before/after; server-wide, so other work
#      on the same server counts too);
#   5. check the result (db/bench/check_after.sql) and print a summary. Exits non-zero on a mismatch.
#
# The scratch database is dropped at the end (BENCH_KEEP=1 keeps it) and on every start.
# Knobs: BENCH_DB, BENCH_KEEP, BENCH_LEGACY_RUNS (multiple of 1000), BENCH_OTHER_RUNS, BENCH_ITEMS
# (multiple of 1000), BENCH_FINDINGS (multiple of 1000), BENCH_GROUPS, TENANTATLAS_BIN.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BENCH_DB="${BENCH_DB:-tenantatlas_bench}"
BIN="${TENANTATLAS_BIN:-bin/tenantatlas}"
BASELINE=20260211000000

say() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

[[ -n ${DATABASE_URL:-} ]] || die 'DATABASE_URL is not set (run via `make bench-migrate`, or eval "$(scripts/pg.sh env)" first)'
[[ -x $BIN ]] || die "$BIN not found: run make build"
[[ $BENCH_DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_DB must be a plain lower-case identifier, got '$BENCH_DB'"
command -v psql >/dev/null || die "psql not found (install postgresql-client)"

if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing /usr/bin/time (Debian package time)"
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >&2
  fi
  [[ -x /usr/bin/time ]] || die "/usr/bin/time not found: install GNU time (Debian/Ubuntu package 'time')"
fi

# Replace the database name in a URL (or key=value DSN); the same rule as scripts/pg.sh.
with_db() { # dsn dbname
  case "$1" in
    *://*) sed -E "s#^([a-zA-Z]+://[^/?]*)(/[^?]*)?#\1/$2#" <<<"$1" ;;
    *dbname=*) sed -E "s#dbname=[^ ]*#dbname=$2#" <<<"$1" ;;
    *) echo "$1 dbname=$2" ;;
  esac
}
db_name() { # dsn -> database name
  case "$1" in
    *://*) sed -E 's#^[a-zA-Z]+://[^/?]*/?([^?]*).*#\1#' <<<"$1" ;;
    *) sed -nE 's#.*dbname=([^ ]*).*#\1#p' <<<"$1" ;;
  esac
}

ADMIN_URL="$DATABASE_URL"
BENCH_URL="$(with_db "$DATABASE_URL" "$BENCH_DB")"
[[ $(db_name "$ADMIN_URL") != "$BENCH_DB" ]] || die "DATABASE_URL already names $BENCH_DB; set BENCH_DB to another name"

admin() { psql -X -q -w -v ON_ERROR_STOP=1 -d "$ADMIN_URL" "$@"; }
bench() { psql -X -q -w -v ON_ERROR_STOP=1 -d "$BENCH_URL" "$@"; }
bench_val() { bench -At -c "$1"; }

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
commas() { sed -E ':a; s/([0-9])([0-9]{3})($|[^0-9])/\1,\2\3/; ta' <<<"$1"; }
human_bytes() {
  awk -v b="$1" 'BEGIN { if (b >= 1073741824) printf "%.2f GB", b / 1073741824;
                         else if (b >= 1048576) printf "%.0f MB", b / 1048576; else printf "%d kB", b / 1024 }'
}

drop_bench() {
  admin -c "DROP DATABASE IF EXISTS \"$BENCH_DB\" WITH (FORCE)" 2>&1 | grep -v '^NOTICE' >&2 || true
}

WORK="$(mktemp -d)"
POLLER=""
cleanup() {
  local rc=$?
  if [[ -n $POLLER ]]; then kill "$POLLER" 2>/dev/null || true; wait "$POLLER" 2>/dev/null || true; fi
  if [[ ${BENCH_KEEP:-} == 1 ]]; then
    say "BENCH_KEEP=1: keeping database $BENCH_DB ($BENCH_URL)"
  else
    drop_bench
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. scratch database at the baseline ------------------------------------------------------------
say "recreating database $BENCH_DB on $(sed -E 's#://([^:@/]*)(:[^@/]*)?@#://\1@#' <<<"$BENCH_URL")"
drop_bench
admin -c "CREATE DATABASE \"$BENCH_DB\""
DATABASE_URL="$BENCH_URL" "$BIN" migrate goto "$BASELINE"

# --- 2. fill ------------------------------------------------------------------------------------------
fill_vars=()
for kv in legacy_runs:BENCH_LEGACY_RUNS other_runs:BENCH_OTHER_RUNS items:BENCH_ITEMS \
          findings:BENCH_FINDINGS groups:BENCH_GROUPS; do
  var="${kv#*:}"
  if [[ -n ${!var:-} ]]; then
    [[ ${!var} =~ ^[1-9][0-9]*$ ]] || die "$var must be a positive integer"
    fill_vars+=(-v "${kv%%:*}=${!var}")
  fi
done
say "filling (db/bench/fill_baseline.sql) ..."
t0="$(now)"
bench "${fill_vars[@]}" -f db/bench/fill_baseline.sql
t1="$(now)"
say "VACUUM ANALYZE ..."
bench -c 'VACUUM ANALYZE'
t2="$(now)"
FILL_S="$(secs "$t0" "$t1")"; VACUUM_S="$(secs "$t1" "$t2")"
DB_SIZE="$(bench_val "SELECT pg_database_size(current_database())")"
say "filled in $FILL_S s, VACUUM ANALYZE $VACUUM_S s, database $(human_bytes "$DB_SIZE")"

LEGACY_RUNS="$(bench_val 'SELECT count(*) FROM inventory_sync_runs')"
ITEMS="$(bench_val 'SELECT count(*) FROM inventory_items')"
FINDINGS="$(bench_val 'SELECT count(*) FROM findings')"
RUNS="$(bench_val 'SELECT count(*) FROM operation_runs')"

# --- 3. expectations ----------------------------------------------------------------------------------
bench -At -F '|' -f db/bench/expect_before.sql >"$WORK/expected"

# --- 4. the cut-over ----------------------------------------------------------------------------------
# A sampler on its own connection records which migration file the migrating session is executing
# (each file is one statement), for a per-migration breakdown with ~0.2 s resolution.
for f in db/migrations/*.up.sql; do
  v="$(basename "$f")"; v="${v%%_*}"
  printf '%s|%s\n' "$v" "$(tr -s ' \n\t' ' ' <"$f" | cut -c1-60)"
done >"$WORK/files"
bench -At -F '|' >"$WORK/samples" 2>/dev/null <<SQL &
SELECT extract(epoch FROM clock_timestamp()), extract(epoch FROM query_start),
       left(regexp_replace(query, '\s+', ' ', 'g'), 60)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
\watch 0.2
SQL
POLLER=$!

LSN0="$(bench_val 'SELECT pg_current_wal_lsn()')"
say "migrate up: /usr/bin/time -v $BIN migrate up"
m0="$(now)"
set +e
DATABASE_URL="$BENCH_URL" /usr/bin/time -v -o "$WORK/time" "$BIN" migrate up
MIGRATE_RC=$?
set -e
m1="$(now)"
WAL_BYTES="$(bench_val "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$LSN0')::bigint")"
kill "$POLLER" 2>/dev/null || true; wait "$POLLER" 2>/dev/null || true; POLLER=""
[[ $MIGRATE_RC == 0 ]] || die "migrate up failed (exit $MIGRATE_RC)"

WALL="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s }' "$WORK/time")"
RSS_KB="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time")"
RSS_MB="$(awk -v k="$RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')"

# --- 5. checks ----------------------------------------------------------------------------------------
bench -At -F '|' -f db/bench/check_after.sql >"$WORK/actual"
VERSION="$(DATABASE_URL="$BENCH_URL" "$BIN" migrate version)"
LATEST="$("$BIN" migrate versions | tail -n1)"

echo
echo "per-migration wall clock (sampled every 0.2 s; files shorter than that may be missing):"
awk -F'|' -v m0="$m0" -v m1="$m1" '
  NR == FNR { key[$2] = $1; next }
  NF >= 3 { if (!($2 in first)) { order[++n] = $2; first[$2] = $1; q[$2] = $3 } last[$2] = $1 }
  END {
    for (i = 1; i <= n; i++) {
      s = order[i]; end = (i < n) ? order[i + 1] : m1; v = "?"
      for (k in key) if (index(q[s], k) == 1 || index(k, q[s]) == 1) v = key[k]
      if (v == "?") continue
      printf "  %s  %6.1f s  %s\n", v, end - s, q[s]
    }
  }' "$WORK/files" "$WORK/samples" || true

echo
echo "checks (expected from the bridges before migrating | found after):"
fail=0
while IFS='|' read -r key want; do
  got="$(awk -F'|' -v k="$key" '$1 == k { print $2 }' "$WORK/actual")"
  if [[ $got == "$want" ]]; then mark=ok; else mark=MISMATCH; fail=1; fi
  if [[ $key == "operation_runs types" ]]; then
    printf '  %-8s %s\n' "$mark" "$key"
    [[ $mark == ok ]] || printf '           want %s\n           got  %s\n' "$want" "$got"
  else
    printf '  %-8s %-44s %s\n' "$mark" "$key" "$(commas "$want")$([[ $mark == ok ]] || echo " | got $(commas "$got")")"
  fi
done <"$WORK/expected"
if [[ $VERSION == "$LATEST (clean;"* ]]; then
  printf '  %-8s %-44s %s\n' ok "schema version" "$VERSION"
else
  printf '  %-8s %-44s %s\n' MISMATCH "schema version" "$VERSION (want $LATEST clean)"; fail=1
fi

echo
printf 'fill:     %s s generate + %s s VACUUM ANALYZE (database %s; %s operation runs)\n' \
  "$FILL_S" "$VACUUM_S" "$(human_bytes "$DB_SIZE")" "$(commas "$RUNS")"
printf 'cut-over: %s s wall, %s MB max RSS, %s WAL (%s legacy runs, %s items, %s findings)\n' \
  "$WALL" "$RSS_MB" "$(human_bytes "$WAL_BYTES")" "$(commas "$LEGACY_RUNS")" "$(commas "$ITEMS")" "$(commas "$FINDINGS")"
printf '          command: DATABASE_URL=%s /usr/bin/time -v %s migrate up\n' "$(sed -E 's#://([^:@/]*)(:[^@/]*)?@#://\1@#' <<<"$BENCH_URL")" "$BIN"
[[ $fail == 0 ]] || die "the cut-over result does not match the expectation"
