package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/connections"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/graph/graphtest"
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

	// A certificate instead of a secret.
	certPEM, _ := graphtest.NewCertificate(t)
	dir := t.TempDir()
	certPath := filepath.Join(dir, "app.pem")
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"connections", "set", "--tenant", "5", "--client-id", "app-1", "--certificate-file", certPath},
		strings.NewReader(""), &out, &errOut)
	if err != nil || !strings.Contains(out.String(), "connected: graph") {
		t.Fatalf("set with certificate: %v %q", err, out.String())
	}
	var kind string
	if err := tdb.SQL.QueryRow(`SELECT kind, secret_ciphertext FROM provider_connections WHERE tenant_id = 5`).Scan(&kind, &stored); err != nil {
		t.Fatal(err)
	}
	if kind != "graph" || len(stored) == 0 || bytes.Contains(stored, []byte("PRIVATE KEY")) || bytes.Contains(stored, certPEM[40:80]) {
		t.Fatalf("certificate not stored encrypted: kind %s, %d bytes", kind, len(stored))
	}
	sealer, err := secrets.NewSealer(os.Getenv("TENANTATLAS_SECRET_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := connections.NewConnections(tdb.Gorm, sealer).Get(context.Background(), 5)
	if err != nil || info.Credential != connections.CredentialCertificate || info.ClientID != "app-1" {
		t.Fatalf("Get = %+v, %v", info, err)
	}

	notPEM := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(notPEM, []byte("top-secret-not-a-pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{
		{"connections", "set", "--tenant", "5", "--client-id", "app-1", "--certificate-file", certPath, "--secret-stdin"}, // both
		{"connections", "set", "--tenant", "5", "--client-id", "app-1", "--certificate-file", filepath.Join(dir, "missing.pem")},
		{"connections", "set", "--tenant", "5", "--client-id", "app-1", "--certificate-file", notPEM},
		{"connections", "set", "--tenant", "5", "--kind", "simulated", "--certificate-file", certPath},
	} {
		err := run(context.Background(), bad, strings.NewReader(secret+"\n"), &out, &errOut)
		if err == nil {
			t.Errorf("%v: no error", bad)
		} else if strings.Contains(err.Error(), "top-secret") || strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("%v: error holds the file's content: %v", bad, err)
		}
	}
}
