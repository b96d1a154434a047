// Package secrets encrypts tenant secrets at rest with AES-256-GCM under the key that
// TENANTATLAS_SECRET_KEY holds.
//
// A sealed value is
//
//	version (1 byte, 0x01) | nonce (12 random bytes) | ciphertext and GCM tag (len(plaintext)+16 bytes)
//
// and the version byte is authenticated together with the caller's additional data, so neither can
// be swapped without Open failing. The additional data binds a value to its owner (for example
// "tenant:42"): a ciphertext copied to another row does not open there.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// EnvVar names the environment variable that holds the key.
const EnvVar = "TENANTATLAS_SECRET_KEY"

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// Version is the format of the values Seal writes: the first byte of every sealed value.
const Version byte = 1

const (
	nonceSize = 12
	tagSize   = 16
	overhead  = 1 + nonceSize + tagSize
)

// ErrNoKey reports that no key was configured.
const ErrNoKey Error = EnvVar + " is not set: set it to 32 random bytes as base64 (e.g. `openssl rand -base64 32`) or as 64 hex characters"

// ErrBadKey reports a key of the wrong shape. The key itself is never part of the message.
const ErrBadKey Error = EnvVar + " is malformed: want 32 bytes given as base64 (standard or URL alphabet, e.g. `openssl rand -base64 32`) or as 64 hex characters"

// ErrOpen reports a value that does not decrypt: tampered with, sealed under another key or with
// other additional data, or not a sealed value at all.
const ErrOpen Error = "secrets: cannot decrypt: the value was altered, belongs elsewhere or was sealed under another " + EnvVar

// Sealer seals and opens values under one key. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer parses key (32 bytes as base64, standard or URL alphabet, padded or not, or as 64 hex
// characters; surrounding white space is ignored) and returns a Sealer. A missing or malformed key
// is an error naming TENANTATLAS_SECRET_KEY.
func NewSealer(key string) (*Sealer, error) {
	raw, err := ParseKey(key)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvVar, err)
	}
	aead, err := cipher.NewGCMWithNonceSize(block, nonceSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvVar, err)
	}
	return &Sealer{aead: aead}, nil
}

// ParseKey decodes a key as NewSealer accepts it. Errors are ErrNoKey or ErrBadKey.
func ParseKey(key string) ([]byte, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return nil, ErrNoKey
	}
	if len(key) == 2*KeySize {
		if b, err := hex.DecodeString(key); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(key); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, ErrBadKey
}

// GenerateKey returns a fresh random key as standard base64, fit for TENANTATLAS_SECRET_KEY.
func GenerateKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return base64.StdEncoding.EncodeToString(b)
}

// Seal encrypts plaintext, authenticating aad with it. The result is a fresh value each time
// (random nonce).
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	if s == nil {
		return nil, ErrNoKey
	}
	out := make([]byte, 1+nonceSize, len(plaintext)+overhead)
	out[0] = Version
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("secrets: random nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:1+nonceSize], plaintext, additional(Version, aad)), nil
}

// Open decrypts a value Seal returned with the same aad. Anything else is ErrOpen.
func (s *Sealer) Open(ciphertext, aad []byte) ([]byte, error) {
	if s == nil {
		return nil, ErrNoKey
	}
	if len(ciphertext) < overhead || ciphertext[0] != Version {
		return nil, ErrOpen
	}
	nonce := ciphertext[1 : 1+nonceSize]
	plain, err := s.aead.Open(nil, nonce, ciphertext[1+nonceSize:], additional(ciphertext[0], aad))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// additional is what GCM authenticates besides the ciphertext: the format version, then aad.
func additional(version byte, aad []byte) []byte {
	b := make([]byte, 0, 1+len(aad))
	return append(append(b, version), aad...)
}
