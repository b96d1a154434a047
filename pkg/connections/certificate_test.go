package connections

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/graph/graphtest"
)

func TestConnectionsCertificateRoundTrip(t *testing.T) {
	t.Parallel()
	f := newConnFixture(t)
	ctx := context.Background()
	certPEM, cert := graphtest.NewCertificate(t)
	f.srv.AddTenantCertificate(testTenant, testClient, cert)
	f.srv.SetPolicies(testTenant, configs, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 3))

	for name, conn := range map[string]Connection{
		"both":     {Kind: KindGraph, ClientID: testClient, ClientSecret: testSecret, CertificatePEM: certPEM},
		"bad PEM":  {Kind: KindGraph, ClientID: testClient, CertificatePEM: []byte("not a pem")},
		"simulate": {Kind: KindSimulated, CertificatePEM: certPEM},
	} {
		if err := f.conns.Save(ctx, f.tenant.ID, conn); err == nil {
			t.Fatalf("%s: saved", name)
		} else {
			graphtest.AssertNoKeyMaterial(t, err.Error(), certPEM)
		}
	}
	if err := f.conns.Save(ctx, f.tenant.ID, Connection{Kind: KindGraph, ClientID: testClient, CertificatePEM: certPEM}); err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	var row string
	if err := f.db.SQL.QueryRow(`SELECT secret_ciphertext, to_jsonb(p)::text FROM provider_connections p WHERE tenant_id = $1`, f.tenant.ID).Scan(&sealed, &row); err != nil {
		t.Fatal(err)
	}
	_, keyOnly := graphtest.SplitPEM(t, certPEM)
	keyLine := strings.Split(string(keyOnly), "\n")[1]
	if len(sealed) == 0 || bytes.Contains(sealed, certPEM) || bytes.Contains(sealed, []byte(keyLine)) ||
		bytes.Contains(sealed, []byte("PRIVATE KEY")) || strings.Contains(row, keyLine) {
		t.Fatal("the certificate is stored in clear")
	}
	info, err := f.conns.Get(ctx, f.tenant.ID)
	if err != nil || !info.HasSecret || info.Credential != CredentialCertificate {
		t.Fatalf("Get = %+v, %v", info, err)
	}
	p, err := f.conns.Provider(ctx, f.tenant, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(*graph.Client); !ok {
		t.Fatalf("provider is %T, want a *graph.Client", p)
	}
	objs, _, err := collect(ctx, p, "deviceConfiguration")
	if err != nil || len(objs) != 3 {
		t.Fatalf("listing through the certificate connection: %d, %v", len(objs), err)
	}
	if got := f.creds.last(); got != "certificate" {
		t.Fatalf("the token request carried %q, want a client assertion", got)
	}

	// Replacing it with a secret works, and the stored secret is read as a secret.
	f.srv.AddTenant(testTenant, testClient, testSecret)
	if err := f.conns.Save(ctx, f.tenant.ID, Connection{Kind: KindGraph, ClientID: testClient, ClientSecret: testSecret}); err != nil {
		t.Fatal(err)
	}
	if info, _ := f.conns.Get(ctx, f.tenant.ID); info.Credential != CredentialSecret {
		t.Fatalf("Credential = %q after saving a secret", info.Credential)
	}
	if p, err = f.conns.Provider(ctx, f.tenant, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := collect(ctx, p, "deviceConfiguration"); err != nil {
		t.Fatalf("listing through the secret connection: %v", err)
	}
	if got := f.creds.last(); got != "secret" {
		t.Fatalf("the token request carried %q, want a client secret", got)
	}
}

func TestSealedCredentialEncoding(t *testing.T) {
	t.Parallel()
	for _, c := range []Connection{
		{ClientSecret: testSecret},
		{ClientSecret: "pem:looks-like-a-certificate"},
		{ClientSecret: "secret:prefixed"},
		{CertificatePEM: []byte("-----BEGIN CERTIFICATE-----\n")},
	} {
		secret, pemData := openedCredential(sealedCredential(c))
		if secret != c.ClientSecret || !bytes.Equal(pemData, c.CertificatePEM) {
			t.Errorf("%+v round-trips to %q %q", c, secret, pemData)
		}
	}
	// Rows written before certificates hold the bare secret.
	if secret, pemData := openedCredential([]byte(testSecret)); secret != testSecret || pemData != nil {
		t.Fatalf("bare secret read as %q %q", secret, pemData)
	}
}
