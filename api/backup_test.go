package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
)

// backupEnv is a workspace with a tenant whose members hold every role, another tenant of the
// workspace no operator or readonly member is entitled to, and a user of another workspace.
type backupEnv struct {
	*env
	ws, tn, otherTn int64
	tokens          map[string]string // role → token; "stranger" is in another workspace
	runs            *operations.Service
}

func newBackupEnv(t *testing.T) *backupEnv {
	t.Helper()
	e := newEnv(t)
	runs, err := jobs.NewRunService(e.db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{SessionTTL: time.Hour, CORSOrigins: []string{"http://localhost:5173"}}
	e.srv = api.New(api.Deps{DB: e.db.Gorm, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg,
		Tenancy: e.tenancy, Auth: e.auth, Authz: e.authz, Runs: runs})
	b := &backupEnv{env: e, tokens: map[string]string{}, runs: runs}
	b.ws = e.id(`INSERT INTO workspaces (name, slug) VALUES ('Contoso', 'contoso')`)
	b.tn = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Contoso EU', 'e-1')`, b.ws)
	b.otherTn = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Contoso US', 'e-2')`, b.ws)
	for _, role := range []string{"owner", "manager", "operator", "readonly"} {
		u, tok := e.user(role+"@contoso.test", false)
		b.tokens[role] = tok
		e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, b.ws, u.ID, role)
		e.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`, b.tn, u.ID, role)
	}
	otherWS := e.id(`INSERT INTO workspaces (name, slug) VALUES ('Fabrikam', 'fabrikam')`)
	stranger, tok := e.user("stranger@fabrikam.test", false)
	b.tokens["stranger"] = tok
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, otherWS, stranger.ID)
	e.reload()
	return b
}

func (b *backupEnv) schedulesPath(tenant int64) string {
	return fmt.Sprintf("/api/v1/tenants/%d/backup-schedules", tenant)
}

// create makes a schedule as the manager and returns its id.
func (b *backupEnv) create(body map[string]any) int64 {
	b.t.Helper()
	res := b.do(http.MethodPost, b.schedulesPath(b.tn), b.tokens["manager"], body)
	if res.Status != http.StatusCreated {
		b.t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	return int64(res.json(b.t)["id"].(float64))
}

func nightly() map[string]any {
	return map[string]any{"name": "Nightly", "frequency": "daily", "time_of_day": "02:30",
		"timezone": "Europe/Berlin", "policy_types": []string{"deviceConfiguration", "deviceCompliancePolicy"}}
}

func fieldsOf(t *testing.T, r response) map[string]string {
	t.Helper()
	var p struct {
		Code   string `json:"code"`
		Errors []struct{ Field, Message string }
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("not a problem: %s", r.Body)
	}
	out := map[string]string{"(code)": p.Code}
	for _, e := range p.Errors {
		out[e.Field] = e.Message
	}
	return out
}

func TestBackupScheduleLifecycle(t *testing.T) {
	t.Parallel()
	b := newBackupEnv(t)
	mgr := b.tokens["manager"]
	base := b.schedulesPath(b.tn)

	res := b.do(http.MethodPost, base, mgr, nightly())
	if res.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	s := res.json(t)
	id := int64(s["id"].(float64))
	self := fmt.Sprintf("%s/%d", base, id)
	if res.Header.Get("Location") != self || s["is_enabled"] != true || s["retention_keep_last"] != float64(30) ||
		s["include_foundations"] != true || s["time_of_day"] != "02:30" || s["next_run_at"] == nil || s["archived_at"] != nil {
		t.Fatalf("created %v (Location %q)", s, res.Header.Get("Location"))
	}
	if pt := s["policy_types"].([]any); len(pt) != 2 || pt[0] != "deviceConfiguration" {
		t.Fatalf("policy_types %v", pt)
	}
	links := s["links"].(map[string]any)
	if links["runs"] != fmt.Sprintf("/api/v1/operation-runs?backup_schedule_id=%d", id) {
		t.Fatalf("links %v", links)
	}
	if got := b.do(http.MethodGet, self, b.tokens["readonly"], nil); got.Status != http.StatusOK || got.Header.Get("ETag") == "" {
		t.Fatalf("get: %d", got.Status)
	}

	// PATCH: weekly on Monday and Friday; the next run is planned afresh.
	res = b.do(http.MethodPatch, self, mgr, map[string]any{"frequency": "weekly", "days_of_week": []int{5, 1}, "retention_keep_last": 7})
	if res.Status != http.StatusOK {
		t.Fatalf("patch: %d %s", res.Status, res.Body)
	}
	if s := res.json(t); fmt.Sprint(s["days_of_week"]) != "[1 5]" || s["retention_keep_last"] != float64(7) || s["name"] != "Nightly" {
		t.Fatalf("patched %v", s)
	}
	// Disable and enable through is_enabled.
	if s := b.do(http.MethodPatch, self, mgr, map[string]any{"is_enabled": false}).json(t); s["is_enabled"] != false || s["next_run_at"] != nil {
		t.Fatalf("disabled %v", s)
	}
	if s := b.do(http.MethodPatch, self, mgr, map[string]any{"is_enabled": true}).json(t); s["next_run_at"] == nil {
		t.Fatalf("enabled %v", s)
	}

	// Delete is for archived schedules only.
	if res := b.do(http.MethodDelete, self, mgr, nil); res.Status != http.StatusConflict || fieldsOf(t, res)["(code)"] != "schedule_not_archived" {
		t.Fatalf("delete unarchived: %d %s", res.Status, res.Body)
	}
	res = b.do(http.MethodPost, self+"/archive", mgr, nil)
	if res.Status != http.StatusOK || res.json(t)["archived_at"] == nil || res.json(t)["next_run_at"] != nil {
		t.Fatalf("archive: %d %s", res.Status, res.Body)
	}
	// Archived: hidden from the list unless asked, read-only, cannot run.
	if l := b.do(http.MethodGet, base, mgr, nil).json(t)["data"].([]any); len(l) != 0 {
		t.Fatalf("list shows an archived schedule: %v", l)
	}
	if l := b.do(http.MethodGet, base+"?include_archived=true", mgr, nil).json(t)["data"].([]any); len(l) != 1 {
		t.Fatalf("include_archived: %v", l)
	}
	if res := b.do(http.MethodPatch, self, mgr, map[string]any{"name": "x"}); res.Status != http.StatusConflict || fieldsOf(t, res)["(code)"] != "schedule_archived" {
		t.Fatalf("patch archived: %d %s", res.Status, res.Body)
	}
	if res := b.do(http.MethodPost, self+"/run-now", b.tokens["operator"], nil); res.Status != http.StatusConflict {
		t.Fatalf("run archived: %d %s", res.Status, res.Body)
	}
	res = b.do(http.MethodPost, self+"/restore", mgr, nil)
	if res.Status != http.StatusOK || res.json(t)["archived_at"] != nil || res.json(t)["next_run_at"] == nil {
		t.Fatalf("restore: %d %s", res.Status, res.Body)
	}
	if res := b.do(http.MethodPost, self+"/archive", mgr, nil); res.Status != http.StatusOK {
		t.Fatalf("archive again: %d", res.Status)
	}
	if res := b.do(http.MethodDelete, self, mgr, nil); res.Status != http.StatusNoContent || len(res.Body) != 0 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := b.do(http.MethodGet, self, mgr, nil); res.Status != http.StatusNotFound {
		t.Fatalf("get deleted: %d", res.Status)
	}
}

// TestBackupScheduleDeleteRefusedWhileRunsExist: an archived schedule with history (any
// operation run naming it, finished or not) is not deleted.
func TestBackupScheduleDeleteRefusedWhileRunsExist(t *testing.T) {
	t.Parallel()
	b := newBackupEnv(t)
	id := b.create(nightly())
	self := fmt.Sprintf("%s/%d", b.schedulesPath(b.tn), id)
	if res := b.do(http.MethodPost, self+"/run-now", b.tokens["operator"], nil); res.Status != http.StatusAccepted {
		t.Fatalf("run now: %d %s", res.Status, res.Body)
	}
	b.do(http.MethodPost, self+"/archive", b.tokens["manager"], nil)
	res := b.do(http.MethodDelete, self, b.tokens["owner"], nil)
	if res.Status != http.StatusConflict || fieldsOf(t, res)["(code)"] != "schedule_has_runs" {
		t.Fatalf("delete with runs: %d %s", res.Status, res.Body)
	}
	if _, err := b.db.SQL.Exec(`UPDATE operation_runs SET status = 'completed', outcome = 'succeeded', completed_at = now()`); err != nil {
		t.Fatal(err)
	}
	if res := b.do(http.MethodDelete, self, b.tokens["owner"], nil); res.Status != http.StatusConflict {
		t.Fatalf("delete with a finished run: %d %s", res.Status, res.Body)
	}
}

func TestBackupScheduleValidation(t *testing.T) {
	t.Parallel()
	b := newBackupEnv(t)
	mgr := b.tokens["manager"]
	base := b.schedulesPath(b.tn)
	cases := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"missing everything", map[string]any{}, 422, []string{"name", "frequency", "time_of_day", "policy_types"}},
		{"bad values", map[string]any{"name": strings.Repeat("n", 256), "timezone": "Mars/Olympus", "frequency": "hourly",
			"time_of_day": "24:00", "policy_types": []string{"roleScopeTag", "bogus"}, "retention_keep_last": 0}, 422,
			[]string{"name", "timezone", "frequency", "time_of_day", "policy_types", "retention_keep_last"}},
		{"weekly without days", map[string]any{"name": "W", "frequency": "weekly", "time_of_day": "01:00", "policy_types": []string{"deviceConfiguration"}}, 422, []string{"days_of_week"}},
		{"days out of range and repeated", map[string]any{"name": "W", "frequency": "weekly", "time_of_day": "01:00", "days_of_week": []int{0, 3, 3, 8},
			"policy_types": []string{"deviceConfiguration"}}, 422, []string{"days_of_week"}},
		{"empty policy types", map[string]any{"name": "E", "frequency": "daily", "time_of_day": "01:00", "policy_types": []string{}}, 422, []string{"policy_types"}},
		{"time with seconds", map[string]any{"name": "S", "frequency": "daily", "time_of_day": "01:00:00", "policy_types": []string{"deviceConfiguration"}}, 422, []string{"time_of_day"}},
		{"unknown field", map[string]any{"name": "U", "frequency": "daily", "time_of_day": "01:00", "policy_types": []string{"deviceConfiguration"}, "cron": "* * * * *"}, 400, []string{"cron"}},
		{"wrong type", map[string]any{"name": "T", "frequency": "daily", "time_of_day": "01:00", "policy_types": "deviceConfiguration"}, 400, []string{"policy_types"}},
		{"fractional day", map[string]any{"name": "T", "frequency": "weekly", "time_of_day": "01:00", "days_of_week": []float64{1.5}, "policy_types": []string{"deviceConfiguration"}}, 400, []string{"days_of_week"}},
		{"malformed JSON", `{"name": `, 400, nil},
	}
	for _, c := range cases {
		res := b.do(http.MethodPost, base, mgr, c.body)
		if res.Status != c.status || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
			continue
		}
		got := fieldsOf(t, res)
		for _, f := range c.fields {
			if _, ok := got[f]; !ok {
				t.Errorf("%s: no error for %s: %s", c.name, f, res.Body)
			}
		}
	}
	// Not JSON at all: 415.
	if res := b.do(http.MethodPost, base, mgr, "name=x", "Content-Type", "text/plain"); res.Status != http.StatusUnsupportedMediaType {
		t.Errorf("text body: %d", res.Status)
	}
	id := b.create(nightly())
	self := fmt.Sprintf("%s/%d", base, id)
	for name, body := range map[string]any{
		"daily with days":   map[string]any{"days_of_week": []int{1}},
		"weekly, no days":   map[string]any{"frequency": "weekly"},
		"empty name":        map[string]any{"name": "   "},
		"foundation type":   map[string]any{"policy_types": []string{"assignmentFilter"}},
		"local time zone":   map[string]any{"timezone": "Local"},
		"zero retention":    map[string]any{"retention_keep_last": 0},
		"unknown frequency": map[string]any{"frequency": "monthly"},
	} {
		if res := b.do(http.MethodPatch, self, mgr, body); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("patch %s: %d %s", name, res.Status, res.Body)
		}
	}
	if res := b.do(http.MethodPatch, self, mgr, map[string]any{"enabled": true}); res.Status != http.StatusBadRequest {
		t.Errorf("patch unknown field: %d", res.Status)
	}
	if res := b.do(http.MethodPost, self+"/run-now", b.tokens["operator"], map[string]any{"force": true}); res.Status != http.StatusBadRequest {
		t.Errorf("run-now with an unknown field: %d", res.Status)
	}
	for _, q := range []string{"?include_archived=yes", "?limit=0", "?cursor=zzz", "?bogus=1"} {
		if res := b.do(http.MethodGet, base+q, mgr, nil); res.Status != http.StatusBadRequest {
			t.Errorf("list %s: %d", q, res.Status)
		}
	}
	if res := b.do(http.MethodGet, base+"/abc", mgr, nil); res.Status != http.StatusBadRequest {
		t.Errorf("non-numeric id: %d", res.Status)
	}
	// Nothing invalid was stored.
	var n int
	_ = b.db.SQL.QueryRow(`SELECT count(*) FROM backup_schedules`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d schedules", n)
	}
}

// TestBackupRunNowAndRetry: run-now always starts a new run (202, Location); the
// Idempotency-Key makes a repeat answer like the first; retry needs a finished run and names it.
func TestBackupRunNowAndRetry(t *testing.T) {
	t.Parallel()
	b := newBackupEnv(t)
	op := b.tokens["operator"]
	id := b.create(nightly())
	self := fmt.Sprintf("%s/%d", b.schedulesPath(b.tn), id)

	res := b.do(http.MethodPost, self+"/retry", op, nil)
	if res.Status != http.StatusConflict || fieldsOf(t, res)["(code)"] != "no_previous_run" {
		t.Fatalf("retry without a run: %d %s", res.Status, res.Body)
	}
	res = b.do(http.MethodPost, self+"/run-now", op, nil)
	if res.Status != http.StatusAccepted {
		t.Fatalf("run now: %d %s", res.Status, res.Body)
	}
	first := res.json(t)
	firstID := int64(first["id"].(float64))
	if res.Header.Get("Location") != fmt.Sprintf("/api/v1/operation-runs/%d", firstID) || first["type"] != "backup_schedule_run" ||
		first["status"] != "queued" || first["initiator"].(map[string]any)["kind"] != "user" {
		t.Fatalf("run %v", first)
	}
	rc := first["context"].(map[string]any)
	if rc["backup_schedule_id"] != float64(id) || rc["trigger"] != "run_now" || rc["scheduled_for"] == nil {
		t.Fatalf("context %v", rc)
	}
	// Another run now while the first is queued: a new run, not the same one.
	second := b.do(http.MethodPost, self+"/run-now", op, nil)
	if second.Status != http.StatusAccepted || int64(second.json(t)["id"].(float64)) == firstID {
		t.Fatalf("second run now: %d %s", second.Status, second.Body)
	}
	// Idempotency-Key: the repeat answers with the first run.
	k1 := b.do(http.MethodPost, self+"/run-now", op, nil, "Idempotency-Key", "k-1")
	k2 := b.do(http.MethodPost, self+"/run-now", op, nil, "Idempotency-Key", "k-1")
	if k1.Status != http.StatusAccepted || k2.Status != http.StatusAccepted || k1.json(t)["id"] != k2.json(t)["id"] {
		t.Fatalf("idempotent repeat: %d %d %v %v", k1.Status, k2.Status, k1.json(t)["id"], k2.json(t)["id"])
	}

	// The first run finishes; retry names it.
	if _, err := b.runs.Transition(context.Background(), nil, firstID, operations.Transition{To: operations.StatusCompleted, Outcome: operations.OutcomeFailed}); err != nil {
		t.Fatal(err)
	}
	if res := b.do(http.MethodPost, self+"/retry", op, nil, "Idempotency-Key", "k-1"); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("key reused for another request: %d %s", res.Status, res.Body)
	}
	res = b.do(http.MethodPost, self+"/retry", op, nil)
	if res.Status != http.StatusAccepted {
		t.Fatalf("retry: %d %s", res.Status, res.Body)
	}
	rc = res.json(t)["context"].(map[string]any)
	if rc["trigger"] != "retry" || rc["retry_of"] != float64(firstID) {
		t.Fatalf("retry context %v", rc)
	}
	// The schedule's history is its operation runs.
	hist := b.do(http.MethodGet, fmt.Sprintf("/api/v1/operation-runs?backup_schedule_id=%d", id), op, nil)
	if hist.Status != http.StatusOK || len(hist.json(t)["data"].([]any)) != 4 {
		t.Fatalf("history: %d %s", hist.Status, hist.Body)
	}
	// Each run has its job.
	var jobs int
	_ = b.db.SQL.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'backup_schedule_run'`).Scan(&jobs)
	if jobs != 4 {
		t.Fatalf("%d jobs", jobs)
	}
}

// TestBackupSchedulesPermissions: readonly reads but starts nothing (403); operators run but do
// not manage schedules; the tenant of another workspace, a tenant the caller is not entitled to
// and another tenant's schedule are all 404.
func TestBackupSchedulesPermissions(t *testing.T) {
	t.Parallel()
	b := newBackupEnv(t)
	id := b.create(nightly())
	base := b.schedulesPath(b.tn)
	self := fmt.Sprintf("%s/%d", base, id)
	expect := func(role, method, path string, body any, want int) {
		t.Helper()
		res := b.do(method, path, b.tokens[role], body)
		if res.Status != want {
			t.Errorf("%s %s %s: %d, want %d: %s", role, method, path, res.Status, want, res.Body)
		}
		if want == http.StatusForbidden && !strings.Contains(string(res.Body), "capability_missing") {
			t.Errorf("%s %s %s: 403 without capability_missing", role, method, path)
		}
	}
	expect("readonly", http.MethodGet, base, nil, 200)
	expect("readonly", http.MethodGet, self, nil, 200)
	expect("readonly", http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/backup-sets", b.tn), nil, 200)
	expect("readonly", http.MethodPost, base, nightly(), 403)
	expect("readonly", http.MethodPost, self+"/run-now", nil, 403)
	expect("readonly", http.MethodPost, self+"/retry", nil, 403)
	expect("readonly", http.MethodPatch, self, map[string]any{"name": "x"}, 403)
	expect("operator", http.MethodPost, base, nightly(), 403)
	expect("operator", http.MethodPost, self+"/archive", nil, 403)
	expect("operator", http.MethodDelete, self, nil, 403)
	expect("operator", http.MethodPost, self+"/run-now", nil, 202)
	expect("owner", http.MethodPatch, self, map[string]any{"name": "Owned"}, 200)
	// Not a member of the workspace: nothing exists.
	expect("stranger", http.MethodGet, base, nil, 404)
	expect("stranger", http.MethodGet, self, nil, 404)
	expect("stranger", http.MethodPost, self+"/run-now", nil, 404)
	// Operators and readonly members are not entitled to the other tenant; managers are, but the
	// schedule is not that tenant's.
	other := fmt.Sprintf("%s/%d", b.schedulesPath(b.otherTn), id)
	expect("readonly", http.MethodGet, b.schedulesPath(b.otherTn), nil, 404)
	expect("operator", http.MethodPost, other+"/run-now", nil, 404)
	expect("manager", http.MethodGet, other, nil, 404)
	expect("manager", http.MethodPatch, other, map[string]any{"name": "x"}, 404)
	expect("manager", http.MethodPost, other+"/run-now", nil, 404)
	expect("manager", http.MethodDelete, other, nil, 404)
	expect("manager", http.MethodGet, b.schedulesPath(b.otherTn), nil, 200)
	// No token.
	expect("nobody", http.MethodGet, base, nil, 401)
}

func TestBackupSetsAPI(t *testing.T) {
	t.Parallel()
	b := newBackupEnv(t)
	id := b.create(nightly())
	ro := b.tokens["readonly"]
	run := b.run(b.ws, &b.tn, "backup_schedule_run")
	set := func(schedule *int64, retired bool, items int) int64 {
		retiredAt := "NULL"
		if retired {
			retiredAt = "now()"
		}
		sid := b.id(`INSERT INTO backup_sets (tenant_id, backup_schedule_id, operation_run_id, name, status, item_count, created_by, completed_at, retired_at)
			VALUES ($1, $2, $3, 'Nightly - 2026-03-01 02:30', 'completed', $4, 'System', now(), `+retiredAt+`)`, b.tn, schedule, run, items)
		for i := 0; i < items; i++ {
			b.id(`INSERT INTO backup_items (tenant_id, backup_set_id, policy_type, external_id) VALUES ($1, $2, 'deviceConfiguration', $3)`, b.tn, sid, fmt.Sprint(i))
		}
		return sid
	}
	retired := set(&id, true, 1)
	kept := set(&id, false, 3)
	manual := set(nil, false, 0)
	foreign := b.id(`INSERT INTO backup_sets (tenant_id, name, status) VALUES ($1, 'Other', 'completed')`, b.otherTn)

	base := fmt.Sprintf("/api/v1/tenants/%d/backup-sets", b.tn)
	ids := func(r response) []int64 {
		var out []int64
		for _, d := range r.json(t)["data"].([]any) {
			out = append(out, int64(d.(map[string]any)["id"].(float64)))
		}
		return out
	}
	if got := ids(b.do(http.MethodGet, base, ro, nil)); fmt.Sprint(got) != fmt.Sprint([]int64{manual, kept}) {
		t.Fatalf("list %v", got)
	}
	if got := ids(b.do(http.MethodGet, base+"?include_retired=true", ro, nil)); fmt.Sprint(got) != fmt.Sprint([]int64{manual, kept, retired}) {
		t.Fatalf("include_retired %v", got)
	}
	if got := ids(b.do(http.MethodGet, fmt.Sprintf("%s?backup_schedule_id=%d&include_retired=true", base, id), ro, nil)); fmt.Sprint(got) != fmt.Sprint([]int64{kept, retired}) {
		t.Fatalf("by schedule %v", got)
	}
	// Keyset pages.
	page := b.do(http.MethodGet, base+"?include_retired=true&limit=2", ro, nil)
	next, _ := page.json(t)["next_cursor"].(string)
	if next == "" || !strings.Contains(page.Header.Get("Link"), `rel="next"`) {
		t.Fatalf("page 1: %s %q", page.Body, page.Header.Get("Link"))
	}
	page2 := b.do(http.MethodGet, base+"?include_retired=true&limit=2&cursor="+next, ro, nil)
	if got := ids(page2); fmt.Sprint(got) != fmt.Sprint([]int64{retired}) || page2.json(t)["next_cursor"] != nil {
		t.Fatalf("page 2: %s", page2.Body)
	}

	res := b.do(http.MethodGet, fmt.Sprintf("%s/%d", base, kept), ro, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("get: %d %s", res.Status, res.Body)
	}
	got := res.json(t)
	if got["item_count"] != float64(3) || got["backup_schedule_id"] != float64(id) || got["operation_run_id"] != float64(run) ||
		got["links"].(map[string]any)["operation_run"] != fmt.Sprintf("/api/v1/operation-runs/%d", run) {
		t.Fatalf("set %v", got)
	}
	if res := b.do(http.MethodGet, fmt.Sprintf("%s/%d", base, retired), ro, nil); res.Status != http.StatusOK || res.json(t)["retired_at"] == nil {
		t.Fatalf("retired set: %d", res.Status)
	}
	if res := b.do(http.MethodGet, fmt.Sprintf("%s/%d", base, foreign), ro, nil); res.Status != http.StatusNotFound {
		t.Fatalf("another tenant's set: %d", res.Status)
	}
	if res := b.do(http.MethodGet, fmt.Sprintf("%s/%d", base, kept), b.tokens["stranger"], nil); res.Status != http.StatusNotFound {
		t.Fatalf("stranger: %d", res.Status)
	}
	for _, q := range []string{"?backup_schedule_id=x", "?backup_schedule_id=0", "?include_retired=1", "?cursor=%%%", "?sort=name"} {
		if res := b.do(http.MethodGet, base+q, ro, nil); res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, res.Status)
		}
	}
}
