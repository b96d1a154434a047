package operations_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tenantatlas/operations/pkg/operations"
)

// A real-looking (but unsigned and made-up) access token issued by Entra ID.
const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6Ik1uQ19WWmNBVGZNNXBPWWlKSE1iYTlnb0VLWSJ9" +
	".eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJ0aWQiOiI2ZjFjMmE5ZSJ9" +
	".Zm9vYmFyYmF6cXV4LXNpZ25hdHVyZV9ieXRlcw"

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
	})
}
