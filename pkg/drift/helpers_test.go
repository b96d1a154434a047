package drift_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/inventory"
)

// world is a tenant over its own database, with helpers that write what inventory syncs and drift
// generations would have written.
type world struct {
	t      testing.TB
	db     *dbtest.DB
	ws, tn int64
	user   int64
	clock  time.Time // completion time of the next inventory run; each run advances it a minute
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{t: t, db: dbtest.New(t), clock: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	w.ws = w.id(`INSERT INTO workspaces (name, slug) VALUES ('A', 'a')`)
	w.tn = w.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T', 'e-1')`, w.ws)
	w.user = w.id(`INSERT INTO users (email, name) VALUES ('u@a.test', 'Uma')`)
	return w
}

func (w *world) id(q string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.db.SQL.QueryRow(q+" RETURNING id", args...).Scan(&id); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (w *world) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.db.SQL.Exec(q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

func (w *world) count(q string, args ...any) int64 {
	w.t.Helper()
	var n int64
	if err := w.db.SQL.QueryRow(q, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

var (
	selA   = inventory.Selection{PolicyTypes: []string{"deviceCompliancePolicy", "deviceConfiguration"}, IncludeFoundations: true}
	selB   = inventory.Selection{PolicyTypes: []string{"deviceConfiguration"}, IncludeFoundations: false}
	scopeA = drift.ScopeKey(selA)
	scopeB = drift.ScopeKey(selB)
)

// syncRun inserts a finished inventory_sync run of the tenant for a selection, as the sync keeps
// it (context selection and scope_key), completed a minute after the previous one.
func (w *world) syncRun(tenantID int64, sel inventory.Selection, outcome string) int64 {
	w.t.Helper()
	w.clock = w.clock.Add(time.Minute)
	ctx, _ := json.Marshal(map[string]any{"selection": sel, "scope_key": sel.ScopeKey()})
	return w.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome, context, created_at, started_at, completed_at)
		VALUES ($1, $2, 'System', 'inventory_sync', 'completed', $3, $4, $5, $5, $6)`,
		w.ws, tenantID, outcome, string(ctx), w.clock.Add(-30*time.Second), w.clock)
}

// observe records what a run saw: "policyType/externalID=hash" entries.
func (w *world) observe(runID int64, items ...string) {
	w.t.Helper()
	for _, it := range items {
		key, hash, _ := strings.Cut(it, "=")
		pt, ext, _ := strings.Cut(key, "/")
		w.exec(`INSERT INTO inventory_observations (operation_run_id, tenant_id, policy_type, external_id, content_hash)
			VALUES ($1, $2, $3, $4, $5)`, runID, w.tn, pt, ext, hash)
	}
}

func (w *world) comparison(scope string) drift.Comparison {
	w.t.Helper()
	cmp, err := drift.SelectComparison(context.Background(), w.db.Gorm, w.tn, scope)
	if err != nil {
		w.t.Fatalf("select comparison: %v", err)
	}
	return cmp
}

// fingerprint is the documented concatenation, computed independently of the SQL.
func fingerprint(tenantID int64, scope, subjectType, externalID, change, baselineHash, currentHash string) string {
	s := strings.Join([]string{strconv.FormatInt(tenantID, 10), scope, subjectType, externalID, change, baselineHash, currentHash}, "|")
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
