package cursor_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/cursor"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/secrets"
)

// runCursor and itemCursor are shaped like the lists' cursors.
type runCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        int64     `json:"i"`
}

type itemCursor struct {
	PolicyType  string `json:"t"`
	DisplayName string `json:"n"`
	ID          int64  `json:"i"`
}

func codec(t testing.TB, seed byte) *cursor.Codec {
	t.Helper()
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = seed + byte(i)
	}
	c, err := cursor.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTripOpaqueAndStable(t *testing.T) {
	t.Parallel()
	c := codec(t, 1)
	in := itemCursor{PolicyType: "deviceConfiguration", DisplayName: "Windows Baseline — Kiosk", ID: 42}
	s, err := c.Encode("inventory_items", in)
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"Windows", "Kiosk", "deviceConfiguration", "42"} {
		if strings.Contains(s, clear) {
			t.Errorf("cursor %s shows %q", s, clear)
		}
	}
	raw, _ := base64.RawURLEncoding.DecodeString(s)
	if strings.Contains(string(raw), "Windows") {
		t.Errorf("the cursor's bytes hold the display name in clear")
	}
	var out itemCursor
	if err := c.Decode("inventory_items", s, &out); err != nil || out != in {
		t.Fatalf("Decode = %+v, %v", out, err)
	}
	// The same position always gives the same cursor (pages and their ETags stay stable);
	// another position another one.
	if again, _ := c.Encode("inventory_items", in); again != s {
		t.Errorf("the same value sealed twice differs: %s, %s", s, again)
	}
	in.ID = 43
	if other, _ := c.Encode("inventory_items", in); other == s {
		t.Errorf("two positions give one cursor")
	}

	at := time.Date(2026, 3, 5, 12, 34, 56, 123456000, time.UTC)
	rs, _ := c.Encode("operation_runs", runCursor{CreatedAt: at, ID: 7})
	var rc runCursor
	if err := c.Decode("operation_runs", rs, &rc); err != nil || !rc.CreatedAt.Equal(at) || rc.ID != 7 {
		t.Fatalf("run cursor = %+v, %v", rc, err)
	}
}

func TestRefusesForeignTamperedAndMalformed(t *testing.T) {
	t.Parallel()
	c := codec(t, 1)
	s, err := c.Encode("operation_runs", runCursor{CreatedAt: time.Now(), ID: 7})
	if err != nil {
		t.Fatal(err)
	}
	var out runCursor
	// Another list's cursor.
	if err := c.Decode("findings", s, &out); !errors.Is(err, cursor.ErrInvalid) {
		t.Errorf("a run cursor opened as a findings cursor: %v", err)
	}
	// Another key's cursor.
	if err := codec(t, 2).Decode("operation_runs", s, &out); !errors.Is(err, cursor.ErrInvalid) {
		t.Errorf("a cursor opened under another key: %v", err)
	}
	// Every single changed character is noticed.
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range s {
		b := []byte(s)
		b[i] = alphabet[(strings.IndexByte(alphabet, b[i])+1)%len(alphabet)]
		if err := c.Decode("operation_runs", string(b), &out); err == nil {
			t.Fatalf("a cursor changed at %d opened", i)
		}
	}
	for _, bad := range []string{"", "!!", "eyJpIjowfQ", "bm90LWEtY3Vyc29y", "-1", "2", s[:len(s)-1], s + "A",
		strings.Repeat("A", cursor.MaxLength+1), base64.RawURLEncoding.EncodeToString([]byte{2, 1, 2, 3})} {
		if err := c.Decode("operation_runs", bad, &out); !errors.Is(err, cursor.ErrInvalid) {
			t.Errorf("cursor %.40q: %v", bad, err)
		}
	}
	if _, err := cursor.New(make([]byte, 16)); err == nil {
		t.Error("a 16-byte secret was accepted")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c := codec(t, 3)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				in := runCursor{CreatedAt: time.Unix(int64(g*1000+i), 0).UTC(), ID: int64(i + 1)}
				s, err := c.Encode("operation_runs", in)
				if err != nil {
					t.Error(err)
					return
				}
				var out runCursor
				if err := c.Decode("operation_runs", s, &out); err != nil || out != in {
					t.Errorf("%+v: %+v, %v", in, out, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestLoad: with a secret key every process derives the same codec from it; without one they
// agree on a random key stored once in the database.
func TestLoad(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	ctx := context.Background()

	a, err := cursor.Load(ctx, tdb.SQL, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := cursor.Load(ctx, tdb.SQL, "")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := a.Encode("operation_runs", runCursor{ID: 1})
	var out runCursor
	if err := b.Decode("operation_runs", s, &out); err != nil || out.ID != 1 {
		t.Fatalf("a second process does not open the first one's cursor: %v", err)
	}
	var n int
	if err := tdb.SQL.QueryRow(`SELECT count(*) FROM server_keys`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("server_keys rows = %d, %v", n, err)
	}

	// Processes starting at once still agree.
	other := dbtest.New(t)
	codecs := make([]*cursor.Codec, 6)
	var wg sync.WaitGroup
	for i := range codecs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := cursor.Load(ctx, other.SQL, "")
			if err != nil {
				t.Error(err)
			}
			codecs[i] = c
		}()
	}
	wg.Wait()
	s, _ = codecs[0].Encode("findings", runCursor{ID: 9})
	for i, c := range codecs {
		if c == nil || c.Decode("findings", s, &out) != nil {
			t.Fatalf("process %d disagrees", i)
		}
	}
	// Another database, another key.
	if err := a.Decode("findings", s, &out); err == nil {
		t.Fatal("two databases share a cursor key")
	}

	key := secrets.GenerateKey()
	fromKey, err := cursor.Load(ctx, tdb.SQL, key)
	if err != nil {
		t.Fatal(err)
	}
	again, err := cursor.Load(ctx, other.SQL, "  "+key+"\n")
	if err != nil {
		t.Fatal(err)
	}
	s, _ = fromKey.Encode("operation_runs", runCursor{ID: 5})
	if err := again.Decode("operation_runs", s, &out); err != nil || out.ID != 5 {
		t.Fatalf("the same secret key gives different codecs: %v", err)
	}
	if err := a.Decode("operation_runs", s, &out); err == nil {
		t.Fatal("the secret key's codec is the stored key's")
	}
	if _, err := cursor.Load(ctx, tdb.SQL, "not a key"); !errors.Is(err, secrets.ErrBadKey) || strings.Contains(err.Error(), "not a key") {
		t.Fatalf("a malformed secret key: %v", err)
	}
}

func BenchmarkEncode(b *testing.B) {
	c := codec(b, 1)
	v := runCursor{CreatedAt: time.Date(2026, 3, 5, 12, 34, 56, 123456000, time.UTC), ID: 123456789}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode("operation_runs", v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	c := codec(b, 1)
	s, _ := c.Encode("operation_runs", runCursor{CreatedAt: time.Date(2026, 3, 5, 12, 34, 56, 123456000, time.UTC), ID: 123456789})
	b.ReportAllocs()
	for b.Loop() {
		var out runCursor
		if err := c.Decode("operation_runs", s, &out); err != nil {
			b.Fatal(err)
		}
	}
}
