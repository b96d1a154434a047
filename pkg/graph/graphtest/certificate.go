package graphtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is the SHA-1 thumbprint by definition
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

// NewCertificate makes a self-signed RSA certificate for an app registration and returns it
// with a PEM bundle of the certificate and its PKCS#8 private key (what
// graph.ClientConfig.CertificatePEM takes).
func NewCertificate(t testing.TB) (pemBundle []byte, cert *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "TenantAtlas test app"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemBundle = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...)
	return pemBundle, cert
}

// AddTenantCertificate registers a tenant and the one app (client id) allowed to read it, which
// authenticates with a client assertion signed by cert's key. A secret set with AddTenant stays
// valid too. Adding it again replaces the app and its certificate and keeps the data.
func (s *Server) AddTenantCertificate(tenantID, clientID string, cert *x509.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tn := s.tenantLocked(tenantID)
	tn.clientID, tn.cert = clientID, cert
}

// assertionError is why a client assertion is refused: an AADSTS description.
type assertionError string

func (e assertionError) Error() string { return string(e) }

// checkAssertion verifies a client assertion (RS256 JWT) as Entra does: signed by the registered
// certificate's key, named by its x5t thumbprint, for this token endpoint (aud), by the app
// (iss = sub = clientID), and within its lifetime. It returns the client id it asserts.
func checkAssertion(assertion, aud, clientID string, cert *x509.Certificate, now time.Time) (string, error) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return clientID, assertionError("AADSTS50027: JWT token is invalid or malformed.")
	}
	var header struct {
		Alg string `json:"alg"`
		X5t string `json:"x5t"`
	}
	var claims struct {
		Aud string `json:"aud"`
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
		Nbf int64  `json:"nbf"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		return clientID, assertionError("AADSTS50027: JWT token is invalid or malformed.")
	}
	if clientID == "" {
		clientID = claims.Iss
	}
	if cert == nil {
		return clientID, assertionError("AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found.]")
	}
	thumb := sha1.Sum(cert.Raw) //nolint:gosec // a thumbprint
	if header.X5t != base64.RawURLEncoding.EncodeToString(thumb[:]) {
		return clientID, assertionError("AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found.]")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if header.Alg != "RS256" || !ok || rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
		return clientID, assertionError("AADSTS700027: Client assertion failed signature validation.")
	}
	switch {
	case claims.Aud != aud:
		return clientID, assertionError("AADSTS700027: Client assertion contains an invalid audience.")
	case claims.Iss != clientID || claims.Sub != clientID:
		return clientID, assertionError("AADSTS700027: Client assertion contains an invalid issuer or subject.")
	case claims.Exp == 0 || now.Unix() >= claims.Exp || (claims.Nbf != 0 && now.Add(5*time.Minute).Unix() < claims.Nbf):
		return clientID, assertionError("AADSTS700024: Client assertion is not within its valid time range.")
	}
	return clientID, nil
}

// SplitPEM splits a bundle from NewCertificate into its certificate and its key PEM.
func SplitPEM(t testing.TB, bundle []byte) (cert, key []byte) {
	t.Helper()
	for rest := bundle; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			cert = pem.EncodeToMemory(b)
		} else {
			key = pem.EncodeToMemory(b)
		}
	}
	if cert == nil || key == nil {
		t.Fatal("bundle without certificate or key")
	}
	return cert, key
}

// AssertNoKeyMaterial fails if msg holds any line of the PEM bundle's base64 body, or a PEM
// header.
func AssertNoKeyMaterial(t testing.TB, msg string, certPEM []byte) {
	t.Helper()
	for _, line := range strings.Split(string(certPEM), "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(msg, line[:16]) {
			t.Fatalf("message holds PEM material: %s", msg)
		}
	}
	if strings.Contains(msg, "PRIVATE KEY-----") || strings.Contains(msg, "BEGIN CERTIFICATE") {
		t.Fatalf("message holds PEM: %s", msg)
	}
}
