package redact_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/redact"
)

// A real-looking (but unsigned and made-up) access token issued by Entra ID.
const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6Ik1uQ19WWmNBVGZNNXBPWWlKSE1iYTlnb0VLWSJ9" +
	".eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJ0aWQiOiI2ZjFjMmE5ZSJ9" +
	".Zm9vYmFyYmF6cXV4LXNpZ25hdHVyZV9ieXRlcw"

func TestString(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"authorization header",
			"GET /v1.0/deviceManagement/deviceConfigurations failed: Authorization: Bearer " + jwt + "\nx-ms-client-request-id: 9b1d",
			"GET /v1.0/deviceManagement/deviceConfigurations failed: Authorization: [redacted]\nx-ms-client-request-id: 9b1d"},
		{"authorization basic",
			"proxy rejected request (Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==)",
			"proxy rejected request (Proxy-Authorization: [redacted])"},
		{"authorization in JSON",
			`request headers {"Authorization":"Bearer abc.def-123","Accept":"application/json"}`,
			`request headers {"Authorization":"[redacted]","Accept":"application/json"}`},
		{"bare bearer token",
			"retrying with Bearer 0.AXkA5o2Kd1-WOE-opaqueTokenValue_42 after 401",
			"retrying with Bearer [redacted] after 401"},
		{"bare JWT",
			"token " + jwt + " expired at 2026-02-14T09:30:00Z",
			"token [redacted] expired at 2026-02-14T09:30:00Z"},
		{"client secret in a form body",
			"POST https://login.microsoftonline.com/6f1c2a9e/oauth2/v2.0/token body=client_id=3f5a&client_secret=Qx8Q~m2lD.vG5kPz_r9TfW3yN0aBcDeFgHiJk&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
			"POST https://login.microsoftonline.com/6f1c2a9e/oauth2/v2.0/token body=client_id=3f5a&client_secret=[redacted]&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"},
		{"client secret in JSON",
			`config rejected: {"client_id": "3f5a", "client_secret": "Qx8Q~m2l\"quoted", "tenant": "contoso"}`,
			`config rejected: {"client_id": "3f5a", "client_secret": "[redacted]", "tenant": "contoso"}`},
		{"single-quoted and unquoted values",
			`settings {'client_secret': 'Qx8Q~m2l', 'password': 123456, 'tenant': 'contoso'}`,
			`settings {'client_secret': '[redacted]', 'password': [redacted], 'tenant': 'contoso'}`},
		{"JSON inside a JSON string",
			`upstream said "{\"access_token\":\"0.AXkAabc\",\"expires_in\":3599}"`,
			`upstream said "{\"access_token\":\"[redacted]\",\"expires_in\":3599}"`},
		{"token response",
			`{"token_type":"Bearer","expires_in":3599,"access_token":"` + jwt + `","refresh_token":"0.ARoA-rt_value"}`,
			`{"token_type":"Bearer","expires_in":3599,"access_token":"[redacted]","refresh_token":"[redacted]"}`},
		{"colon form for unambiguous keys",
			"env check: AZURE_CLIENT_SECRET: Qx8Q~m2lD access_token: abc123def",
			"env check: AZURE_CLIENT_SECRET: [redacted] access_token: [redacted]"},
		{"password and pwd",
			"login failed for password=hunter2 and DB_PASSWORD='p@ss w0rd' and pwd=abc",
			"login failed for password=[redacted] and DB_PASSWORD=[redacted] and pwd=[redacted]"},
		{"postgres URL",
			"dial postgres://tenantatlas:S3cr3t%21@db.internal:5432/tenantatlas?sslmode=require: connection refused",
			"dial postgres://tenantatlas:[redacted]@db.internal:5432/tenantatlas?sslmode=require: connection refused"},
		{"ADO.NET connection string",
			"cannot open Server=tcp:sql.contoso.example,1433;Database=atlas;User ID=atlas;Password=Very Secret!;Encrypt=True;",
			"cannot open Server=tcp:sql.contoso.example,1433;Database=atlas;User ID=atlas;Password=[redacted];Encrypt=True;"},
		{"storage account key",
			"DefaultEndpointsProtocol=https;AccountName=atlasbackups;AccountKey=Zm9vYmFy+YmF6/cXV4==;EndpointSuffix=core.windows.net",
			"DefaultEndpointsProtocol=https;AccountName=atlasbackups;AccountKey=[redacted];EndpointSuffix=core.windows.net"},
		{"SAS URL",
			"PUT https://atlasbackups.blob.core.windows.net/backups/42.json?sv=2022-11-02&ss=b&srt=o&sp=rw&se=2026-02-15T00:00:00Z&sig=u3Nf%2BQ9abc%3D returned 403",
			"PUT https://atlasbackups.blob.core.windows.net/backups/42.json?sv=[redacted]&ss=b&srt=o&sp=rw&se=2026-02-15T00:00:00Z&sig=[redacted] returned 403"},
		{"API key header",
			"x-api-key: 7c1e9f00aa and Ocp ok",
			"x-api-key: [redacted] and Ocp ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redact.String(c.in)
			if got != c.want {
				t.Fatalf("String:\n got %s\nwant %s", got, c.want)
			}
			if again := redact.String(got); again != got {
				t.Fatalf("String is not idempotent:\n%s\n%s", got, again)
			}
		})
	}
}

// TestStringLeavesOrdinaryTextAlone: messages workers really write, with words that look like
// secret names, must come through unchanged.
func TestStringLeavesOrdinaryTextAlone(t *testing.T) {
	ordinary := []string{
		"Graph returned 429 Too Many Requests for deviceManagement/deviceConfigurations; retry after 30 seconds (request-id 1c2d3e4f-0000-4000-8000-000000000001).",
		"Authorization_RequestDenied: Insufficient privileges to complete the operation.",
		"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
		"The password policy of the tenant could not be read; the token endpoint was unreachable.",
		"Authorization failed for user alice@contoso.example on tenant Fabrikam.",
		"The bearer of this message is the scheduler: backup schedule 42 skipped, another run holds it.",
		"next page https://graph.microsoft.com/v1.0/groups?$top=999&$skiptoken=RFNwdAIAAQAAAD8 not fetched",
		"Policy 'Windows 10 – Security baseline (design=strict)' unchanged; 12 of 12 assignments kept.",
		"Server returned HTTP 503 at https://graph.microsoft.com:443/beta/deviceManagement, retrying in 4s",
		"Wrote 3 findings: added=1, removed=1, modified=1 for scope inventory_sync:deviceConfiguration.",
		"Zeichenkette mit Umlauten: Gerätekonfiguration „Kiosk“ übersprungen — 名前 OK",
	}
	for _, s := range ordinary {
		if got := redact.String(s); got != s {
			t.Errorf("String changed ordinary text:\n got %s\nwant %s", got, s)
		}
	}
}

// TestStringKnownSecrets: known values go verbatim and query-escaped (as in a form body), short
// ones are left alone, and the patterns still apply around them.
func TestStringKnownSecrets(t *testing.T) {
	secret := "Qx8Q~m2l D+vG5k/Pz&r9=="
	msg := "token request body grant_type=client_credentials&cs=" + url.QueryEscape(secret) +
		" failed; the app sent " + secret + " and Authorization: Bearer abc.def-123"
	got := redact.String(msg, secret, "", "abc")
	want := "token request body grant_type=client_credentials&cs=[redacted] failed; the app sent [redacted] and Authorization: [redacted]"
	if got != want {
		t.Fatalf("String:\n got %s\nwant %s", got, want)
	}
	if got := redact.String("the abc of it", "abc"); got != "the abc of it" {
		t.Fatalf("a known value of 3 bytes was replaced: %s", got)
	}
	if again := redact.String(got, secret); again != got {
		t.Fatalf("String is not idempotent:\n%s\n%s", got, again)
	}
}

// TestStringGraphMessages: what the Graph client sanitises, a token endpoint's answer among it.
func TestStringGraphMessages(t *testing.T) {
	const secret = "s3cr3t-value~with.chars"
	jwt := "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ4In0.c2lnbmF0dXJl"
	msg := "token " + jwt + " rejected; Authorization: Bearer abc.def-123 and client_secret=" + secret +
		` "access_token":"opaque-token-value" secret ` + secret + ` {"refresh_token": "rt-value", "id_token":"x.y.z"}`
	got := redact.String(msg, secret)
	for _, bad := range []string{jwt, "abc.def-123", secret, "opaque-token-value", "rt-value", "x.y.z"} {
		if strings.Contains(got, bad) {
			t.Fatalf("String left %q in %q", bad, got)
		}
	}
}

func FuzzString(f *testing.F) {
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
		if r := redact.String(s); redact.String(r) != r {
			t.Fatalf("String not idempotent on %q: %q then %q", s, r, redact.String(r))
		}
	})
}

func BenchmarkString(b *testing.B) {
	msg := "GET /v1.0/deviceManagement/deviceConfigurations failed: 403 Forbidden: Authorization_RequestDenied: Insufficient privileges to complete the operation. client_secret=abc"
	for b.Loop() {
		redact.String(msg, "known-secret-value")
	}
}
