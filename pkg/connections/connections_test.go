package connections

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/secrets"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

type connFixture struct {
	db     *dbtest.DB
	sealer *secrets.Sealer
	srv    *graphtest.Server
	creds  *credRecorder
	conns  *Connections
	tenant tenancy.Tenant
}

func newConnFixture(t *testing.T) connFixture {
	t.Helper()
	tdb := dbtest.New(t)
	sealer, err := secrets.NewSealer(secrets.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	srv := graphtest.NewServer(t)
	f := connFixture{db: tdb, sealer: sealer, srv: srv, creds: &credRecorder{}}
	f.conns = NewConnections(tdb.Gorm, sealer,
		WithEndpoints(srv.URL(), srv.TokenURL("{tenant}")),
		WithHTTPClient(&http.Client{Transport: f.creds, Timeout: 10 * time.Second}),
		WithClientConfig(func(c *graph.ClientConfig) {
			c.MaxAttempts = 2
			c.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
		}),
	)
	f.tenant = f.addTenant(t, testTenant)
	return f
}

func (f connFixture) addTenant(t *testing.T, entraID string) tenancy.Tenant {
	t.Helper()
	var ws int64
	if err := f.db.SQL.QueryRow(`INSERT INTO workspaces (name, slug) VALUES ('WS ' || $1::text, 'ws-' || $1::text) RETURNING id`, entraID).Scan(&ws); err != nil {
		t.Fatal(err)
	}
	tn := tenancy.Tenant{WorkspaceID: ws, Name: "Contoso " + entraID, EntraTenantID: entraID, Status: "active"}
	if err := f.db.Gorm.Create(&tn).Error; err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestConnectionsGraphSecretSealedAtRest(t *testing.T) {
	t.Parallel()
	f := newConnFixture(t)
	ctx := context.Background()
	f.srv.AddTenant(testTenant, testClient, testSecret)
	f.srv.SetPolicies(testTenant, configs, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 3))

	if _, err := f.conns.Provider(ctx, f.tenant, 0); !errors.Is(err, ErrNoConnection) {
		t.Fatalf("no connection: err = %v, want ErrNoConnection", err)
	}
	if _, err := f.conns.Get(ctx, f.tenant.ID); !errors.Is(err, ErrNoConnection) {
		t.Fatalf("Get: %v", err)
	}
	if err := f.conns.Save(ctx, f.tenant.ID, Connection{Kind: KindGraph, ClientID: testClient, ClientSecret: testSecret}); err != nil {
		t.Fatal(err)
	}

	// The stored row holds the secret only sealed, bound to the tenant.
	var kind, clientID string
	var sealed []byte
	var row string
	if err := f.db.SQL.QueryRow(`SELECT kind, client_id, secret_ciphertext, to_jsonb(p)::text FROM provider_connections p WHERE tenant_id = $1`, f.tenant.ID).
		Scan(&kind, &clientID, &sealed, &row); err != nil {
		t.Fatal(err)
	}
	if kind != KindGraph || clientID != testClient || len(sealed) == 0 {
		t.Fatalf("row kind=%s client_id=%s %d bytes", kind, clientID, len(sealed))
	}
	if bytes.Contains(sealed, []byte(testSecret)) || strings.Contains(row, testSecret) {
		t.Fatal("the client secret is stored in clear")
	}
	if plain, err := f.sealer.Open(sealed, []byte("tenant:"+strconv.FormatInt(f.tenant.ID, 10))); err != nil || string(plain) != testSecret {
		t.Fatalf("the stored value does not open with aad tenant:<id>: %v", err)
	}
	info, err := f.conns.Get(ctx, f.tenant.ID)
	if err != nil || info.Kind != KindGraph || info.ClientID != testClient || !info.HasSecret {
		t.Fatalf("Get = %+v, %v", info, err)
	}

	// The provider is a Graph client that authenticates with the stored secret.
	p, err := f.conns.Provider(ctx, f.tenant, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*graph.Client); !ok {
		t.Fatalf("provider is %T, want *graph.Client", p)
	}
	objs, _, err := collect(ctx, p, "deviceConfiguration")
	if err != nil || len(objs) != 3 {
		t.Fatalf("listing through the connection: %d, %v", len(objs), err)
	}

	// A ciphertext copied to another tenant's row does not open there.
	other := f.addTenant(t, "7d6c5b4a-3928-4716-a5b4-c3d2e1f00000")
	if _, err := f.db.SQL.Exec(`INSERT INTO provider_connections (tenant_id, kind, client_id, secret_ciphertext) VALUES ($1, 'graph', $2, $3)`, other.ID, testClient, sealed); err != nil {
		t.Fatal(err)
	}
	_, err = f.conns.Provider(ctx, other, 0)
	if !errors.Is(err, secrets.ErrOpen) || !strings.Contains(err.Error(), secrets.EnvVar) || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("copied ciphertext: %v", err)
	}

	// Another key cannot open it either.
	wrongKey, _ := secrets.NewSealer(secrets.GenerateKey())
	if _, err := NewConnections(f.db.Gorm, wrongKey).Provider(ctx, f.tenant, 0); !errors.Is(err, secrets.ErrOpen) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestConnectionsWithoutSealer(t *testing.T) {
	t.Parallel()
	f := newConnFixture(t)
	ctx := context.Background()
	if err := f.conns.Save(ctx, f.tenant.ID, Connection{Kind: KindGraph, ClientID: testClient, ClientSecret: testSecret}); err != nil {
		t.Fatal(err)
	}
	noKey := NewConnections(f.db.Gorm, nil)
	_, err := noKey.Provider(ctx, f.tenant, 0)
	if !errors.Is(err, ErrNoSealer) || !strings.Contains(err.Error(), "TENANTATLAS_SECRET_KEY") {
		t.Fatalf("Provider without a key: %v", err)
	}
	other := f.addTenant(t, "11111111-2222-4333-8444-555555555555")
	if err := noKey.Save(ctx, other.ID, Connection{Kind: KindGraph, ClientID: testClient, ClientSecret: testSecret}); !errors.Is(err, ErrNoSealer) {
		t.Fatalf("Save without a key: %v", err)
	}
	// Simulated connections need no key.
	if err := noKey.Save(ctx, other.ID, Connection{Kind: KindSimulated}); err != nil {
		t.Fatal(err)
	}
	if p, err := noKey.Provider(ctx, other, 3); err != nil {
		t.Fatal(err)
	} else if s, ok := p.(*graph.Simulated); !ok || s.Generation() != 3 {
		t.Fatalf("provider %T", p)
	}
}

func TestConnectionsSimulatedAndReplace(t *testing.T) {
	t.Parallel()
	f := newConnFixture(t)
	ctx := context.Background()
	if err := f.conns.Save(ctx, f.tenant.ID, Connection{Kind: KindGraph, ClientID: testClient, ClientSecret: testSecret}); err != nil {
		t.Fatal(err)
	}
	first, _ := f.conns.Get(ctx, f.tenant.ID)
	// Replacing with a simulated connection drops the secret.
	if err := f.conns.Save(ctx, f.tenant.ID, Connection{Kind: KindSimulated}); err != nil {
		t.Fatal(err)
	}
	var n int
	var sealed []byte
	if err := f.db.SQL.QueryRow(`SELECT count(*) OVER (), secret_ciphertext FROM provider_connections WHERE tenant_id = $1`, f.tenant.ID).Scan(&n, &sealed); err != nil {
		t.Fatal(err)
	}
	if n != 1 || sealed != nil {
		t.Fatalf("%d rows, secret %x after replacing", n, sealed)
	}
	info, _ := f.conns.Get(ctx, f.tenant.ID)
	if info.Kind != KindSimulated || info.HasSecret || !info.CreatedAt.Equal(first.CreatedAt) || info.UpdatedAt.Before(first.UpdatedAt) {
		t.Fatalf("after replace: %+v (first %+v)", info, first)
	}

	p, err := f.conns.Provider(ctx, f.tenant, 2)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := collect(ctx, p, "deviceConfiguration")
	want, _, _ := collect(ctx, graph.NewSimulated(f.tenant.EntraTenantID, 2, graph.SimulatedOptions{}), "deviceConfiguration")
	if err != nil || len(got) != 12 || got[0].ID() != want[0].ID() {
		t.Fatalf("simulated provider keyed by the Entra tenant id: %d objects, %v", len(got), err)
	}

	bad := []Connection{
		{Kind: "oauth"},
		{Kind: KindGraph, ClientID: testClient},
		{Kind: KindGraph, ClientSecret: testSecret},
		{Kind: KindSimulated, ClientSecret: testSecret},
	}
	for _, c := range bad {
		if err := f.conns.Save(ctx, f.tenant.ID, c); err == nil {
			t.Fatalf("Save(%+v) accepted", c)
		} else if strings.Contains(err.Error(), testSecret) {
			t.Fatalf("error holds the secret: %v", err)
		}
	}
	if err := f.conns.Save(ctx, 999999, Connection{Kind: KindSimulated}); err == nil {
		t.Fatal("a connection for a tenant that does not exist was saved")
	}

	if err := f.conns.Delete(ctx, f.tenant.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.conns.Provider(ctx, f.tenant, 0); !errors.Is(err, ErrNoConnection) {
		t.Fatalf("after Delete: %v", err)
	}
}

func TestConnectionsBadCredentialsSurfaceAsTokenExpired(t *testing.T) {
	t.Parallel()
	f := newConnFixture(t)
	ctx := context.Background()
	f.srv.AddTenant(testTenant, testClient, "rotated-secret-value")
	if err := f.conns.Save(ctx, f.tenant.ID, Connection{Kind: KindGraph, ClientID: testClient, ClientSecret: testSecret}); err != nil {
		t.Fatal(err)
	}
	p, err := f.conns.Provider(ctx, f.tenant, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = collectGroups(ctx, p)
	if graph.FailureCode(err) != graph.CodeTokenExpired || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("err = %v", err)
	}
}
