package api_test

// API tests of the routes the workers added: the policy types, starting inventory and Entra group
// syncs (with Idempotency-Key), the inventory items and KPIs, the Entra groups and the
// notifications. No River worker runs here: a started run stays queued, with its job in
// river_job; what the workers would have written (items, groups, notifications) is inserted with
// SQL.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// workersWorld is a workspace with a tenant and a user of every relation to it, and a second
// workspace with its own tenant.
type workersWorld struct {
	*env
	ws, tn, otherTn int64
	ownerID         int64
	// Tokens: owner of the workspace; operator and readonly members of the workspace and the
	// tenant; outsider, owner of the other workspace only.
	owner, operator, readonly, outsider string
	outsiderID                          int64
}

func newWorkersWorld(t *testing.T) *workersWorld {
	t.Helper()
	e := newEnv(t)
	w := &workersWorld{env: e}
	w.ws = e.id(`INSERT INTO workspaces (name, slug) VALUES ('Contoso', 'contoso')`)
	w.tn = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Contoso', 'e-1')`, w.ws)
	other := e.id(`INSERT INTO workspaces (name, slug) VALUES ('Fabrikam', 'fabrikam')`)
	w.otherTn = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Fabrikam', 'e-2')`, other)

	owner, ownerTok := e.user("owner@contoso.test", false)
	w.ownerID, w.owner = owner.ID, ownerTok
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, w.ws, owner.ID)
	for _, role := range []string{"operator", "readonly"} {
		u, tok := e.user(role+"@contoso.test", false)
		e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, w.ws, u.ID, role)
		e.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`, w.tn, u.ID, role)
		if role == "operator" {
			w.operator = tok
		} else {
			w.readonly = tok
		}
	}
	outsider, outsiderTok := e.user("owner@fabrikam.test", false)
	w.outsider, w.outsiderID = outsiderTok, outsider.ID
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, other, outsider.ID)
	e.reload()
	return w
}

func (w *workersWorld) tenantPath(rest string) string { return "/api/v1/tenants/" + itoa(w.tn) + rest }

// exec runs a statement.
func (w *workersWorld) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.db.SQL.Exec(q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

// count runs a count query.
func (w *workersWorld) count(q string, args ...any) int64 {
	w.t.Helper()
	var n int64
	if err := w.db.SQL.QueryRow(q, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// complete finishes a run, freeing its identity.
func (w *workersWorld) complete(runID int64) {
	w.t.Helper()
	w.exec(`UPDATE operation_runs SET status = 'completed', outcome = 'succeeded', started_at = now() - interval '1 minute',
		completed_at = now() WHERE id = $1`, runID)
}

// problemField checks a problem's code and that errors[] names field.
func problemField(t *testing.T, res response, code, field string) {
	t.Helper()
	p := res.json(t)
	if p["code"] != code {
		t.Errorf("problem code %v, want %s: %s", p["code"], code, res.Body)
	}
	if field == "" {
		return
	}
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if e.(map[string]any)["field"] == field {
			return
		}
	}
	t.Errorf("the problem does not name %s: %s", field, res.Body)
}

// ids lists the ids of a list body's data.
func ids(t *testing.T, res response) []int64 {
	t.Helper()
	var out []int64
	for _, d := range res.json(t)["data"].([]any) {
		out = append(out, int64(d.(map[string]any)["id"].(float64)))
	}
	return out
}

var linkNext = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// walkPages follows the Link headers from path and returns every id seen. Each page's
// next_cursor must be the cursor of its Link, and the last page has neither.
func walkPages(t *testing.T, e *env, token, path string) []int64 {
	t.Helper()
	var all []int64
	for page := 0; path != ""; page++ {
		if page > 50 {
			t.Fatalf("more than 50 pages")
		}
		res := e.do(http.MethodGet, path, token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("GET %s = %d: %s", path, res.Status, res.Body)
		}
		all = append(all, ids(t, res)...)
		next, _ := res.json(t)["next_cursor"].(string)
		link := res.Header.Get("Link")
		path = ""
		switch {
		case next == "" && link == "":
		case next == "" || link == "":
			t.Fatalf("GET %s: next_cursor %q but Link %q", path, next, link)
		default:
			m := linkNext.FindStringSubmatch(link)
			if m == nil {
				t.Fatalf("Link %q", link)
			}
			u, err := url.Parse(m[1])
			if err != nil || u.Query().Get("cursor") != next {
				t.Fatalf("Link %q does not carry next_cursor %q", link, next)
			}
			path = m[1]
		}
	}
	return all
}

// TestPolicyTypes: the registry of policy types, policy types first and foundations last.
func TestPolicyTypes(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	res := w.do(http.MethodGet, "/api/v1/policy-types", w.readonly, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("policy types = %d: %s", res.Status, res.Body)
	}
	var body struct {
		Data []struct {
			Key        string `json:"key"`
			Category   string `json:"category"`
			Foundation bool   `json:"foundation"`
			Restorable bool   `json:"restorable"`
		} `json:"data"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Fatal(err)
	}
	byKey := map[string]int{}
	seenFoundation := false
	for i, pt := range body.Data {
		byKey[pt.Key] = i
		if seenFoundation && !pt.Foundation {
			t.Errorf("policy type %s follows a foundation", pt.Key)
		}
		seenFoundation = seenFoundation || pt.Foundation
		if pt.Foundation != (pt.Category == "Foundations") {
			t.Errorf("%s: foundation %v in category %s", pt.Key, pt.Foundation, pt.Category)
		}
	}
	for _, key := range []string{"deviceConfiguration", "deviceCompliancePolicy", "roleScopeTag", "notificationMessageTemplate"} {
		if _, ok := byKey[key]; !ok {
			t.Errorf("%s is missing: %s", key, res.Body)
		}
	}
	if i, ok := byKey["notificationMessageTemplate"]; ok && body.Data[i].Restorable {
		t.Errorf("notification templates are not restorable")
	}

	if again := w.do(http.MethodGet, "/api/v1/policy-types", w.owner, nil, "If-None-Match", res.Header.Get("ETag")); again.Status != http.StatusNotModified {
		t.Errorf("policy types with If-None-Match = %d", again.Status)
	}
	if head := w.do(http.MethodHead, "/api/v1/policy-types", w.owner, nil); head.Status != http.StatusOK || head.Header.Get("ETag") != res.Header.Get("ETag") {
		t.Errorf("HEAD policy types = %d, ETag %q", head.Status, head.Header.Get("ETag"))
	}
	if anon := w.do(http.MethodGet, "/api/v1/policy-types", "", nil); anon.Status != http.StatusUnauthorized {
		t.Errorf("policy types without a token = %d", anon.Status)
	}
}

// syncStep is one request to a sync route and what it must answer. For a success, run names the
// run it answers with: a name seen before must be that same run, a new name must be a run no
// earlier step answered with.
type syncStep struct {
	name    string
	before  func() // runs before the request
	token   string
	path    string // the sync route unless set
	body    any
	headers []string
	status  int
	run     string
	// For errors: the problem's code and the field errors[] must name.
	code, field string
	// For 403: the capability named.
	capability string
	// For a success: the run's expected status (queued unless set).
	runStatus string
}

// runSyncSteps sends the steps in order and checks every answer.
func runSyncSteps(t *testing.T, w *workersWorld, defaultPath, kind string, steps []syncStep, runs map[string]int64) {
	t.Helper()
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		path := st.path
		if path == "" {
			path = defaultPath
		}
		res := w.do(http.MethodPost, path, st.token, st.body, st.headers...)
		if res.Status != st.status {
			t.Errorf("%s: POST %s = %d, want %d: %s", st.name, path, res.Status, st.status, res.Body)
			continue
		}
		if st.status >= 400 {
			if loc := res.Header.Get("Location"); loc != "" {
				t.Errorf("%s: an error with Location %q", st.name, loc)
			}
			if st.code != "" {
				problemField(t, res, st.code, st.field)
			}
			if st.capability != "" && res.json(t)["capability"] != st.capability {
				t.Errorf("%s: 403 names %v, want %s", st.name, res.json(t)["capability"], st.capability)
			}
			continue
		}
		run := res.json(t)
		id := int64(run["id"].(float64))
		if want, seen := runs[st.run]; seen && want != id {
			t.Errorf("%s: run %d, want %q = run %d", st.name, id, st.run, want)
		} else if !seen {
			for other, otherID := range runs {
				if otherID == id {
					t.Errorf("%s: run %d is %q again, want a new run", st.name, id, other)
				}
			}
			runs[st.run] = id
		}
		if loc := res.Header.Get("Location"); loc != "/api/v1/operation-runs/"+itoa(id) {
			t.Errorf("%s: Location %q", st.name, loc)
		}
		wantStatus := st.runStatus
		if wantStatus == "" {
			wantStatus = "queued"
		}
		if run["type"] != kind || run["status"] != wantStatus || run["tenant_id"] != float64(w.tn) {
			t.Errorf("%s: run %v %v tenant %v, want %s %s tenant %d", st.name, run["type"], run["status"], run["tenant_id"], kind, wantStatus, w.tn)
		}
		// The body is the run as its detail shows it.
		detail := w.do(http.MethodGet, "/api/v1/operation-runs/"+itoa(id), w.owner, nil)
		if detail.Status != http.StatusOK || !reflect.DeepEqual(run, detail.json(t)) {
			t.Errorf("%s: the answer is not the run's detail:\n  %s\n  %s", st.name, res.Body, detail.Body)
		}
		// Exactly one job, of the run's kind, carries the run; the run knows it.
		jobsOfRun := w.count(`SELECT count(*) FROM river_job WHERE kind = $1 AND (args->>'run_id')::bigint = $2`, kind, id)
		linked := w.count(`SELECT count(*) FROM operation_runs r JOIN river_job j ON j.id = r.job_id WHERE r.id = $1 AND j.kind = $2`, id, kind)
		if jobsOfRun != 1 || linked != 1 {
			t.Errorf("%s: run %d has %d jobs (%d linked), want 1", st.name, id, jobsOfRun, linked)
		}
	}
}

// TestStartInventorySync: 202 with a new run, 200 with the active run of the same selection, a
// new run for another selection; who may start; bad selections; Idempotency-Key.
func TestStartInventorySync(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	runs := map[string]int64{}
	dc := map[string]any{"policy_types": []string{"deviceConfiguration"}}
	sel := func(types ...string) map[string]any {
		return map[string]any{"policy_types": append([]string{}, types...)}
	}
	longKey := strings.Repeat("k", 256)
	steps := []syncStep{
		// Who may start.
		{name: "without a token", token: "", status: 401, code: "unauthenticated"},
		{name: "readonly member", token: w.readonly, status: 403, code: "capability_missing", capability: "tenant.inventory.sync"},
		{name: "readonly member, bad body", token: w.readonly, body: sel(), status: 403, code: "capability_missing"},
		{name: "member of another workspace", token: w.outsider, status: 404, code: "not_found"},
		{name: "missing tenant", token: w.owner, path: "/api/v1/tenants/999999/inventory/sync", status: 404, code: "not_found"},
		{name: "non-numeric tenant", token: w.owner, path: "/api/v1/tenants/abc/inventory/sync", status: 400, code: "invalid_parameter", field: "tenant"},
		{name: "another workspace's tenant", token: w.owner, path: "/api/v1/tenants/" + itoa(w.otherTn) + "/inventory/sync", status: 404, code: "not_found"},

		// Selections: the normalised selection is the identity of the active run.
		{name: "everything, no body", token: w.owner, status: 202, run: "all"},
		{name: "everything, empty object", token: w.owner, body: map[string]any{}, status: 200, run: "all"},
		{name: "everything, spelled out, by the operator", token: w.operator,
			body: map[string]any{"policy_types": nil, "include_foundations": true}, status: 200, run: "all"},
		{name: "one type", token: w.owner, body: dc, status: 202, run: "dc"},
		{name: "one type, twice", token: w.operator, body: sel("deviceConfiguration", "deviceConfiguration"), status: 200, run: "dc"},
		{name: "one type without foundations", token: w.owner,
			body: map[string]any{"policy_types": []string{"deviceConfiguration"}, "include_foundations": false}, status: 202, run: "dc-bare"},
		{name: "two types", token: w.owner, body: sel("deviceCompliancePolicy", "deviceConfiguration"), status: 202, run: "two"},
		{name: "two types, other order", token: w.owner, body: sel("deviceConfiguration", "deviceCompliancePolicy"), status: 200, run: "two"},
		{name: "everything again once the first is done", before: func() { w.complete(runs["all"]) }, token: w.owner, status: 202, run: "all-2"},

		// Invalid selections.
		{name: "no types", token: w.owner, body: sel(), status: 422, code: "validation_failed", field: "policy_types"},
		{name: "an unknown type", token: w.owner, body: sel("deviceConfiguration", "nope"), status: 422, code: "validation_failed", field: "policy_types"},
		{name: "a foundation", token: w.owner, body: sel("roleScopeTag"), status: 422, code: "validation_failed", field: "policy_types"},
		{name: "types as a string", token: w.owner, body: `{"policy_types": "deviceConfiguration"}`, status: 400, code: "invalid_type", field: "policy_types"},
		{name: "foundations as a string", token: w.owner, body: `{"include_foundations": "yes"}`, status: 400, code: "invalid_type", field: "include_foundations"},
		{name: "an unknown field", token: w.owner, body: map[string]any{"colour": "blue"}, status: 400, code: "unknown_field", field: "colour"},
		{name: "malformed JSON", token: w.owner, body: `{"policy_types": [`, status: 400, code: "malformed_json"},
		{name: "not JSON", token: w.owner, body: `policy_types=deviceConfiguration`, headers: []string{"Content-Type", "text/plain"}, status: 415, code: "unsupported_media_type"},

		// Idempotency-Key: a replay answers like the first request; another request with the
		// same key is refused; keys are the user's own.
		{name: "key 1", token: w.owner, body: sel("configurationPolicy"), headers: []string{"Idempotency-Key", "key-1"}, status: 202, run: "cp"},
		{name: "key 1 replayed", token: w.owner, body: sel("configurationPolicy"), headers: []string{"Idempotency-Key", "key-1"}, status: 202, run: "cp"},
		{name: "key 1 with another selection", token: w.owner, body: sel("groupPolicyConfiguration"), headers: []string{"Idempotency-Key", "key-1"},
			status: 422, code: "validation_failed", field: "Idempotency-Key"},
		{name: "key 1 on another tenant", token: w.owner, path: "/api/v1/tenants/" + itoa(w.tn) + "/directory/groups/sync",
			headers: []string{"Idempotency-Key", "key-1"}, status: 422, code: "validation_failed", field: "Idempotency-Key"},
		{name: "key 2 for the active run", token: w.owner, body: sel("configurationPolicy"), headers: []string{"Idempotency-Key", "key-2"}, status: 200, run: "cp"},
		{name: "key 2 replayed", token: w.owner, body: sel("configurationPolicy"), headers: []string{"Idempotency-Key", "key-2"}, status: 200, run: "cp"},
		{name: "key 1 replayed after the run finished", before: func() { w.complete(runs["cp"]) }, token: w.owner, body: sel("configurationPolicy"),
			headers: []string{"Idempotency-Key", "key-1"}, status: 202, run: "cp", runStatus: "completed"},
		{name: "the same selection without the key", token: w.owner, body: sel("configurationPolicy"), status: 202, run: "cp-2"},
		{name: "key 1 of another user", token: w.operator, body: sel("groupPolicyConfiguration"), headers: []string{"Idempotency-Key", "key-1"}, status: 202, run: "gp"},
		{name: "a key of 256 characters", token: w.owner, body: sel("deviceEnrollmentConfiguration"), headers: []string{"Idempotency-Key", longKey},
			status: 400, code: "invalid_header", field: "Idempotency-Key"},
		{name: "a key of 255 characters", token: w.owner, body: sel("deviceEnrollmentConfiguration"), headers: []string{"Idempotency-Key", longKey[:255]}, status: 202, run: "de"},
		{name: "a key of 255 characters replayed", token: w.owner, body: sel("deviceEnrollmentConfiguration"), headers: []string{"Idempotency-Key", longKey[:255]}, status: 202, run: "de"},
		{name: "a blank key is no key", token: w.owner, body: sel("deviceEnrollmentConfiguration"), headers: []string{"Idempotency-Key", "  "}, status: 200, run: "de"},
	}
	runSyncSteps(t, w, w.tenantPath("/inventory/sync"), "inventory_sync", steps, runs)

	// The run's context holds the normalised selection, which the item filters and drift use.
	detail := w.do(http.MethodGet, "/api/v1/operation-runs/"+itoa(runs["two"]), w.owner, nil).json(t)
	selection, _ := detail["context"].(map[string]any)["selection"].(map[string]any)
	if !reflect.DeepEqual(selection, map[string]any{"policy_types": []any{"deviceCompliancePolicy", "deviceConfiguration"}, "include_foundations": true}) {
		t.Errorf("context selection %v", detail["context"])
	}
	// Nothing of the refused requests was stored.
	if n := w.count(`SELECT count(*) FROM operation_runs WHERE tenant_id = $1`, w.tn); n != int64(len(runs)) {
		t.Errorf("%d runs for the tenant, want %d", n, len(runs))
	}
	if n := w.count(`SELECT count(*) FROM operation_runs WHERE tenant_id = $1`, w.otherTn); n != 0 {
		t.Errorf("%d runs for the other workspace's tenant", n)
	}
	// The readonly member may not view the runs it may not start.
	if res := w.do(http.MethodGet, "/api/v1/operation-runs/"+itoa(runs["all"]), w.readonly, nil); res.Status != http.StatusForbidden {
		t.Errorf("readonly GET inventory sync run = %d", res.Status)
	}
}

// TestStartGroupSync: one group sync per tenant at a time; the body must be empty.
func TestStartGroupSync(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	runs := map[string]int64{}
	steps := []syncStep{
		{name: "readonly member", token: w.readonly, status: 403, code: "capability_missing", capability: "tenant.directory.sync"},
		{name: "member of another workspace", token: w.outsider, status: 404, code: "not_found"},
		{name: "missing tenant", token: w.owner, path: "/api/v1/tenants/999999/directory/groups/sync", status: 404, code: "not_found"},
		{name: "without a token", token: "", status: 401, code: "unauthenticated"},
		{name: "no body", token: w.owner, status: 202, run: "g"},
		{name: "empty object", token: w.owner, body: map[string]any{}, status: 200, run: "g"},
		{name: "by the operator", token: w.operator, body: map[string]any{}, status: 200, run: "g"},
		{name: "a field", token: w.owner, body: map[string]any{"selection": "all"}, status: 400, code: "unknown_field", field: "selection"},
		{name: "an array", token: w.owner, body: `[]`, status: 400, code: "invalid_type"},
		{name: "not JSON", token: w.owner, body: `x`, headers: []string{"Content-Type", "text/plain"}, status: 415, code: "unsupported_media_type"},
		{name: "again once done", before: func() { w.complete(runs["g"]) }, token: w.operator, headers: []string{"Idempotency-Key", "groups"}, status: 202, run: "g2"},
		{name: "replayed", token: w.operator, headers: []string{"Idempotency-Key", "groups"}, status: 202, run: "g2"},
		{name: "replayed with an empty object", token: w.operator, body: map[string]any{}, headers: []string{"Idempotency-Key", "groups"}, status: 202, run: "g2"},
		{name: "the key on the inventory sync", token: w.operator, path: w.tenantPath("/inventory/sync"), headers: []string{"Idempotency-Key", "groups"},
			status: 422, code: "validation_failed", field: "Idempotency-Key"},
	}
	runSyncSteps(t, w, w.tenantPath("/directory/groups/sync"), "entra_group_sync", steps, runs)
}

// TestInventoryItems: filters, keyset pages through Link, ETag, who may read.
func TestInventoryItems(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	run := w.run(w.ws, &w.tn, "inventory_sync")
	seen := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	item := func(policyType, name, category string) int64 {
		return w.id(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name, category, platform, meta, content_hash,
			last_seen_at, last_seen_operation_run_id) VALUES ($1, $2, $3, $4, $5, 'windows',
			'{"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "roleScopeTagIds": ["0"], "version": 3}', 'abc', $6, $7)`,
			w.tn, policyType, "ext-"+name, name, category, seen, run)
	}
	// In list order: policy type, display name, id.
	compliance := item("deviceCompliancePolicy", "Alpha compliance", "Compliance")
	alpha := item("deviceConfiguration", "Alpha", "Configuration")
	beta := item("deviceConfiguration", "Beta 100%", "Configuration")
	gamma := item("deviceConfiguration", "Gamma_x", "Configuration")
	tag := w.id(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name, category) VALUES ($1, 'roleScopeTag', '0', 'Default', 'Foundations')`, w.tn)
	w.id(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name, category) VALUES ($1, 'deviceConfiguration', 'x', 'Alpha elsewhere', 'Configuration')`, w.otherTn)
	all := []int64{compliance, alpha, beta, gamma, tag}

	items := w.tenantPath("/inventory/items")
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"", all},
		{"?policy_type=deviceConfiguration", []int64{alpha, beta, gamma}},
		{"?policy_type=roleScopeTag", []int64{tag}},
		{"?category=Compliance", []int64{compliance}},
		{"?q=ALPHA", []int64{compliance, alpha}},
		{"?q=" + url.QueryEscape("100%"), []int64{beta}},
		{"?q=" + url.QueryEscape("%"), []int64{beta}},
		{"?q=_", []int64{gamma}},
		{"?q=alpha&policy_type=deviceConfiguration&category=Configuration", []int64{alpha}},
		{"?policy_type=deviceCompliancePolicy&category=Configuration", nil},
		{"?limit=200", all},
	} {
		res := w.do(http.MethodGet, items+tc.query, w.readonly, nil)
		if res.Status != http.StatusOK {
			t.Errorf("items%s = %d: %s", tc.query, res.Status, res.Body)
			continue
		}
		if got := ids(t, res); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("items%s = %v, want %v", tc.query, got, tc.want)
		}
		if next := res.json(t)["next_cursor"]; next != nil || res.Header.Get("Link") != "" {
			t.Errorf("items%s: one page, but next_cursor %v, Link %q", tc.query, next, res.Header.Get("Link"))
		}
	}

	// An item as it is shown.
	first := w.do(http.MethodGet, items+"?policy_type=deviceConfiguration&limit=1", w.owner, nil).json(t)["data"].([]any)[0].(map[string]any)
	if first["display_name"] != "Alpha" || first["platform"] != "windows" || first["last_seen_operation_run_id"] != float64(run) ||
		first["meta"].(map[string]any)["@odata.type"] != "#microsoft.graph.windows10GeneralConfiguration" {
		t.Errorf("item %v", first)
	}
	if ts, _ := time.Parse(time.RFC3339Nano, first["last_seen_at"].(string)); !ts.Equal(seen) {
		t.Errorf("last_seen_at %v, want %v", first["last_seen_at"], seen)
	}

	// Pages: following Link visits every item once, in order, keeping the filters.
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"?limit=2", all},
		{"?limit=1", all},
		{"?policy_type=deviceConfiguration&limit=2", []int64{alpha, beta, gamma}},
		{"?q=a&limit=3", []int64{compliance, alpha, beta, gamma, tag}},
	} {
		if got := walkPages(t, w.env, w.operator, items+tc.query); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("pages of items%s = %v, want %v", tc.query, got, tc.want)
		}
	}
	page := w.do(http.MethodGet, items+"?policy_type=deviceConfiguration&limit=2", w.owner, nil)
	if link := page.Header.Get("Link"); !strings.Contains(link, "policy_type=deviceConfiguration") || !strings.Contains(link, "limit=2") {
		t.Errorf("Link %q drops the query", link)
	}
	// ETag: a 304 for the same page, with its Link; a changed page has another tag.
	again := w.do(http.MethodGet, items+"?policy_type=deviceConfiguration&limit=2", w.owner, nil, "If-None-Match", page.Header.Get("ETag"))
	if again.Status != http.StatusNotModified || len(again.Body) != 0 || again.Header.Get("Link") != page.Header.Get("Link") {
		t.Errorf("items with If-None-Match = %d, Link %q: %s", again.Status, again.Header.Get("Link"), again.Body)
	}
	if head := w.do(http.MethodHead, items+"?policy_type=deviceConfiguration&limit=2", w.owner, nil); head.Status != http.StatusOK ||
		head.Header.Get("ETag") != page.Header.Get("ETag") || head.Header.Get("Link") != page.Header.Get("Link") {
		t.Errorf("HEAD items = %d, headers %v", head.Status, head.Header)
	}
	w.exec(`UPDATE inventory_items SET display_name = 'Alpha 2' WHERE id = $1`, alpha)
	if changed := w.do(http.MethodGet, items+"?policy_type=deviceConfiguration&limit=2", w.owner, nil, "If-None-Match", page.Header.Get("ETag")); changed.Status != http.StatusOK {
		t.Errorf("items after a change with the old ETag = %d", changed.Status)
	}

	// Bad parameters are 400 naming them.
	for _, tc := range []struct{ query, field string }{
		{"?policy_type=nope", "policy_type"},
		{"?limit=0", "limit"},
		{"?limit=201", "limit"},
		{"?limit=ten", "limit"},
		{"?cursor=not-a-cursor", "cursor"},
		{"?cursor=" + "eyJ0IjoiYSIsIm4iOiJiIiwiaSI6MH0", "cursor"}, // {"t":"a","n":"b","i":0}
		{"?colour=blue", "colour"},
		{"?group_type=Security", "group_type"},
	} {
		res := w.do(http.MethodGet, items+tc.query, w.owner, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("items%s = %d, want 400", tc.query, res.Status)
			continue
		}
		problemField(t, res, "invalid_parameter", tc.field)
	}
	if res := w.do(http.MethodGet, items+"?q=%zz", w.owner, nil); res.Status != http.StatusBadRequest {
		t.Errorf("items with a badly encoded query = %d", res.Status)
	}

	// Who may read: every member entitled to the tenant; nobody else.
	for _, tc := range []struct {
		name, token, path string
		status            int
	}{
		{"readonly member", w.readonly, items, 200},
		{"operator", w.operator, items, 200},
		{"member of another workspace", w.outsider, items, 404},
		{"another workspace's tenant", w.owner, "/api/v1/tenants/" + itoa(w.otherTn) + "/inventory/items", 404},
		{"missing tenant", w.owner, "/api/v1/tenants/999999/inventory/items", 404},
		{"without a token", "", items, 401},
	} {
		if res := w.do(http.MethodGet, tc.path, tc.token, nil); res.Status != tc.status {
			t.Errorf("%s: items = %d, want %d", tc.name, res.Status, tc.status)
		}
	}
	if res := w.do(http.MethodHead, "/api/v1/tenants/999999/inventory/items", w.owner, nil); res.Status != http.StatusNotFound || len(res.Body) != 0 {
		t.Errorf("HEAD items of a missing tenant = %d: %s", res.Status, res.Body)
	}
}

// TestInventoryKPIs: totals, coverage, the last completed sync, active runs.
func TestInventoryKPIs(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	kpis := w.tenantPath("/inventory/kpis")

	empty := w.do(http.MethodGet, kpis, w.readonly, nil)
	if empty.Status != http.StatusOK {
		t.Fatalf("kpis = %d: %s", empty.Status, empty.Body)
	}
	want := map[string]any{"total_items": 0.0, "by_category": map[string]any{}, "restorable_items": 0.0, "coverage": nil,
		"last_inventory_sync": nil, "active_runs": 0.0, "active_inventory_syncs": 0.0}
	if got := empty.json(t); !reflect.DeepEqual(got, want) {
		t.Errorf("kpis of an empty tenant = %v", got)
	}

	for i, pt := range []string{"deviceConfiguration", "deviceConfiguration", "deviceCompliancePolicy", "notificationMessageTemplate"} {
		category := map[string]string{"deviceConfiguration": "Configuration", "deviceCompliancePolicy": "Compliance", "notificationMessageTemplate": "Foundations"}[pt]
		w.id(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name, category) VALUES ($1, $2, $3, 'x', $4)`, w.tn, pt, fmt.Sprint(i), category)
	}
	w.id(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name, category) VALUES ($1, 'deviceConfiguration', 'x', 'x', 'Configuration')`, w.otherTn)
	older := w.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome, started_at, completed_at)
		VALUES ($1, $2, 'System', 'inventory_sync', 'completed', 'succeeded', now() - interval '2 hours', now() - interval '119 minutes')`, w.ws, w.tn)
	latest := w.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome, started_at, completed_at)
		VALUES ($1, $2, 'System', 'inventory_sync', 'completed', 'partially_succeeded', now() - interval '2 minutes', now() - interval '1 minute')`, w.ws, w.tn)
	w.run(w.ws, &w.tn, "entra_group_sync")
	w.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type) VALUES ($1, $2, 'System', 'entra_group_sync')`, w.ws, w.tn)
	w.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, run_identity_hash) VALUES ($1, $2, 'System', 'inventory_sync', 'x')`, w.ws, w.tn)
	_ = older

	res := w.do(http.MethodGet, kpis, w.readonly, nil)
	got := res.json(t)
	last, _ := got["last_inventory_sync"].(map[string]any)
	if got["total_items"] != 4.0 || got["restorable_items"] != 3.0 || got["coverage"] != 0.75 ||
		!reflect.DeepEqual(got["by_category"], map[string]any{"Configuration": 2.0, "Compliance": 1.0, "Foundations": 1.0}) ||
		got["active_runs"] != 2.0 || got["active_inventory_syncs"] != 1.0 {
		t.Errorf("kpis = %s", res.Body)
	}
	if last == nil || last["run_id"] != float64(latest) || last["outcome"] != "partially_succeeded" ||
		last["links"].(map[string]any)["self"] != "/api/v1/operation-runs/"+itoa(latest) {
		t.Errorf("last inventory sync = %v, want run %d", got["last_inventory_sync"], latest)
	}

	if again := w.do(http.MethodGet, kpis, w.owner, nil, "If-None-Match", res.Header.Get("ETag")); again.Status != http.StatusNotModified {
		t.Errorf("kpis with If-None-Match = %d", again.Status)
	}
	if head := w.do(http.MethodHead, kpis, w.owner, nil); head.Status != http.StatusOK || head.Header.Get("ETag") != res.Header.Get("ETag") {
		t.Errorf("HEAD kpis = %d", head.Status)
	}
	for _, tc := range []struct {
		name, token, path string
		status            int
	}{
		{"member of another workspace", w.outsider, kpis, 404},
		{"another workspace's tenant", w.owner, "/api/v1/tenants/" + itoa(w.otherTn) + "/inventory/kpis", 404},
		{"non-numeric tenant", w.owner, "/api/v1/tenants/x/inventory/kpis", 400},
		{"without a token", "", kpis, 401},
	} {
		if res := w.do(http.MethodGet, tc.path, tc.token, nil); res.Status != tc.status {
			t.Errorf("%s: kpis = %d, want %d", tc.name, res.Status, tc.status)
		}
	}
}

// TestEntraGroups: filters (stale among them), keyset pages, ETag, who may read.
func TestEntraGroups(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	run := w.run(w.ws, &w.tn, "entra_group_sync")
	group := func(name, typ string, seenAgo time.Duration) int64 {
		return w.id(`INSERT INTO entra_groups (tenant_id, entra_group_id, display_name, group_type, security_enabled, mail_enabled,
			last_seen_at, last_seen_operation_run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			w.tn, "g-"+name, name, typ, typ == "Security", typ == "Microsoft365", time.Now().Add(-seenAgo), run)
	}
	day := 24 * time.Hour
	alpha := group("Alpha", "Security", time.Hour)
	beta := group("Beta", "Microsoft365", 40*day)
	delta := group("Delta", "Security", 29*day)
	epsilon := group("Epsilon", "Unknown", 31*day)
	w.id(`INSERT INTO entra_groups (tenant_id, entra_group_id, display_name, last_seen_at) VALUES ($1, 'g', 'Alpha elsewhere', now())`, w.otherTn)
	all := []int64{alpha, beta, delta, epsilon}

	groups := w.tenantPath("/directory/groups")
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"", all},
		{"?stale=true", []int64{beta, epsilon}},
		{"?stale=false", []int64{alpha, delta}},
		{"?group_type=Security", []int64{alpha, delta}},
		{"?group_type=Microsoft365", []int64{beta}},
		{"?group_type=Unknown&stale=true", []int64{epsilon}},
		{"?group_type=Security&stale=true", nil},
		{"?q=TA", []int64{beta, delta}},
		{"?q=%25", nil},
	} {
		res := w.do(http.MethodGet, groups+tc.query, w.readonly, nil)
		if res.Status != http.StatusOK {
			t.Errorf("groups%s = %d: %s", tc.query, res.Status, res.Body)
			continue
		}
		if got := ids(t, res); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("groups%s = %v, want %v", tc.query, got, tc.want)
		}
	}
	// The stale flag agrees with the filter.
	for _, g := range w.do(http.MethodGet, groups, w.owner, nil).json(t)["data"].([]any) {
		g := g.(map[string]any)
		id := int64(g["id"].(float64))
		if wantStale := id == beta || id == epsilon; g["stale"] != wantStale {
			t.Errorf("group %v: stale %v, want %v", g["display_name"], g["stale"], wantStale)
		}
		if id == alpha && (g["security_enabled"] != true || g["mail_enabled"] != false || g["last_seen_operation_run_id"] != float64(run)) {
			t.Errorf("group %v", g)
		}
	}
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"?limit=1", all},
		{"?limit=3", all},
		{"?stale=false&limit=1", []int64{alpha, delta}},
	} {
		if got := walkPages(t, w.env, w.operator, groups+tc.query); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("pages of groups%s = %v, want %v", tc.query, got, tc.want)
		}
	}
	page := w.do(http.MethodGet, groups+"?limit=2", w.owner, nil)
	if again := w.do(http.MethodGet, groups+"?limit=2", w.owner, nil, "If-None-Match", page.Header.Get("ETag")); again.Status != http.StatusNotModified ||
		again.Header.Get("Link") != page.Header.Get("Link") {
		t.Errorf("groups with If-None-Match = %d", again.Status)
	}
	if head := w.do(http.MethodHead, groups+"?limit=2", w.owner, nil); head.Status != http.StatusOK || head.Header.Get("ETag") != page.Header.Get("ETag") {
		t.Errorf("HEAD groups = %d", head.Status)
	}

	for _, tc := range []struct{ query, field string }{
		{"?group_type=security", "group_type"},
		{"?group_type=Distribution", "group_type"},
		{"?stale=yes", "stale"},
		{"?stale=1", "stale"},
		{"?limit=-1", "limit"},
		{"?cursor=%21%21", "cursor"},
		{"?policy_type=deviceConfiguration", "policy_type"},
	} {
		res := w.do(http.MethodGet, groups+tc.query, w.owner, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("groups%s = %d, want 400", tc.query, res.Status)
			continue
		}
		problemField(t, res, "invalid_parameter", tc.field)
	}
	for _, tc := range []struct {
		name, token, path string
		status            int
	}{
		{"readonly member", w.readonly, groups, 200},
		{"member of another workspace", w.outsider, groups, 404},
		{"another workspace's tenant", w.owner, "/api/v1/tenants/" + itoa(w.otherTn) + "/directory/groups", 404},
		{"without a token", "", groups, 401},
	} {
		if res := w.do(http.MethodGet, tc.path, tc.token, nil); res.Status != tc.status {
			t.Errorf("%s: groups = %d, want %d", tc.name, res.Status, tc.status)
		}
	}

	// A group no sync has seen (last_seen_at null) is shown stale; the filter must agree.
	t.Run("never seen", func(t *testing.T) {
		zeta := w.id(`INSERT INTO entra_groups (tenant_id, entra_group_id, display_name) VALUES ($1, 'g-zeta', 'Zeta')`, w.tn)
		res := w.do(http.MethodGet, groups+"?q=Zeta", w.owner, nil)
		if g := res.json(t)["data"].([]any); len(g) != 1 || g[0].(map[string]any)["stale"] != true {
			t.Errorf("a never-seen group is shown %s", res.Body)
		}
		if got := ids(t, w.do(http.MethodGet, groups+"?stale=true", w.owner, nil)); !reflect.DeepEqual(got, []int64{beta, epsilon, zeta}) {
			t.Errorf("stale groups %v, want %v", got, []int64{beta, epsilon, zeta})
		}
		if got := ids(t, w.do(http.MethodGet, groups+"?stale=false", w.owner, nil)); !reflect.DeepEqual(got, []int64{alpha, delta}) {
			t.Errorf("fresh groups %v, want %v", got, []int64{alpha, delta})
		}
	})
}

// TestNotifications: unread first, paging, marking one and all read, nobody else's.
func TestNotifications(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	runOf := map[int64]int64{} // notification -> its run
	note := func(userID int64, title string, age time.Duration, read bool) int64 {
		var readAt any
		if read {
			readAt = time.Now().Add(-age / 2)
		}
		run := w.run(w.ws, &w.tn, "inventory_sync") // one notification per run and user
		id := w.id(`INSERT INTO notifications (user_id, kind, run_id, title, body, link, read_at, created_at)
			VALUES ($1, 'run_finished', $2, $3, 'Run finished.', $4, $5, $6)`,
			userID, run, title, "/admin/operations/"+itoa(run), readAt, time.Now().Add(-age))
		runOf[id] = run
		return id
	}
	// Mine, oldest first: read, unread, unread, read.
	oldRead := note(w.ownerID, "old, read", 4*time.Hour, true)
	oldUnread := note(w.ownerID, "old, unread", 3*time.Hour, false)
	newUnread := w.id(`INSERT INTO notifications (user_id, kind, title, created_at) VALUES ($1, 'notice', 'new, unread', now() - interval '2 hours')`, w.ownerID)
	newRead := note(w.ownerID, "new, read", time.Hour, true)
	theirs := note(w.outsiderID, "theirs", time.Minute, false)

	list := func(query string) (response, map[string]any) {
		t.Helper()
		res := w.do(http.MethodGet, "/api/v1/notifications"+query, w.owner, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("notifications%s = %d: %s", query, res.Status, res.Body)
		}
		return res, res.json(t)
	}
	res, body := list("")
	if got, want := ids(t, res), []int64{newUnread, oldUnread, newRead, oldRead}; !reflect.DeepEqual(got, want) {
		t.Errorf("notifications = %v, want unread first, newest first: %v", got, want)
	}
	if body["unread"] != 2.0 || body["next_cursor"] != nil || res.Header.Get("Link") != "" {
		t.Errorf("notifications: unread %v, next_cursor %v, Link %q", body["unread"], body["next_cursor"], res.Header.Get("Link"))
	}
	first := body["data"].([]any)[0].(map[string]any)
	if first["run_id"] != nil || first["link"] != nil || first["read_at"] != nil || first["kind"] != "notice" {
		t.Errorf("a notification without a run: %v", first)
	}

	// Pages.
	if got := walkPages(t, w.env, w.owner, "/api/v1/notifications?limit=3"); !reflect.DeepEqual(got, []int64{newUnread, oldUnread, newRead, oldRead}) {
		t.Errorf("pages of notifications = %v", got)
	}
	res, body = list("?limit=2")
	if next, _ := body["next_cursor"].(string); next == "" || body["unread"] != 2.0 || len(body["data"].([]any)) != 2 {
		t.Errorf("the first page of 2: %s", res.Body)
	}
	for _, tc := range []struct{ query, field string }{
		{"?cursor=2", "cursor"}, // an offset is not a cursor
		{"?cursor=-1", "cursor"},
		{"?cursor=abc", "cursor"},
		{"?limit=0", "limit"},
		{"?unread=true", "unread"},
	} {
		res := w.do(http.MethodGet, "/api/v1/notifications"+tc.query, w.owner, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("notifications%s = %d, want 400", tc.query, res.Status)
			continue
		}
		problemField(t, res, "invalid_parameter", tc.field)
	}
	if head := w.do(http.MethodHead, "/api/v1/notifications?limit=2", w.owner, nil); head.Status != http.StatusOK || head.Header.Get("Link") == "" {
		t.Errorf("HEAD notifications = %d, Link %q", head.Status, head.Header.Get("Link"))
	}

	// Mark one read: it moves behind the unread ones, and stays read as first marked.
	read := w.do(http.MethodPost, "/api/v1/notifications/"+itoa(oldUnread)+"/read", w.owner, nil)
	if read.Status != http.StatusOK {
		t.Fatalf("read = %d: %s", read.Status, read.Body)
	}
	readBody := read.json(t)
	if readBody["id"] != float64(oldUnread) || readBody["read_at"] == nil || readBody["title"] != "old, unread" || readBody["run_id"] != float64(runOf[oldUnread]) ||
		readBody["link"] != "/admin/operations/"+itoa(runOf[oldUnread]) {
		t.Errorf("read notification %s", read.Body)
	}
	again := w.do(http.MethodPost, "/api/v1/notifications/"+itoa(oldUnread)+"/read", w.owner, nil)
	if again.Status != http.StatusOK || again.json(t)["read_at"] != readBody["read_at"] {
		t.Errorf("read again = %d, read_at %v, want %v", again.Status, again.json(t)["read_at"], readBody["read_at"])
	}
	res, body = list("")
	if got, want := ids(t, res), []int64{newUnread, newRead, oldUnread, oldRead}; !reflect.DeepEqual(got, want) || body["unread"] != 1.0 {
		t.Errorf("after reading one: %v (unread %v), want %v", got, body["unread"], want)
	}

	// Nobody else's: another user's notification and a missing one answer the same 404.
	foreign := w.do(http.MethodPost, "/api/v1/notifications/"+itoa(theirs)+"/read", w.owner, nil)
	missing := w.do(http.MethodPost, "/api/v1/notifications/999999/read", w.owner, nil)
	if foreign.Status != http.StatusNotFound || missing.Status != http.StatusNotFound || !bytes.Equal(foreign.Body, missing.Body) {
		t.Errorf("another user's notification = %d, a missing one = %d:\n  %s\n  %s", foreign.Status, missing.Status, foreign.Body, missing.Body)
	}
	if res := w.do(http.MethodPost, "/api/v1/notifications/abc/read", w.owner, nil); res.Status != http.StatusBadRequest {
		t.Errorf("read a non-numeric id = %d", res.Status)
	}
	if res := w.do(http.MethodPost, "/api/v1/notifications/"+itoa(newUnread)+"/read", "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("read without a token = %d", res.Status)
	}

	// Read all: the rest of mine, not theirs.
	all := w.do(http.MethodPost, "/api/v1/notifications/read-all", w.owner, nil)
	if all.Status != http.StatusOK || all.json(t)["marked_read"] != 1.0 {
		t.Errorf("read all = %d: %s", all.Status, all.Body)
	}
	if res := w.do(http.MethodPost, "/api/v1/notifications/read-all", w.owner, nil); res.Status != http.StatusOK || res.json(t)["marked_read"] != 0.0 {
		t.Errorf("read all again = %d: %s", res.Status, res.Body)
	}
	if _, body := list(""); body["unread"] != 0.0 {
		t.Errorf("unread after read all: %v", body["unread"])
	}
	theirList := w.do(http.MethodGet, "/api/v1/notifications", w.outsider, nil)
	if got := ids(t, theirList); !reflect.DeepEqual(got, []int64{theirs}) || theirList.json(t)["unread"] != 1.0 {
		t.Errorf("the other user's notifications: %s", theirList.Body)
	}
	if res := w.do(http.MethodPost, "/api/v1/notifications/read-all", "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("read all without a token = %d", res.Status)
	}
	if res := w.do(http.MethodGet, "/api/v1/notifications", "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("notifications without a token = %d", res.Status)
	}
}

// TestHeadOverTheWire: through a real HTTP server a HEAD answer has the GET's status and headers
// and no body (the recorder the other tests use keeps what the handler writes; net/http drops
// it).
func TestHeadOverTheWire(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	w.id(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name) VALUES ($1, 'deviceConfiguration', '1', 'A')`, w.tn)
	w.id(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name) VALUES ($1, 'deviceConfiguration', '2', 'B')`, w.tn)
	srv := httptest.NewServer(w.srv)
	defer srv.Close()
	send := func(method, path, token string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, body
	}
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{w.tenantPath("/inventory/items?limit=1"), w.readonly, 200},
		{w.tenantPath("/inventory/kpis"), w.readonly, 200},
		{w.tenantPath("/directory/groups"), w.readonly, 200},
		{"/api/v1/policy-types", w.readonly, 200},
		{"/api/v1/notifications", w.readonly, 200},
		{w.tenantPath("/inventory/items"), w.outsider, 404},
		{w.tenantPath("/inventory/items"), "", 401},
	} {
		get, getBody := send(http.MethodGet, tc.path, tc.token)
		head, headBody := send(http.MethodHead, tc.path, tc.token)
		if get.StatusCode != tc.status || head.StatusCode != tc.status {
			t.Errorf("%s: GET %d, HEAD %d, want %d", tc.path, get.StatusCode, head.StatusCode, tc.status)
		}
		if len(getBody) == 0 || len(headBody) != 0 {
			t.Errorf("%s: GET body %d bytes, HEAD body %d bytes", tc.path, len(getBody), len(headBody))
		}
		for _, h := range []string{"Content-Type", "ETag", "Link", "Cache-Control"} {
			if get.Header.Get(h) != head.Header.Get(h) {
				t.Errorf("%s: %s %q on GET, %q on HEAD", tc.path, h, get.Header.Get(h), head.Header.Get(h))
			}
		}
	}
}
