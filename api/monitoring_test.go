package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type listPage struct {
	Data []struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		TypeLabel string `json:"type_label"`
		Status    string `json:"status"`
		Outcome   string `json:"outcome"`
		Initiator struct {
			Kind   string `json:"kind"`
			UserID *int64 `json:"user_id"`
		} `json:"initiator"`
		TenantID  *int64    `json:"tenant_id"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func decodePage(t *testing.T, r response) listPage {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var p listPage
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// monitoringWorld: one owner, two tenants, runs of every outcome spread over 60 days.
type monitoringWorld struct {
	*env
	ws, t1, t2 int64
	owner      int64
	token      string
}

func newMonitoringWorld(t *testing.T) monitoringWorld {
	e := newEnv(t)
	w := monitoringWorld{env: e}
	w.ws = e.id(`INSERT INTO workspaces (name, slug) VALUES ('A', 'a')`)
	w.t1 = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T1', 'e-1')`, w.ws)
	w.t2 = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T2', 'e-2')`, w.ws)
	u, tok := e.user("owner@a.test", false)
	w.owner, w.token = u.ID, tok
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, w.ws, u.ID)
	e.reload()
	// 120 runs: i%5 picks the outcome, i%2 the tenant, i%3 the type, every 4th has a user.
	_, err := e.db.SQL.Exec(`
		INSERT INTO operation_runs (workspace_id, tenant_id, user_id, initiator_name, type, status, outcome, started_at, completed_at, created_at, context)
		SELECT $1, CASE WHEN i % 2 = 0 THEN $2::bigint ELSE $3::bigint END,
		       CASE WHEN i % 4 = 0 THEN $4::bigint END, CASE WHEN i % 4 = 0 THEN 'owner' ELSE 'System' END,
		       (ARRAY['inventory_sync', 'entra_group_sync', 'backup_schedule_run'])[i % 3 + 1],
		       CASE WHEN i % 5 = 4 THEN 'running' ELSE 'completed' END,
		       (ARRAY['succeeded', 'partially_succeeded', 'failed', 'blocked', 'pending'])[i % 5 + 1],
		       now() - (i * interval '12 hours') - interval '1 hour' + interval '1 second', CASE WHEN i % 5 = 4 THEN NULL ELSE now() - (i * interval '12 hours') - interval '1 hour' + interval '61 seconds' END,
		       now() - (i * interval '12 hours') - interval '1 hour',
		       CASE WHEN i % 3 = 2 THEN jsonb_build_object('backup_schedule_id', 7 + i % 2) ELSE '{}'::jsonb END
		FROM generate_series(0, 119) AS i`, w.ws, w.t1, w.t2, w.owner)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w monitoringWorld) list(query string) listPage {
	return decodePage(w.t, w.do(http.MethodGet, "/api/v1/operation-runs?"+query, w.token, nil))
}

func TestMonitoringOperationsFilters(t *testing.T) {
	t.Parallel()
	w := newMonitoringWorld(t)
	cases := []struct {
		query string
		want  int
		check func(p listPage) string
	}{
		{"limit=200", 120, nil},
		{"tab=active&limit=200", 24, func(p listPage) string { return expectAll(p, func(s, o string) bool { return s == "running" }) }},
		{"tab=succeeded&limit=200", 24, func(p listPage) string { return expectAll(p, func(s, o string) bool { return o == "succeeded" }) }},
		{"tab=partial&limit=200", 24, func(p listPage) string {
			return expectAll(p, func(s, o string) bool { return o == "partially_succeeded" })
		}},
		{"tab=failed&limit=200", 24, func(p listPage) string { return expectAll(p, func(s, o string) bool { return o == "failed" }) }},
		{"outcome=failed&outcome=blocked&limit=200", 48, nil},
		{"status=running&limit=200", 24, nil},
		{"type=inventory_sync&limit=200", 40, nil},
		{"type=inventory_sync&type=entra_group_sync&limit=200", 80, nil},
		{"type=inventory.sync&limit=200", 0, nil}, // a well-formed key the registry lacks matches what is stored
		{"tenant_id=" + itoa(w.t1) + "&limit=200", 60, nil},
		{"workspace_id=" + itoa(w.ws) + "&limit=200", 120, nil},
		{"workspace_id=999999&limit=200", 0, nil},
		{"tenant_id=999999&limit=200", 0, nil},
		{"initiator=system&limit=200", 90, nil},
		{"initiator=" + itoa(w.owner) + "&limit=200", 30, nil},
		{"backup_schedule_id=7&limit=200", 20, nil},
		{"created_after=" + url.QueryEscape(time.Now().Add(-30*24*time.Hour).UTC().Format(time.RFC3339)) + "&limit=200", 60, nil},
		{"created_before=" + url.QueryEscape(time.Now().Add(-30*24*time.Hour).UTC().Format(time.RFC3339)) + "&limit=200", 60, nil},
	}
	for _, c := range cases {
		p := w.list(c.query)
		if len(p.Data) != c.want {
			t.Errorf("%s: %d runs, want %d", c.query, len(p.Data), c.want)
		}
		if c.check != nil {
			if msg := c.check(p); msg != "" {
				t.Errorf("%s: %s", c.query, msg)
			}
		}
		for i := 1; i < len(p.Data); i++ {
			if p.Data[i].CreatedAt.After(p.Data[i-1].CreatedAt) {
				t.Errorf("%s: not newest first at %d", c.query, i)
				break
			}
		}
	}
}

func expectAll(p listPage, ok func(status, outcome string) bool) string {
	for _, r := range p.Data {
		if !ok(r.Status, r.Outcome) {
			return fmt.Sprintf("run %d has status %s outcome %s", r.ID, r.Status, r.Outcome)
		}
	}
	return ""
}

func TestMonitoringOperationsCounts(t *testing.T) {
	t.Parallel()
	w := newMonitoringWorld(t)
	res := w.do(http.MethodGet, "/api/v1/operation-runs/counts", w.token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("counts = %d: %s", res.Status, res.Body)
	}
	var c struct {
		Tabs map[string]int64 `json:"tabs"`
		KPIs struct {
			Total             int64    `json:"total"`
			Active            int64    `json:"active"`
			FailedOrPartial7d int64    `json:"failed_or_partial_7d"`
			AvgDuration       *float64 `json:"average_duration_7d_secs"`
		} `json:"kpis"`
	}
	if err := json.Unmarshal(res.Body, &c); err != nil {
		t.Fatal(err)
	}
	// Default window: 30 days = runs i = 0..59 (i*12h < 30d).
	want := map[string]int64{"all": 60, "active": 12, "succeeded": 12, "partial": 12, "failed": 12}
	for tab, n := range want {
		if c.Tabs[tab] != n {
			t.Errorf("tab %s = %d, want %d", tab, c.Tabs[tab], n)
		}
	}
	// Last 7 days: i = 0..13; partial i%5==1 → 1,6,11; failed i%5==2 → 2,7,12.
	if c.KPIs.Total != 60 || c.KPIs.Active != 12 || c.KPIs.FailedOrPartial7d != 6 {
		t.Errorf("kpis %+v", c.KPIs)
	}
	if c.KPIs.AvgDuration == nil || *c.KPIs.AvgDuration < 59.9 || *c.KPIs.AvgDuration > 60.1 {
		t.Errorf("average duration %v, want 60 s", c.KPIs.AvgDuration)
	}
	// Filters apply to counts as to the list.
	res = w.do(http.MethodGet, "/api/v1/operation-runs/counts?tenant_id="+itoa(w.t1)+"&created_after=2000-01-01T00:00:00Z", w.token, nil)
	if err := json.Unmarshal(res.Body, &c); err != nil || c.Tabs["all"] != 60 {
		t.Errorf("tenant counts %v %v", c.Tabs, err)
	}
}

// TestMonitoringOperationsPaginationStable walks every page by cursor while other runs keep
// arriving: no run is repeated or skipped, and the new runs do not shift the pages.
func TestMonitoringOperationsPaginationStable(t *testing.T) {
	t.Parallel()
	w := newMonitoringWorld(t)
	first := w.list("limit=7")
	if first.NextCursor == nil {
		t.Fatal("no next cursor")
	}
	res := w.do(http.MethodGet, "/api/v1/operation-runs?limit=7", w.token, nil)
	if link := res.Header.Get("Link"); !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "cursor=") {
		t.Errorf("Link header %q", link)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, _ = w.db.SQL.Exec(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type) VALUES ($1, $2, 'System', 'inventory_sync')`, w.ws, w.t1)
			time.Sleep(time.Millisecond)
		}
	}()

	seen := map[int64]bool{}
	for _, r := range first.Data {
		seen[r.ID] = true
	}
	cursor := *first.NextCursor
	for pages := 1; ; pages++ {
		p := w.list("limit=7&cursor=" + url.QueryEscape(cursor))
		for _, r := range p.Data {
			if seen[r.ID] {
				t.Fatalf("run %d appears twice", r.ID)
			}
			seen[r.ID] = true
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
		if pages > 100 {
			t.Fatal("too many pages")
		}
	}
	close(stop)
	wg.Wait()
	if len(seen) != 120 {
		t.Fatalf("walked %d runs, want the 120 that existed when paging started", len(seen))
	}
}

func TestRunDetail(t *testing.T) {
	t.Parallel()
	w := newMonitoringWorld(t)
	id := w.id(`INSERT INTO operation_runs (workspace_id, tenant_id, user_id, initiator_name, type, status, outcome,
		summary_counts, failure_summary, context, started_at, completed_at)
		VALUES ($1, $2, $3, 'owner', 'backup_schedule_run', 'completed', 'partially_succeeded',
		'{"total": 5, "succeeded": 4, "failed": 1}', '[{"code": "graph.throttled", "message": "throttled", "count": 1}]',
		'{"backup_schedule_id": 7, "backup_set_id": 3, "trigger": "retry", "retry_of": 1}', now() - interval '90 seconds', now())`, w.ws, w.t1, w.owner)
	res := w.do(http.MethodGet, "/api/v1/operation-runs/"+itoa(id), w.token, nil)
	body := res.json(t)
	if res.Status != http.StatusOK || body["type_label"] != "Backup schedule run" || body["outcome"] != "partially_succeeded" {
		t.Fatalf("detail %d %s", res.Status, res.Body)
	}
	links := body["links"].(map[string]any)
	if links["ui"] != "/admin/operations/"+itoa(id) {
		t.Errorf("links.ui = %v", links["ui"])
	}
	related := links["related"].([]any)
	rels := map[string]bool{}
	for _, r := range related {
		rels[r.(map[string]any)["rel"].(string)] = true
	}
	for _, want := range []string{"backup_schedule", "backup_set", "retry_of"} {
		if !rels[want] {
			t.Errorf("related link %s missing: %v", want, related)
		}
	}
	if d, ok := body["duration_ms"].(float64); !ok || d < 89000 || d > 91000 {
		t.Errorf("duration_ms = %v", body["duration_ms"])
	}

	// An unknown stored type renders as "Unknown operation".
	unknown := w.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type) VALUES ($1, $2, 'System', 'policy.sync')`, w.ws, w.t1)
	if b := w.do(http.MethodGet, "/api/v1/operation-runs/"+itoa(unknown), w.token, nil).json(t); b["type_label"] != "Unknown operation" || b["known_type"] != false {
		t.Errorf("unknown type: %v", b)
	}

	// Weak ETag and 304.
	etag := res.Header.Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("ETag %q", etag)
	}
	if again := w.do(http.MethodGet, "/api/v1/operation-runs/"+itoa(id), w.token, nil, "If-None-Match", etag); again.Status != http.StatusNotModified || len(again.Body) != 0 {
		t.Errorf("If-None-Match = %d", again.Status)
	}
	list := w.do(http.MethodGet, "/api/v1/operation-runs?limit=3", w.token, nil)
	if again := w.do(http.MethodGet, "/api/v1/operation-runs?limit=3", w.token, nil, "If-None-Match", list.Header.Get("ETag")); again.Status != http.StatusNotModified {
		t.Errorf("list If-None-Match = %d", again.Status)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	t.Parallel()
	w := newMonitoringWorld(t)
	for _, q := range []string{
		"limit=0", "limit=201", "limit=x", "cursor=%zz", "cursor=bm90LWEtY3Vyc29y", "created_after=yesterday",
		"created_before=2026-13-01T00:00:00Z", "status=done", "outcome=great", "tab=mine", "type=Inventory%20Sync",
		"type=" + strings.Repeat("a", 65), "initiator=nobody", "tenant_id=abc", "workspace_id=-1", "backup_schedule_id=x", "colour=blue",
	} {
		res := w.do(http.MethodGet, "/api/v1/operation-runs?"+q, w.token, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s = %d, want 400", q, res.Status)
			continue
		}
		b := res.json(t)
		if b["code"] == nil || (b["errors"] == nil && b["code"] != "malformed_query") {
			t.Errorf("%s: problem without code or field errors: %s", q, res.Body)
		}
	}
	if res := w.do(http.MethodGet, "/api/v1/operation-runs/abc", w.token, nil); res.Status != http.StatusBadRequest {
		t.Errorf("non-numeric id = %d", res.Status)
	}

	// Bodies: malformed, unknown fields, wrong types, too large, wrong content type. Nothing changes.
	before := w.count(`SELECT count(*) FROM workspace_memberships`)
	path := "/api/v1/workspaces/" + itoa(w.ws) + "/members/" + itoa(w.owner)
	for _, c := range []struct {
		body   string
		ctype  string
		status int
	}{
		{`{"role": "owner"`, "application/json", 400},
		{`{"role": "owner", "admin": true}`, "application/json", 400},
		{`{"role": 3}`, "application/json", 400},
		{`{"role": "owner"} {"role": "readonly"}`, "application/json", 400},
		{`{"role": "god"}`, "application/json", 422},
		{`{"role": "readonly"}`, "text/plain", 415},
		{`{"role": "` + strings.Repeat("x", 1<<20) + `"}`, "application/json", 413},
	} {
		res := w.do(http.MethodPut, path, w.token, c.body, "Content-Type", c.ctype)
		if res.Status != c.status {
			t.Errorf("body %.40q (%s) = %d, want %d: %.200s", c.body, c.ctype, res.Status, c.status, res.Body)
		}
		if res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("body %.40q: content type %q", c.body, res.Header.Get("Content-Type"))
		}
	}
	if after := w.count(`SELECT count(*) FROM workspace_memberships`); after != before {
		t.Errorf("memberships changed: %d → %d", before, after)
	}
	var role string
	_ = w.db.SQL.QueryRow(`SELECT role FROM workspace_memberships WHERE user_id = $1`, w.owner).Scan(&role)
	if role != "owner" {
		t.Errorf("owner's role is now %q", role)
	}
}

func (e *env) count(q string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.SQL.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
