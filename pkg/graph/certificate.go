package graph

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is defined as the SHA-1 thumbprint of the certificate
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"time"
)

// ClientAssertionType is the client_assertion_type of a certificate credential.
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is valid.
const assertionLifetime = 10 * time.Minute

// clientCertificate is a parsed certificate credential: the RSA key that signs client assertions
// and the certificate's thumbprints, which tell Entra which of the app's certificates to check.
type clientCertificate struct {
	key     *rsa.PrivateKey
	x5t     string // base64url SHA-1 thumbprint of the DER certificate
	x5tS256 string // base64url SHA-256 thumbprint
}

// ParseCertificatePEM reads a PEM bundle with one certificate and its RSA private key (PKCS#1
// "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY", unencrypted), in any order. Errors never quote the
// input.
func ParseCertificatePEM(data []byte) (*x509.Certificate, *rsa.PrivateKey, error) {
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE":
			if cert != nil {
				continue // a chain: the first certificate is the app's
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, nil, errors.New("graph: the certificate PEM holds a CERTIFICATE block that does not parse")
			}
			cert = c
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, nil, errors.New("graph: the certificate PEM holds an RSA PRIVATE KEY block that does not parse")
			}
			key = k
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, nil, errors.New("graph: the certificate PEM holds a PRIVATE KEY block that does not parse")
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, nil, errors.New("graph: the certificate's private key is not an RSA key")
			}
			key = rk
		case "ENCRYPTED PRIVATE KEY":
			return nil, nil, errors.New("graph: the certificate's private key is encrypted: give it unencrypted")
		}
	}
	switch {
	case cert == nil:
		return nil, nil, errors.New("graph: the certificate PEM holds no CERTIFICATE block")
	case key == nil:
		return nil, nil, errors.New("graph: the certificate PEM holds no RSA private key (RSA PRIVATE KEY or PRIVATE KEY block)")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, nil, errors.New("graph: the certificate's public key is not an RSA key")
	}
	if !pub.Equal(&key.PublicKey) {
		return nil, nil, errors.New("graph: the private key does not belong to the certificate")
	}
	return cert, key, nil
}

func newClientCertificate(data []byte) (*clientCertificate, error) {
	cert, key, err := ParseCertificatePEM(data)
	if err != nil {
		return nil, err
	}
	s1 := sha1.Sum(cert.Raw) //nolint:gosec // a thumbprint, not a signature
	s256 := sha256.Sum256(cert.Raw)
	return &clientCertificate{
		key:     key,
		x5t:     base64.RawURLEncoding.EncodeToString(s1[:]),
		x5tS256: base64.RawURLEncoding.EncodeToString(s256[:]),
	}, nil
}

// assertion is a client assertion for the token endpoint aud: an RS256 JWT with iss = sub =
// the client id, valid from now for ten minutes.
func (c *clientCertificate) assertion(aud, clientID string, now time.Time) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "x5t": c.x5t, "x5t#S256": c.x5tS256})
	if err != nil {
		return "", err
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{
		"aud": aud, "iss": clientID, "sub": clientID, "jti": guid(jti[:]),
		"nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix(),
	})
	if err != nil {
		return "", err
	}
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", errors.New("graph: signing the client assertion failed")
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
