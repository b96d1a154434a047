package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func mustSealer(t *testing.T, key string) *Sealer {
	t.Helper()
	s, err := NewSealer(key)
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	s := mustSealer(t, GenerateKey())
	aad := []byte("tenant:7")
	for _, plain := range [][]byte{nil, {}, []byte("x"), []byte("client secret ~ with spaces"), bytes.Repeat([]byte{0xff}, 4096)} {
		sealed, err := s.Seal(plain, aad)
		if err != nil {
			t.Fatal(err)
		}
		if len(sealed) != len(plain)+1+12+16 || sealed[0] != Version {
			t.Fatalf("sealed value of %d bytes has length %d, version %d", len(plain), len(sealed), sealed[0])
		}
		// A plaintext of a few bytes turns up in random bytes by chance; longer ones must not.
		if len(plain) >= 8 && bytes.Contains(sealed, plain) {
			t.Fatal("the sealed value contains the plaintext")
		}
		got, err := s.Open(sealed, aad)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("Open = %q, want %q", got, plain)
		}
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	t.Parallel()
	s := mustSealer(t, GenerateKey())
	a, _ := s.Seal([]byte("same"), nil)
	b, _ := s.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) || bytes.Equal(a[1:13], b[1:13]) {
		t.Fatal("two seals of the same plaintext are equal or share a nonce")
	}
}

func TestOpenRefusesTampering(t *testing.T) {
	t.Parallel()
	s := mustSealer(t, GenerateKey())
	aad := []byte("tenant:1")
	sealed, err := s.Seal([]byte("super-secret-value"), aad)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := s.Open(bad, aad); !errors.Is(err, ErrOpen) {
			t.Fatalf("flipping a bit of byte %d: err = %v, want ErrOpen", i, err)
		}
	}
	for _, bad := range [][]byte{nil, {}, {Version}, sealed[:len(sealed)-1], sealed[:29], append(bytes.Clone(sealed), 0)} {
		if _, err := s.Open(bad, aad); !errors.Is(err, ErrOpen) {
			t.Fatalf("Open(%d bytes) err = %v, want ErrOpen", len(bad), err)
		}
	}
}

func TestOpenRefusesWrongAADAndWrongKey(t *testing.T) {
	t.Parallel()
	s := mustSealer(t, GenerateKey())
	sealed, err := s.Seal([]byte("secret"), []byte("tenant:1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, aad := range [][]byte{nil, []byte("tenant:2"), []byte("tenant:1 "), []byte("tenant:")} {
		if _, err := s.Open(sealed, aad); !errors.Is(err, ErrOpen) {
			t.Fatalf("aad %q: err = %v, want ErrOpen", aad, err)
		}
	}
	other := mustSealer(t, GenerateKey())
	if _, err := other.Open(sealed, []byte("tenant:1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("wrong key: err = %v, want ErrOpen", err)
	}
	if !strings.Contains(ErrOpen.Error(), EnvVar) {
		t.Fatalf("ErrOpen should hint at %s: %v", EnvVar, ErrOpen)
	}
}

func TestKeyFormats(t *testing.T) {
	t.Parallel()
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(i*7 + 250) // includes bytes that give '+', '/' and '-', '_' in base64
	}
	forms := map[string]string{
		"std":         base64.StdEncoding.EncodeToString(raw),
		"std raw":     base64.RawStdEncoding.EncodeToString(raw),
		"url":         base64.URLEncoding.EncodeToString(raw),
		"url raw":     base64.RawURLEncoding.EncodeToString(raw),
		"hex":         hex.EncodeToString(raw),
		"HEX":         strings.ToUpper(hex.EncodeToString(raw)),
		"white space": "  " + base64.StdEncoding.EncodeToString(raw) + "\n",
	}
	ref := mustSealer(t, hex.EncodeToString(raw))
	sealed, _ := ref.Seal([]byte("v"), nil)
	for name, key := range forms {
		got, err := ParseKey(key)
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("%s: ParseKey = %x, %v", name, got, err)
		}
		if plain, err := mustSealer(t, key).Open(sealed, nil); err != nil || string(plain) != "v" {
			t.Fatalf("%s: the same key in another form does not open: %v", name, err)
		}
	}
	if k := GenerateKey(); k == GenerateKey() {
		t.Fatal("GenerateKey repeats itself")
	} else if b, err := base64.StdEncoding.DecodeString(k); err != nil || len(b) != KeySize {
		t.Fatalf("GenerateKey() = %q is not 32 bytes of base64", k)
	}
}

func TestBadKeysNameTheVariable(t *testing.T) {
	t.Parallel()
	secretish := "c2VjcmV0LWtleS10aGF0LWlzLXRvby1zaG9ydA" // 27 bytes
	bad := []string{
		"", "   ", secretish,
		base64.StdEncoding.EncodeToString(make([]byte, 16)), // AES-128 size
		base64.StdEncoding.EncodeToString(make([]byte, 33)),
		strings.Repeat("g", 64),              // not hex
		strings.Repeat("a", 63),              // odd
		hex.EncodeToString(make([]byte, 31)), // 62 hex chars
		"not a key at all!",
	}
	for _, k := range bad {
		_, err := NewSealer(k)
		if err == nil {
			t.Fatalf("NewSealer(%q) accepted a bad key", k)
		}
		if !strings.Contains(err.Error(), EnvVar) {
			t.Fatalf("NewSealer(%q) error %q does not name %s", k, err, EnvVar)
		}
		if strings.TrimSpace(k) != "" && strings.Contains(err.Error(), strings.TrimSpace(k)) {
			t.Fatalf("the error repeats the key: %v", err)
		}
	}
	if _, err := NewSealer(""); !errors.Is(err, ErrNoKey) {
		t.Fatalf("empty key: %v, want ErrNoKey", err)
	}
	if _, err := NewSealer(secretish); !errors.Is(err, ErrBadKey) {
		t.Fatalf("short key: %v, want ErrBadKey", err)
	}
}

func TestNilSealer(t *testing.T) {
	t.Parallel()
	var s *Sealer
	if _, err := s.Seal([]byte("x"), nil); !errors.Is(err, ErrNoKey) {
		t.Fatalf("nil Seal: %v", err)
	}
	if _, err := s.Open([]byte("x"), nil); !errors.Is(err, ErrNoKey) {
		t.Fatalf("nil Open: %v", err)
	}
}
