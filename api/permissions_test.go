package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// runTypes are the six canonical types plus one the registry does not know.
var runTypes = []string{"inventory_sync", "entra_group_sync", "drift_generate_findings",
	"backup_schedule_run", "backup_schedule_retention", "backup_schedule_purge", "legacy.custom_job"}

// readonlyMayView lists what a readonly member may view: drift runs (tenant.drift.view) and
// unknown types (tenant.operations.view); everything else needs the capability that starts it.
var readonlyMayView = map[string]bool{"drift_generate_findings": true, "legacy.custom_job": true}

// TestPermissionMatrix checks roles × run types × relation to the run's scope × endpoints, for
// exact status codes: 200 allowed, 401 no token, 403 member without the capability, 404 not a
// member, not entitled or no such run.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.id(`INSERT INTO workspaces (name, slug) VALUES ('Contoso', 'contoso')`)
	otherWS := e.id(`INSERT INTO workspaces (name, slug) VALUES ('Other', 'other')`)
	member := e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Member tenant', 'e-1')`, ws)
	nonEntitled := e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Other tenant', 'e-2')`, ws)
	foreign := e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Foreign tenant', 'e-3')`, otherWS)

	type relation string
	const (
		tenantMember    relation = "workspace and tenant member"
		workspaceMember relation = "workspace member without tenant membership"
		workspaceRun    relation = "workspace member, workspace-scoped run"
		neither         relation = "not a member"
	)
	runs := map[relation]map[string]int64{}
	for _, rel := range []relation{tenantMember, workspaceMember, workspaceRun, neither} {
		runs[rel] = map[string]int64{}
		for _, typ := range runTypes {
			switch rel {
			case tenantMember:
				runs[rel][typ] = e.run(ws, &member, typ)
			case workspaceMember:
				runs[rel][typ] = e.run(ws, &nonEntitled, typ)
			case workspaceRun:
				runs[rel][typ] = e.run(ws, nil, typ)
			case neither:
				runs[rel][typ] = e.run(otherWS, &foreign, typ)
			}
		}
	}

	roles := []string{"owner", "manager", "operator", "readonly"}
	tokens := map[string]string{}
	for _, role := range roles {
		u, tok := e.user(role+"@contoso.test", false)
		tokens[role] = tok
		e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, ws, u.ID, role)
		e.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`, member, u.ID, role)
	}
	e.reload()

	expect := func(role string, rel relation, typ string) int {
		if rel == neither {
			return http.StatusNotFound
		}
		// Owners and managers are entitled to every tenant of their workspace; operators and
		// readonly members only to tenants where they hold a tenant membership.
		if rel == workspaceMember && (role == "operator" || role == "readonly") {
			return http.StatusNotFound
		}
		if role == "readonly" && !readonlyMayView[typ] {
			return http.StatusForbidden
		}
		return http.StatusOK
	}

	for _, role := range roles {
		for rel, byType := range runs {
			for _, typ := range runTypes {
				id := byType[typ]
				name := fmt.Sprintf("%s/%s/%s", role, rel, typ)
				want := expect(role, rel, typ)

				detail := e.do(http.MethodGet, fmt.Sprintf("/api/v1/operation-runs/%d", id), tokens[role], nil)
				if detail.Status != want {
					t.Errorf("%s: GET run = %d, want %d: %s", name, detail.Status, want, detail.Body)
				}
				if want == http.StatusForbidden && detail.json(t)["capability"] == nil {
					t.Errorf("%s: 403 does not name the capability: %s", name, detail.Body)
				}

				list := e.do(http.MethodGet, "/api/v1/operation-runs?limit=200", tokens[role], nil)
				listed := bytes.Contains(list.Body, []byte(fmt.Sprintf(`"id":%d,`, id)))
				if listed != (want == http.StatusOK) {
					t.Errorf("%s: listed=%v, want %v", name, listed, want == http.StatusOK)
				}

				if anon := e.do(http.MethodGet, fmt.Sprintf("/api/v1/operation-runs/%d", id), "", nil); anon.Status != http.StatusUnauthorized {
					t.Errorf("%s: GET run without token = %d, want 401", name, anon.Status)
				}
			}
		}
	}

	if res := e.do(http.MethodGet, "/api/v1/operation-runs", "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("list without token = %d", res.Status)
	}
	if res := e.do(http.MethodGet, "/api/v1/operation-runs", "ta_notarealtoken", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("list with a bad token = %d", res.Status)
	}
}

// TestNotFoundIsIndistinguishable: a foreign run and a run that never existed answer with the
// same bytes.
func TestNotFoundIsIndistinguishable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.id(`INSERT INTO workspaces (name, slug) VALUES ('A', 'a')`)
	other := e.id(`INSERT INTO workspaces (name, slug) VALUES ('B', 'b')`)
	tn := e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T', 'e-9')`, other)
	u, tok := e.user("a@a.test", false)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, ws, u.ID)
	e.reload()
	foreign := e.run(other, &tn, "inventory_sync")

	a := e.do(http.MethodGet, fmt.Sprintf("/api/v1/operation-runs/%d", foreign), tok, nil)
	b := e.do(http.MethodGet, "/api/v1/operation-runs/999999999", tok, nil)
	if a.Status != http.StatusNotFound || b.Status != http.StatusNotFound {
		t.Fatalf("statuses %d and %d", a.Status, b.Status)
	}
	if !bytes.Equal(a.Body, b.Body) {
		t.Fatalf("bodies differ:\n%s\n%s", a.Body, b.Body)
	}
	if a.Header.Get("Content-Type") != "application/problem+json" || a.Header.Get("Content-Type") != b.Header.Get("Content-Type") {
		t.Fatalf("content types %q and %q", a.Header.Get("Content-Type"), b.Header.Get("Content-Type"))
	}
}
