#!/usr/bin/env bash
# End-to-end test of the SPA against the real API, worker and database, in headless Chromium.
#
#   scripts/e2e.sh
#
# 1. installs Debian's chromium if /usr/bin/chromium is missing (as root; never a downloaded browser);
# 2. builds bin/tenantatlas and the SPA (npm ci && npm run build);
# 3. creates a fresh database (DATABASE_URL with the name tenantatlas_e2e), migrates it, seeds the
#    demo, and adds by SQL: 240 more runs (for the 200-row page) and a second workspace with one run
#    that the demo users must not see;
# 4. starts `tenantatlas serve --with-worker` and `tenantatlas web` on free ports (18081 and 15173
#    when free), the API allowing the web origin by CORS, and waits for /readyz;
# 5. runs frontend/e2e/run.mjs (playwright-core), which prints `N passed, N failed`;
# 6. stops both servers (trap) and exits non-zero when a scenario failed.
#
# Screenshots and server logs go to artifacts/e2e/ (git-ignored). Knobs: E2E_API_PORT,
# E2E_WEB_PORT, E2E_DB (database name), E2E_SKIP_BUILD=1 (reuse bin/ and frontend/dist).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ART="$ROOT/artifacts/e2e"
mkdir -p "$ART"

say() { echo "e2e: $*" >&2; }
die() { echo "e2e: $*" >&2; exit 1; }

# --- Chromium (Debian's package; playwright-core drives it, nothing is downloaded) ---------------
if [[ ! -x /usr/bin/chromium ]]; then
  [[ "$(id -u)" == 0 ]] || die "/usr/bin/chromium is missing; install it with: apt-get install -y chromium"
  say "installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi
command -v psql >/dev/null || die "psql is missing (scripts/pg.sh installs PostgreSQL; or apt-get install postgresql-client)"
command -v node >/dev/null || die "node is missing"
command -v curl >/dev/null || die "curl is missing"

# --- database -----------------------------------------------------------------------------------
if [[ -z "${DATABASE_URL:-}" ]]; then
  eval "$(scripts/pg.sh env)"
fi
E2E_DB="${E2E_DB:-tenantatlas_e2e}"
# Swap the database name in DATABASE_URL: scheme://user:pw@host:port/NAME?params
with_db() {
  local url="$1" name="$2" base query=""
  base="${url%%\?*}"
  [[ "$url" == *\?* ]] && query="?${url#*\?}"
  echo "${base%/*}/${name}${query}"
}
E2E_URL="$(with_db "$DATABASE_URL" "$E2E_DB")"
ADMIN_URL="$(with_db "$DATABASE_URL" postgres)"
say "database $E2E_DB (dropped and created afresh)"
psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$E2E_DB\" WITH (FORCE)" -c "CREATE DATABASE \"$E2E_DB\"" >&2

# --- build --------------------------------------------------------------------------------------
if [[ "${E2E_SKIP_BUILD:-}" != 1 ]]; then
  say "building bin/tenantatlas"
  go build -o bin/tenantatlas ./cmd/tenantatlas
  say "building the SPA (npm ci && npm run build)"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build) >&2
fi
[[ -x bin/tenantatlas && -f frontend/dist/index.html ]] || die "nothing built (unset E2E_SKIP_BUILD)"

export DATABASE_URL="$E2E_URL"
./bin/tenantatlas migrate up >&2
./bin/tenantatlas seed demo >&2

sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$E2E_URL" -c "$1"; }
WS=$(sql "SELECT id FROM workspaces WHERE slug = 'demo'")
FABRIKAM=$(sql "SELECT id FROM tenants WHERE workspace_id = $WS AND name = 'Fabrikam'")
NORTHWIND=$(sql "SELECT id FROM tenants WHERE workspace_id = $WS AND name = 'Northwind Traders'")
# 240 more finished runs in the last 15 days, so that a 200-row page fills.
sql "INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome, summary_counts,
       failure_summary, context, started_at, completed_at, created_at, updated_at)
     SELECT $WS, CASE WHEN i % 2 = 0 THEN $FABRIKAM ELSE $NORTHWIND END, 'System',
            (ARRAY['inventory_sync','entra_group_sync','drift_generate_findings','backup_schedule_run'])[1 + i % 4],
            'completed',
            (ARRAY['succeeded','succeeded','succeeded','partially_succeeded','failed','blocked','cancelled'])[1 + i % 7],
            jsonb_build_object('total', 10 + i % 50, 'succeeded', 10 + i % 40),
            CASE WHEN i % 7 = 4 THEN '[{\"code\":\"graph.throttled\",\"message\":\"throttled after 5 attempts\",\"count\":3}]'::jsonb ELSE '[]'::jsonb END,
            '{}'::jsonb,
            now() - i * interval '90 minutes' + interval '2 seconds',
            now() - i * interval '90 minutes' + interval '2 seconds' + (5 + i % 120) * interval '1 second',
            now() - i * interval '90 minutes', now() - i * interval '90 minutes'
     FROM generate_series(1, 240) AS i"
# A second workspace, which no demo user belongs to, with one run.
OTHER_WS=$(sql "INSERT INTO workspaces (name, slug, status) VALUES ('Other MSP (e2e)', 'e2e-other', 'active') RETURNING id")
OTHER_TENANT=$(sql "INSERT INTO tenants (workspace_id, name, entra_tenant_id, status)
                    VALUES ($OTHER_WS, 'Other Corp', '00000000-0000-4000-8000-0000000e2e01', 'active') RETURNING id")
FOREIGN_RUN=$(sql "INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome,
                     started_at, completed_at, created_at, updated_at)
                   VALUES ($OTHER_WS, $OTHER_TENANT, 'System', 'inventory_sync', 'completed', 'succeeded',
                     now() - interval '1 hour', now() - interval '59 minutes', now() - interval '1 hour', now())
                   RETURNING id")
READONLY_RUN=$(sql "SELECT id FROM operation_runs WHERE tenant_id = $FABRIKAM AND type = 'inventory_sync' ORDER BY id LIMIT 1")
say "demo workspace $WS (Fabrikam $FABRIKAM, Northwind $NORTHWIND); foreign run $FOREIGN_RUN; readonly's inventory run $READONLY_RUN"

# --- servers ------------------------------------------------------------------------------------
free_port() { # free_port PREFERRED
  node -e '
    const net = require("net");
    const want = Number(process.argv[1]);
    const tryListen = (p) => new Promise((ok) => {
      const s = net.createServer();
      s.once("error", () => ok(null));
      s.listen(p, "127.0.0.1", () => { const got = s.address().port; s.close(() => ok(got)); });
    });
    (async () => { console.log((await tryListen(want)) ?? (await tryListen(0))); })();
  ' "$1"
}
API_PORT="${E2E_API_PORT:-$(free_port 18081)}"
WEB_PORT="${E2E_WEB_PORT:-$(free_port 15173)}"
API="http://127.0.0.1:$API_PORT"
WEB="http://127.0.0.1:$WEB_PORT"

API_PID=""
WEB_PID=""
cleanup() {
  local code=$?
  for pid in "$WEB_PID" "$API_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "$WEB_PID" "$API_PID"; do
    [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  done
  exit "$code"
}
trap cleanup EXIT INT TERM

TENANTATLAS_LISTEN="127.0.0.1:$API_PORT" TENANTATLAS_CORS_ORIGINS="$WEB" TENANTATLAS_LOG_LEVEL=warn \
  ./bin/tenantatlas serve --with-worker >"$ART/api.log" 2>&1 &
API_PID=$!
./bin/tenantatlas web --dir frontend/dist --listen "127.0.0.1:$WEB_PORT" --api-url "$API" >"$ART/web.log" 2>&1 &
WEB_PID=$!

wait_for() { # wait_for URL NAME PID
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    kill -0 "$3" 2>/dev/null || { tail -n 20 "$ART/$2.log" >&2; die "$2 exited before it was ready"; }
    sleep 0.5
  done
  tail -n 20 "$ART/$2.log" >&2
  die "$2 not ready at $1 after 60 s"
}
wait_for "$API/readyz" api "$API_PID"
wait_for "$WEB/config.json" web "$WEB_PID"
say "api $API (pid $API_PID), web $WEB (pid $WEB_PID)"

# --- the suite ----------------------------------------------------------------------------------
set +e
E2E_WEB="$WEB" E2E_API="$API" E2E_ARTIFACTS="$ART" \
  E2E_FABRIKAM="$FABRIKAM" E2E_NORTHWIND="$NORTHWIND" \
  E2E_FOREIGN_RUN="$FOREIGN_RUN" E2E_READONLY_RUN="$READONLY_RUN" \
  node frontend/e2e/run.mjs
status=$?
set -e
exit "$status"
