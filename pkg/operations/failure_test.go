package operations_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tenantatlas/operations/pkg/operations"
)

// A real-looking (but unsigned and made-up) access token issued by Entra ID.
const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6Ik1uQ19WWmNBVGZNNXBPWWlKSE1iYTlnb0VLWSJ9" +
	".eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJ0aWQiOiI2ZjFjMmE5ZSJ9" +
	".Zm9vYmFyYmF6cXV4LXNpZ25hdHVyZV9ieXRlcw"

func TestRedact(t *testing.T) {
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
			got := operations.Redact(c.in)
			if got != c.want {
				t.Fatalf("Redact:\n got %s\nwant %s", got, c.want)
			}
			if again := operations.Redact(got); again != got {
				t.Fatalf("Redact is not idempotent:\n%s\n%s", got, again)
			}
		})
	}
}

// TestRedactLeavesOrdinaryTextAlone: messages workers really write, with words that look like
// secret names, must come through unchanged.
func TestRedactLeavesOrdinaryTextAlone(t *testing.T) {
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
		if got := operations.Redact(s); got != s {
			t.Errorf("Redact changed ordinary text:\n got %s\nwant %s", got, s)
		}
	}
}

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
