package api_test

import (
	"net/http"
	"strconv"
	"testing"
)

// TestLegacyRunRoutesNotFound: the legacy run resources answer 404 problem+json on every method,
// with or without an id or a trailing slash, signed in or not, and never redirect.
func TestLegacyRunRoutesNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.id(`INSERT INTO workspaces (name, slug) VALUES ('A', 'a')`)
	tn := e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T', 'e-1')`, ws)
	u, tok := e.user("owner@a.test", false)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, ws, u.ID)
	e.reload()

	tenant := "/api/v1/tenants/" + itoa(tn)
	var paths []string
	for _, legacy := range []string{"inventory-sync-runs", "entra-group-sync-runs", "backup-schedule-runs"} {
		for _, base := range []string{"/api/v1/" + legacy, tenant + "/" + legacy, "/api/v1/tenants/999999/" + legacy} {
			paths = append(paths, base, base+"/", base+"/1", base+"/1/", base+"/abc", base+"/1/items")
		}
	}
	methods := []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}
	for _, path := range paths {
		for _, m := range methods {
			for _, token := range []string{tok, ""} {
				var body any
				if m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch {
					body = map[string]any{}
				}
				res := e.do(m, path, token, body)
				if res.Status != http.StatusNotFound {
					t.Errorf("%s %s (token=%v) = %d, want 404", m, path, token != "", res.Status)
					continue
				}
				if loc := res.Header.Get("Location"); loc != "" {
					t.Errorf("%s %s: Location %q", m, path, loc)
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("%s %s: content type %q", m, path, ct)
				}
			}
		}
	}
}

func itoa(n int64) string {
	return strconv.FormatInt(n, 10)
}
