package tenancy

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/database"
)

var tokenShape = regexp.MustCompile(`^ta_[A-Za-z0-9_-]{43}$`)

func TestIssueTokenStoresOnlyItsHash(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.user(t, "erin@example.com", false)

	plain, tok, err := f.svc.IssueToken(ctx, u.ID, " laptop ", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !tokenShape.MatchString(plain) {
		t.Fatalf("token %q does not look like ta_<43 base64url>", plain)
	}
	if tok.ID == 0 || tok.UserID != u.ID || tok.Name != "laptop" || tok.ExpiresAt == nil ||
		!tok.ExpiresAt.Equal(f.clock.Now().Add(24*time.Hour)) || tok.RevokedAt != nil {
		t.Fatalf("token row = %+v", tok)
	}
	if want := HashToken(plain); tok.TokenHash != want || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(want) {
		t.Fatalf("token_hash = %q, want hex sha256 %q", tok.TokenHash, want)
	}

	// No column holds the plaintext or its random part.
	var row string
	if err := f.db.SQL.QueryRow(`SELECT to_jsonb(t)::text FROM api_tokens t WHERE id = $1`, tok.ID).Scan(&row); err != nil {
		t.Fatal(err)
	}
	var cols map[string]any
	if err := json.Unmarshal([]byte(row), &cols); err != nil {
		t.Fatal(err)
	}
	for col, v := range cols {
		if s, ok := v.(string); ok && (s == plain || strings.Contains(s, plain[3:])) {
			t.Fatalf("column %s holds the plaintext token", col)
		}
	}
	if cols["token_hash"] != HashToken(plain) {
		t.Fatalf("stored token_hash = %v", cols["token_hash"])
	}

	plain2, _, err := f.svc.IssueToken(ctx, u.ID, "", 0)
	if err != nil || plain2 == plain {
		t.Fatalf("second token %q, %v", plain2, err)
	}
	toks, err := f.svc.ListTokens(ctx, u.ID)
	if err != nil || len(toks) != 2 || toks[0].ExpiresAt != nil {
		t.Fatalf("ListTokens = %+v, %v", toks, err)
	}

	_, _, err = f.svc.IssueToken(ctx, u.ID+1000, "x", 0)
	wantErr(t, err, ErrNotFound)
	_, _, err = f.svc.IssueToken(ctx, u.ID, "x", -time.Second)
	wantInvalid(t, err)
	wantFields(t, err, "ttl")
}

func TestVerify(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.svc.CreateUser(ctx, CreateUserInput{Email: "frank@example.com", Name: "Frank", Password: ptr("frank's password")})
	if err != nil {
		t.Fatal(err)
	}
	plain, tok, err := f.svc.IssueToken(ctx, u.ID, "cli", 0)
	if err != nil {
		t.Fatal(err)
	}
	auth := f.authenticator()
	for i := 0; i < 2; i++ { // from the database, then from the cache
		p, err := auth.Verify(ctx, plain)
		if err != nil {
			t.Fatalf("verify #%d: %v", i, err)
		}
		if p.User.ID != u.ID || p.User.Email != u.Email || p.TokenID != tok.ID || p.TokenHash != tok.TokenHash {
			t.Fatalf("principal = %+v", p)
		}
		if p.User.PasswordHash != nil {
			t.Fatal("principal carries the password hash")
		}
	}
	unknown, _ := newToken()
	for _, bad := range []string{"", "ta_", "Bearer " + plain, plain + "x", plain[:len(plain)-1], "tb_" + plain[3:],
		"ta_" + strings.Repeat("!", 43), unknown} {
		_, err := auth.Verify(ctx, bad)
		wantErr(t, err, ErrInvalidCredentials)
	}
}

func TestVerifyRefusesExpiredTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.user(t, "grace@example.com", false)
	plain, _, err := f.svc.IssueToken(ctx, u.ID, "short-lived", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forever, _, err := f.svc.IssueToken(ctx, u.ID, "forever", 0)
	if err != nil {
		t.Fatal(err)
	}
	auth := f.authenticator()
	if _, err := auth.Verify(ctx, plain); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(59 * time.Minute)
	if _, err := auth.Verify(ctx, plain); err != nil {
		t.Fatalf("a minute before expiry: %v", err)
	}
	f.clock.Advance(time.Minute)
	_, err = auth.Verify(ctx, plain) // refused from the cache
	wantErr(t, err, ErrInvalidCredentials)
	_, err = f.authenticator().Verify(ctx, plain) // and from the database
	wantErr(t, err, ErrInvalidCredentials)

	f.clock.Advance(10 * 365 * 24 * time.Hour)
	if _, err := auth.Verify(ctx, forever); err != nil {
		t.Fatalf("token without expiry: %v", err)
	}
}

func TestRevokedTokensAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.user(t, "heidi@example.com", false)
	other := f.user(t, "ivan@example.com", false)
	plain, tok, err := f.svc.IssueToken(ctx, u.ID, "a", 0)
	if err != nil {
		t.Fatal(err)
	}
	auth := f.authenticator()
	if _, err := auth.Verify(ctx, plain); err != nil {
		t.Fatal(err)
	}

	wantErr(t, f.svc.RevokeToken(ctx, other.ID, tok.ID), ErrNotFound) // not theirs
	if _, err := auth.Verify(ctx, plain); err != nil {
		t.Fatalf("a failed revocation revoked: %v", err)
	}
	if err := f.svc.RevokeToken(ctx, u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeToken(ctx, u.ID, tok.ID); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	// The cache still trusts it until told (Listen on ChannelTokens tells it) ...
	if _, err := auth.Verify(ctx, plain); err != nil {
		t.Fatalf("cached token before Invalidate: %v", err)
	}
	auth.Invalidate(tok.TokenHash)
	_, err = auth.Verify(ctx, plain)
	wantErr(t, err, ErrInvalidCredentials)
	_, err = f.authenticator().Verify(ctx, plain)
	wantErr(t, err, ErrInvalidCredentials)

	// Sign-out by plaintext, and InvalidateAll.
	plain2, _, err := f.svc.IssueToken(ctx, u.ID, "b", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Verify(ctx, plain2); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeTokenByPlaintext(ctx, plain2); err != nil {
		t.Fatal(err)
	}
	auth.InvalidateAll()
	_, err = auth.Verify(ctx, plain2)
	wantErr(t, err, ErrInvalidCredentials)
	if err := f.svc.RevokeTokenByPlaintext(ctx, plain2); err != nil {
		t.Fatalf("signing out twice: %v", err)
	}
	unknown, _ := newToken()
	wantErr(t, f.svc.RevokeTokenByPlaintext(ctx, unknown), ErrInvalidCredentials)
	wantErr(t, f.svc.RevokeTokenByPlaintext(ctx, "garbage"), ErrInvalidCredentials)
}

// A cached token is verified without the database: this Authenticator's database is closed.
func TestVerifyFromCacheDoesNotTouchTheDatabase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.user(t, "judy@example.com", false)
	plain, _, err := f.svc.IssueToken(ctx, u.ID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	gdb, err := database.Open(ctx, f.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := gdb.DB()
	auth := NewAuthenticator(gdb, WithClock(f.clock.Now))
	if _, err := auth.Verify(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := auth.Verify(ctx, plain); err != nil {
			t.Fatalf("cached verify #%d: %v", i, err)
		}
	}
	// The last_used_at write is best-effort: its failure does not fail the request.
	f.clock.Advance(LastUsedInterval)
	if _, err := auth.Verify(ctx, plain); err != nil {
		t.Fatalf("verify with a failing last_used_at write: %v", err)
	}
	// Past the cache TTL the database is asked again, and its failure is not "invalid credentials".
	f.clock.Advance(DefaultCacheTTL)
	_, err = auth.Verify(ctx, plain)
	if err == nil || errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("verify past the cache TTL with the database closed: %v", err)
	}
}

func TestLastUsedAtIsWrittenAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.user(t, "ken@example.com", false)
	plain, tok, err := f.svc.IssueToken(ctx, u.ID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		t.Helper()
		var ts *time.Time
		if err := f.db.SQL.QueryRow(`SELECT last_used_at FROM api_tokens WHERE id = $1`, tok.ID).Scan(&ts); err != nil {
			t.Fatal(err)
		}
		if ts == nil {
			return time.Time{}
		}
		return ts.UTC()
	}
	if !lastUsed().IsZero() {
		t.Fatal("a fresh token has last_used_at")
	}
	auth := f.authenticator()
	t0 := f.clock.Now()
	verify := func() {
		t.Helper()
		if _, err := auth.Verify(ctx, plain); err != nil {
			t.Fatal(err)
		}
	}
	verify()
	if got := lastUsed(); !got.Equal(t0) {
		t.Fatalf("last_used_at = %v, want %v", got, t0)
	}
	f.clock.Advance(30 * time.Second)
	verify()
	verify()
	if got := lastUsed(); !got.Equal(t0) {
		t.Fatalf("last_used_at within the minute = %v, want %v", got, t0)
	}
	f.clock.Advance(31 * time.Second)
	verify()
	if got := lastUsed(); !got.Equal(t0.Add(61 * time.Second)) {
		t.Fatalf("last_used_at after the minute = %v, want %v", got, t0.Add(61*time.Second))
	}
	// A second process that loads the token within the minute does not write it again.
	f.clock.Advance(10 * time.Second)
	if _, err := f.authenticator().Verify(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(t0.Add(61 * time.Second)) {
		t.Fatalf("last_used_at after a second process = %v", got)
	}
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.user(t, "leo@example.com", false)
	auth := f.authenticator(WithCacheSize(5))
	var plains []string
	for i := 0; i < 20; i++ {
		p, _, err := f.svc.IssueToken(ctx, u.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		plains = append(plains, p)
		if _, err := auth.Verify(ctx, p); err != nil {
			t.Fatal(err)
		}
		if n := auth.cached(); n > 5 {
			t.Fatalf("cache holds %d tokens, bound 5", n)
		}
	}
	for _, p := range plains { // evicted tokens are verified from the database again
		if _, err := auth.Verify(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	noCache := f.authenticator(WithCacheSize(0))
	if _, err := noCache.Verify(ctx, plains[0]); err != nil || noCache.cached() != 0 {
		t.Fatalf("uncached authenticator: %v, %d cached", err, noCache.cached())
	}
}

// A lookup that raced with an invalidation returns its answer but does not cache it, so a
// revocation notified while the row was being read is not cached over.
func TestLookupRacingAnInvalidationIsNotCached(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.user(t, "mia@example.com", false)
	plain, tok, err := f.svc.IssueToken(ctx, u.ID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	auth := f.authenticator()
	auth.mu.Lock()
	gen := auth.gen
	auth.mu.Unlock()
	auth.Invalidate(tok.TokenHash) // arrives while the lookup below reads the row
	if _, err := auth.load(ctx, HashToken(plain), f.clock.Now(), gen); err != nil {
		t.Fatal(err)
	}
	if n := auth.cached(); n != 0 {
		t.Fatalf("cached %d tokens after a racing invalidation", n)
	}
}
