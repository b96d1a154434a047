#!/usr/bin/env bash
# Shell test of scripts/pg.sh, run by `make test-pg-bootstrap` (not part of `make test`:
# it starts a real private cluster and may apt-get install postgresql).
#
# Covers: branch 2 (server on 127.0.0.1:5432, run twice), branch 1 (DATABASE_URL set),
# branch 4 (private cluster in .data/pg on 54329: create, reuse, stop, restart).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG="$ROOT/scripts/pg.sh"
TMP="$(mktemp -d)"
pass=0 fail=0

ok()   { pass=$((pass + 1)); echo "ok   - $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL - $1"; sed 's/^/       /' "$TMP/err" 2>/dev/null || true; }
check() { local d="$1"; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }

# run_env [VAR=value...]: run `pg.sh env` with a clean environment plus the given vars.
run_env() { env -u DATABASE_URL -u TEST_DATABASE_URL "$@" "$PG" env >"$TMP/out" 2>"$TMP/err"; }

# stdout is exactly the two export lines.
only_exports() {
  [[ $(wc -l <"$TMP/out") == 2 ]] &&
  grep -qE "^export DATABASE_URL='postgres://[^']+'$" "$TMP/out" &&
  grep -qE "^export TEST_DATABASE_URL='postgres://[^']+'$" "$TMP/out"
}
stderr_has() { grep -qF "$1" "$TMP/err"; }
select1() { [[ -n $1 && $(psql -X -w -Atq "$1" -c 'select 1' 2>>"$TMP/err") == 1 ]]; }
urls_are() { # host:port
  [[ $DATABASE_URL == "postgres://tenantatlas:tenantatlas@$1/tenantatlas?sslmode=disable" &&
     $TEST_DATABASE_URL == "postgres://tenantatlas:tenantatlas@$1/tenantatlas_test?sslmode=disable" ]]
}
stop_ok() { "$PG" stop 2>"$TMP/err"; }
usage_exits_2() { local rc=0; "$PG" >/dev/null 2>&1 || rc=$?; [[ $rc == 2 ]]; }
same_from_root() { (cd / && env -u DATABASE_URL -u TEST_DATABASE_URL "$PG" env 2>/dev/null) | cmp -s - "$TMP/first"; }
is_down() { ! pg_isready -q -h 127.0.0.1 -p "$1"; }
load() { DATABASE_URL="" TEST_DATABASE_URL=""; eval "$(cat "$TMP/out")"; }

# Stop a private cluster we started if the test dies half-way.
started_private=""
cleanup() {
  if [[ -n $started_private ]]; then "$PG" stop >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "# usage"
check "no argument exits 2" usage_exits_2

echo "# branch 2: server already answering on 127.0.0.1:5432"
if pg_isready -q -h 127.0.0.1 -p 5432; then
  check "env exits 0" run_env
  check "stdout has only the export lines" only_exports
  check "stderr says it uses the running server" stderr_has "already answering on 127.0.0.1:5432"
  load
  check "URLs point at 127.0.0.1:5432" urls_are 127.0.0.1:5432
  check "DATABASE_URL works" select1 "$DATABASE_URL"
  check "TEST_DATABASE_URL works" select1 "$TEST_DATABASE_URL"
  cp "$TMP/out" "$TMP/first"
  check "second run exits 0 (idempotent)" run_env
  check "second run prints the same URLs" cmp -s "$TMP/out" "$TMP/first"
  check "works from another directory" same_from_root

  echo "# branch 1: DATABASE_URL set"
  url="postgres://tenantatlas:tenantatlas@127.0.0.1:5432/tenantatlas?sslmode=disable"
  check "env exits 0" run_env DATABASE_URL="$url"
  check "stderr says it uses DATABASE_URL" stderr_has "using DATABASE_URL from the environment"
  load
  check "DATABASE_URL kept as is" test "$DATABASE_URL" == "$url"
  check "TEST_DATABASE_URL derived" urls_are 127.0.0.1:5432
  tdb="tenantatlas_pgtest_$$"
  turl="postgres://tenantatlas:tenantatlas@127.0.0.1:5432/$tdb?sslmode=disable"
  check "missing test database is created" run_env DATABASE_URL="$url" TEST_DATABASE_URL="$turl"
  check "created test database works" select1 "$turl"
  check "existing test database is fine" run_env DATABASE_URL="$url" TEST_DATABASE_URL="$turl"
  psql -X -w -q "$url" -c "DROP DATABASE IF EXISTS $tdb" >/dev/null 2>&1 || true
else
  echo "# SKIP: nothing answers on 127.0.0.1:5432"
fi

echo "# branch 4: private cluster in .data/pg on 127.0.0.1:54329"
had_cluster=""; [[ -e $ROOT/.data/pg ]] && had_cluster=1
was_running=""; pg_isready -q -h 127.0.0.1 -p 54329 && was_running=1
[[ -z $was_running ]] && started_private=1
start=$SECONDS
check "env exits 0" run_env PG_PROBE_PORT=1 PG_SKIP_DOCKER=1
echo "#   took $((SECONDS - start))s"
check "stdout has only the export lines" only_exports
load
check "URLs point at 127.0.0.1:54329" urls_are 127.0.0.1:54329
check "cluster lives in .data/pg" test -f "$ROOT/.data/pg/PG_VERSION"
check "server answers on 54329" pg_isready -q -h 127.0.0.1 -p 54329
check "DATABASE_URL works" select1 "$DATABASE_URL"
check "TEST_DATABASE_URL works" select1 "$TEST_DATABASE_URL"
cp "$TMP/out" "$TMP/first"
check "second run reuses the running cluster" run_env PG_PROBE_PORT=1 PG_SKIP_DOCKER=1
check "stderr says already running" stderr_has "already running"
check "second run prints the same URLs" cmp -s "$TMP/out" "$TMP/first"
check "stop exits 0" stop_ok
check "server is down after stop" is_down 54329
check "stopped cluster is started again" run_env PG_PROBE_PORT=1 PG_SKIP_DOCKER=1
check "stderr says starting" stderr_has "starting private cluster"
load
check "DATABASE_URL works after restart" select1 "$DATABASE_URL"
check "TEST_DATABASE_URL works after restart" select1 "$TEST_DATABASE_URL"
if [[ -z $was_running ]]; then
  check "final stop exits 0" stop_ok
  started_private=""
  check "stop without a running cluster is fine" stop_ok
fi
# Remove the cluster if this test created it.
if [[ -z $had_cluster && -z $was_running && -e $ROOT/.data/pg ]]; then
  real="$(readlink -f "$ROOT/.data/pg")"; base="$(dirname "$real")"
  rm -rf "$real" "$base/run" "$base/pg.log" "$ROOT/.data/pg"
  [[ $base == "$ROOT/.data" ]] || rmdir "$base" 2>/dev/null || true
fi

echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
