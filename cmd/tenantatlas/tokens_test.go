package main

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

func TestTokensListCreateRevokeAndAddMember(t *testing.T) {
	tdb := dbtest.New(t)
	t.Setenv("DATABASE_URL", tdb.URL)
	ctx := context.Background()
	svc := tenancy.NewService(tdb.Gorm)
	admin, err := svc.CreateUser(ctx, tenancy.CreateUserInput{Email: "ops@example.com", Name: "Ops", PlatformAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	member, err := svc.CreateUser(ctx, tenancy.CreateUserInput{Email: "m@example.com", Name: "M"})
	if err != nil {
		t.Fatal(err)
	}

	out, errOut, err := runCLIWithStdin(t, "", "tokens", "create", "--email", "ops@example.com", "--name", "ro", "--scopes", "read")
	if err != nil {
		t.Fatal(err)
	}
	plaintext := strings.TrimSpace(out)
	p, err := tenancy.NewAuthenticator(tdb.Gorm).Verify(ctx, plaintext)
	if err != nil || !p.HasScope(tenancy.ScopeRead) || p.HasScope(tenancy.ScopeWrite) || !strings.Contains(errOut, "scopes read") {
		t.Fatalf("created token: %+v, %v, %q", p, err, errOut)
	}
	if _, _, err := runCLIWithStdin(t, "", "tokens", "create", "--email", "ops@example.com", "--scopes", "admin"); !errors.Is(err, errUsage) {
		t.Errorf("unknown scope: %v", err)
	}

	out, _, err = runCLIWithStdin(t, "", "tokens", "list", "--email", "ops@example.com")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "\tro\t"+plaintext[:8]+"\tread\t") || strings.Contains(out, plaintext) {
		t.Fatalf("list = %q", out)
	}
	id := strings.Split(lines[1], "\t")[0]
	if _, _, err := runCLIWithStdin(t, "", "tokens", "revoke", "--email", "m@example.com", "--id", id); !errors.Is(err, tenancy.ErrNotFound) {
		t.Errorf("revoke another user's token: %v", err)
	}
	if _, _, err := runCLIWithStdin(t, "", "tokens", "revoke", "--email", "ops@example.com", "--id", id); err != nil {
		t.Fatal(err)
	}
	if _, err := tenancy.NewAuthenticator(tdb.Gorm).Verify(ctx, plaintext); !errors.Is(err, tenancy.ErrInvalidCredentials) {
		t.Errorf("revoked token verifies: %v", err)
	}

	ws, err := svc.CreateWorkspace(ctx, admin, "W", "ws")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err = runCLIWithStdin(t, "", "users", "add-member", "--email", "m@example.com", "--workspace", strconv.FormatInt(ws.ID, 10), "--role", "operator")
	if err != nil || !strings.Contains(out, "m@example.com is operator of workspace") {
		t.Fatalf("add-member: %q, %v", out, err)
	}
	wms, _, _ := svc.MembershipsForUser(ctx, member.ID)
	if len(wms) != 1 || wms[0].Role != tenancy.RoleOperator {
		t.Fatalf("memberships %+v", wms)
	}
	if _, _, err := runCLIWithStdin(t, "", "users", "add-member", "--email", "m@example.com", "--workspace", "x", "--role", "operator"); !errors.Is(err, errUsage) {
		t.Errorf("bad workspace: %v", err)
	}
}
