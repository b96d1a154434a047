package api_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/cursor"
	"github.com/tenantatlas/operations/pkg/jobs"
)

// TestCursorsAreSealedAndBound: a list's cursor shows nothing of the row it marks, and opens only
// in the list and tenant it came from, under the key of the API processes of its database. Any
// other cursor is the same 400 as a malformed one.
func TestCursorsAreSealedAndBound(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	second := w.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Contoso EU', 'e-3')`, w.ws)
	w.reload()
	for _, tn := range []int64{w.tn, second} {
		for _, name := range []string{"Kiosk baseline", "Kiosk lockdown", "Kiosk reset"} {
			w.id(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name, category)
				VALUES ($1, 'deviceConfiguration', $2, $2, 'Configuration')`, tn, name)
			w.id(`INSERT INTO entra_groups (tenant_id, entra_group_id, display_name, last_seen_at)
				VALUES ($1, $2, $2, now())`, tn, name)
		}
		w.run(w.ws, &tn, "inventory_sync")
		w.run(w.ws, &tn, "inventory_sync")
	}
	items := func(tn int64) string { return "/api/v1/tenants/" + itoa(tn) + "/inventory/items" }
	groups := func(tn int64) string { return "/api/v1/tenants/" + itoa(tn) + "/directory/groups" }
	const runs = "/api/v1/operation-runs"

	first := func(path string) string {
		t.Helper()
		res := w.do(http.MethodGet, path+"?limit=1", w.owner, nil)
		next, _ := res.json(t)["next_cursor"].(string)
		if res.Status != http.StatusOK || next == "" {
			t.Fatalf("GET %s?limit=1 = %d without a next_cursor: %s", path, res.Status, res.Body)
		}
		return next
	}
	itemCursor, groupCursor, runCursor := first(items(w.tn)), first(groups(w.tn)), first(runs)
	if strings.Contains(itemCursor, "Kiosk") || strings.Contains(groupCursor, "Kiosk") {
		t.Errorf("a cursor shows its row: %s, %s", itemCursor, groupCursor)
	}
	// The same page gives the same cursor (its ETag stays the same).
	if again := first(items(w.tn)); again != itemCursor {
		t.Errorf("the first page's cursor changed: %s, %s", itemCursor, again)
	}

	malformed := w.do(http.MethodGet, items(w.tn)+"?limit=1&cursor=not-a-cursor", w.owner, nil)
	if malformed.Status != http.StatusBadRequest {
		t.Fatalf("a malformed cursor = %d", malformed.Status)
	}
	problemField(t, malformed, "invalid_parameter", "cursor")
	refused := func(what, path, cur string) {
		t.Helper()
		res := w.do(http.MethodGet, path+"?limit=1&cursor="+url.QueryEscape(cur), w.owner, nil)
		if res.Status != http.StatusBadRequest || !bytes.Equal(res.Body, malformed.Body) {
			t.Errorf("%s = %d, want the malformed cursor's 400: %s", what, res.Status, res.Body)
		}
	}
	for i := range itemCursor {
		b := []byte(itemCursor)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		refused("a cursor changed at "+itoa(int64(i)), items(w.tn), string(b))
	}
	refused("another tenant's item cursor", items(second), itemCursor)
	refused("an item cursor on groups", groups(w.tn), itemCursor)
	refused("a group cursor on items", items(w.tn), groupCursor)
	refused("a run cursor on items", items(w.tn), runCursor)
	refused("an item cursor on runs", runs, itemCursor)
	refused("a run cursor on findings", "/api/v1/tenants/"+itoa(w.tn)+"/findings", runCursor)

	// Where it came from, the cursor opens.
	for _, c := range []struct{ path, cur string }{{items(w.tn), itemCursor}, {groups(w.tn), groupCursor}, {runs, runCursor}} {
		if res := w.do(http.MethodGet, c.path+"?limit=1&cursor="+url.QueryEscape(c.cur), w.owner, nil); res.Status != http.StatusOK {
			t.Errorf("%s with its own cursor = %d: %s", c.path, res.Status, res.Body)
		}
	}

	// API processes on one database share the key the database stores; another key refuses.
	ctx := context.Background()
	serve := func(codec *cursor.Codec) *api.Server {
		runSvc, err := jobs.NewRunService(w.db.Gorm)
		if err != nil {
			t.Fatal(err)
		}
		return api.New(api.Deps{DB: w.db.Gorm, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Config: config.Config{SessionTTL: time.Hour}, Tenancy: w.tenancy, Auth: w.auth, Authz: w.authz, Runs: runSvc, Cursors: codec})
	}
	load := func() *cursor.Codec {
		c, err := cursor.Load(ctx, w.db.SQL, "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	get := func(srv *api.Server, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+w.owner)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	a, b, other := serve(load()), serve(load()), serve(cursor.NewRandom())
	rec := get(a, runs+"?limit=1")
	m := linkNext.FindStringSubmatch(rec.Header().Get("Link"))
	if rec.Code != http.StatusOK || m == nil {
		t.Fatalf("first page from process a = %d, Link %q", rec.Code, rec.Header().Get("Link"))
	}
	if rec := get(b, m[1]); rec.Code != http.StatusOK {
		t.Errorf("process b refuses process a's cursor: %d %s", rec.Code, rec.Body)
	}
	if rec := get(other, m[1]); rec.Code != http.StatusBadRequest {
		t.Errorf("a process under another key opened the cursor: %d", rec.Code)
	}
}
