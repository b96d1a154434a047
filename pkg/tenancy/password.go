package tenancy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"
)

// Password hashing. A verification takes its argon2id memory for as long as it runs, so the cost
// of sign-in is bounded by two numbers: how many verifications may run at once (a VerifyLimiter)
// and how much memory each takes (PasswordParamsFor). Their product is the memory budget.
const (
	// maxPasswordMemory is the most memory one verification takes (KiB): RFC 9106's second
	// recommended option, and what hashes were made with before the budget existed.
	maxPasswordMemory = 64 * 1024
	// minPasswordMemory is the least (KiB): OWASP's lower bound for argon2id.
	minPasswordMemory = 19 * 1024
)

// DefaultPasswordParams are the argon2id parameters of the default sign-in budget (128 MiB for 4
// concurrent verifications: 32 MiB, 3 passes, one lane each).
var DefaultPasswordParams = PasswordParamsFor(128<<20, 4)

// PasswordParamsFor returns the argon2id parameters that let concurrency verifications run at once
// within budget bytes: memory budget/concurrency (64 MiB at most, 19 MiB at least: the settings
// are checked for that), one lane, so a verification occupies one core, and at least three passes,
// more when the memory is small (so that memory × passes stays ≥ 96 MiB, up to five passes).
func PasswordParamsFor(budget int64, concurrency int) *argon2id.Params {
	memory := int64(maxPasswordMemory)
	if concurrency > 0 {
		memory = min(memory, budget/int64(concurrency)>>10)
	}
	memory = max(memory, minPasswordMemory) &^ 1023 // whole MiB
	iterations := (96*1024 + memory - 1) / memory
	iterations = min(max(iterations, 3), 5)
	return &argon2id.Params{Memory: uint32(memory), Iterations: uint32(iterations), Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// ErrWeakPassword is returned for a password shorter than MinPasswordLength (its message names
// the minimum; a test checks that it matches).
const ErrWeakPassword Error = "password must have at least 12 characters"

// HashPassword returns the argon2id hash of password in PHC string form, with
// DefaultPasswordParams (a Service hashes with its own; a hash of other parameters is rehashed at
// its next successful sign-in).
func HashPassword(password string) (string, error) {
	return hashPassword(password, DefaultPasswordParams)
}

func hashPassword(password string, params *argon2id.Params) (string, error) {
	if len(password) < MinPasswordLength {
		return "", ErrWeakPassword
	}
	h, err := argon2id.CreateHash(password, params)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// CheckPassword reports whether password matches the stored hash. A malformed hash never matches.
func CheckPassword(password, hash string) bool {
	ok, _ := checkPassword(password, hash)
	return ok
}

// checkPassword also reports the hash's parameters, so that a caller can tell an outdated hash.
func checkPassword(password, hash string) (bool, *argon2id.Params) {
	ok, params, err := argon2id.CheckHash(password, hash)
	if err != nil {
		return false, nil
	}
	return ok, params
}

// sameParams reports whether a stored hash was made with the parameters p.
func sameParams(stored, p *argon2id.Params) bool {
	return stored != nil && stored.Memory == p.Memory && stored.Iterations == p.Iterations &&
		stored.Parallelism == p.Parallelism && stored.KeyLength == p.KeyLength && stored.SaltLength == p.SaltLength
}

// ErrSignInBusy: every password verification slot stayed taken for the limiter's wait. Try again
// in a second.
const ErrSignInBusy Error = "too many sign-ins at once"

// VerifyLimiter bounds the password verifications (and hashings) that run at once in a process.
// A caller that finds every slot taken waits up to the limiter's wait, then gets ErrSignInBusy.
// Safe for concurrent use.
type VerifyLimiter struct {
	slots chan struct{}
	wait  time.Duration

	mu      sync.Mutex
	waiting int
}

// NewVerifyLimiter allows n verifications at once (at least one); the others wait up to wait.
func NewVerifyLimiter(n int, wait time.Duration) *VerifyLimiter {
	return &VerifyLimiter{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// Size is the number of slots.
func (l *VerifyLimiter) Size() int { return cap(l.slots) }

// Waiting is the number of callers waiting for a slot.
func (l *VerifyLimiter) Waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiting
}

// Acquire takes a slot; call the returned release when done. It fails with ErrSignInBusy after the
// limiter's wait, or with the context's error.
func (l *VerifyLimiter) Acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-l.slots }
	select {
	case l.slots <- struct{}{}:
		return release, nil
	default:
	}
	l.mu.Lock()
	l.waiting++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.waiting--
		l.mu.Unlock()
	}()
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, fmt.Errorf("password verification: %w", ErrSignInBusy)
	case <-ctx.Done():
		return nil, fmt.Errorf("password verification: %w", errors.Join(ErrSignInBusy, ctx.Err()))
	}
}
