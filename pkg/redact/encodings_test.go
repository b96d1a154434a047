package redact_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/redact"
)

// canary is a made-up client secret with the characters that encodings change.
const canary = `Qx8Q~m2l/D.vG5+kPz_r9T"fW<3>&yN0 aB`

// encodings are the ways an upstream error may echo a secret.
func encodings(k string) map[string]string {
	j, _ := json.Marshal(k)
	return map[string]string{
		"verbatim":         k,
		"query escaped":    url.QueryEscape(k),
		"path escaped":     url.PathEscape(k),
		"JSON escaped":     string(j[1 : len(j)-1]),
		"base64 std":       base64.StdEncoding.EncodeToString([]byte(k)),
		"base64 raw std":   base64.RawStdEncoding.EncodeToString([]byte(k)),
		"base64 URL":       base64.URLEncoding.EncodeToString([]byte(k)),
		"base64 raw URL":   base64.RawURLEncoding.EncodeToString([]byte(k)),
		"upper case":       strings.ToUpper(k),
		"lower case":       strings.ToLower(k),
		"upper query":      strings.ToUpper(url.QueryEscape(k)),
		"basic credential": base64.StdEncoding.EncodeToString([]byte("3f5a-client:" + k)),
		"basic, offset 1":  base64.StdEncoding.EncodeToString([]byte("x3f5a-client:" + k)),
		"basic, offset 2":  base64.StdEncoding.EncodeToString([]byte("xx3f5a-client:" + k)),
	}
}

// leaks reports which encodings of k survive in s (the secret's own characters, case-folded).
func leaks(s, k string) []string {
	var out []string
	low := strings.ToLower(s)
	for _, f := range redact.Forms(k) {
		if strings.Contains(low, strings.ToLower(f)) {
			out = append(out, f)
		}
	}
	return out
}

func TestKnownSecretInEveryEncoding(t *testing.T) {
	for name, enc := range encodings(canary) {
		t.Run(name, func(t *testing.T) {
			in := "upstream refused the request: the value " + enc + " is not accepted (Trace ID: 1)"
			out := redact.String(in, canary)
			if l := leaks(out, canary); len(l) > 0 {
				t.Fatalf("%s survives redaction: %q → %q", name, in, out)
			}
			if !strings.Contains(out, redact.Marker) {
				t.Fatalf("nothing redacted: %q", out)
			}
			if !strings.HasPrefix(out, "upstream refused the request: the value ") || !strings.HasSuffix(out, " is not accepted (Trace ID: 1)") {
				t.Fatalf("the text around the secret changed: %q", out)
			}
		})
	}
}

func TestRememberedSecretsAreRedactedEverywhere(t *testing.T) {
	secret := "R3m3mbered~Secret/Value+42"
	if out := redact.String("before " + secret); !strings.Contains(out, secret) {
		t.Fatalf("a secret nobody told of is redacted already: %q", out)
	}
	redact.Remember(secret)
	for name, enc := range encodings(secret) {
		if out := redact.String("echo: " + enc); len(leaks(out, secret)) > 0 {
			t.Fatalf("%s of a remembered secret survives: %q", name, out)
		}
	}
}

func TestShortKnownValuesAndProseAreLeftAlone(t *testing.T) {
	in := "the abc policy failed for tenant contoso"
	if out := redact.String(in, "abc"); out != in {
		t.Fatalf("a 3-byte known value blanked prose: %q", out)
	}
	if out := redact.String(in, canary); out != in {
		t.Fatalf("text without the secret changed: %q", out)
	}
}
