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
# Also printed: an approximate per-migration breakdown (a second connection samples, every 0.2 s,
# which file the migrating session runs), and the machine's load average, since other work on
# the same machine slows the run. The fill drops and restores indexes and constraints to load
# fast; the script checks that the schema comes out of it unchanged.
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
CPU_POLLER=""
cleanup() {
  local rc=$?
  local p
  for p in $POLLER $CPU_POLLER; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
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
# The fill drops and restores constraints and indexes; the schema must come out exactly as it went in.
schema_snapshot() {
  bench -At <<'SQL'
SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL
SELECT 'idx ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
ORDER BY 1
SQL
}
schema_snapshot >"$WORK/schema.before"

say "filling (db/bench/fill_baseline.sql) ..."
t0="$(now)"
bench "${fill_vars[@]}" -f db/bench/fill_baseline.sql
t1="$(now)"
say "VACUUM ANALYZE ..."
# Only the application's tables: the role may not vacuum the shared catalogs.
bench -c "VACUUM (ANALYZE) $(bench_val "SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') FROM pg_tables WHERE schemaname = 'public'")"
t2="$(now)"
FILL_S="$(secs "$t0" "$t1")"; VACUUM_S="$(secs "$t1" "$t2")"
schema_snapshot >"$WORK/schema.after"
diff "$WORK/schema.before" "$WORK/schema.after" >&2 || die "the fill changed the baseline schema (see the diff above)"
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
# (golang-migrate sends each file as one statement) and the WAL position, every 0.2 s, for an
# approximate per-migration breakdown.
for f in db/migrations/*.up.sql; do
  stem="$(basename "$f" .up.sql)"
  printf '%s|%s\n' "$stem" "$(tr -s ' \n\t' ' ' <"$f" | cut -c1-120)"
done >"$WORK/files"
psql -X -q -w -At -F '|' -d "$BENCH_URL" >"$WORK/samples" 2>/dev/null <<'SQL' &
SELECT extract(epoch FROM query_start), pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, pid,
       left(regexp_replace(query, '\s+', ' ', 'g'), 120)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
  AND backend_type = 'client backend'
\watch 0.2
SQL
POLLER=$!
# When the server runs on this machine, also follow the CPU time of the migrating session's
# backend (/proc/PID/stat; parallel workers not included): unlike wall clock, it hardly depends on
# what else the machine is doing.
(
  set +e
  while sleep 0.2; do
    pid="$(tail -n 1 "$WORK/samples" 2>/dev/null | awk -F'|' 'NF >= 4 { print $3 }')"
    [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/stat ]] || continue
    ticks="$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null)"
    [[ -n $ticks ]] && echo "$pid $ticks" >>"$WORK/cpu"
  done
) &
CPU_POLLER=$!

wal_pos() { bench_val "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"; }
WAL_START="$(wal_pos)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
say "migrate up: /usr/bin/time -v $BIN migrate up"
set +e
DATABASE_URL="$BENCH_URL" /usr/bin/time -v -o "$WORK/time" "$BIN" migrate up
MIGRATE_RC=$?
set -e
m1="$(now)"
WAL_END="$(wal_pos)"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
WAL_BYTES=$((WAL_END - WAL_START))
kill "$POLLER" "$CPU_POLLER" 2>/dev/null || true; wait "$POLLER" "$CPU_POLLER" 2>/dev/null || true; POLLER=""; CPU_POLLER=""
# Per backend pid, the last reading is its CPU time; a session is one backend.
BACKEND_CPU="$(awk -v hz="$(getconf CLK_TCK 2>/dev/null || echo 100)" '{ last[$1] = $2 } END { for (p in last) s += last[p]; if (NR) printf "%.1f", s / hz }' "$WORK/cpu" 2>/dev/null || true)"
[[ $MIGRATE_RC == 0 ]] || die "migrate up failed (exit $MIGRATE_RC)"

WALL="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s }' "$WORK/time")"
RSS_KB="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time")"
RSS_MB="$(awk -v k="$RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')"

# --- 5. checks ----------------------------------------------------------------------------------------
bench -At -F '|' -f db/bench/check_after.sql >"$WORK/actual"
VERSION="$(DATABASE_URL="$BENCH_URL" "$BIN" migrate version)"
LATEST="$("$BIN" migrate versions | tail -n1)"

echo
echo "per migration (sampled every 0.2 s, so approximate; a file shorter than that is counted in the"
echo "one before it; WAL is server-wide):"
awk -F'|' -v m1="$m1" -v wal_end="$WAL_END" -v totals="$WORK/totals" '
  NR == FNR { stem[$2] = $1; next }
  NF >= 4 && !($1 in seen) { seen[$1] = 1; n++; t[n] = $1; w[n] = $2; q[n] = $4 }
  END {
    for (i = 1; i <= n; i++) {
      name = ""
      for (k in stem) if (index(q[i], k) == 1 || index(k, q[i]) == 1) name = stem[k]
      if (name == "") continue                                 # golang-migrate bookkeeping
      m++; nm[m] = name; st[m] = t[i]; sw[m] = w[i]
    }
    for (j = 1; j <= m; j++) {
      dt = (j < m ? st[j + 1] : m1) - st[j]; dw = (j < m ? sw[j + 1] : wal_end) - sw[j]
      printf "  %6.1f s %8.0f MB WAL  %s\n", dt, dw / 1048576, nm[j]
      if (nm[j] ~ /^2026021[23]/) { ct += dt; cw += dw } else { ot += dt }
    }
    if (m) printf "  %6.1f s %8.0f MB WAL  spec-087 chain 20260212000001..20260213000001 (later migrations: %.1f s)\n", ct, cw / 1048576, ot
    if (m) printf "%.1f|%.1f\n", ct, ot > totals
  }' "$WORK/files" "$WORK/samples" || true
CHAIN_S="$(cut -d'|' -f1 "$WORK/totals" 2>/dev/null || echo '?')"
LATER_S="$(cut -d'|' -f2 "$WORK/totals" 2>/dev/null || echo '?')"

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
[[ -z $BACKEND_CPU ]] || printf '          %s s CPU in the migrating session'"'"'s server backend\n' "$BACKEND_CPU"
printf '          of which ~%s s the spec-087 chain (20260212000001..20260213000001), ~%s s later migrations\n' \
  "$CHAIN_S" "$LATER_S"
printf '          load average %s before, %s after, %s CPUs (other work on this machine slows the run)\n' \
  "$LOAD_BEFORE" "$LOAD_AFTER" "$(nproc 2>/dev/null || echo '?')"
printf '          command: DATABASE_URL=%s /usr/bin/time -v %s migrate up\n' "$(sed -E 's#://([^:@/]*)(:[^@/]*)?@#://\1@#' <<<"$BENCH_URL")" "$BIN"
[[ $fail == 0 ]] || die "the cut-over result does not match the expectation"
