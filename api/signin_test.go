package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// testClock is a settable clock shared by the services of a test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestClock() *testClock { return &testClock{t: time.Now().UTC().Truncate(time.Second)} }

// newProcessEnv is one API process over tdb (a new database when nil) on the clock, with its own
// tenancy service (sign-in slots and known locks), authenticator and authorizer: two of them on
// one database are two API processes.
func newProcessEnv(t *testing.T, tdb *dbtest.DB, clock *testClock, cfg config.Config, opts ...tenancy.Option) *env {
	t.Helper()
	if tdb == nil {
		tdb = dbtest.New(t)
	}
	ctx := context.Background()
	az, err := authz.New(ctx, tdb.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	ten := tenancy.NewService(tdb.Gorm, append([]tenancy.Option{tenancy.WithClock(clock.Now)}, opts...)...)
	auth := tenancy.NewAuthenticator(tdb.Gorm, tenancy.WithClock(clock.Now))
	runs, err := jobs.NewRunService(tdb.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = time.Hour
	}
	srv := api.New(api.Deps{DB: tdb.Gorm, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg,
		Tenancy: ten, Auth: auth, Authz: az, Runs: runs})
	return &env{t: t, db: tdb, srv: srv, tenancy: ten, authz: az, auth: auth}
}

const signInPassword = "correct horse battery staple"

func login(e *env, email, password string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
}

func wantProblem(t *testing.T, res response, status int, code string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	if got := res.json(t)["code"]; got != code {
		t.Fatalf("code %v, want %s", got, code)
	}
}

func wantRetryAfter(t *testing.T, res response, want string) {
	t.Helper()
	if got := res.Header.Get("Retry-After"); got != want {
		t.Fatalf("Retry-After %q, want %q", got, want)
	}
}

// 20 wrong passwords in a row: the first ones are 401, then 429 signin_throttled with
// Retry-After, and the right password is refused too until the lock ends; then it signs in.
func TestTwentyWrongPasswordsAreThrottled(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	e := newProcessEnv(t, nil, clock, config.Config{})
	e.user("victim@a.test", false)
	statuses := map[int]int{}
	var last response
	for i := 0; i < 20; i++ {
		last = login(e, "victim@a.test", "not the password "+strconv.Itoa(i))
		statuses[last.Status]++
	}
	if statuses[http.StatusUnauthorized] != 6 || statuses[http.StatusTooManyRequests] != 14 {
		t.Fatalf("statuses %v, want 6 × 401 (5 free attempts and the one that locks) and then 14 × 429", statuses)
	}
	wantProblem(t, last, http.StatusTooManyRequests, "signin_throttled")
	wantRetryAfter(t, last, "1")

	res := login(e, "victim@a.test", signInPassword)
	wantProblem(t, res, http.StatusTooManyRequests, "signin_throttled")

	clock.Advance(time.Second)
	if res := login(e, "victim@a.test", signInPassword); res.Status != http.StatusOK {
		t.Fatalf("after the lock: %d %s", res.Status, res.Body)
	}
}

// Throttling holds across two API processes on one database: failures counted by one lock the
// account on the other.
func TestSignInThrottlingHoldsAcrossAPIProcesses(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	a := newProcessEnv(t, nil, clock, config.Config{})
	b := newProcessEnv(t, a.db, clock, config.Config{})
	a.user("victim@a.test", false)
	for i := 0; i < 6; i++ {
		if res := login(a, "victim@a.test", "wrong password!!"); res.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d on A = %d", i+1, res.Status)
		}
	}
	res := login(b, "victim@a.test", signInPassword)
	wantProblem(t, res, http.StatusTooManyRequests, "signin_throttled")
	wantRetryAfter(t, res, "1")
	// The next failure doubles the delay, whichever process counts it.
	clock.Advance(time.Second)
	if res := login(b, "victim@a.test", "wrong password!!"); res.Status != http.StatusUnauthorized {
		t.Fatalf("after the first lock, on B = %d", res.Status)
	}
	res = login(a, "victim@a.test", signInPassword)
	wantProblem(t, res, http.StatusTooManyRequests, "signin_throttled")
	wantRetryAfter(t, res, "2")
	clock.Advance(2 * time.Second)
	if res := login(a, "victim@a.test", signInPassword); res.Status != http.StatusOK {
		t.Fatalf("after the lock, on A: %d %s", res.Status, res.Body)
	}
}

// The N+1th concurrent password verification waits for a slot, and gets 429 signin_busy with
// Retry-After when none frees up in time.
func TestSignInBeyondTheVerificationSlotsWaitsOrIsRefused(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	waiting := tenancy.NewVerifyLimiter(2, time.Hour)
	e := newProcessEnv(t, nil, clock, config.Config{}, tenancy.WithVerifyLimiter(waiting))
	e.user("someone@a.test", false)
	ctx := context.Background()
	hold := func(l *tenancy.VerifyLimiter) []func() {
		var rs []func()
		for i := 0; i < l.Size(); i++ {
			r, err := l.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		return rs
	}

	releases := hold(waiting)
	done := make(chan response, 1)
	go func() { done <- login(e, "someone@a.test", signInPassword) }()
	for waiting.Waiting() == 0 {
		time.Sleep(time.Millisecond) // until the sign-in waits for a slot
	}
	releases[0]()
	if res := <-done; res.Status != http.StatusOK {
		t.Fatalf("the waiting sign-in = %d %s", res.Status, res.Body)
	}
	releases[1]()

	refusing := tenancy.NewVerifyLimiter(2, 10*time.Millisecond)
	e2 := newProcessEnv(t, e.db, clock, config.Config{}, tenancy.WithVerifyLimiter(refusing))
	releases = hold(refusing)
	res := login(e2, "someone@a.test", signInPassword)
	wantProblem(t, res, http.StatusTooManyRequests, "signin_busy")
	wantRetryAfter(t, res, "1")
	for _, r := range releases {
		r()
	}
	if res := login(e2, "someone@a.test", signInPassword); res.Status != http.StatusOK {
		t.Fatalf("with the slots free = %d %s", res.Status, res.Body)
	}
}

// Every 401 carries a Bearer challenge; error="invalid_token" when a token was presented but is
// malformed, unknown, expired or revoked.
func TestUnauthorizedAnswersCarryABearerChallenge(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	e := newProcessEnv(t, nil, clock, config.Config{})
	u, token := e.user("someone@a.test", false)
	short, _, err := e.tenancy.IssueToken(context.Background(), u.ID, "short", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	revoked := login(e, "someone@a.test", signInPassword).json(t)["token"].(string)
	if res := e.do(http.MethodPost, "/api/v1/auth/logout", revoked, nil); res.Status != http.StatusNoContent {
		t.Fatalf("logout = %d", res.Status)
	}
	if res := e.do(http.MethodGet, "/api/v1/me", short, nil); res.Status != http.StatusOK {
		t.Fatalf("me with the short token = %d", res.Status)
	}
	clock.Advance(2 * time.Minute)

	const plain = `Bearer realm="tenantatlas"`
	const invalid = `Bearer realm="tenantatlas", error="invalid_token"`
	for _, c := range []struct {
		name, method, path, authorization, want string
	}{
		{"no token", http.MethodGet, "/api/v1/me", "", plain},
		{"no token, HEAD", http.MethodHead, "/api/v1/operation-runs", "", plain},
		{"another scheme", http.MethodGet, "/api/v1/me", "Basic c29tZW9uZTpwdw==", plain},
		{"malformed token", http.MethodGet, "/api/v1/me", "Bearer not-a-token", invalid},
		{"unknown token", http.MethodGet, "/api/v1/operation-runs", "Bearer ta_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", invalid},
		{"expired token", http.MethodGet, "/api/v1/me", "Bearer " + short, invalid},
		{"revoked token", http.MethodPost, "/api/v1/auth/logout", "Bearer " + revoked, invalid},
	} {
		res := e.do(c.method, c.path, "", nil, "Authorization", c.authorization)
		if res.Status != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", c.name, res.Status)
			continue
		}
		if got := res.Header.Get("WWW-Authenticate"); got != c.want {
			t.Errorf("%s: WWW-Authenticate %q, want %q", c.name, got, c.want)
		}
	}
	res := login(e, "someone@a.test", "wrong password!!")
	wantProblem(t, res, http.StatusUnauthorized, "invalid_credentials")
	if got := res.Header.Get("WWW-Authenticate"); got != plain {
		t.Errorf("wrong password: WWW-Authenticate %q, want %q", got, plain)
	}
	if res := e.do(http.MethodGet, "/api/v1/me", token, nil); res.Status != http.StatusOK || res.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("a valid token: %d, WWW-Authenticate %q", res.Status, res.Header.Get("WWW-Authenticate"))
	}
}

var rateLimitField = regexp.MustCompile(`^"token";r=([0-9]+);t=([0-9]+)$`)

// Each token has its own quota; every authenticated answer says what is left; past the quota
// the answer is 429 rate_limited with Retry-After, and another token is not affected.
func TestPerTokenRateLimit(t *testing.T) {
	t.Parallel()
	e := newProcessEnv(t, nil, newTestClock(), config.Config{RateLimit: config.RateLimit{Requests: 3, Window: time.Minute}})
	_, token := e.user("busy@a.test", false)
	_, other := e.user("calm@a.test", false)
	remaining := func(res response) int {
		t.Helper()
		if p := res.Header.Get("RateLimit-Policy"); p != `"token";q=3;w=60` {
			t.Fatalf("RateLimit-Policy %q", p)
		}
		m := rateLimitField.FindStringSubmatch(res.Header.Get("RateLimit"))
		if m == nil {
			t.Fatalf("RateLimit %q", res.Header.Get("RateLimit"))
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	for want := 2; want >= 0; want-- {
		res := e.do(http.MethodGet, "/api/v1/me", token, nil)
		if res.Status != http.StatusOK || remaining(res) != want {
			t.Fatalf("request with %d left: %d, RateLimit %q", want, res.Status, res.Header.Get("RateLimit"))
		}
	}
	res := e.do(http.MethodGet, "/api/v1/operation-runs", token, nil)
	wantProblem(t, res, http.StatusTooManyRequests, "rate_limited")
	if remaining(res) != 0 {
		t.Fatalf("RateLimit on the 429: %q", res.Header.Get("RateLimit"))
	}
	// One request per 20 s comes back.
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 20 {
		t.Fatalf("Retry-After %q, want 1–20 seconds", res.Header.Get("Retry-After"))
	}
	if res := e.do(http.MethodGet, "/api/v1/me", other, nil); res.Status != http.StatusOK || remaining(res) != 2 {
		t.Fatalf("another token: %d, RateLimit %q", res.Status, res.Header.Get("RateLimit"))
	}
	// Sign-in and unauthenticated answers spend no token's quota and carry no RateLimit.
	if res := e.do(http.MethodGet, "/api/v1/me", "", nil); res.Status != http.StatusUnauthorized || res.Header.Get("RateLimit") != "" {
		t.Fatalf("without a token: %d, RateLimit %q", res.Status, res.Header.Get("RateLimit"))
	}
}
