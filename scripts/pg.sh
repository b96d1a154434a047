#!/usr/bin/env bash
# Find or start a PostgreSQL server for tenantatlas (used by `make run` / `make test`).
#
#   scripts/pg.sh env    print `export DATABASE_URL=...` / `export TEST_DATABASE_URL=...` (eval it)
#   scripts/pg.sh stop   stop the private cluster under .data/pg, if running
#
# Order of choice for `env`:
#   1. DATABASE_URL already set        -> use it (only ensure the test database exists)
#   2. server on 127.0.0.1:$PG_PROBE_PORT -> ensure role + databases, via the postgres superuser
#   3. Docker engine available         -> `docker compose up -d db`
#   4. initdb available (apt-get install postgresql as root on Debian/Ubuntu if missing)
#                                      -> private cluster in .data/pg on 127.0.0.1:54329
#   5. otherwise                       -> say what to install, exit 1
#
# Knobs: PG_PROBE_PORT (default 5432), PG_SKIP_DOCKER=1 skips branch 3.
# Only the export lines go to stdout; everything else goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROBE_PORT="${PG_PROBE_PORT:-5432}"
PRIVATE_PORT=54329
APP=tenantatlas          # role, password and database name
TEST_DB=tenantatlas_test
DATA="$ROOT/.data"

# fd 3 = real stdout (export lines only); send all other output to stderr.
exec 3>&1 1>&2

say() { echo "pg: $*" >&2; }
die() { echo "pg: $*" >&2; exit 1; }

# Quote a value for the shell: abc'd -> 'abc'\''d'
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

emit() { # emit DATABASE_URL TEST_DATABASE_URL
  echo "export DATABASE_URL=$(sq "$1")" >&3
  echo "export TEST_DATABASE_URL=$(sq "$2")" >&3
}

app_url() { echo "postgres://$APP:$APP@$1:$2/$3?sslmode=disable"; } # host port db

psql_q() { PGCONNECT_TIMEOUT=5 psql -X -q -w -v ON_ERROR_STOP=1 "$@"; }

# Is something answering on host:port?
answering() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -t 3 -h "$1" -p "$2" -U postgres
  else
    (exec 2>/dev/null; : <"/dev/tcp/$1/$2")
  fi
}

wait_ready() { # host port
  for _ in $(seq 60); do answering "$1" "$2" && return 0; sleep 1; done
  die "server on $1:$2 did not become ready within 60s"
}

# Replace the database name in a URL (or key=value DSN).
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

# Role + databases, run as a superuser. Usage: ensure_schema psql-command...
ensure_schema() {
  "$@" -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP') THEN
    CREATE ROLE $APP LOGIN CREATEDB PASSWORD '$APP';
  ELSE
    ALTER ROLE $APP LOGIN CREATEDB PASSWORD '$APP';
  END IF;
END \$\$;
SELECT format('CREATE DATABASE %I OWNER $APP', d)
  FROM unnest(ARRAY['$APP', '$TEST_DB']) AS d
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d) \gexec
ALTER DATABASE $APP OWNER TO $APP;
ALTER DATABASE $TEST_DB OWNER TO $APP;
SQL
}

# Make sure psql exists (install the client on Debian/Ubuntu as root).
need_psql() {
  command -v psql >/dev/null && return 0
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing postgresql-client"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-client
  else
    die "psql not found: install the PostgreSQL client (postgresql-client)"
  fi
}

# --- 1. DATABASE_URL given -------------------------------------------------
from_env() {
  local url="$DATABASE_URL" test="${TEST_DATABASE_URL:-$(with_db "$DATABASE_URL" "$TEST_DB")}"
  say "using DATABASE_URL from the environment"
  if ! command -v psql >/dev/null; then
    say "psql not found: not checking that the test database exists"
  elif ! psql_q "$test" -c 'select 1' >/dev/null 2>&1; then
    # Create only the test database, with the credentials of DATABASE_URL.
    local name; name="$(db_name "$test")"
    if ! psql_q "$url" -c "CREATE DATABASE \"$name\"" \
        && ! psql_q "$test" -c 'select 1' >/dev/null; then
      die "cannot create or reach test database '$name' (set TEST_DATABASE_URL?)"
    fi
  fi
  emit "$url" "$test"
}

# --- 2. server already answering -------------------------------------------
existing_server() {
  local port="$PROBE_PORT"
  say "using server already answering on 127.0.0.1:$port"
  need_psql
  # Already set up? Then no superuser is needed.
  if psql_q "$(app_url 127.0.0.1 "$port" "$APP")" -c 'select 1' >/dev/null 2>&1 &&
     psql_q "$(app_url 127.0.0.1 "$port" "$TEST_DB")" -c 'select 1' >/dev/null 2>&1; then
    :
  elif psql_q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; then
    ensure_schema psql -w -h 127.0.0.1 -p "$port" -U postgres        # trust / PGPASSWORD
  elif [[ $(id -u) == 0 ]] && id postgres >/dev/null 2>&1 &&
       runuser -u postgres -- psql -X -p "$port" -d postgres -c 'select 1' >/dev/null 2>&1; then
    ensure_schema runuser -u postgres -- psql -p "$port"              # peer auth on the socket
  else
    die "no superuser access to 127.0.0.1:$port: create role $APP (password $APP) and databases $APP, $TEST_DB, or set DATABASE_URL"
  fi
  emit "$(app_url 127.0.0.1 "$port" "$APP")" "$(app_url 127.0.0.1 "$port" "$TEST_DB")"
}

# --- 3. Docker --------------------------------------------------------------
compose() {
  if docker compose version >/dev/null 2>&1; then docker compose -f "$ROOT/docker-compose.yml" "$@"
  elif command -v docker-compose >/dev/null; then docker-compose -f "$ROOT/docker-compose.yml" "$@"
  else die "docker compose plugin not found"; fi
}

docker_db() {
  say "starting PostgreSQL with docker compose (service db, 127.0.0.1:5432)"
  compose up -d db
  # -h 127.0.0.1: the image's init phase only listens on the socket.
  local ok=""
  for _ in $(seq 90); do
    if compose exec -T db pg_isready -q -h 127.0.0.1 -U "$APP" -d "$APP"; then ok=1; break; fi
    sleep 1
  done
  [[ -n $ok ]] || die "docker db did not become ready within 90s (see: docker compose logs db)"
  compose exec -T db psql -X -q -U "$APP" -d "$APP" <<SQL
SELECT 'CREATE DATABASE $TEST_DB' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$TEST_DB') \gexec
SQL
  emit "$(app_url 127.0.0.1 5432 "$APP")" "$(app_url 127.0.0.1 5432 "$TEST_DB")"
}

# --- 4. private cluster in .data/pg ----------------------------------------
# Run a command as the cluster owner: postgres when we are root (initdb/pg_ctl refuse root).
as_owner() {
  if [[ $(id -u) == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Directory with initdb/pg_ctl: the cluster's own version if it exists, else the newest.
pg_bin() {
  local v d
  if [[ -f $DATA/pg/PG_VERSION ]]; then
    v="$(cat "$DATA/pg/PG_VERSION")"
    [[ -x /usr/lib/postgresql/$v/bin/initdb ]] && { echo "/usr/lib/postgresql/$v/bin"; return; }
  fi
  d="$(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
  if [[ -n $d && -x $d/initdb ]]; then echo "$d"
  elif command -v initdb >/dev/null; then dirname "$(command -v initdb)"   # e.g. Homebrew
  fi
}

can_install() {
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null && [[ -f /etc/debian_version ]]
}

# Real location of the cluster: .data/pg, or, if user postgres cannot reach the
# repo (e.g. a clone under /root), a directory in /var/tmp linked from .data/pg.
cluster_dir() {
  install -d -m 0755 "$DATA"
  if [[ ! -e $DATA/pg && $(id -u) == 0 ]] && ! runuser -u postgres -- test -x "$DATA"; then
    local alt; alt="/var/tmp/tenantatlas-pg-$(printf %s "$ROOT" | md5sum | cut -c1-8)"
    install -d -m 0755 "$alt"
    ln -sfn "$alt/pg" "$DATA/pg"
    say "user postgres cannot access $DATA; cluster lives in $alt"
  fi
  if [[ -L $DATA/pg ]]; then readlink -f "$DATA/pg"; else echo "$DATA/pg"; fi
}

private_cluster() {
  local bin pgdata base run log own=()
  bin="$(pg_bin)"
  if [[ -z $bin ]]; then
    say "initdb not found: installing postgresql with apt-get"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
    bin="$(pg_bin)"
    [[ -n $bin ]] || die "postgresql installed but initdb not found under /usr/lib/postgresql/*/bin"
  fi
  [[ $(id -u) != 0 ]] || id postgres >/dev/null 2>&1 || die "user postgres missing (needed to run initdb as root)"
  [[ $(id -u) == 0 ]] && own=(-o postgres -g postgres)

  pgdata="$(cluster_dir)"
  [[ $pgdata == /* ]] || die "bad cluster directory: '$pgdata'"
  base="$(dirname "$pgdata")"; run="$base/run"; log="$base/pg.log"
  install -d -m 0755 "${own[@]}" "$run"
  [[ -e $log ]] || install -m 0644 "${own[@]}" /dev/null "$log"

  if [[ ! -f $pgdata/PG_VERSION ]]; then
    say "creating private cluster in $DATA/pg ($("$bin/initdb" --version))"
    install -d -m 0700 "${own[@]}" "$pgdata"
    as_owner "$bin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  fi

  # Sockets are optional (we connect over TCP); skip them if the path is too long.
  local sock="$run"; (( ${#run} < 90 )) || sock=""
  if as_owner "$bin/pg_ctl" status -D "$pgdata" >/dev/null 2>&1; then
    say "using private cluster already running on 127.0.0.1:$PRIVATE_PORT ($DATA/pg)"
  else
    say "starting private cluster on 127.0.0.1:$PRIVATE_PORT ($DATA/pg, log $log)"
    as_owner "$bin/pg_ctl" start -D "$pgdata" -l "$log" -w -t 60 \
      -o "-p $PRIVATE_PORT -c listen_addresses=127.0.0.1 -k '$sock'" >/dev/null \
      || die "pg_ctl start failed, see $log"
  fi
  wait_ready 127.0.0.1 "$PRIVATE_PORT"
  ensure_schema psql -w -h 127.0.0.1 -p "$PRIVATE_PORT" -U postgres
  emit "$(app_url 127.0.0.1 "$PRIVATE_PORT" "$APP")" "$(app_url 127.0.0.1 "$PRIVATE_PORT" "$TEST_DB")"
}

cmd_env() {
  if [[ -n ${DATABASE_URL:-} ]]; then from_env
  elif answering 127.0.0.1 "$PROBE_PORT"; then existing_server
  elif [[ ${PG_SKIP_DOCKER:-} != 1 ]] && command -v docker >/dev/null &&
       timeout 20 docker info >/dev/null 2>&1; then docker_db
  elif [[ -n $(pg_bin) ]] || can_install; then private_cluster
  else die "no PostgreSQL found: install PostgreSQL 15+ (or Docker) or set DATABASE_URL"
  fi
}

cmd_stop() {
  local bin pgdata
  if [[ ! -f $DATA/pg/PG_VERSION ]]; then say "no private cluster in $DATA/pg"; return 0; fi
  bin="$(pg_bin)"; [[ -n $bin ]] || die "pg_ctl not found"
  pgdata="$(readlink -f "$DATA/pg")"
  if as_owner "$bin/pg_ctl" status -D "$pgdata" >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" stop -D "$pgdata" -m fast -w >/dev/null
    say "stopped private cluster in $DATA/pg"
  else
    say "private cluster in $DATA/pg is not running"
  fi
}

case "${1:-}" in
  env) cmd_env ;;
  stop) cmd_stop ;;
  *) echo "usage: $0 env|stop"; exit 2 ;;
esac
