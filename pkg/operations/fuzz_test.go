package operations_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tenantatlas/operations/pkg/operations"
)

func FuzzSanitizeMessage(f *testing.F) {
	for _, s := range []string{
		"Authorization: Bearer " + jwt,
		"password=hunter2; pwd=x",
		`{"client_secret":"a\"b","password":1}`,
		"postgres://u:p@h/db?sig=abc&sv=1",
		"plain text",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := operations.SanitizeMessage(s)
		if !utf8.ValidString(got) || strings.ContainsRune(got, 0) || utf8.RuneCountInString(got) > operations.MaxFailureMessage {
			t.Fatalf("SanitizeMessage(%q) = %q", s, got)
		}
		if r := operations.Redact(s); operations.Redact(r) != r {
			t.Fatalf("Redact not idempotent on %q: %q then %q", s, r, operations.Redact(r))
		}
	})
}
