package api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/config"
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
