package graph

import (
	"context"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/graph/graphtest"
)

// certHarness is a harness whose client authenticates with a certificate.
func certHarness(t *testing.T) (*harness, []byte) {
	t.Helper()
	certPEM, cert := graphtest.NewCertificate(t)
	h := newHarness(t, func(c *ClientConfig) { c.ClientSecret, c.CertificatePEM = "", certPEM })
	h.srv.AddTenant(testTenant, "", "")
	h.srv.AddTenantCertificate(testTenant, testClient, cert)
	return h, certPEM
}

func TestCertificateClientListsPolicies(t *testing.T) {
	t.Parallel()
	h, _ := certHarness(t)
	h.srv.SetPolicies(testTenant, configs, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 5))
	objs, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	if err != nil || len(objs) != 5 {
		t.Fatalf("listing: %d objects, %v", len(objs), err)
	}
	if n := h.srv.Requests(graphtest.TokenPath); n != 1 {
		t.Fatalf("%d token requests, want 1 (the token is cached)", n)
	}
	// A refused token is fetched again with a fresh assertion.
	h.srv.ExpireTokens()
	if _, _, err := collect(context.Background(), h.client, "deviceConfiguration"); err != nil {
		t.Fatalf("after token expiry: %v", err)
	}
	if n := h.srv.Requests(graphtest.TokenPath); n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
}

func TestCertificateAssertionShape(t *testing.T) {
	t.Parallel()
	certPEM, cert := graphtest.NewCertificate(t)
	cc, err := newClientCertificate(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	const aud = "https://login.example/tenant/oauth2/v2.0/token"
	jwt, err := cc.assertion(aud, testClient, now)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	var header map[string]string
	var claims map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		t.Fatal("header or claims are not JSON")
	}
	s1, s256 := sha1.Sum(cert.Raw), sha256.Sum256(cert.Raw) //nolint:gosec
	if header["alg"] != "RS256" || header["typ"] != "JWT" || header["x5t"] != base64.RawURLEncoding.EncodeToString(s1[:]) ||
		header["x5t#S256"] != base64.RawURLEncoding.EncodeToString(s256[:]) {
		t.Fatalf("header = %v", header)
	}
	n := float64(now.Unix())
	if claims["aud"] != aud || claims["iss"] != testClient || claims["sub"] != testClient || claims["jti"] == "" ||
		claims["nbf"] != n || claims["iat"] != n || claims["exp"] != n+600 {
		t.Fatalf("claims = %v", claims)
	}
}

func TestWrongCertificateIsTokenExpiredWithoutLeaks(t *testing.T) {
	t.Parallel()
	h, certPEM := certHarness(t)
	_, other := graphtest.NewCertificate(t)
	h.srv.AddTenantCertificate(testTenant, testClient, other) // the app now trusts another certificate
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodeTokenExpired)
	if ge.Status != 401 || ge.GraphCode != "invalid_client" || !strings.Contains(ge.Message, "AADSTS700027") || ge.Transient() {
		t.Fatalf("error = %+v", ge)
	}
	noLeak(t, h, err)
	graphtest.AssertNoKeyMaterial(t, err.Error(), certPEM)
	if n := h.srv.Requests(graphtest.AllPaths); n != 0 {
		t.Fatalf("%d Graph requests without a token", n)
	}
}

func TestNewClientCertificateValidation(t *testing.T) {
	t.Parallel()
	certPEM, _ := graphtest.NewCertificate(t)
	otherPEM, _ := graphtest.NewCertificate(t)
	certOnly, keyOnly := graphtest.SplitPEM(t, certPEM)
	_, otherKey := graphtest.SplitPEM(t, otherPEM)
	base := ClientConfig{TenantID: testTenant, ClientID: testClient}

	// PKCS#1 works as well as PKCS#8, key first as well as certificate first.
	blk, _ := pem.Decode(keyOnly)
	k8, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k8.(*rsa.PrivateKey))})
	for name, p := range map[string][]byte{"pkcs8": certPEM, "pkcs1 key first": append(append([]byte{}, pkcs1...), certOnly...)} {
		cfg := base
		cfg.CertificatePEM = p
		if _, err := NewClient(cfg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	bad := map[string]ClientConfig{
		"secret and certificate": {ClientSecret: testSecret, CertificatePEM: certPEM},
		"no key":                 {CertificatePEM: certOnly},
		"no certificate":         {CertificatePEM: keyOnly},
		"not PEM":                {CertificatePEM: []byte("hello there, not a certificate")},
		"foreign key":            {CertificatePEM: append(append([]byte{}, certOnly...), otherKey...)},
		"broken key":             {CertificatePEM: append(append([]byte{}, certOnly...), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("garbage-key-bytes")})...)},
	}
	for name, c := range bad {
		cfg := base
		cfg.ClientSecret, cfg.CertificatePEM = c.ClientSecret, c.CertificatePEM
		_, err := NewClient(cfg)
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		graphtest.AssertNoKeyMaterial(t, err.Error(), c.CertificatePEM)
		if strings.Contains(err.Error(), "garbage") || strings.Contains(err.Error(), testSecret) {
			t.Fatalf("%s: error quotes the input: %v", name, err)
		}
	}
}

// The fake refuses assertions that are expired, for another endpoint or by another app.
func TestFakeRejectsBadAssertions(t *testing.T) {
	t.Parallel()
	h, certPEM := certHarness(t)
	cc, err := newClientCertificate(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	tokenURL := h.srv.TokenURL(testTenant)
	good, _ := cc.assertion(tokenURL, testClient, time.Now())
	expired, _ := cc.assertion(tokenURL, testClient, time.Now().Add(-time.Hour))
	otherAud, _ := cc.assertion(h.srv.TokenURL("someone-else"), testClient, time.Now())
	otherApp, _ := cc.assertion(tokenURL, "another-app", time.Now())
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"aud":"`+tokenURL+`","iss":"`+testClient+`","sub":"`+testClient+`","exp":9999999999}`)) + "." + parts[2]
	for name, tc := range map[string]struct {
		assertion string
		status    int
		want      string
	}{
		"good":      {good, 200, ""},
		"expired":   {expired, 401, "AADSTS700024"},
		"audience":  {otherAud, 401, "AADSTS700027"},
		"issuer":    {otherApp, 401, "AADSTS700027"},
		"tampered":  {tampered, 401, "AADSTS700027"},
		"malformed": {"not.a-jwt", 401, "AADSTS50027"},
	} {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "scope": {DefaultScope},
			"client_assertion_type": {ClientAssertionType}, "client_assertion": {tc.assertion}}
		resp, err := h.srv.Client().PostForm(tokenURL, form)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(body.Description, tc.want) || (tc.status != 200 && body.Error != "invalid_client") {
			t.Errorf("%s: %d %s %s", name, resp.StatusCode, body.Error, body.Description)
		}
	}
}
