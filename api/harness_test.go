package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// env is one API under test over its own database.
type env struct {
	t       *testing.T
	db      *dbtest.DB
	srv     *api.Server
	tenancy *tenancy.Service
	authz   *authz.Authorizer
	auth    *tenancy.Authenticator
}

func newEnv(t *testing.T, adjust ...func(*config.Config)) *env {
	t.Helper()
	return newEnvOn(t, dbtest.New(t), nil, adjust...)
}

// newEnvOn is an API process over tdb (several may share one database); deps, when not nil, may
// add to the dependencies.
func newEnvOn(t *testing.T, tdb *dbtest.DB, deps func(*api.Deps), adjust ...func(*config.Config)) *env {
	t.Helper()
	ctx := context.Background()
	az, err := authz.New(ctx, tdb.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	ten := tenancy.NewService(tdb.Gorm)
	auth := tenancy.NewAuthenticator(tdb.Gorm)
	runs, err := jobs.NewRunService(tdb.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{SessionTTL: time.Hour, CountsCacheTTL: 0, CORSOrigins: []string{"http://localhost:5173"}}
	for _, a := range adjust {
		a(&cfg)
	}
	d := api.Deps{DB: tdb.Gorm, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg,
		Tenancy: ten, Auth: auth, Authz: az, Runs: runs}
	if deps != nil {
		deps(&d)
	}
	srv := api.New(d)
	return &env{t: t, db: tdb, srv: srv, tenancy: ten, authz: az, auth: auth}
}

// response is a recorded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// contractCheck, when set, validates every request and response against openapi.yaml.
var contractCheck func(t *testing.T, req *http.Request, body []byte, res response)

// do sends a request; body may be nil, a string (sent as is) or a value (sent as JSON).
func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if contractCheck != nil {
		check := httptest.NewRequest(method, path, bytes.NewReader(raw))
		check.Header = req.Header.Clone()
		contractCheck(e.t, check, raw, res)
	}
	return res
}

func (e *env) id(q string, args ...any) int64 {
	e.t.Helper()
	var id int64
	if err := e.db.SQL.QueryRow(q+" RETURNING id", args...).Scan(&id); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return id
}

// user creates a user and returns it with an API token.
func (e *env) user(email string, platformAdmin bool) (tenancy.User, string) {
	e.t.Helper()
	ctx := context.Background()
	pw := "correct horse battery staple"
	u, err := e.tenancy.CreateUser(ctx, tenancy.CreateUserInput{Email: email, Name: strings.Split(email, "@")[0], Password: &pw, PlatformAdmin: platformAdmin})
	if err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	tok, _, err := e.tenancy.IssueToken(ctx, u.ID, "test", time.Hour)
	if err != nil {
		e.t.Fatalf("token: %v", err)
	}
	return u, tok
}

func (e *env) reload() {
	e.t.Helper()
	if err := e.authz.Reload(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// run inserts a finished run.
func (e *env) run(workspaceID int64, tenantID *int64, typ string) int64 {
	e.t.Helper()
	return e.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome, started_at, completed_at)
		VALUES ($1, $2, 'System', $3, 'completed', 'succeeded', now() - interval '1 minute', now())`, workspaceID, tenantID, typ)
}
