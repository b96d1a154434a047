package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/redact"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// A client's X-Request-Id is kept only when it is at most 64 characters of [A-Za-z0-9._-].
func TestClientRequestIDIsKeptOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		sent string
		kept bool
	}{
		{"abc-123.X_y", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{strings.Repeat("b", 60<<10), false},
		{"has space", false},
		{"quote\"", false},
		{"ünï", false},
	} {
		res := e.do(http.MethodGet, "/healthz", "", nil, "X-Request-Id", tc.sent)
		got := res.Header.Get("X-Request-Id")
		if tc.kept && got != tc.sent {
			t.Errorf("%.40q: answered %q, want it kept", tc.sent, got)
		}
		if !tc.kept && (got == tc.sent || !requestIDPattern.MatchString(got)) {
			t.Errorf("%.40q: answered %.80q, want a fresh id", tc.sent, got)
		}
	}
}

func TestStrictTransportSecurityOnlyBehindTLS(t *testing.T) {
	t.Parallel()
	plain := newEnv(t)
	if v := plain.do(http.MethodGet, "/healthz", "", nil).Header.Get("Strict-Transport-Security"); v != "" {
		t.Fatalf("HSTS %q without TLS", v)
	}
	tls := newEnv(t, func(c *config.Config) { c.BehindTLS = true })
	for _, p := range []string{"/healthz", "/api/v1/me", "/nope"} {
		if v := tls.do(http.MethodGet, p, "", nil).Header.Get("Strict-Transport-Security"); !strings.HasPrefix(v, "max-age=31536000") {
			t.Fatalf("%s behind TLS: HSTS %q", p, v)
		}
	}
}

// A chunked body (no Content-Length) over 1 MiB is 413, like one that declares its length.
func TestChunkedBodyOverTheLimitIs413(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, token := e.user("owner@example.com", false)
	body := append([]byte(`{"name":"`), bytes.Repeat([]byte("x"), 2<<20)...)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/workspaces", io.NopCloser(bytes.NewReader(body)))
	req.ContentLength = -1
	req.TransferEncoding = []string{"chunked"}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "body_too_large") {
		t.Fatalf("chunked 2 MiB body = %d %s", rec.Code, rec.Body.String())
	}
}

func TestMetricsBehindATokenOrOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-0123456789"
	e := newEnv(t, func(c *config.Config) { c.MetricsToken = token })
	if res := e.do(http.MethodGet, "/metrics", "", nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token = %d", res.Status)
	}
	if res := e.do(http.MethodGet, "/metrics", "not-the-token-at-all", nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("/metrics with a wrong token = %d", res.Status)
	}
	if res := e.do(http.MethodGet, "/metrics", token, nil); res.Status != http.StatusOK || !strings.Contains(string(res.Body), "tenantatlas_http_request_duration_seconds") {
		t.Fatalf("/metrics with the token = %d", res.Status)
	}

	own := newEnv(t, func(c *config.Config) { c.MetricsListen = "127.0.0.1:0"; c.MetricsToken = token })
	if res := own.do(http.MethodGet, "/metrics", token, nil); res.Status != http.StatusNotFound {
		t.Fatalf("/metrics on the API's address with its own address set = %d", res.Status)
	}
	h := own.srv.MetricsHandler()
	for _, tc := range []struct {
		path, auth string
		want       int
	}{
		{"/metrics", "Bearer " + token, http.StatusOK},
		{"/metrics", "", http.StatusUnauthorized},
		{"/api/v1/me", "Bearer " + token, http.StatusNotFound},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("metrics address %s (auth %v) = %d, want %d", tc.path, tc.auth != "", rec.Code, tc.want)
		}
	}
}

// A secret the process was told of (the Graph client tells it of a tenant's client secret) and
// that an upstream echoed in any common encoding is stored redacted by the run's one transition,
// so the API never shows it.
func TestRunFailuresShowNoEncodedSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, token := e.user("admin@example.com", true)
	ws := e.id(`INSERT INTO workspaces (name, slug) VALUES ('W', 'w')`)
	tn := e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T', 'e1')`, ws)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, ws, admin.ID)
	e.reload()
	const secret = "Api~Canary/Secret+Value=9"
	redact.Remember(secret)
	j, _ := json.Marshal(secret)
	var failures []operations.Failure
	for _, enc := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), string(j[1 : len(j)-1]),
		base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret)),
		base64.StdEncoding.EncodeToString([]byte("client-id:" + secret)), strings.ToUpper(secret), strings.ToLower(secret)} {
		failures = append(failures, operations.Failure{Code: "graph.bad_request", Message: "upstream echoed " + enc, Count: 1})
	}
	runs, err := jobs.NewRunService(e.db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	id := e.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome, started_at)
		VALUES ($1, $2, 'System', 'inventory_sync', 'running', 'pending', now())`, ws, tn)
	if _, err := runs.Transition(context.Background(), nil, id, operations.Transition{To: operations.StatusCompleted,
		Outcome: operations.OutcomeFailed, Failures: failures}); err != nil {
		t.Fatal(err)
	}
	res := e.do(http.MethodGet, "/api/v1/operation-runs/"+strconv.FormatInt(id, 10), token, nil)
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), redact.Marker) {
		t.Fatalf("run = %d %s", res.Status, res.Body)
	}
	low := strings.ToLower(string(res.Body))
	for _, f := range redact.Forms(secret) {
		if strings.Contains(low, strings.ToLower(f)) {
			t.Fatalf("the form %q reached the API: %s", f, res.Body)
		}
	}
}
