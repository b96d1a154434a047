package operations_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tenantatlas/operations/pkg/operations"
)

func TestSanitizeFailures(t *testing.T) {
	t.Run("nil gives an empty list", func(t *testing.T) {
		if got := operations.SanitizeFailures(nil); got == nil || len(got) != 0 {
			t.Fatalf("SanitizeFailures(nil) = %#v", got)
		}
	})
	t.Run("codes, counts, merging", func(t *testing.T) {
		got := operations.SanitizeFailures([]operations.Failure{
			{Code: "graph.throttled", Message: "429 from Graph", Count: 3},
			{Code: "policy_type:unsupported", Message: "windowsAutopilotDeploymentProfile is not supported", Count: 0},
			{Code: " graph.throttled ", Message: "429 from Graph  ", Count: 2},
			{Code: "", Message: "no code"},
			{Code: "bad code with spaces", Message: "no code"},
			{Code: strings.Repeat("c", 65), Message: "code too long", Count: -4},
			{Code: "auth.failed", Message: "token request: client_secret=abc"},
			{Code: "auth.failed", Message: "token request: client_secret=xyz"},
		})
		want := []operations.Failure{
			{Code: "graph.throttled", Message: "429 from Graph", Count: 5},
			{Code: "policy_type:unsupported", Message: "windowsAutopilotDeploymentProfile is not supported", Count: 1},
			{Code: "unknown", Message: "no code", Count: 2},
			{Code: "unknown", Message: "code too long", Count: 1},
			// Two secrets, one message once redacted.
			{Code: "auth.failed", Message: "token request: client_secret=[redacted]", Count: 2},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("at most 20 entries", func(t *testing.T) {
		var in []operations.Failure
		for i := range 30 {
			in = append(in, operations.Failure{Code: "item.failed", Message: fmt.Sprintf("policy %d failed", i), Count: 2})
		}
		got := operations.SanitizeFailures(in)
		if len(got) != operations.MaxFailures {
			t.Fatalf("%d entries, want %d", len(got), operations.MaxFailures)
		}
		if got[18].Message != "policy 18 failed" {
			t.Fatalf("entry 18 is %+v", got[18])
		}
		last := got[19]
		if want := (operations.Failure{Code: "failures.truncated", Message: "22 more failures not shown", Count: 22}); last != want {
			t.Fatalf("truncation entry %+v, want %+v", last, want)
		}
		if again := operations.SanitizeFailures(got); !reflect.DeepEqual(again, got) {
			t.Fatal("SanitizeFailures is not idempotent")
		}
	})
	t.Run("exactly 20 entries are kept", func(t *testing.T) {
		var in []operations.Failure
		for i := range 20 {
			in = append(in, operations.Failure{Code: "item.failed", Message: fmt.Sprintf("policy %d failed", i)})
		}
		if got := operations.SanitizeFailures(in); len(got) != 20 || got[19].Code != "item.failed" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("long messages", func(t *testing.T) {
		long := strings.Repeat("ä", 600)
		got := operations.SanitizeFailures([]operations.Failure{{Code: "x", Message: long}})[0].Message
		if n := utf8.RuneCountInString(got); n != operations.MaxFailureMessage || !strings.HasSuffix(got, "…") {
			t.Fatalf("%d runes, suffix %q", n, got[len(got)-6:])
		}
		exact := strings.Repeat("a", 500)
		if got := operations.SanitizeFailures([]operations.Failure{{Code: "x", Message: exact}})[0].Message; got != exact {
			t.Fatal("a message of exactly 500 runes was cut")
		}
		// A secret beyond the cut is redacted before cutting, never half-shown.
		withSecret := strings.Repeat("a ", 248) + "password=hunter2hunter2"
		if got := operations.SanitizeMessage(withSecret); strings.Contains(got, "hunter") {
			t.Fatalf("secret leaked: %s", got)
		}
	})
	t.Run("invalid text", func(t *testing.T) {
		got := operations.SanitizeMessage("bad\xffbytes and a NUL\x00 here")
		if got != "badbytes and a NUL here" {
			t.Fatalf("got %q", got)
		}
	})
}
