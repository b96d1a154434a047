package tenancy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestEachGrant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := f.db.Gorm.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	id := func(q string, args ...any) int64 {
		t.Helper()
		var v int64
		if err := f.db.SQL.QueryRow(q, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	user := func(name string) int64 {
		return id(`INSERT INTO users (email, name) VALUES ($1 || '@example.com', $1) RETURNING id`, name)
	}
	ws := id(`INSERT INTO workspaces (name, slug) VALUES ('Contoso', 'contoso') RETURNING id`)
	other := id(`INSERT INTO workspaces (name, slug) VALUES ('Other', 'other') RETURNING id`)
	t1 := id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T1', 'e1') RETURNING id`, ws)
	t2 := id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T2', 'e2') RETURNING id`, ws)
	t3 := id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T3', 'e3') RETURNING id`, other)
	owner, manager, operator, readonly, outsider := user("owner"), user("manager"), user("operator"), user("readonly"), user("outsider")
	for u, role := range map[int64]Role{owner: RoleOwner, manager: RoleManager, operator: RoleOperator, readonly: RoleReadonly} {
		exec(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES (?, ?, ?)`, ws, u, role)
	}
	exec(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES (?, ?, 'manager')`, t1, operator)
	exec(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES (?, ?, 'readonly')`, t2, manager)
	// A tenant membership without a membership of the tenant's workspace grants nothing.
	exec(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES (?, ?, 'owner')`, t3, outsider)

	var got []string
	err := EachGrant(ctx, f.db.Gorm, func(g Grant) error {
		got = append(got, fmt.Sprintf("%d %s %s", g.UserID, g.Role, g.Domain))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	g := func(u int64, role Role, domain string, id int64) string {
		return fmt.Sprintf("%d %s %s:%d", u, role, domain, id)
	}
	want := []string{
		g(owner, RoleOwner, "workspace", ws), g(owner, RoleOwner, "tenant", t1), g(owner, RoleOwner, "tenant", t2),
		g(manager, RoleManager, "workspace", ws), g(manager, RoleManager, "tenant", t1), g(manager, RoleManager, "tenant", t2),
		g(manager, RoleReadonly, "tenant", t2),
		g(operator, RoleOperator, "workspace", ws), g(operator, RoleOperator, "tenant", t1), g(operator, RoleManager, "tenant", t1),
		g(readonly, RoleReadonly, "workspace", ws),
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("grants:\n got %q\nwant %q", got, want)
	}

	stop := errors.New("stop")
	calls := 0
	if err := EachGrant(ctx, f.db.Gorm, func(Grant) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("an error from fn: %v after %d calls", err, calls)
	}
}
