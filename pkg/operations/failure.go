package operations

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Failure is one entry of a run's failure_summary: why (some of) the work failed and how often.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Count   int    `json:"count"`
}

// Failure codes the run lifecycle itself writes.
const (
	CodeQueueDispatchFailed = "queue.dispatch_failed" // the job could not be enqueued
	CodeRunStale            = "run.stale"             // the run outlived its type's time limit
	CodeFailuresTruncated   = "failures.truncated"    // stands for the entries beyond MaxFailures
	CodeUnknown             = "unknown"               // replaces a code of the wrong shape
)

// Bounds of a failure summary.
const (
	MaxFailures       = 20  // entries in a failure summary, the truncation entry included
	MaxFailureMessage = 500 // runes in a message, the ellipsis included
)

// maxRawMessage bounds how much of a message is examined at all: far more than is ever shown.
const maxRawMessage = 8 << 10

// redacted replaces every secret found in a message.
const redacted = "[redacted]"

var failureCodePattern = regexp.MustCompile(`^[a-zA-Z0-9_.:-]{1,64}$`)

// SanitizeFailures makes a failure list fit to store and to show: secrets are replaced by
// "[redacted]", messages are trimmed and cut to MaxFailureMessage runes, a code of the wrong
// shape becomes "unknown", counts are at least 1, entries with the same code and message are
// merged (first occurrence first, counts summed) and at most MaxFailures entries are kept: the
// first MaxFailures-1 and one "failures.truncated" entry that counts the rest. The result is
// never nil.
func SanitizeFailures(in []Failure) []Failure {
	type key struct{ code, message string }
	out := make([]Failure, 0, min(len(in), MaxFailures))
	index := make(map[key]int, len(in))
	var merged []Failure
	for _, f := range in {
		code := strings.TrimSpace(f.Code)
		if !failureCodePattern.MatchString(code) {
			code = CodeUnknown
		}
		msg := SanitizeMessage(f.Message)
		count := max(f.Count, 1)
		k := key{code, msg}
		if i, ok := index[k]; ok {
			merged[i].Count = addCounts(merged[i].Count, count)
			continue
		}
		index[k] = len(merged)
		merged = append(merged, Failure{Code: code, Message: msg, Count: count})
	}
	if len(merged) <= MaxFailures {
		return append(out, merged...)
	}
	out = append(out, merged[:MaxFailures-1]...)
	rest := 0
	for _, f := range merged[MaxFailures-1:] {
		rest = addCounts(rest, f.Count)
	}
	return append(out, Failure{
		Code:    CodeFailuresTruncated,
		Message: fmt.Sprintf("%d more failures not shown", rest),
		Count:   rest,
	})
}

func addCounts(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// SanitizeMessage strips secrets from a failure message and bounds it: invalid UTF-8 and NUL
// bytes are removed, credentials are replaced by "[redacted]", surrounding space is trimmed and
// the message is cut to MaxFailureMessage runes with an ellipsis.
func SanitizeMessage(s string) string {
	if len(s) > maxRawMessage {
		s = s[:maxRawMessage]
	}
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\x00", "")
	s = Redact(s)
	s = strings.TrimFunc(s, unicode.IsSpace)
	if utf8.RuneCountInString(s) > MaxFailureMessage {
		r := []rune(s)[:MaxFailureMessage-1]
		s = strings.TrimRightFunc(string(r), unicode.IsSpace) + "…"
	}
	return s
}

// secretKeys are names whose value is a secret wherever they appear as key=value or in JSON;
// a prefix ending in _ . or - is allowed (db_password, AZURE_CLIENT_SECRET, x-api-key).
const secretKeys = `password|passwd|pwd|client_secret|secret|access_token|refresh_token|id_token|` +
	`token|accountkey|sharedaccesskey|sharedaccesssignature|api[_-]?key|client_assertion`

// colonKeys are the secret names that never occur in ordinary prose, so "name: value" is
// redacted for them too (for "password: ..." only the JSON and key=value forms are).
const colonKeys = `client_secret|access_token|refresh_token|id_token|accountkey|sharedaccesskey|` +
	`api[_-]?key|client_assertion`

const keyPrefix = `(?:[\w.-]*[_.-])?`

// redaction is one rule: what a secret looks like and what replaces it.
type redaction struct {
	re   *regexp.Regexp
	repl string                // a regexp template, used when fn is nil
	fn   func([]string) string // gets the submatches of one match
}

// redactions are applied in order; each one leaves "[redacted]" for the later ones to pass by.
var redactions = []redaction{
	// Authorization: <scheme> <credentials>, as a header line or a JSON field.
	{re: regexp.MustCompile(`(?i)(\b(?:proxy-)?authorization\\?"?\s*[:=]\s*\\?"?)` +
		`(?:(?:bearer|basic|negotiate|digest|ntlm|sharedkey|sharedaccesssignature)\s+)?[^\s"',;()<>\\]+`),
		repl: "${1}" + redacted},
	// Credentials in a URL: scheme://user:password@host.
	{re: regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^:/?#@\s]*):[^@/\s]+@`),
		repl: "${1}:" + redacted + "@"},
	// ADO.NET-style connection strings: Password=any text up to the next ';'.
	{re: regexp.MustCompile(`(?i)(\b(?:password|pwd)\s*=\s*)[^;\r\n"']+;`),
		repl: "${1}" + redacted + ";"},
	// JSON and its look-alikes: "client_secret": "value", 'password': 'value', "pin": 1234.
	{re: regexp.MustCompile(`(?i)(["']` + keyPrefix + `(?:` + secretKeys + `)["']\s*:\s*)` +
		`("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[redacted\]|[^\s"',}\]\\]+)`),
		fn: func(m []string) string {
			if q := m[2][0]; q == '"' || q == '\'' {
				return m[1] + string(q) + redacted + string(q)
			}
			return m[1] + redacted
		}},
	// JSON inside a JSON string: \"client_secret\": \"value\".
	{re: regexp.MustCompile(`(?i)(\\"` + keyPrefix + `(?:` + secretKeys + `)\\"\s*:\s*)\\"(?:[^"\\]|\\[^"])*\\"`),
		repl: `${1}\"` + redacted + `\"`},
	// key=value in queries, forms, connection strings and logs.
	{re: regexp.MustCompile(`(?i)\b(` + keyPrefix + `(?:` + secretKeys + `)\s*=\s*)` +
		`(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s&;"'<>]+)`),
		repl: "${1}" + redacted},
	// key: value for the names that are unambiguous.
	{re: regexp.MustCompile(`(?i)\b(` + keyPrefix + `(?:` + colonKeys + `)\s*:\s*)[^\s"',;&]+`),
		repl: "${1}" + redacted},
	// Shared access signatures: the sig and sv query values.
	{re: regexp.MustCompile(`(?i)(\b(?:sig|sv)=)[^&\s"'<>;]+`),
		repl: "${1}" + redacted},
	// JSON Web Tokens: three base64url segments, the header starting with eyJ.
	{re: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`),
		repl: redacted},
	// Bearer <token>. A plain lower-case word after "bearer" is prose, not a token.
	{re: regexp.MustCompile(`(?i)\b(bearer\s+)([A-Za-z0-9\-._~+/]+=*)`),
		fn: func(m []string) string {
			if isLowerWord(m[2]) {
				return m[0]
			}
			return m[1] + redacted
		}},
}

func isLowerWord(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// Redact replaces credentials in s with "[redacted]": Authorization header values, bearer tokens,
// JWTs, client secrets, passwords, access and refresh tokens, API and storage account keys,
// passwords in connection strings and URLs, and shared access signatures. Ordinary text is left
// as it is.
func Redact(s string) string {
	for _, r := range redactions {
		if r.fn == nil {
			s = r.re.ReplaceAllString(s, r.repl)
			continue
		}
		s = r.re.ReplaceAllStringFunc(s, func(m string) string {
			return r.fn(r.re.FindStringSubmatch(m))
		})
	}
	return s
}
