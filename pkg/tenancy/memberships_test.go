package tenancy

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestLastOwnerGuard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ws, owner := f.workspace(t, "guarded")

	wantErr(t, f.svc.RemoveWorkspaceMember(ctx, ws.ID, owner.ID), ErrLastOwner)
	_, err := f.svc.SetWorkspaceMember(ctx, ws.ID, owner.ID, RoleManager)
	wantErr(t, err, ErrLastOwner)
	if _, err := f.svc.SetWorkspaceMember(ctx, ws.ID, owner.ID, RoleOwner); err != nil {
		t.Fatalf("setting the last owner's role to owner: %v", err)
	}

	second := f.user(t, "second@example.com", false)
	m, err := f.svc.SetWorkspaceMember(ctx, ws.ID, second.ID, RoleOwner)
	if err != nil || m.Role != RoleOwner || m.WorkspaceID != ws.ID || m.UserID != second.ID {
		t.Fatalf("add a second owner = %+v, %v", m, err)
	}
	// With two owners, one may be demoted ...
	if m, err := f.svc.SetWorkspaceMember(ctx, ws.ID, owner.ID, RoleOperator); err != nil || m.Role != RoleOperator {
		t.Fatalf("demote one of two owners = %+v, %v", m, err)
	}
	// ... and then the other is the last one.
	_, err = f.svc.SetWorkspaceMember(ctx, ws.ID, second.ID, RoleReadonly)
	wantErr(t, err, ErrLastOwner)
	wantErr(t, f.svc.RemoveWorkspaceMember(ctx, ws.ID, second.ID), ErrLastOwner)

	// With two owners, one may be removed.
	if _, err := f.svc.SetWorkspaceMember(ctx, ws.ID, owner.ID, RoleOwner); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveWorkspaceMember(ctx, ws.ID, second.ID); err != nil {
		t.Fatalf("remove one of two owners: %v", err)
	}
	wantErr(t, f.svc.RemoveWorkspaceMember(ctx, ws.ID, owner.ID), ErrLastOwner)
	wantErr(t, f.svc.RemoveWorkspaceMember(ctx, ws.ID, second.ID), ErrNotFound)

	var owners int
	if err := f.db.SQL.QueryRow(`SELECT count(*) FROM workspace_memberships WHERE workspace_id = $1 AND role = 'owner'`, ws.ID).Scan(&owners); err != nil || owners != 1 {
		t.Fatalf("owners = %d, %v", owners, err)
	}
}

// Two owners removing each other at the same moment: exactly one succeeds.
func TestLastOwnerGuardUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for round := 0; round < 5; round++ {
		ws, a := f.workspace(t, "race-"+string(rune('a'+round)))
		b := f.user(t, "b-"+ws.Slug+"@example.com", false)
		if _, err := f.svc.SetWorkspaceMember(ctx, ws.ID, b.ID, RoleOwner); err != nil {
			t.Fatal(err)
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, u := range []User{a, b} {
			wg.Go(func() {
				<-start
				if i == 0 {
					errs[i] = f.svc.RemoveWorkspaceMember(ctx, ws.ID, u.ID)
				} else {
					_, errs[i] = f.svc.SetWorkspaceMember(ctx, ws.ID, u.ID, RoleReadonly)
				}
			})
		}
		close(start)
		wg.Wait()
		ok, last := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrLastOwner):
				last++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 || last != 1 {
			t.Fatalf("round %d: errors %v, want one success and one ErrLastOwner", round, errs)
		}
	}
}

func TestTenantMembership(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ws, _ := f.workspace(t, "msp")
	tn, err := f.svc.CreateTenant(ctx, ws.ID, CreateTenantInput{Name: "Fabrikam", EntraTenantID: "00000000-0000-4000-8000-0000000000f1"})
	if err != nil {
		t.Fatal(err)
	}
	tech := f.user(t, "tech@example.com", false)

	_, err = f.svc.SetTenantMember(ctx, tn.ID, tech.ID, RoleOperator)
	wantErr(t, err, ErrNotWorkspaceMember)
	_, err = f.svc.SetTenantMember(ctx, tn.ID+1000, tech.ID, RoleOperator)
	wantErr(t, err, ErrNotFound)

	if _, err := f.svc.SetWorkspaceMember(ctx, ws.ID, tech.ID, RoleReadonly); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SetWorkspaceMember(ctx, ws.ID, tech.ID, Role("admin"))
	wantInvalid(t, err)
	wantFields(t, err, "role")
	_, err = f.svc.SetTenantMember(ctx, tn.ID, tech.ID, Role(""))
	wantInvalid(t, err)
	_, err = f.svc.SetWorkspaceMember(ctx, ws.ID, tech.ID+1000, RoleReadonly)
	wantErr(t, err, ErrNotFound)

	m, err := f.svc.SetTenantMember(ctx, tn.ID, tech.ID, RoleReadonly)
	if err != nil || m.Role != RoleReadonly {
		t.Fatalf("SetTenantMember = %+v, %v", m, err)
	}
	m2, err := f.svc.SetTenantMember(ctx, tn.ID, tech.ID, RoleOperator) // upsert
	if err != nil || m2.ID != m.ID || m2.Role != RoleOperator {
		t.Fatalf("SetTenantMember again = %+v, %v", m2, err)
	}
	wms, tms, err := f.svc.MembershipsForUser(ctx, tech.ID)
	if err != nil || len(wms) != 1 || len(tms) != 1 || tms[0].Role != RoleOperator {
		t.Fatalf("MembershipsForUser = %+v %+v, %v", wms, tms, err)
	}

	if err := f.svc.RemoveTenantMember(ctx, tn.ID, tech.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.svc.RemoveTenantMember(ctx, tn.ID, tech.ID), ErrNotFound)

	// Leaving the workspace takes the tenant memberships in it along.
	if _, err := f.svc.SetTenantMember(ctx, tn.ID, tech.ID, RoleOperator); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveWorkspaceMember(ctx, ws.ID, tech.ID); err != nil {
		t.Fatal(err)
	}
	wms, tms, err = f.svc.MembershipsForUser(ctx, tech.ID)
	if err != nil || len(wms) != 0 || len(tms) != 0 {
		t.Fatalf("memberships after leaving = %+v %+v, %v", wms, tms, err)
	}
}

func TestAllMemberships(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ws1, _ := f.workspace(t, "one")
	ws2, _ := f.workspace(t, "two")
	t1, err := f.svc.CreateTenant(ctx, ws1.ID, CreateTenantInput{Name: "T1", EntraTenantID: "00000000-0000-4000-8000-000000000011"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateTenant(ctx, ws2.ID, CreateTenantInput{Name: "T2", EntraTenantID: "00000000-0000-4000-8000-000000000012"}); err != nil {
		t.Fatal(err)
	}
	u := f.user(t, "u@example.com", false)
	if _, err := f.svc.SetWorkspaceMember(ctx, ws1.ID, u.ID, RoleOperator); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetTenantMember(ctx, t1.ID, u.ID, RoleOperator); err != nil {
		t.Fatal(err)
	}
	wms, tms, ts, err := f.svc.AllMemberships(ctx)
	if err != nil || len(wms) != 3 || len(tms) != 1 || len(ts) != 2 {
		t.Fatalf("AllMemberships = %d, %d, %d, %v", len(wms), len(tms), len(ts), err)
	}
	byID := map[int64]int64{}
	for _, tn := range ts {
		byID[tn.ID] = tn.WorkspaceID
	}
	if byID[tms[0].TenantID] != ws1.ID {
		t.Fatalf("tenant %d's workspace = %d", tms[0].TenantID, byID[tms[0].TenantID])
	}
}
