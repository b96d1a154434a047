package tenancy

import (
	"errors"
	"fmt"
	"testing"
)

// TestErrWeakPasswordNamesTheMinimum: the constant's message spells MinPasswordLength out.
func TestErrWeakPasswordNamesTheMinimum(t *testing.T) {
	if want := fmt.Sprintf("password must have at least %d characters", MinPasswordLength); ErrWeakPassword.Error() != want {
		t.Fatalf("ErrWeakPassword = %q, want %q", ErrWeakPassword, want)
	}
	if _, err := HashPassword("short"); !errors.Is(fmt.Errorf("create user: %w", err), ErrWeakPassword) {
		t.Fatalf("HashPassword(short) = %v, want ErrWeakPassword", err)
	}
}
