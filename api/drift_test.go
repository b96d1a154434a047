package api_test

// API tests of drift (scopes, state, generation) and findings (list, acknowledgement). No River
// worker runs here: a started generation stays queued with its job in river_job, and the tests
// do the worker's part themselves (driftWorld.finishGeneration) with the real generator.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
)

// driftWorld: a workspace with a tenant; its owner, an operator and a readonly member (of the
// workspace and the tenant), a workspace operator without tenant membership, and the owner of
// another workspace with its own tenant.
type driftWorld struct {
	*env
	runs                                            *operations.Service
	ws, tn, otherTn                                 int64
	owner, operator, readonly, unentitled, outsider string
	clock                                           time.Time
}

var (
	driftSel   = inventory.Selection{PolicyTypes: []string{"deviceCompliancePolicy", "deviceConfiguration"}, IncludeFoundations: true}
	driftScope = driftSel.ScopeKey()
)

func newDriftWorld(t *testing.T) *driftWorld {
	t.Helper()
	e := newEnv(t)
	runs, err := jobs.NewRunService(e.db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{SessionTTL: time.Hour, CountsCacheTTL: 0, CORSOrigins: []string{"http://localhost:5173"}}
	e.srv = api.New(api.Deps{DB: e.db.Gorm, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg,
		Tenancy: e.tenancy, Auth: e.auth, Authz: e.authz, Runs: runs})
	w := &driftWorld{env: e, runs: runs, clock: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	w.ws = e.id(`INSERT INTO workspaces (name, slug) VALUES ('Contoso', 'contoso')`)
	w.tn = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Contoso', 'e-1')`, w.ws)
	other := e.id(`INSERT INTO workspaces (name, slug) VALUES ('Fabrikam', 'fabrikam')`)
	w.otherTn = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Fabrikam', 'e-2')`, other)
	member := func(email, role string, tenant bool) string {
		u, tok := e.user(email, false)
		e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, w.ws, u.ID, role)
		if tenant {
			e.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`, w.tn, u.ID, role)
		}
		return tok
	}
	w.owner = member("owner@contoso.test", "owner", false)
	w.operator = member("operator@contoso.test", "operator", true)
	w.readonly = member("readonly@contoso.test", "readonly", true)
	w.unentitled = member("elsewhere@contoso.test", "operator", false)
	u, tok := e.user("owner@fabrikam.test", false)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, other, u.ID)
	w.outsider = tok
	e.reload()
	return w
}

func (w *driftWorld) path(tenant int64, rest string) string {
	return "/api/v1/tenants/" + itoa(tenant) + rest
}

func (w *driftWorld) sqlExec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.db.SQL.Exec(q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

// syncRun inserts a finished inventory_sync run of the scope that observed the given
// "policyType/externalID=hash" items.
func (w *driftWorld) syncRun(tenant int64, outcome string, items ...string) int64 {
	w.t.Helper()
	w.clock = w.clock.Add(time.Minute)
	ctx, _ := json.Marshal(map[string]any{"selection": driftSel, "scope_key": driftScope})
	id := w.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome, context, created_at, started_at, completed_at)
		VALUES ((SELECT workspace_id FROM tenants WHERE id = $1), $1, 'System', 'inventory_sync', 'completed', $2, $3, $4, $4, $5)`,
		tenant, outcome, string(ctx), w.clock.Add(-30*time.Second), w.clock)
	for _, it := range items {
		key, hash, _ := strings.Cut(it, "=")
		pt, ext, _ := strings.Cut(key, "/")
		w.sqlExec(`INSERT INTO inventory_observations (operation_run_id, tenant_id, policy_type, external_id, content_hash)
			VALUES ($1, $2, $3, $4, $5)`, id, tenant, pt, ext, hash)
	}
	return id
}

// twoRuns gives the tenant a comparison with four differences: cfg-2 modified, cfg-3 and cmp-1
// removed, cfg-9 added.
func (w *driftWorld) twoRuns(tenant int64) (baseline, current int64) {
	w.t.Helper()
	baseline = w.syncRun(tenant, "succeeded", "deviceConfiguration/cfg-1=h1", "deviceConfiguration/cfg-2=h2",
		"deviceConfiguration/cfg-3=h3", "deviceCompliancePolicy/cmp-1=c1")
	current = w.syncRun(tenant, "succeeded", "deviceConfiguration/cfg-1=h1", "deviceConfiguration/cfg-2=h2b",
		"deviceConfiguration/cfg-9=h9")
	return baseline, current
}

// finishGeneration does the worker's part of a generation run: the generator's work, then the
// run completed with its result.
func (w *driftWorld) finishGeneration(runID int64) {
	w.t.Helper()
	ctx := context.Background()
	run, err := w.runs.Get(ctx, runID)
	if err != nil {
		w.t.Fatal(err)
	}
	gen, err := drift.NewGenerator(w.db.Gorm)
	if err != nil {
		w.t.Fatal(err)
	}
	tr, err := gen.Generate(ctx, run)
	if err != nil {
		w.t.Fatal(err)
	}
	tr.To = operations.StatusCompleted
	if _, err := w.runs.Transition(ctx, nil, runID, tr); err != nil {
		w.t.Fatal(err)
	}
}

func (w *driftWorld) expect(res response, status int, what string) map[string]any {
	w.t.Helper()
	if res.Status != status {
		w.t.Fatalf("%s = %d, want %d: %s", what, res.Status, status, res.Body)
	}
	if status == http.StatusNotModified || len(res.Body) == 0 {
		return nil
	}
	return res.json(w.t)
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// TestDriftStateAndGeneration walks one scope from blocked to generated, with one generation per
// comparison: repeated starts answer 200 with the same run while it is active and after it
// succeeded.
func TestDriftStateAndGeneration(t *testing.T) {
	t.Parallel()
	w := newDriftWorld(t)
	state := w.path(w.tn, "/drift?scope_key="+driftScope)
	generate := w.path(w.tn, "/drift/generate")
	body := map[string]any{"scope_key": driftScope}

	scopes := w.expect(w.do(http.MethodGet, w.path(w.tn, "/drift/scopes"), w.readonly, nil), 200, "scopes of a tenant without syncs")
	if len(scopes["data"].([]any)) != 0 {
		t.Fatalf("scopes %v", scopes)
	}
	st := w.expect(w.do(http.MethodGet, state, w.readonly, nil), 200, "drift without runs")
	if st["state"] != "blocked" || st["message"] != "Need at least 2 successful runs for this scope to calculate drift" ||
		st["baseline_run"] != nil || st["current_run"] != nil || st["generation_run"] != nil {
		t.Fatalf("blocked state %v", st)
	}
	p := w.expect(w.do(http.MethodPost, generate, w.readonly, body), 409, "generate while blocked")
	if p["code"] != "drift.blocked" {
		t.Fatalf("blocked problem %v", p)
	}

	first := w.syncRun(w.tn, "succeeded", "deviceConfiguration/cfg-1=h1")
	st = w.expect(w.do(http.MethodGet, state, w.readonly, nil), 200, "drift with one run")
	if st["state"] != "blocked" || num(st["current_run"].(map[string]any)["id"]) != first || st["baseline_run"] != nil {
		t.Fatalf("blocked with one run %v", st)
	}
	w.syncRun(w.tn, "partially_succeeded") // never compared
	baseline, current := w.twoRuns(w.tn)

	scopes = w.expect(w.do(http.MethodGet, w.path(w.tn, "/drift/scopes"), w.readonly, nil), 200, "scopes")
	sc := scopes["data"].([]any)[0].(map[string]any)
	if len(scopes["data"].([]any)) != 1 || sc["scope_key"] != driftScope || num(sc["successful_runs"]) != 3 || num(sc["runs"]) != 4 ||
		num(sc["latest_run"].(map[string]any)["id"]) != current || sc["selection"].(map[string]any)["include_foundations"] != true {
		t.Fatalf("scopes %v", scopes)
	}

	st = w.expect(w.do(http.MethodGet, state, w.readonly, nil), 200, "ready")
	b, c := st["baseline_run"].(map[string]any), st["current_run"].(map[string]any)
	if st["state"] != "ready" || num(b["id"]) != baseline || num(c["id"]) != current ||
		c["links"].(map[string]any)["self"] != "/api/v1/operation-runs/"+itoa(current) ||
		c["links"].(map[string]any)["ui"] != "/admin/operations/"+itoa(current) {
		t.Fatalf("ready state %v", st)
	}

	res := w.do(http.MethodPost, generate, w.readonly, body)
	run := w.expect(res, 202, "generate")
	runID := num(run["id"])
	if res.Header.Get("Location") != "/api/v1/operation-runs/"+itoa(runID) || run["type"] != "drift_generate_findings" || run["status"] != "queued" {
		t.Fatalf("generation %v %v", res.Header, run)
	}
	rc := run["context"].(map[string]any)
	if rc["scope_key"] != driftScope || num(rc["baseline_run_id"]) != baseline || num(rc["current_run_id"]) != current {
		t.Fatalf("generation context %v", rc)
	}
	related := fmt.Sprint(run["links"].(map[string]any)["related"])
	if !strings.Contains(related, "/api/v1/operation-runs/"+itoa(baseline)) || !strings.Contains(related, "/api/v1/operation-runs/"+itoa(current)) {
		t.Fatalf("related links %s", related)
	}
	if n := w.count(`SELECT count(*) FROM river_job WHERE kind = 'drift_generate_findings'`); n != 1 {
		t.Fatalf("%d jobs", n)
	}

	again := w.expect(w.do(http.MethodPost, generate, w.operator, body), 200, "generate while active")
	if num(again["id"]) != runID {
		t.Fatalf("a second run %v while %d is active", again["id"], runID)
	}
	st = w.expect(w.do(http.MethodGet, state, w.readonly, nil), 200, "generating")
	if st["state"] != "generating" || num(st["generation_run"].(map[string]any)["id"]) != runID {
		t.Fatalf("generating state %v", st)
	}

	w.finishGeneration(runID)
	res = w.do(http.MethodPost, generate, w.owner, body)
	after := w.expect(res, 200, "generate after it succeeded")
	if num(after["id"]) != runID || after["outcome"] != "succeeded" || res.Header.Get("Location") != "/api/v1/operation-runs/"+itoa(runID) {
		t.Fatalf("after success: %v", after)
	}
	if n := w.count(`SELECT count(*) FROM operation_runs WHERE type = 'drift_generate_findings'`); n != 1 {
		t.Fatalf("%d generation runs", n)
	}
	res = w.do(http.MethodGet, state, w.readonly, nil)
	st = w.expect(res, 200, "generated")
	counts := st["counts"].(map[string]any)
	if st["state"] != "generated" || num(counts["total"]) != 4 ||
		fmt.Sprint(counts["by_severity"]) != "map[high:1 low:1 medium:2]" || fmt.Sprint(counts["by_status"]) != "map[acknowledged:0 new:4]" {
		t.Fatalf("generated state %v", st)
	}
	w.expect(w.do(http.MethodGet, state, w.readonly, nil, "If-None-Match", res.Header.Get("ETag")), 304, "drift again")
	if g := st["generation_run"].(map[string]any); num(g["id"]) != runID || g["outcome"] != "succeeded" ||
		g["links"].(map[string]any)["self"] != "/api/v1/operation-runs/"+itoa(runID) {
		t.Fatalf("generation run %v", g)
	}
	detail := w.expect(w.do(http.MethodGet, "/api/v1/operation-runs/"+itoa(runID), w.readonly, nil), 200, "generation run detail")
	sum := detail["summary_counts"].(map[string]any)
	if num(sum["total"]) != 4 || num(sum["created"]) != 4 || num(sum["unchanged"]) != 0 || num(sum["added"]) != 1 ||
		num(sum["removed"]) != 2 || num(sum["modified"]) != 1 {
		t.Fatalf("summary counts %v", sum)
	}

	// A new current run is a new comparison: ready again, and a new generation.
	w.syncRun(w.tn, "succeeded", "deviceConfiguration/cfg-1=h1")
	if st := w.expect(w.do(http.MethodGet, state, w.readonly, nil), 200, "next comparison"); st["state"] != "ready" || st["generation_run"] != nil {
		t.Fatalf("next comparison %v", st)
	}
	next := w.expect(w.do(http.MethodPost, generate, w.readonly, body), 202, "generate the next comparison")
	if num(next["id"]) == runID {
		t.Fatal("the next comparison reused the previous generation")
	}

	// Bad input.
	for _, c := range []struct {
		path, code, field string
	}{
		{w.path(w.tn, "/drift"), "invalid_parameter", "scope_key"},
		{w.path(w.tn, "/drift?scope_key=abc"), "invalid_parameter", "scope_key"},
		{w.path(w.tn, "/drift?scope_key="+strings.ToUpper(driftScope)), "invalid_parameter", "scope_key"},
		{w.path(w.tn, "/drift?scope_key="+driftScope+"&colour=blue"), "invalid_parameter", "colour"},
		{w.path(w.tn, "/drift/scopes?limit=5"), "invalid_parameter", "limit"},
	} {
		p := w.expect(w.do(http.MethodGet, c.path, w.readonly, nil), 400, c.path)
		if p["code"] != c.code || !strings.Contains(fmt.Sprint(p["errors"]), c.field) {
			t.Errorf("%s: %v", c.path, p)
		}
	}
	for _, c := range []struct {
		body   any
		status int
		code   string
	}{
		{map[string]any{}, 422, "validation_failed"},
		{map[string]any{"scope_key": "nope"}, 422, "validation_failed"},
		{map[string]any{"scope_key": driftScope, "force": true}, 400, "unknown_field"},
		{`{"scope_key": 5}`, 400, "invalid_type"},
		{`{`, 400, "malformed_json"},
	} {
		p := w.expect(w.do(http.MethodPost, generate, w.readonly, c.body), c.status, fmt.Sprint("generate with ", c.body))
		if p["code"] != c.code {
			t.Errorf("generate with %v: %v", c.body, p)
		}
	}
	// Another scope with no runs is blocked.
	other := inventory.Selection{PolicyTypes: []string{"deviceConfiguration"}}.ScopeKey()
	w.expect(w.do(http.MethodPost, generate, w.readonly, map[string]any{"scope_key": other}), 409, "generate another scope")
}

// TestDriftGenerateConcurrently: many simultaneous starts of one comparison give one run; exactly
// one caller gets 202.
func TestDriftGenerateConcurrently(t *testing.T) {
	t.Parallel()
	w := newDriftWorld(t)
	w.twoRuns(w.tn)
	var wg sync.WaitGroup
	results := make([]response, 16)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tok := w.operator
			if i%2 == 0 {
				tok = w.readonly
			}
			results[i] = w.do(http.MethodPost, w.path(w.tn, "/drift/generate"), tok, map[string]any{"scope_key": driftScope})
		}(i)
	}
	wg.Wait()
	accepted, ids := 0, map[int64]bool{}
	for _, r := range results {
		switch r.Status {
		case 202:
			accepted++
		case 200:
		default:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		ids[num(r.json(t)["id"])] = true
	}
	if accepted != 1 || len(ids) != 1 {
		t.Fatalf("%d accepted, runs %v", accepted, ids)
	}
	if n := w.count(`SELECT count(*) FROM operation_runs WHERE type = 'drift_generate_findings'`); n != 1 {
		t.Fatalf("%d runs", n)
	}
	if n := w.count(`SELECT count(*) FROM river_job`); n != 1 {
		t.Fatalf("%d jobs", n)
	}
}

// generated gives the tenant a comparison with its four findings written.
func (w *driftWorld) generated(tenant int64) (baseline, current int64) {
	w.t.Helper()
	baseline, current = w.twoRuns(tenant)
	cmp, err := drift.SelectComparison(context.Background(), w.db.Gorm, tenant, driftScope)
	if err != nil {
		w.t.Fatal(err)
	}
	gen, _ := drift.NewGenerator(w.db.Gorm)
	if _, err := gen.Write(context.Background(), cmp); err != nil {
		w.t.Fatal(err)
	}
	return baseline, current
}

func findingsOf(t *testing.T, body map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, f := range body["data"].([]any) {
		m := f.(map[string]any)
		out[m["subject_external_id"].(string)] = m
	}
	return out
}

// TestFindingsNullSafe: a finding whose run is gone — pruned (the foreign key sets NULL) or never
// mapped (history from before the cut-over) — is listed with null references, no links and
// run_unavailable, never an error.
func TestFindingsNullSafe(t *testing.T) {
	t.Parallel()
	w := newDriftWorld(t)
	baseline, current := w.generated(w.tn)
	w.sqlExec(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name) VALUES ($1, 'deviceConfiguration', 'cfg-2', 'Windows baseline')`, w.tn)
	w.sqlExec(`INSERT INTO findings (tenant_id, scope_key, fingerprint, subject_type, subject_external_id, change_type, severity, evidence)
		VALUES ($1, $2, 'historic', 'deviceConfiguration', 'old-1', 'removed', 'medium', '{"change_type": "removed", "payload": {"secret": "x"}}')`, w.tn, driftScope)

	list := w.path(w.tn, "/findings?status=all")
	before := findingsOf(t, w.expect(w.do(http.MethodGet, list, w.readonly, nil), 200, "findings"))
	mod := before["cfg-2"]
	if mod["change_type"] != "modified" || mod["severity"] != "medium" || mod["status"] != "new" || mod["subject_display_name"] != "Windows baseline" ||
		num(mod["baseline_run"].(map[string]any)["id"]) != baseline || mod["baseline_run"].(map[string]any)["run_unavailable"] != false ||
		mod["links"].(map[string]any)["current_run"].(map[string]any)["self"] != "/api/v1/operation-runs/"+itoa(current) {
		t.Fatalf("modified finding %v", mod)
	}
	ev := mod["evidence"].(map[string]any)
	if ev["change_type"] != "modified" || num(ev["baseline"].(map[string]any)["run_id"]) != baseline || ev["current"].(map[string]any)["completed_at"] == nil {
		t.Fatalf("evidence %v", ev)
	}
	hist := before["old-1"]
	if hist["baseline_run"].(map[string]any)["id"] != nil || hist["baseline_run"].(map[string]any)["run_unavailable"] != true ||
		hist["current_run"].(map[string]any)["run_unavailable"] != true || hist["links"].(map[string]any)["baseline_run"] != nil ||
		hist["links"].(map[string]any)["current_run"] != nil || hist["subject_display_name"] != nil {
		t.Fatalf("historic finding %v", hist)
	}
	if strings.Contains(fmt.Sprint(hist["evidence"]), "secret") || hist["evidence"].(map[string]any)["baseline"] != nil {
		t.Fatalf("historic evidence shown beyond the allow-list: %v", hist["evidence"])
	}

	// The baseline run is pruned.
	w.sqlExec(`DELETE FROM operation_runs WHERE id = $1`, baseline)
	after := findingsOf(t, w.expect(w.do(http.MethodGet, list, w.readonly, nil), 200, "findings after pruning"))
	for _, key := range []string{"cfg-2", "cfg-3", "cmp-1", "cfg-9"} {
		f := after[key]
		b, c, l := f["baseline_run"].(map[string]any), f["current_run"].(map[string]any), f["links"].(map[string]any)
		if b["id"] != nil || b["completed_at"] != nil || b["run_unavailable"] != true || l["baseline_run"] != nil {
			t.Errorf("%s: baseline %v links %v", key, b, l)
		}
		if num(c["id"]) != current || c["run_unavailable"] != false || l["current_run"] == nil {
			t.Errorf("%s: current %v links %v", key, c, l)
		}
	}
	// Filtering by the pruned run finds nothing; the state of the scope is still served.
	w.expect(w.do(http.MethodGet, w.path(w.tn, "/findings?baseline_run_id="+itoa(baseline)), w.readonly, nil), 200, "by a pruned run")
	w.expect(w.do(http.MethodGet, w.path(w.tn, "/drift?scope_key="+driftScope), w.readonly, nil), 200, "drift after pruning")
	w.expect(w.do(http.MethodPost, w.path(w.tn, "/findings/"+itoa(w.findingID("cfg-3"))+"/acknowledge"), w.operator, nil), 200, "acknowledge with a pruned run")
}

func (w *driftWorld) findingID(externalID string) int64 {
	w.t.Helper()
	var id int64
	if err := w.db.SQL.QueryRow(`SELECT id FROM findings WHERE tenant_id = $1 AND subject_external_id = $2`, w.tn, externalID).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// TestDriftPermissions: readonly members view drift and findings and may start a generation
// (tenant.drift.view) but not acknowledge (403 naming tenant.drift.ack); operators acknowledge;
// callers not entitled to the tenant get 404 everywhere, and another tenant's finding is 404.
func TestDriftPermissions(t *testing.T) {
	t.Parallel()
	w := newDriftWorld(t)
	w.generated(w.tn)
	w.generated(w.otherTn)
	var foreign int64
	if err := w.db.SQL.QueryRow(`SELECT min(id) FROM findings WHERE tenant_id = $1`, w.otherTn).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	mine := w.findingID("cfg-9")
	views := []string{"/drift/scopes", "/drift?scope_key=" + driftScope, "/findings"}
	acks := []struct {
		path string
		body any
	}{
		{"/findings/" + itoa(mine) + "/acknowledge", nil},
		{"/findings/acknowledge", map[string]any{"ids": []int64{mine}}},
	}

	for _, v := range views {
		w.expect(w.do(http.MethodGet, w.path(w.tn, v), w.readonly, nil), 200, "readonly GET "+v)
		w.expect(w.do(http.MethodGet, w.path(w.tn, v), w.operator, nil), 200, "operator GET "+v)
		w.expect(w.do(http.MethodGet, w.path(w.tn, v), w.owner, nil), 200, "owner GET "+v)
		for who, tok := range map[string]string{"outsider": w.outsider, "unentitled operator": w.unentitled} {
			p := w.expect(w.do(http.MethodGet, w.path(w.tn, v), tok, nil), 404, who+" GET "+v)
			if p["code"] != "not_found" {
				t.Errorf("%s GET %s: %v", who, v, p)
			}
		}
		w.expect(w.do(http.MethodGet, w.path(w.tn, v), "", nil), 401, "anonymous GET "+v)
	}
	w.expect(w.do(http.MethodPost, w.path(w.tn, "/drift/generate"), w.outsider, map[string]any{"scope_key": driftScope}), 404, "outsider generate")
	w.expect(w.do(http.MethodPost, w.path(w.tn, "/drift/generate"), w.readonly, map[string]any{"scope_key": driftScope}), 202, "readonly generate")

	for _, a := range acks {
		p := w.expect(w.do(http.MethodPost, w.path(w.tn, a.path), w.readonly, a.body), 403, "readonly POST "+a.path)
		if p["code"] != "capability_missing" || p["capability"] != "tenant.drift.ack" {
			t.Errorf("readonly POST %s: %v", a.path, p)
		}
		w.expect(w.do(http.MethodPost, w.path(w.tn, a.path), w.outsider, a.body), 404, "outsider POST "+a.path)
		w.expect(w.do(http.MethodPost, w.path(w.tn, a.path), w.unentitled, a.body), 404, "unentitled POST "+a.path)
	}
	if n := w.count(`SELECT count(*) FROM findings WHERE status = 'acknowledged'`); n != 0 {
		t.Fatalf("%d findings acknowledged by refused requests", n)
	}
	f := w.expect(w.do(http.MethodPost, w.path(w.tn, acks[0].path), w.operator, nil), 200, "operator acknowledge")
	if f["status"] != "acknowledged" || f["acknowledged_at"] == nil || f["acknowledged_by_user_id"] == nil {
		t.Fatalf("acknowledged finding %v", f)
	}
	// Another tenant's finding, through the caller's tenant or the other's, is not found.
	w.expect(w.do(http.MethodPost, w.path(w.tn, "/findings/"+itoa(foreign)+"/acknowledge"), w.operator, nil), 404, "foreign finding")
	w.expect(w.do(http.MethodPost, w.path(w.otherTn, "/findings/"+itoa(foreign)+"/acknowledge"), w.operator, nil), 404, "foreign tenant")
	w.expect(w.do(http.MethodPost, w.path(w.tn, "/findings/999999999/acknowledge"), w.operator, nil), 404, "missing finding")
	w.expect(w.do(http.MethodPost, w.path(w.tn, "/findings/abc/acknowledge"), w.operator, nil), 400, "non-numeric finding")
	if n := w.count(`SELECT count(*) FROM findings WHERE tenant_id = $1 AND status = 'acknowledged'`, w.otherTn); n != 0 {
		t.Fatal("another tenant's finding was acknowledged")
	}
}

// TestFindingsListAndAcknowledge: filters, keyset pages with Link and ETag, acknowledgement by
// ids and by filter with the confirmation above 100.
func TestFindingsListAndAcknowledge(t *testing.T) {
	t.Parallel()
	w := newDriftWorld(t)
	baseline, current := w.twoRuns(w.tn)
	w.sqlExec(`INSERT INTO findings (tenant_id, scope_key, baseline_operation_run_id, current_operation_run_id, fingerprint,
			subject_type, subject_external_id, change_type, severity, evidence, created_at)
		SELECT $1::bigint, $2, $3, $4, md5(g::text), 'deviceConfiguration', 'item-' || g, 'modified',
			(ARRAY['low', 'medium', 'high'])[g % 3 + 1],
			jsonb_build_object('change_type', 'modified', 'baseline', jsonb_build_object('run_id', $3::bigint, 'completed_at', '2026-03-01T08:00:00Z')),
			timestamptz '2026-03-02' + g * interval '1 second'
		FROM generate_series(1, 130) g`, w.tn, driftScope, baseline, current)

	// Pages of 50, newest first; the Link carries the filters and the cursor; ETag and 304.
	path := w.path(w.tn, "/findings?limit=50&severity=low&severity=high&scope_key="+driftScope+"&current_run_id="+itoa(current))
	seen := map[int64]bool{}
	last := int64(1 << 62)
	res := w.do(http.MethodGet, path, w.readonly, nil)
	for page := 0; ; page++ {
		body := w.expect(res, 200, fmt.Sprint("page ", page))
		for _, f := range body["data"].([]any) {
			m := f.(map[string]any)
			id := num(m["id"])
			if seen[id] || id >= last || m["severity"] == "medium" {
				t.Fatalf("page %d: finding %v", page, m)
			}
			seen[id], last = true, id
		}
		if page == 0 {
			w.expect(w.do(http.MethodGet, path, w.readonly, nil, "If-None-Match", res.Header.Get("ETag")), 304, "first page again")
		}
		if body["next_cursor"] == nil {
			if res.Header.Get("Link") != "" {
				t.Fatal("a Link on the last page")
			}
			break
		}
		link := res.Header.Get("Link")
		if !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "severity=high") {
			t.Fatalf("link %q", link)
		}
		res = w.do(http.MethodGet, strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ";")[0], "<"), ">"), w.readonly, nil)
	}
	if len(seen) != 86 { // 130 minus the 44 medium ones
		t.Fatalf("%d findings paged", len(seen))
	}
	for _, bad := range []string{"status=open", "severity=critical", "subject_type=a%20b", "scope_key=x", "baseline_run_id=0",
		"current_run_id=abc", "limit=0", "limit=201", "cursor=nope", "sort=asc", "status="} {
		p := w.expect(w.do(http.MethodGet, w.path(w.tn, "/findings?"+bad), w.readonly, nil), 400, "findings?"+bad)
		if p["code"] != "invalid_parameter" {
			t.Errorf("%s: %v", bad, p)
		}
	}

	ack := w.path(w.tn, "/findings/acknowledge")
	id1, id2 := w.findingID("item-1"), w.findingID("item-2")
	r := w.expect(w.do(http.MethodPost, ack, w.operator, map[string]any{"ids": []int64{id1, id2, 999999999}}), 200, "by ids")
	if num(r["matched"]) != 2 || num(r["acknowledged"]) != 2 || fmt.Sprint(r["not_found"]) != "[9.99999999e+08]" {
		t.Fatalf("by ids %v", r)
	}
	r = w.expect(w.do(http.MethodPost, ack, w.operator, map[string]any{"ids": []int64{id1}}), 200, "by ids again")
	if num(r["matched"]) != 1 || num(r["acknowledged"]) != 0 {
		t.Fatalf("by ids again %v", r)
	}
	// 128 new findings left: more than 100, so the filter needs the exact count.
	filter := map[string]any{"scope_key": driftScope, "baseline_run_id": baseline}
	p := w.expect(w.do(http.MethodPost, ack, w.operator, map[string]any{"filter": filter}), 409, "by filter unconfirmed")
	if p["code"] != "findings.confirm_required" || num(p["count"]) != 128 {
		t.Fatalf("unconfirmed %v", p)
	}
	w.expect(w.do(http.MethodPost, ack, w.operator, map[string]any{"filter": filter, "confirm": 127}), 409, "by filter, wrong count")
	if n := w.count(`SELECT count(*) FROM findings WHERE status = 'new'`); n != 128 {
		t.Fatalf("a refused acknowledgement changed findings: %d new", n)
	}
	r = w.expect(w.do(http.MethodPost, ack, w.operator, map[string]any{"filter": map[string]any{"severity": []string{"high"}}}), 200, "high only")
	if num(r["matched"]) != 42 || num(r["acknowledged"]) != 42 || len(r["not_found"].([]any)) != 0 {
		t.Fatalf("high only %v", r)
	}
	r = w.expect(w.do(http.MethodPost, ack, w.operator, map[string]any{"filter": map[string]any{}, "confirm": 86}), 200, "all, confirmed")
	if num(r["acknowledged"]) != 86 {
		t.Fatalf("confirmed %v", r)
	}
	list := w.expect(w.do(http.MethodGet, w.path(w.tn, "/findings"), w.readonly, nil), 200, "new findings")
	if len(list["data"].([]any)) != 0 {
		t.Fatalf("new findings left: %v", list)
	}

	for _, c := range []struct {
		body   any
		status int
		field  string
	}{
		{map[string]any{}, 422, "ids"},
		{map[string]any{"ids": []int64{id1}, "filter": map[string]any{}}, 422, "ids"},
		{map[string]any{"ids": []int64{}}, 422, "ids"},
		{map[string]any{"ids": []int64{0}}, 422, "ids"},
		{map[string]any{"ids": []int64{id1}, "confirm": 1}, 422, "confirm"},
		{map[string]any{"filter": map[string]any{"severity": []string{"urgent"}}}, 422, "filter.severity"},
		{map[string]any{"filter": map[string]any{"status": "open"}}, 422, "filter.status"},
		{map[string]any{"filter": map[string]any{"scope_key": "x"}}, 422, "filter.scope_key"},
		{map[string]any{"filter": map[string]any{}, "confirm": -1}, 422, "confirm"},
		{map[string]any{"filter": map[string]any{"colour": "blue"}}, 400, "colour"},
		{`{"ids": "1"}`, 400, "ids"},
	} {
		p := w.expect(w.do(http.MethodPost, ack, w.operator, c.body), c.status, fmt.Sprint("acknowledge ", c.body))
		if !strings.Contains(fmt.Sprint(p["errors"]), "field:"+c.field+" ") {
			t.Errorf("acknowledge %v: %v", c.body, p)
		}
	}
}
