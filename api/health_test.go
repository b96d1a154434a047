package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
)

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	srv := api.New(api.Deps{DB: tdb.Gorm, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: config.Config{}})

	get := func(path string) (*http.Response, map[string]any) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Result(), body
	}

	if res, _ := get("/healthz"); res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d", res.StatusCode)
	}
	if res, body := get("/readyz"); res.StatusCode != http.StatusOK || body["status"] != "ready" {
		t.Fatalf("/readyz on a current schema = %d %v", res.StatusCode, body)
	}

	// A schema behind this build is not ready.
	if _, err := tdb.SQL.Exec(`UPDATE schema_migrations SET version = 20260211000000`); err != nil {
		t.Fatal(err)
	}
	res, body := get("/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || body["code"] != "schema_not_current" {
		t.Fatalf("/readyz on an old schema = %d %v", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q", ct)
	}

	// A database that does not answer is not ready either.
	_ = tdb.SQL.Close()
	if res, body := get("/readyz"); res.StatusCode != http.StatusServiceUnavailable || body["code"] != "database_unavailable" ||
		res.Header.Get("Retry-After") == "" {
		t.Fatalf("/readyz without a database = %d %v (Retry-After %q)", res.StatusCode, body, res.Header.Get("Retry-After"))
	}
}
