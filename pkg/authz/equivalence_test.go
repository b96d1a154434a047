package authz

import (
	"context"
	"maps"
	"testing"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
)

// TestCapabilitiesMatchEnforce: the capabilities read from the roles' policy lines are exactly
// what casbin's matcher grants, for every role in tenant and workspace domains.
func TestCapabilitiesMatchEnforce(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	exec := func(q string, args ...any) {
		if _, err := tdb.SQL.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO workspaces (id, name, slug) VALUES (1, 'A', 'a')`)
	exec(`INSERT INTO tenants (id, workspace_id, name, entra_tenant_id) VALUES (1, 1, 'T', 'e1'), (2, 1, 'U', 'e2')`)
	roles := []string{"owner", "manager", "operator", "readonly"}
	for i, r := range roles {
		id := i + 1
		exec(`INSERT INTO users (id, email, name) VALUES ($1, $2, $2)`, id, r+"@x")
		exec(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES (1, $1, $2)`, id, r)
		exec(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES (1, $1, $2)`, id, roles[(i+1)%len(roles)])
	}
	a, err := New(context.Background(), tdb.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	s := a.snap.Load()
	for user := int64(1); user <= 4; user++ {
		for _, dom := range []string{"workspace:1", "tenant:1", "tenant:2", "tenant:9"} {
			got := map[string]bool{}
			for c := range s.capsIn(user, dom) {
				if c != "" {
					got[c] = true
				}
			}
			if want := s.enforceCaps(user, dom); !maps.Equal(got, want) {
				t.Errorf("user %d in %s: capabilities %v, casbin's matcher %v", user, dom, got, want)
			}
		}
	}
}
