package tenancy

import (
	"errors"
	"fmt"

	"github.com/alexedwards/argon2id"
)

// passwordParams are argon2id's parameters for stored passwords (RFC 9106's second recommended
// option, with memory sized for a small server).
var passwordParams = &argon2id.Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// ErrWeakPassword is returned for a password shorter than MinPasswordLength (its message names
// the minimum; a test checks that it matches).
const ErrWeakPassword Error = "password must have at least 12 characters"

// HashPassword returns the argon2id hash of password in PHC string form.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength {
		return "", ErrWeakPassword
	}
	h, err := argon2id.CreateHash(password, passwordParams)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// CheckPassword reports whether password matches the stored hash. A malformed hash never matches.
func CheckPassword(password, hash string) bool {
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil && !errors.Is(err, argon2id.ErrInvalidHash) {
		return false
	}
	return ok && err == nil
}
