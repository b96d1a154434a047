package graph

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantatlas/operations/pkg/redact"
)

// Failure codes of Graph errors: Error.Code, and what FailureCode answers.
const (
	CodeThrottled         = "graph.throttled"          // 429, still after every retry
	CodePermissionMissing = "graph.permission_missing" // 403: the app lacks a Graph permission
	CodeTokenExpired      = "graph.token_expired"      // 401, or the token endpoint refused the credentials
	CodeUnavailable       = "graph.unavailable"        // 5xx after every retry, network failures
	CodeNotFound          = "graph.not_found"          // 404
	CodeBadRequest        = "graph.bad_request"        // other 4xx, and responses the client refuses
	CodeUnknown           = "graph.unknown"            // not a Graph error
)

// MaxMessage bounds Error.Message, in runes.
const MaxMessage = 300

// Error is a failed Graph (or token endpoint) request. Its message is Graph's own, sanitised:
// never the client secret, a bearer token or a token response.
type Error struct {
	Code       string        // one of the Code* constants
	Status     int           // HTTP status, 0 for network failures
	GraphCode  string        // Graph's error code ("Authorization_RequestDenied"), or the OAuth error ("invalid_client")
	Message    string        // short, sanitised message (≤ MaxMessage runes)
	RetryAfter time.Duration // the server's last Retry-After, if it sent one
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.GraphCode != "" {
		b.WriteString(": ")
		b.WriteString(e.GraphCode)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Transient reports whether trying again later may succeed (throttling, unavailability).
func (e *Error) Transient() bool {
	return e != nil && (e.Code == CodeThrottled || e.Code == CodeUnavailable)
}

// SentinelError is the type of this package's sentinel errors (ErrUnknownPolicyType): constants,
// so no code can replace them, and comparable, so errors.Is finds them through %w wrapping. (Error
// is a failed Graph request.)
type SentinelError string

func (e SentinelError) Error() string { return string(e) }

// FailureCode is the stable failure code of err for a run's failure summary: the Code of a
// *Error anywhere in its chain, else "graph.unknown".
func FailureCode(err error) string {
	var ge *Error
	if errors.As(err, &ge) && ge.Code != "" {
		return ge.Code
	}
	return CodeUnknown
}

// IsTransient reports whether err is a *Error that is Transient.
func IsTransient(err error) bool {
	var ge *Error
	return errors.As(err, &ge) && ge.Transient()
}

// codeForStatus maps a final HTTP status to its failure code.
func codeForStatus(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return CodeThrottled
	case status == http.StatusUnauthorized:
		return CodeTokenExpired
	case status == http.StatusForbidden:
		return CodePermissionMissing
	case status == http.StatusNotFound:
		return CodeNotFound
	case status >= 500:
		return CodeUnavailable
	case status >= 400:
		return CodeBadRequest
	}
	return CodeUnknown
}

// traceTail is the diagnostic tail Entra appends to its descriptions.
var traceTail = regexp.MustCompile(`(?s)\s*(Trace ID|Correlation ID|Timestamp):.*$`)

// sanitize makes a message fit for an Error: every given secret (as it is and query-escaped) and
// every credential redact.String finds is replaced, Entra's trace tail dropped, white space
// collapsed and the result cut to MaxMessage runes.
func sanitize(msg string, secrets ...string) string {
	if len(msg) > 8<<10 {
		msg = msg[:8<<10]
	}
	msg = strings.ToValidUTF8(msg, "")
	msg = redact.String(msg, secrets...)
	msg = traceTail.ReplaceAllString(msg, "")
	msg = strings.Join(strings.Fields(msg), " ")
	if utf8.RuneCountInString(msg) > MaxMessage {
		r := []rune(msg)
		msg = string(r[:MaxMessage-1]) + "…"
	}
	return msg
}

// sanitizeCode keeps an error code only if it looks like one (Graph codes and OAuth errors are
// short identifiers).
var codePattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,80}$`)

func sanitizeCode(code string) string {
	if codePattern.MatchString(code) {
		return code
	}
	return ""
}
