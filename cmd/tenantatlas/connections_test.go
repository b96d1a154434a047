package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/secrets"
)

func TestConnectionsSet(t *testing.T) {
	tdb := dbtest.New(t)
	t.Setenv("DATABASE_URL", tdb.URL)
	t.Setenv("TENANTATLAS_SECRET_KEY", secrets.GenerateKey())
	if _, err := tdb.SQL.Exec(`INSERT INTO workspaces (id, name, slug) VALUES (1, 'A', 'a');
		INSERT INTO tenants (id, workspace_id, name, entra_tenant_id) VALUES (5, 1, 'T', 'e-5')`); err != nil {
		t.Fatal(err)
	}
	const secret = "app-secret-value-123"
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"connections", "set", "--tenant", "5", "--client-id", "app-1", "--secret-stdin"},
		strings.NewReader(secret+"\n"), &out, &errOut)
	if err != nil || !strings.Contains(out.String(), "connected: graph") {
		t.Fatalf("set: %v %q", err, out.String())
	}
	var stored []byte
	if err := tdb.SQL.QueryRow(`SELECT secret_ciphertext FROM provider_connections WHERE tenant_id = 5`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) == 0 || bytes.Contains(stored, []byte(secret)) {
		t.Fatalf("secret not stored encrypted: %q", stored)
	}
	for _, bad := range [][]string{
		{"connections", "set", "--tenant", "99", "--kind", "simulated"},                // no such tenant
		{"connections", "set", "--tenant", "5", "--kind", "graph", "--client-id", "x"}, // no secret
		{"connections", "set", "--tenant", "5", "--kind", "carrier-pigeon"},            // unknown kind
		{"connections", "set"}, // usage
	} {
		if err := run(context.Background(), bad, strings.NewReader(""), &out, &errOut); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	if err := run(context.Background(), []string{"connections", "set", "--tenant", "5", "--kind", "simulated"}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("simulated: %v", err)
	}
}
