// Package redact strips credentials from text that is about to be stored, logged or shown: run
// failure messages, Graph error messages, panics. It is the one place that knows what a secret
// looks like.
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
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

// String replaces credentials in s with Marker: first every known secret value — the ones given
// and the ones Remember was told of — in each of its common encodings (see Forms), whatever their
// letter case (values shorter than 4 bytes are left alone), then Authorization header values,
// bearer tokens, JWTs, client secrets, passwords, access and refresh tokens, API and storage
// account keys, passwords in connection strings and URLs, and shared access signatures. Ordinary
// text is left as it is, and redacting twice changes nothing more.
func String(s string, known ...string) string {
	if re := knownPattern(known); re != nil {
		s = re.ReplaceAllLiteralString(s, Marker)
	}
	if re := remembered.pattern(); re != nil {
		s = re.ReplaceAllLiteralString(s, Marker)
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

// minBase64Core is the shortest run of base64 characters taken to stand for a secret inside a
// longer base64 text (shorter runs would match by chance).
const minBase64Core = 8

// Forms lists the encodings in which a secret k is looked for: as it is; URL query and path
// escaped; JSON string escaped (with and without HTML escaping); base64 in the standard and URL
// alphabets, padded and unpadded; and, for a secret encoded inside a longer base64 text (such as
// "Basic base64(id:secret)"), the characters that encode only the secret at each of the three
// byte alignments. String matches every form regardless of letter case.
func Forms(k string) []string {
	if len(k) < minKnown {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if len(f) >= minKnown && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	add(k)
	add(url.QueryEscape(k))
	add(url.PathEscape(k))
	add(strings.ReplaceAll(url.QueryEscape(k), "+", "%20"))
	if b, err := json.Marshal(k); err == nil {
		add(string(b[1 : len(b)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(k) == nil {
		b := bytes.TrimSpace(buf.Bytes())
		add(string(b[1 : len(b)-1]))
	}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		add(e.EncodeToString([]byte(k)))
		add(e.WithPadding(base64.NoPadding).EncodeToString([]byte(k)))
		raw := e.WithPadding(base64.NoPadding)
		for o := range 3 {
			// Encode the secret after o bytes of anything: the characters of the groups that hold
			// only the secret's bytes are the same whatever surrounds it.
			full := raw.EncodeToString(append(make([]byte, o), k...))
			start := 0
			if o > 0 {
				start = 4
			}
			end := (o + len(k)) / 3 * 4 // whole groups only
			if end-start >= minBase64Core {
				add(full[start:end])
			}
		}
	}
	return out
}

// knownPattern matches every form of the given secrets, case-insensitively; nil for none.
func knownPattern(known []string) *regexp.Regexp {
	var alts []string
	for _, k := range known {
		for _, f := range Forms(k) {
			alts = append(alts, regexp.QuoteMeta(f))
		}
	}
	if len(alts) == 0 {
		return nil
	}
	// Longest first, so that a form is not cut short by another one that is its prefix.
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	return regexp.MustCompile(`(?i)(?:` + strings.Join(alts, "|") + `)`)
}

// maxRemembered bounds the secrets Remember keeps; the oldest are forgotten first.
const maxRemembered = 256

// memory holds the secrets this process works with, so that every String call redacts them.
type memory struct {
	mu    sync.RWMutex
	order []string
	set   map[string]bool
	re    *regexp.Regexp
	dirty bool
}

var remembered = &memory{set: map[string]bool{}}

// Remember makes every later String call redact secret (in all its forms) without being told:
// the code that holds a credential (a tenant's client secret) tells it once, and logs, run
// failures and errors written anywhere in the process are redacted of it.
func Remember(secrets ...string) {
	m := remembered
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range secrets {
		if len(k) < minKnown || m.set[k] {
			continue
		}
		m.set[k] = true
		m.order = append(m.order, k)
		if len(m.order) > maxRemembered {
			delete(m.set, m.order[0])
			m.order = m.order[1:]
		}
		m.dirty = true
	}
}

func (m *memory) pattern() *regexp.Regexp {
	m.mu.RLock()
	re, dirty := m.re, m.dirty
	m.mu.RUnlock()
	if !dirty {
		return re
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dirty {
		m.re, m.dirty = knownPattern(m.order), false
	}
	return m.re
}
