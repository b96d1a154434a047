// Package redact strips credentials from text that is about to be stored, logged or shown: run
// failure messages, Graph error messages, panics. It is the one place that knows what a secret
// looks like.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Marker replaces every secret found.
const Marker = "[redacted]"

// minKnown is the shortest known secret replaced verbatim: shorter values would blank out
// ordinary words.
const minKnown = 4

// secretKeys are names whose value is a secret wherever they appear as key=value or in JSON;
// a prefix ending in _ . or - is allowed (db_password, AZURE_CLIENT_SECRET, x-api-key).
const secretKeys = `password|passwd|pwd|client_secret|secret|access_token|refresh_token|id_token|` +
	`token|accountkey|sharedaccesskey|sharedaccesssignature|api[_-]?key|client_assertion`

// colonKeys are the secret names that never occur in ordinary prose, so "name: value" is
// redacted for them too (for "password: ..." only the JSON and key=value forms are).
const colonKeys = `client_secret|access_token|refresh_token|id_token|accountkey|sharedaccesskey|` +
	`api[_-]?key|client_assertion`

const keyPrefix = `(?:[\w.-]*[_.-])?`

// rule is one redaction: what a secret looks like and what replaces it.
type rule struct {
	re   *regexp.Regexp
	repl string                // a regexp template, used when fn is nil
	fn   func([]string) string // gets the submatches of one match
}

// rules are applied in order; each one leaves Marker for the later ones to pass by.
var rules = []rule{
	// Authorization: <scheme> <credentials>, as a header line or a JSON field.
	{re: regexp.MustCompile(`(?i)(\b(?:proxy-)?authorization\\?"?\s*[:=]\s*\\?"?)` +
		`(?:(?:bearer|basic|negotiate|digest|ntlm|sharedkey|sharedaccesssignature)\s+)?[^\s"',;()<>\\]+`),
		repl: "${1}" + Marker},
	// Credentials in a URL: scheme://user:password@host.
	{re: regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^:/?#@\s]*):[^@/\s]+@`),
		repl: "${1}:" + Marker + "@"},
	// ADO.NET-style connection strings: Password=any text up to the next ';'.
	{re: regexp.MustCompile(`(?i)(\b(?:password|pwd)\s*=\s*)[^;\r\n"']+;`),
		repl: "${1}" + Marker + ";"},
	// JSON and its look-alikes: "client_secret": "value", 'password': 'value', "pin": 1234.
	{re: regexp.MustCompile(`(?i)(["']` + keyPrefix + `(?:` + secretKeys + `)["']\s*:\s*)` +
		`("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[redacted\]|[^\s"',}\]\\]+)`),
		fn: func(m []string) string {
			if q := m[2][0]; q == '"' || q == '\'' {
				return m[1] + string(q) + Marker + string(q)
			}
			return m[1] + Marker
		}},
	// JSON inside a JSON string: \"client_secret\": \"value\".
	{re: regexp.MustCompile(`(?i)(\\"` + keyPrefix + `(?:` + secretKeys + `)\\"\s*:\s*)\\"(?:[^"\\]|\\[^"])*\\"`),
		repl: `${1}\"` + Marker + `\"`},
	// key=value in queries, forms, connection strings and logs.
	{re: regexp.MustCompile(`(?i)\b(` + keyPrefix + `(?:` + secretKeys + `)\s*=\s*)` +
		`(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s&;"'<>]+)`),
		repl: "${1}" + Marker},
	// key: value for the names that are unambiguous.
	{re: regexp.MustCompile(`(?i)\b(` + keyPrefix + `(?:` + colonKeys + `)\s*:\s*)[^\s"',;&]+`),
		repl: "${1}" + Marker},
	// Shared access signatures: the sig and sv query values.
	{re: regexp.MustCompile(`(?i)(\b(?:sig|sv)=)[^&\s"'<>;]+`),
		repl: "${1}" + Marker},
	// JSON Web Tokens: three base64url segments, the header starting with eyJ.
	{re: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`),
		repl: Marker},
	// Bearer <token>. A plain lower-case word after "bearer" is prose, not a token.
	{re: regexp.MustCompile(`(?i)\b(bearer\s+)([A-Za-z0-9\-._~+/]+=*)`),
		fn: func(m []string) string {
			if isLowerWord(m[2]) {
				return m[0]
			}
			return m[1] + Marker
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

// String replaces credentials in s with Marker: first every known secret value (as it is and
// query-escaped, as it appears in a form body; values shorter than 4 bytes are left alone), then
// Authorization header values, bearer tokens, JWTs, client secrets, passwords, access and refresh
// tokens, API and storage account keys, passwords in connection strings and URLs, and shared
// access signatures. Ordinary text is left as it is, and redacting twice changes nothing more.
func String(s string, known ...string) string {
	for _, k := range known {
		if len(k) < minKnown {
			continue
		}
		s = strings.ReplaceAll(s, k, Marker)
		if esc := url.QueryEscape(k); esc != k {
			s = strings.ReplaceAll(s, esc, Marker)
		}
	}
	for _, r := range rules {
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
