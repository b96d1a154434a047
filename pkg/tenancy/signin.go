package tenancy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"
	"gorm.io/gorm"
)

// SignInLimits say how sign-in is throttled. Failed attempts are counted per account (the email,
// whether or not a user has it) and per client address in signin_failures, so every API process
// on the database agrees. After AccountAttempts (AddressAttempts) attempts each further one locks
// the account (address) for a delay that doubles from one second up to MaxDelay; attempts while
// locked are refused without a password verification and are not counted. Failures are forgotten
// ForgetAfter after the last one; a successful sign-in forgets the account's.
type SignInLimits struct {
	AccountAttempts int
	AddressAttempts int
	MaxDelay        time.Duration
	ForgetAfter     time.Duration
}

// DefaultSignInLimits are the limits of a Service without WithSignInLimits.
var DefaultSignInLimits = SignInLimits{AccountAttempts: 5, AddressAttempts: 20, MaxDelay: 15 * time.Minute, ForgetAfter: time.Hour}

// ErrSignInThrottled: too many failed sign-ins for the account or the client address. The error
// is a *ThrottledError saying when to try again.
const ErrSignInThrottled Error = "too many failed sign-ins"

// ThrottledError is a refused sign-in attempt; errors.Is(err, ErrSignInThrottled) holds.
type ThrottledError struct {
	RetryAfter time.Duration // until the lock ends
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s: try again in %s", ErrSignInThrottled, e.RetryAfter.Round(time.Second))
}

func (e *ThrottledError) Unwrap() error { return ErrSignInThrottled }

// WithPasswordParams sets the argon2id parameters a Service hashes with (default
// DefaultPasswordParams; see PasswordParamsFor).
func WithPasswordParams(p *argon2id.Params) Option {
	return func(o *options) {
		if p != nil {
			o.password = p
		}
	}
}

// WithVerifyLimiter bounds a Service's concurrent password verifications (default
// NewVerifyLimiter(4, 2s)). API processes each have their own.
func WithVerifyLimiter(l *VerifyLimiter) Option {
	return func(o *options) {
		if l != nil {
			o.limiter = l
		}
	}
}

// WithSignInLimits sets a Service's sign-in throttling (default DefaultSignInLimits, which also
// fills in the fields left zero).
func WithSignInLimits(l SignInLimits) Option {
	return func(o *options) {
		d := DefaultSignInLimits
		if l.AccountAttempts < 1 {
			l.AccountAttempts = d.AccountAttempts
		}
		if l.AddressAttempts < 1 {
			l.AddressAttempts = d.AddressAttempts
		}
		if l.MaxDelay <= 0 {
			l.MaxDelay = d.MaxDelay
		}
		if l.ForgetAfter <= 0 {
			l.ForgetAfter = d.ForgetAfter
		}
		o.signIn = l
	}
}

// signInGuard is a Service's sign-in state in this process: the limiter, and the locks it has
// already seen in the database (a lock never ends early, so an attempt against a known lock is
// refused without asking the database again).
type signInGuard struct {
	limits  SignInLimits
	limiter *VerifyLimiter
	params  *argon2id.Params

	dummyOnce sync.Once
	dummy     string

	mu    sync.Mutex
	locks map[string]time.Time // key -> locked until
}

const maxKnownLocks = 10_000

func newSignInGuard(o options) *signInGuard {
	return &signInGuard{limits: o.signIn, limiter: o.limiter, params: o.password, locks: map[string]time.Time{}}
}

// dummyHash is a hash, with the service's parameters, of a password nobody knows. Authenticate
// compares against it when there is no user or no password, so that an unknown email costs as
// much as a wrong password.
func (g *signInGuard) dummyHash() string {
	g.dummyOnce.Do(func() {
		h, err := argon2id.CreateHash(strconv.FormatUint(rand.Uint64(), 36)+"-no-such-password", g.params)
		if err != nil {
			panic("argon2id: " + err.Error()) // only a broken random source fails here
		}
		g.dummy = h
	})
	return g.dummy
}

func (g *signInGuard) knownLock(keys []string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		if until, ok := g.locks[k]; ok {
			if !now.Before(until) {
				delete(g.locks, k)
				continue
			}
			wait = max(wait, until.Sub(now))
		}
	}
	return wait
}

func (g *signInGuard) rememberLock(key string, until, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.locks) >= maxKnownLocks {
		for k, u := range g.locks {
			if !now.Before(u) {
				delete(g.locks, k)
			}
		}
		if len(g.locks) >= maxKnownLocks {
			return
		}
	}
	g.locks[key] = until
}

// accountKey and addressKey are the signin_failures keys. An account is its lower-cased email's
// SHA-256 (the table holds no addresses of people); a client is its IP address, or its /64 for
// IPv6, which one subscriber usually holds whole.
func accountKey(email string) string {
	sum := sha256.Sum256([]byte(NormalizeEmail(email)))
	return "account:" + hex.EncodeToString(sum[:])
}

func addressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "address:" + addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "address:" + p.String()
	}
	return "address:" + ip.String()
}

// SignIn checks an email and password from a client address, throttled: an attempt against a
// locked account or address is a *ThrottledError without a password verification; every slot
// taken for too long is ErrSignInBusy; a wrong email or password is ErrSignInFailed (see
// Authenticate). A correct password signs in and forgets the account's failures.
func (s *Service) SignIn(ctx context.Context, email, password, clientAddr string) (User, error) {
	g := s.signIn
	now := s.now()
	keys := []string{accountKey(email), addressKey(clientAddr)}
	if wait := g.knownLock(keys, now); wait > 0 {
		return User{}, fmt.Errorf("sign in: %w", &ThrottledError{RetryAfter: wait})
	}
	release, err := g.limiter.Acquire(ctx)
	if err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	defer release()
	now = s.now()
	if err := s.claimAttempt(ctx, keys, now); err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	u, err := s.authenticate(ctx, email, password)
	if err != nil {
		if errors.Is(err, ErrSignInFailed) && rand.IntN(512) == 0 {
			s.pruneSignInFailures(ctx, now)
		}
		return User{}, err
	}
	s.forgive(ctx, keys)
	return u, nil
}

// claimSQL counts an attempt against one key unless it is locked (then it returns no row). The
// new count n starts from 1 again when the failures were forgotten; past the free attempts the
// key locks for 2^(n-free-1) seconds, at most max_delay (the exponent is capped so that the power
// cannot overflow).
var claimSQL = strings.NewReplacer("{n}", `(CASE WHEN f.last_failure_at <= @forget THEN 1 ELSE f.failures + 1 END)`).Replace(`
	INSERT INTO signin_failures AS f (key, failures, last_failure_at, locked_until)
	VALUES (@key, 1, @now, CASE WHEN 1 > @free THEN CAST(@now AS timestamptz) + interval '1 second' END)
	ON CONFLICT (key) DO UPDATE SET
		failures = {n},
		last_failure_at = @now,
		locked_until = CASE WHEN {n} > @free
			THEN CAST(@now AS timestamptz) + least(@max_delay, power(2, least({n} - @free - 1, 40))::bigint) * interval '1 second' END
	WHERE f.locked_until IS NULL OR f.locked_until <= @now
	RETURNING f.failures`)

// claimAttempt counts an attempt against every key before its password is verified, so that
// concurrent attempts (on any process) cannot slip past a lock that the first of them sets. An
// attempt past the free ones locks the key; a key already locked refuses the attempt, and then
// nothing is counted. Keys are claimed in a fixed order (account, then address), so concurrent
// claims cannot deadlock.
func (s *Service) claimAttempt(ctx context.Context, keys []string, now time.Time) error {
	l := s.signIn.limits
	free := []int{l.AccountAttempts, l.AddressAttempts}
	maxDelay := int64(math.Ceil(l.MaxDelay.Seconds()))
	forget := now.Add(-l.ForgetAfter)
	var locked error
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i, key := range keys {
			var counted []int
			err := tx.Raw(claimSQL, map[string]any{"key": key, "now": now, "free": free[i], "max_delay": maxDelay, "forget": forget}).
				Scan(&counted).Error
			if err != nil {
				return fmt.Errorf("count sign-in attempt: %w", err)
			}
			if len(counted) == 0 {
				locked = s.lockedError(tx, keys, now)
				return locked
			}
		}
		return nil
	})
	if locked != nil {
		return locked
	}
	return err
}

// lockedError reads when the locks on keys end, remembers them and returns the *ThrottledError.
func (s *Service) lockedError(tx *gorm.DB, keys []string, now time.Time) error {
	var rows []struct {
		Key         string
		LockedUntil time.Time
	}
	if err := tx.Raw(`SELECT key, locked_until FROM signin_failures WHERE key IN ? AND locked_until > ?`, keys, now).
		Scan(&rows).Error; err != nil {
		return fmt.Errorf("read sign-in lock: %w", err)
	}
	wait := time.Second
	for _, r := range rows {
		s.signIn.rememberLock(r.Key, r.LockedUntil, now)
		wait = max(wait, r.LockedUntil.Sub(now))
	}
	return &ThrottledError{RetryAfter: wait}
}

// forgive undoes a successful attempt's count: the account's failures are forgotten, and the
// address's count loses this attempt (its other failures stand, so one good password does not
// clear an address that guesses at other accounts). Best effort: a failure here costs the user
// at most a later lock, and the sign-in stands.
func (s *Service) forgive(ctx context.Context, keys []string) {
	db := s.db.WithContext(ctx)
	_ = db.Exec(`DELETE FROM signin_failures WHERE key = ?`, keys[0]).Error
	_ = db.Exec(`UPDATE signin_failures SET failures = failures - 1 WHERE key = ? AND failures > 0`, keys[1]).Error
}

// pruneSignInFailures drops forgotten keys. SignIn calls it now and then after a failure, so the
// table stays as small as the failures of the last ForgetAfter.
func (s *Service) pruneSignInFailures(ctx context.Context, now time.Time) {
	_ = s.db.WithContext(ctx).Exec(`DELETE FROM signin_failures
		WHERE last_failure_at <= ? AND (locked_until IS NULL OR locked_until <= ?)`,
		now.Add(-s.signIn.limits.ForgetAfter), now).Error
}

// rehash replaces a user's password hash made with other parameters than the service's, after
// a successful verification (the password is at hand only then). Best effort: the old hash keeps
// verifying, and the next sign-in tries again. The WHERE clause keeps a concurrent password change.
func (s *Service) rehash(ctx context.Context, u *User, password string) {
	h, err := hashPassword(password, s.signIn.params)
	if err != nil {
		return
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?`,
		h, s.clockNow(), u.ID, *u.PasswordHash)
	if res.Error == nil && res.RowsAffected == 1 {
		u.PasswordHash = &h
	}
}
