package tenancy

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
)

const rightPassword = "the right password"

// signInFixture is a database with one user, a fake clock and a service over them (more
// services on the same database stand for more API processes).
type signInFixture struct {
	fixture
	user User
}

func newSignInFixture(t *testing.T) signInFixture {
	t.Helper()
	f := newFixture(t)
	u, err := f.svc.CreateUser(context.Background(), CreateUserInput{Email: "erin@example.com", Name: "Erin", Password: ptr(rightPassword)})
	if err != nil {
		t.Fatal(err)
	}
	return signInFixture{fixture: f, user: u}
}

// process is another service on the fixture's database and clock: another API process.
func (f signInFixture) process(opts ...Option) *Service {
	return NewService(f.db.Gorm, append([]Option{WithClock(f.clock.Now)}, opts...)...)
}

func wantThrottled(t *testing.T, err error, retryAfter time.Duration) {
	t.Helper()
	var te *ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, ErrSignInThrottled) {
		t.Fatalf("err = %v, want a *ThrottledError", err)
	}
	if te.RetryAfter != retryAfter {
		t.Fatalf("RetryAfter = %s, want %s", te.RetryAfter, retryAfter)
	}
}

func (f signInFixture) failures(t *testing.T, key string) (n int, lockedUntil *time.Time) {
	t.Helper()
	row := f.db.SQL.QueryRow(`SELECT failures, locked_until FROM signin_failures WHERE key = $1`, key)
	if err := row.Scan(&n, &lockedUntil); err != nil {
		return 0, nil
	}
	return n, lockedUntil
}

// Five failures are free; then each attempt locks the account for twice as long as the one
// before; while locked even the right password is refused unchecked; once the lock ends the
// right password signs in and the account's failures are forgotten.
func TestSignInThrottlesAnAccountWithGrowingDelays(t *testing.T) {
	t.Parallel()
	f := newSignInFixture(t)
	ctx := context.Background()
	for i := 1; i <= 6; i++ {
		_, err := f.svc.SignIn(ctx, "erin@example.com", "a wrong password", "192.0.2.10")
		wantErr(t, err, ErrSignInFailed)
	}
	for _, pw := range []string{"a wrong password", rightPassword} {
		_, err := f.svc.SignIn(ctx, "Erin@Example.com", pw, "192.0.2.11")
		wantThrottled(t, err, time.Second)
	}
	if n, _ := f.failures(t, accountKey("erin@example.com")); n != 6 {
		t.Fatalf("failures = %d, want 6 (attempts refused while locked are not counted)", n)
	}
	for _, delay := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		f.clock.Advance(delay / 2) // the previous lock ends
		_, err := f.svc.SignIn(ctx, "erin@example.com", "a wrong password", "192.0.2.10")
		wantErr(t, err, ErrSignInFailed)
		_, err = f.svc.SignIn(ctx, "erin@example.com", rightPassword, "192.0.2.10")
		wantThrottled(t, err, delay)
	}
	f.clock.Advance(8 * time.Second)
	u, err := f.svc.SignIn(ctx, "erin@example.com", rightPassword, "192.0.2.10")
	if err != nil || u.ID != f.user.ID {
		t.Fatalf("SignIn after the lock = %+v, %v", u, err)
	}
	if n, _ := f.failures(t, accountKey("erin@example.com")); n != 0 {
		t.Fatalf("the account's failures = %d after signing in, want forgotten", n)
	}
	// The address keeps its failures (one good password does not clear an address) but not the
	// successful attempt: 9 wrong ones.
	if n, _ := f.failures(t, addressKey("192.0.2.10")); n != 9 {
		t.Fatalf("the address's failures = %d, want 9", n)
	}
}

// An address that guesses at many accounts is locked, whichever account it tries next; an
// unknown email counts like a known one.
func TestSignInThrottlesAnAddress(t *testing.T) {
	t.Parallel()
	f := newSignInFixture(t)
	svc := f.process(WithSignInLimits(SignInLimits{AccountAttempts: 5, AddressAttempts: 3}))
	ctx := context.Background()
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"} {
		_, err := svc.SignIn(ctx, email, "a wrong password", "2001:db8:1:2::7")
		wantErr(t, err, ErrSignInFailed)
	}
	// Another address of the same /64 is the same client.
	_, err := svc.SignIn(ctx, "erin@example.com", rightPassword, "2001:db8:1:2::8")
	wantThrottled(t, err, time.Second)
	// Another client signs in.
	if _, err := svc.SignIn(ctx, "erin@example.com", rightPassword, "2001:db8:1:3::8"); err != nil {
		t.Fatal(err)
	}
	// The account was not locked by the address's attempts: nothing was counted for it.
	if n, _ := f.failures(t, accountKey("erin@example.com")); n != 0 {
		t.Fatalf("erin's failures = %d, want 0", n)
	}
}

// Two API processes on one database: the failures one counted lock the account on the other,
// and so does a lock the other learnt of.
func TestSignInThrottlingHoldsAcrossProcesses(t *testing.T) {
	t.Parallel()
	f := newSignInFixture(t)
	a, b := f.process(), f.process()
	ctx := context.Background()
	for i := 0; i < 6; i++ {
		_, err := a.SignIn(ctx, "erin@example.com", "a wrong password", "192.0.2.20")
		wantErr(t, err, ErrSignInFailed)
	}
	_, err := b.SignIn(ctx, "erin@example.com", rightPassword, "198.51.100.1")
	wantThrottled(t, err, time.Second)
	f.clock.Advance(time.Second)
	if _, err := b.SignIn(ctx, "erin@example.com", rightPassword, "198.51.100.1"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

// Concurrent attempts cannot slip past a lock: each is counted before its password is checked,
// so of 20 concurrent wrong attempts exactly the 6 before the lock are checked.
func TestConcurrentSignInAttemptsAreCountedBeforeTheCheck(t *testing.T) {
	t.Parallel()
	f := newSignInFixture(t)
	svc := f.process(WithVerifyLimiter(NewVerifyLimiter(20, time.Hour)))
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.SignIn(ctx, "erin@example.com", "a wrong password", "192.0.2.30")
		}()
	}
	wg.Wait()
	failed, throttled := 0, 0
	for _, err := range errs {
		switch {
		case errors.Is(err, ErrSignInFailed):
			failed++
		case errors.Is(err, ErrSignInThrottled):
			throttled++
		default:
			t.Fatalf("unexpected %v", err)
		}
	}
	if failed != 6 || throttled != 14 {
		t.Fatalf("%d checked and failed, %d throttled; want 6 and 14", failed, throttled)
	}
}

// Failures are forgotten an hour after the last one.
func TestSignInFailuresAreForgotten(t *testing.T) {
	t.Parallel()
	f := newSignInFixture(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		_, err := f.svc.SignIn(ctx, "erin@example.com", "a wrong password", "192.0.2.40")
		wantErr(t, err, ErrSignInFailed)
	}
	f.clock.Advance(time.Hour)
	_, err := f.svc.SignIn(ctx, "erin@example.com", "a wrong password", "192.0.2.40")
	wantErr(t, err, ErrSignInFailed)
	if n, lock := f.failures(t, accountKey("erin@example.com")); n != 1 || lock != nil {
		t.Fatalf("failures = %d, lock %v; want 1 and none", n, lock)
	}
}

// The N+1th verification waits for a slot: it proceeds when one frees up, and is refused with
// ErrSignInBusy when none does within the wait.
func TestVerifyLimiterBoundsConcurrentVerifications(t *testing.T) {
	t.Parallel()
	f := newSignInFixture(t)
	limiter := NewVerifyLimiter(2, time.Hour)
	svc := f.process(WithVerifyLimiter(limiter))
	ctx := context.Background()
	var releases []func()
	for i := 0; i < limiter.Size(); i++ {
		r, err := limiter.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	done := make(chan error, 1)
	go func() {
		_, err := svc.SignIn(ctx, "erin@example.com", rightPassword, "192.0.2.50")
		done <- err
	}()
	for limiter.Waiting() == 0 {
		time.Sleep(time.Millisecond) // until the sign-in waits for a slot
	}
	select {
	case err := <-done:
		t.Fatalf("the third verification ran while two held the slots: %v", err)
	default:
	}
	releases[0]()
	if err := <-done; err != nil {
		t.Fatalf("after a slot freed: %v", err)
	}

	// With no wait, a sign-in that finds every slot taken is refused, and nothing is counted.
	short := NewVerifyLimiter(1, 0)
	svc = f.process(WithVerifyLimiter(short))
	release, err := short.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.SignIn(ctx, "erin@example.com", rightPassword, "192.0.2.51")
	wantErr(t, err, ErrSignInBusy)
	if n, _ := f.failures(t, addressKey("192.0.2.51")); n != 0 {
		t.Fatalf("a refused attempt was counted: %d", n)
	}
	release()
	releases[1]()
}

// A hash made with other parameters still verifies, and is replaced by one with the service's
// parameters at the next successful sign-in; a wrong password changes nothing.
func TestSignInRehashesWhenTheParametersChanged(t *testing.T) {
	t.Parallel()
	f := newSignInFixture(t)
	ctx := context.Background()
	old := &argon2id.Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLength: 16, KeyLength: 32}
	oldHash, err := argon2id.CreateHash(rightPassword, old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SQL.Exec(`UPDATE users SET password_hash = $1 WHERE id = $2`, oldHash, f.user.ID); err != nil {
		t.Fatal(err)
	}
	stored := func() *argon2id.Params {
		var h string
		if err := f.db.SQL.QueryRow(`SELECT password_hash FROM users WHERE id = $1`, f.user.ID).Scan(&h); err != nil {
			t.Fatal(err)
		}
		p, _, _, err := argon2id.DecodeHash(h)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	newParams := PasswordParamsFor(76<<20, 4) // 19 MiB, 5 passes
	svc := f.process(WithPasswordParams(newParams))
	_, err = svc.SignIn(ctx, "erin@example.com", "a wrong password", "192.0.2.60")
	wantErr(t, err, ErrSignInFailed)
	if !sameParams(stored(), old) {
		t.Fatalf("a failed sign-in changed the hash")
	}
	if _, err := svc.SignIn(ctx, "erin@example.com", rightPassword, "192.0.2.60"); err != nil {
		t.Fatal(err)
	}
	if p := stored(); !sameParams(p, newParams) {
		t.Fatalf("stored params %+v, want %+v", *p, *newParams)
	}
	// The new hash verifies, with either service.
	for _, s := range []*Service{svc, f.svc} {
		if _, err := s.SignIn(ctx, "erin@example.com", rightPassword, "192.0.2.60"); err != nil {
			t.Fatal(err)
		}
	}
}

// The parameters fit the budget: concurrency × memory ≤ budget, within 19–64 MiB.
func TestPasswordParamsFitTheBudget(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		budget      int64
		concurrency int
		memoryMiB   uint32
		iterations  uint32
	}{
		{128 << 20, 4, 32, 3},
		{1 << 30, 4, 64, 3},
		{256 << 20, 4, 64, 3},
		{100 << 20, 4, 25, 4},
		{76 << 20, 4, 19, 5},
		{128 << 20, 1, 64, 3},
	} {
		p := PasswordParamsFor(c.budget, c.concurrency)
		if p.Memory != c.memoryMiB<<10 || p.Iterations != c.iterations || p.Parallelism != 1 {
			t.Errorf("PasswordParamsFor(%d MiB, %d) = %+v, want %d MiB, %d passes, 1 lane", c.budget>>20, c.concurrency, *p, c.memoryMiB, c.iterations)
		}
		if int64(p.Memory)<<10*int64(c.concurrency) > c.budget {
			t.Errorf("PasswordParamsFor(%d MiB, %d): %d × %d KiB exceeds the budget", c.budget>>20, c.concurrency, c.concurrency, p.Memory)
		}
	}
}
