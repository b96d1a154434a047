package tenancy

import (
	"context"
	"testing"
)

func TestCreateWorkspace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "admin@example.com", true)
	plain := f.user(t, "plain@example.com", false)

	_, err := f.svc.CreateWorkspace(ctx, plain, "Mine", "mine")
	wantErr(t, err, ErrForbidden)
	forged := plain
	forged.IsPlatformAdmin = true // the flag is read from the database, not trusted from the caller
	_, err = f.svc.CreateWorkspace(ctx, forged, "Mine", "mine")
	wantErr(t, err, ErrForbidden)

	ws, err := f.svc.CreateWorkspace(ctx, admin, " Contoso MSP ", "contoso")
	if err != nil {
		t.Fatal(err)
	}
	if ws.ID == 0 || ws.Name != "Contoso MSP" || ws.Slug != "contoso" || ws.Status != StatusActive {
		t.Fatalf("workspace = %+v", ws)
	}
	wms, _, err := f.svc.MembershipsForUser(ctx, admin.ID)
	if err != nil || len(wms) != 1 || wms[0].WorkspaceID != ws.ID || wms[0].Role != RoleOwner {
		t.Fatalf("creator's memberships = %+v, %v", wms, err)
	}
	if got, err := f.svc.Workspace(ctx, ws.ID); err != nil || got.Slug != "contoso" {
		t.Fatalf("Workspace = %+v, %v", got, err)
	}
	_, err = f.svc.Workspace(ctx, ws.ID+1000)
	wantErr(t, err, ErrNotFound)

	_, err = f.svc.CreateWorkspace(ctx, admin, "Other", "contoso")
	wantErr(t, err, ErrConflict)
	wantFields(t, err, "slug")

	for _, slug := range []string{"", "a", "Contoso", "-contoso", "con_toso", "con toso", "x" + string(make([]byte, 63))} {
		_, err := f.svc.CreateWorkspace(ctx, admin, "Bad", slug)
		wantInvalid(t, err)
		wantFields(t, err, "slug")
	}
	_, err = f.svc.CreateWorkspace(ctx, admin, "", "ok-slug")
	wantFields(t, err, "name")

	second, err := f.svc.CreateWorkspace(ctx, admin, "Aardvark", "aardvark")
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.ListWorkspacesForUser(ctx, admin.ID)
	if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != ws.ID {
		t.Fatalf("ListWorkspacesForUser = %+v, %v", list, err)
	}
	if list, err := f.svc.ListWorkspacesForUser(ctx, plain.ID); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("workspaces of a non-member = %#v, %v", list, err)
	}
}

func TestCreateTenant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ws, _ := f.workspace(t, "fabrikam-msp")
	other, _ := f.workspace(t, "other-msp")

	tn, err := f.svc.CreateTenant(ctx, ws.ID, CreateTenantInput{Name: "Northwind", EntraTenantID: " 6F1C0D2E-3A4B-4C5D-8E9F-0A1B2C3D4E5F ", Domain: ptr("Northwind.onmicrosoft.com")})
	if err != nil {
		t.Fatal(err)
	}
	if tn.WorkspaceID != ws.ID || tn.EntraTenantID != "6f1c0d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f" || tn.Domain == nil ||
		*tn.Domain != "northwind.onmicrosoft.com" || tn.Status != StatusActive {
		t.Fatalf("tenant = %+v", tn)
	}
	a, err := f.svc.CreateTenant(ctx, ws.ID, CreateTenantInput{Name: "Adatum", EntraTenantID: "00000000-0000-4000-8000-000000000001", Domain: ptr("  ")})
	if err != nil || a.Domain != nil {
		t.Fatalf("tenant without domain = %+v, %v", a, err)
	}

	// An Entra tenant is managed once, across workspaces.
	_, err = f.svc.CreateTenant(ctx, other.ID, CreateTenantInput{Name: "Northwind again", EntraTenantID: "6f1c0d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"})
	wantErr(t, err, ErrConflict)
	wantFields(t, err, "entra_tenant_id")

	_, err = f.svc.CreateTenant(ctx, ws.ID, CreateTenantInput{Name: "", EntraTenantID: "not-a-guid", Domain: ptr("no_dots")})
	wantInvalid(t, err)
	wantFields(t, err, "name", "entra_tenant_id", "domain")
	_, err = f.svc.CreateTenant(ctx, ws.ID+1000, CreateTenantInput{Name: "Lost", EntraTenantID: "00000000-0000-4000-8000-000000000002"})
	wantErr(t, err, ErrNotFound)

	got, err := f.svc.Tenant(ctx, tn.ID)
	if err != nil || got.Name != "Northwind" {
		t.Fatalf("Tenant = %+v, %v", got, err)
	}
	_, err = f.svc.Tenant(ctx, tn.ID+1000)
	wantErr(t, err, ErrNotFound)
	list, err := f.svc.ListTenants(ctx, ws.ID)
	if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != tn.ID {
		t.Fatalf("ListTenants = %+v, %v", list, err)
	}
	if list, err := f.svc.ListTenants(ctx, other.ID); err != nil || len(list) != 0 {
		t.Fatalf("ListTenants of an empty workspace = %+v, %v", list, err)
	}
}
