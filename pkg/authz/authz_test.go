package authz_test

import (
	"context"
	"testing"

	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
)

type world struct {
	t  *testing.T
	db *dbtest.DB
}

func (w world) id(q string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.db.SQL.QueryRow(q+" RETURNING id", args...).Scan(&id); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func TestDecisionsFollowMembershipsAndEntitlement(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	w := world{t, tdb}
	ws := w.id(`INSERT INTO workspaces (name, slug) VALUES ('A', 'a')`)
	other := w.id(`INSERT INTO workspaces (name, slug) VALUES ('B', 'b')`)
	t1 := w.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 't1', 'e1')`, ws)
	t2 := w.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 't2', 'e2')`, ws)
	tOther := w.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 't3', 'e3')`, other)
	user := func(email string) int64 {
		return w.id(`INSERT INTO users (email, name) VALUES ($1, $1)`, email)
	}
	manager, operator, readonly, outsider, tenantOnly := user("m@x"), user("o@x"), user("r@x"), user("n@x"), user("t@x")
	w.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'manager')`, ws, manager)
	w.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'operator')`, ws, operator)
	w.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'readonly')`, ws, readonly)
	// Operator is entitled to t1 only; readonly is promoted to operator on t1 by a tenant role.
	w.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, 'readonly')`, t1, operator)
	w.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, 'operator')`, t1, readonly)
	w.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, 'operator')`, t2, readonly)
	// A tenant membership without the workspace membership grants nothing.
	w.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner')`, tOther, tenantOnly)

	a, err := authz.New(context.Background(), tdb.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		user  int64
		scope authz.Scope
		cap   string
		want  authz.Decision
	}{
		{"manager on any tenant of the workspace", manager, authz.TenantScope(ws, t2), "tenant.inventory.sync", authz.Allowed},
		{"manager lacks members.manage", manager, authz.TenantScope(ws, t1), "tenant.members.manage", authz.Forbidden},
		{"manager outside the workspace", manager, authz.TenantScope(other, tOther), "tenant.core.view", authz.NotFound},
		{"operator on its tenant (higher role counts)", operator, authz.TenantScope(ws, t1), "tenant.inventory.sync", authz.Allowed},
		{"operator on a tenant it is not entitled to", operator, authz.TenantScope(ws, t2), "tenant.core.view", authz.NotFound},
		{"readonly promoted by its tenant role", readonly, authz.TenantScope(ws, t1), "tenant.backups.manage", authz.Allowed},
		{"readonly in the workspace scope", readonly, authz.WorkspaceScope(ws), "tenant.inventory.sync", authz.Forbidden},
		{"readonly may view in the workspace", readonly, authz.WorkspaceScope(ws), "tenant.operations.view", authz.Allowed},
		{"outsider", outsider, authz.TenantScope(ws, t1), "tenant.core.view", authz.NotFound},
		{"tenant role without workspace membership", tenantOnly, authz.TenantScope(other, tOther), "tenant.core.view", authz.NotFound},
		{"unknown capability is denied", manager, authz.TenantScope(ws, t1), "tenant.everything", authz.Forbidden},
	} {
		if got := a.Decide(c.user, c.scope, c.cap); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}

	// Visibility: the operator sees every run type on t1, nothing on t2.
	v := a.Visibility(operator)
	if !v.Tenants[t1] || v.Tenants[t2] || !v.Workspaces[ws] {
		t.Fatalf("operator visibility: %+v", v)
	}

	// A membership change is seen after Reload.
	w.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'readonly')`, other, outsider)
	w.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, 'readonly')`, tOther, outsider)
	if got := a.Decide(outsider, authz.TenantScope(other, tOther), "tenant.core.view"); got != authz.NotFound {
		t.Fatalf("before reload: %v", got)
	}
	if err := a.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := a.Decide(outsider, authz.TenantScope(other, tOther), "tenant.core.view"); got != authz.Allowed {
		t.Fatalf("after reload: %v", got)
	}
	if got := a.Decide(outsider, authz.TenantScope(other, tOther), "tenant.inventory.sync"); got != authz.Forbidden {
		t.Fatalf("readonly sync after reload: %v", got)
	}
}
