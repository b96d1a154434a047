package api_test

import (
	"net/http"
	"testing"
)

func TestSignInMeAndSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.id(`INSERT INTO workspaces (name, slug) VALUES ('A', 'a')`)
	t1 := e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T1', 'e-1')`, ws)
	e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T2', 'e-2')`, ws)
	u, _ := e.user("op@a.test", false)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'readonly')`, ws, u.ID)
	e.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, 'operator')`, t1, u.ID)
	e.reload()

	for _, bad := range []map[string]string{
		{"email": "op@a.test", "password": "wrong password!!"},
		{"email": "nobody@a.test", "password": "correct horse battery staple"},
	} {
		if res := e.do(http.MethodPost, "/api/v1/auth/login", "", bad); res.Status != http.StatusUnauthorized {
			t.Errorf("login %v = %d", bad, res.Status)
		}
	}
	if res := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": ""}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("empty login = %d", res.Status)
	}
	res := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": "OP@a.test", "password": "correct horse battery staple"})
	if res.Status != http.StatusOK {
		t.Fatalf("login = %d %s", res.Status, res.Body)
	}
	token := res.json(t)["token"].(string)

	me := e.do(http.MethodGet, "/api/v1/me", token, nil)
	body := me.json(t)
	wss := body["workspaces"].([]any)
	if me.Status != http.StatusOK || len(wss) != 1 {
		t.Fatalf("me = %d %s", me.Status, me.Body)
	}
	tenants := wss[0].(map[string]any)["tenants"].([]any)
	if len(tenants) != 1 || tenants[0].(map[string]any)["role"] != "operator" {
		t.Fatalf("me tenants = %v (want only T1, with the higher role operator)", tenants)
	}
	caps := map[string]bool{}
	for _, c := range tenants[0].(map[string]any)["capabilities"].([]any) {
		caps[c.(string)] = true
	}
	if !caps["tenant.inventory.sync"] || caps["tenant.members.manage"] {
		t.Errorf("capabilities %v", caps)
	}

	if res := e.do(http.MethodPost, "/api/v1/auth/logout", token, nil); res.Status != http.StatusNoContent {
		t.Fatalf("logout = %d", res.Status)
	}
	if res := e.do(http.MethodGet, "/api/v1/me", token, nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("me after logout = %d", res.Status)
	}
}

func TestWorkspacesTenantsAndMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, adminTok := e.user("admin@a.test", true)
	_, plainTok := e.user("plain@a.test", false)
	member, memberTok := e.user("member@a.test", false)

	if res := e.do(http.MethodPost, "/api/v1/workspaces", plainTok, map[string]string{"name": "X", "slug": "x"}); res.Status != http.StatusForbidden {
		t.Errorf("non-admin creates a workspace: %d", res.Status)
	}
	res := e.do(http.MethodPost, "/api/v1/workspaces", adminTok, map[string]string{"name": "Contoso", "slug": "contoso"})
	if res.Status != http.StatusCreated {
		t.Fatalf("create workspace = %d %s", res.Status, res.Body)
	}
	ws := int64(res.json(t)["id"].(float64))
	if res := e.do(http.MethodPost, "/api/v1/workspaces", adminTok, map[string]string{"name": "Again", "slug": "contoso"}); res.Status != http.StatusConflict {
		t.Errorf("duplicate slug = %d", res.Status)
	}
	if res := e.do(http.MethodPost, "/api/v1/workspaces", adminTok, map[string]string{"name": "", "slug": "Not A Slug"}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("invalid workspace = %d", res.Status)
	}
	wsPath := "/api/v1/workspaces/" + itoa(ws)
	res = e.do(http.MethodPost, wsPath+"/tenants", adminTok, map[string]any{"name": "Fabrikam", "entra_tenant_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"})
	if res.Status != http.StatusCreated {
		t.Fatalf("create tenant = %d %s", res.Status, res.Body)
	}
	tn := int64(res.json(t)["id"].(float64))

	// A non-member sees nothing of the workspace: 404, not 403.
	if res := e.do(http.MethodGet, wsPath+"/tenants", memberTok, nil); res.Status != http.StatusNotFound {
		t.Errorf("non-member lists tenants = %d", res.Status)
	}
	// Tenant membership needs workspace membership first.
	if res := e.do(http.MethodPut, "/api/v1/tenants/"+itoa(tn)+"/members/"+itoa(member.ID), adminTok, map[string]string{"role": "operator"}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("tenant membership for a non-member = %d %s", res.Status, res.Body)
	}
	if res := e.do(http.MethodPut, wsPath+"/members/"+itoa(member.ID), adminTok, map[string]string{"role": "readonly"}); res.Status != http.StatusOK {
		t.Fatalf("add member = %d %s", res.Status, res.Body)
	}
	// Readonly, no tenant membership: the workspace exists but the tenant list is empty.
	if res := e.do(http.MethodGet, wsPath+"/tenants", memberTok, nil); res.Status != http.StatusOK || len(res.json(t)["data"].([]any)) != 0 {
		t.Errorf("readonly member lists tenants = %d %s", res.Status, res.Body)
	}
	if res := e.do(http.MethodPut, "/api/v1/tenants/"+itoa(tn)+"/members/"+itoa(member.ID), adminTok, map[string]string{"role": "operator"}); res.Status != http.StatusOK {
		t.Fatalf("tenant membership = %d %s", res.Status, res.Body)
	}
	if res := e.do(http.MethodGet, wsPath+"/tenants", memberTok, nil); len(res.json(t)["data"].([]any)) != 1 {
		t.Errorf("entitled member lists tenants: %s", res.Body)
	}
	// Members without members.manage get 403.
	if res := e.do(http.MethodPut, wsPath+"/members/"+itoa(admin.ID), memberTok, map[string]string{"role": "readonly"}); res.Status != http.StatusForbidden {
		t.Errorf("readonly manages members = %d", res.Status)
	}
	// The last owner cannot be demoted or removed.
	if res := e.do(http.MethodPut, wsPath+"/members/"+itoa(admin.ID), adminTok, map[string]string{"role": "manager"}); res.Status != http.StatusConflict {
		t.Errorf("demote last owner = %d %s", res.Status, res.Body)
	}
	if res := e.do(http.MethodDelete, wsPath+"/members/"+itoa(admin.ID), adminTok, nil); res.Status != http.StatusConflict {
		t.Errorf("remove last owner = %d", res.Status)
	}
	// Users by email: owners and platform admins only.
	if res := e.do(http.MethodGet, "/api/v1/users?email=member@a.test", adminTok, nil); res.Status != http.StatusOK || len(res.json(t)["data"].([]any)) != 1 {
		t.Errorf("find user = %d %s", res.Status, res.Body)
	}
	if res := e.do(http.MethodGet, "/api/v1/users?email=admin@a.test", memberTok, nil); res.Status != http.StatusForbidden {
		t.Errorf("readonly finds users = %d", res.Status)
	}
	// Removing the member takes its tenant access with it.
	if res := e.do(http.MethodDelete, wsPath+"/members/"+itoa(member.ID), adminTok, nil); res.Status != http.StatusNoContent {
		t.Fatalf("remove member = %d", res.Status)
	}
	if res := e.do(http.MethodGet, wsPath+"/tenants", memberTok, nil); res.Status != http.StatusNotFound {
		t.Errorf("removed member lists tenants = %d", res.Status)
	}
	if res := e.do(http.MethodGet, "/api/v1/workspaces", adminTok, nil); len(res.json(t)["data"].([]any)) != 1 {
		t.Errorf("workspaces: %s", res.Body)
	}
}
