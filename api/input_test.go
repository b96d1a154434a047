package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// hostile are the values no string input may carry into storage.
var hostile = map[string]string{
	"NUL":           "a\x00b",
	"invalid UTF-8": "a\xff\xfeb",
	"overlong":      strings.Repeat("x", 5000),
}

// docParams lists an operation's documented parameters of one location (path-level ones too).
func docParams(item *v3.PathItem, op *v3.Operation, in string) []string {
	var out []string
	for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
		if p != nil && p.In == in && !slices.Contains(out, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// stringFields lists the top-level JSON string fields (and string arrays) of an operation's body.
func stringFields(op *v3.Operation) map[string]bool {
	out := map[string]bool{} // name → is an array of strings
	if op.RequestBody == nil || op.RequestBody.Content == nil {
		return out
	}
	mt, ok := op.RequestBody.Content.Get("application/json")
	if !ok || mt.Schema == nil {
		return out
	}
	var collect func(s *base.Schema)
	collect = func(s *base.Schema) {
		if s == nil {
			return
		}
		for _, sub := range s.AllOf {
			collect(sub.Schema())
		}
		if s.Properties == nil {
			return
		}
		for name, p := range s.Properties.FromOldest() {
			ps := p.Schema()
			switch {
			case ps == nil:
			case slices.Contains(ps.Type, "string"):
				out[name] = false
			case slices.Contains(ps.Type, "array") && ps.Items != nil && ps.Items.IsA() &&
				ps.Items.A.Schema() != nil && slices.Contains(ps.Items.A.Schema().Type, "string"):
				out[name] = true
			}
		}
	}
	collect(mt.Schema.Schema())
	return out
}

// Every route, found through the route table: a NUL, invalid UTF-8 or an overlong value in each
// documented query parameter, in each path value and in each JSON string field, and more than
// 50 values of one query parameter, answer 400 problem+json naming the input — never 500, and
// nothing reaches PostgreSQL. A route added later is covered without touching this test.
func TestHostileStringsAreRefusedAtTheBoundary(t *testing.T) {
	t.Parallel()
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	e := newEnv(t)
	admin, token := e.user("admin@example.com", true)
	ws := e.id(`INSERT INTO workspaces (name, slug) VALUES ('W', 'w')`)
	tn := e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T', 'e1')`, ws)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, ws, admin.ID)
	e.reload()
	run := e.run(ws, &tn, "inventory_sync")

	fill := func(template string) string {
		segs := strings.Split(template, "/")
		for i, s := range segs {
			switch s {
			case ":tenant":
				segs[i] = strconv.FormatInt(tn, 10)
			case ":workspace":
				segs[i] = strconv.FormatInt(ws, 10)
			case ":user_id":
				segs[i] = strconv.FormatInt(admin.ID, 10)
			case ":id":
				segs[i] = strconv.FormatInt(run, 10)
			}
		}
		return strings.Join(segs, "/")
	}
	refused := func(t *testing.T, res response, field string) {
		t.Helper()
		if res.Status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400: %.300s", res.Status, res.Body)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("content type %q", ct)
		}
		var p struct {
			Errors []struct{ Field string }
		}
		_ = json.Unmarshal(res.Body, &p)
		if len(p.Errors) == 0 || p.Errors[0].Field != field {
			t.Fatalf("the problem does not name %q: %s", field, res.Body)
		}
	}

	var checked int
	for _, r := range e.srv.Routes() {
		if r.Method == http.MethodHead || r.Method == http.MethodOptions || strings.Contains(r.Path, "-runs") {
			continue // HEAD answers like GET; the legacy run paths answer 404 to everything
		}
		sp := theContract.match(fill(r.Path))
		if sp == nil {
			t.Fatalf("%s %s is not documented", r.Method, r.Path)
		}
		op := operation(sp.item, r.Method)
		if op == nil {
			t.Fatalf("%s %s is not documented", r.Method, r.Path)
		}
		base := fill(r.Path)
		for _, q := range docParams(sp.item, op, "query") {
			for kind, v := range hostile {
				t.Run(fmt.Sprintf("%s %s ?%s %s", r.Method, r.Path, q, kind), func(t *testing.T) {
					refused(t, e.do(r.Method, base+"?"+url.Values{q: {v}}.Encode(), token, nil), q)
				})
				checked++
			}
			t.Run(fmt.Sprintf("%s %s ?%s ×51", r.Method, r.Path, q), func(t *testing.T) {
				vals := url.Values{}
				for i := range 51 {
					vals.Add(q, "v"+strconv.Itoa(i))
				}
				refused(t, e.do(r.Method, base+"?"+vals.Encode(), token, nil), q)
			})
		}
		for _, name := range docParams(sp.item, op, "path") {
			for kind, v := range hostile {
				t.Run(fmt.Sprintf("%s %s :%s %s", r.Method, r.Path, name, kind), func(t *testing.T) {
					path := strings.Replace(r.Path, ":"+name, url.PathEscape(v), 1)
					refused(t, e.do(r.Method, fill(path), token, nil), name)
				})
				checked++
			}
		}
		for field, isArray := range stringFields(op) {
			for kind, v := range hostile {
				t.Run(fmt.Sprintf("%s %s {%s} %s", r.Method, r.Path, field, kind), func(t *testing.T) {
					var value any = v
					want := field
					if isArray {
						value, want = []string{v}, field+"[0]"
					}
					raw, err := json.Marshal(map[string]any{field: value})
					if err != nil {
						t.Fatal(err)
					}
					if kind == "invalid UTF-8" {
						// json.Marshal would repair it; send the raw bytes.
						raw = []byte(strings.Replace(string(raw), `a\ufffd\ufffdb`, "a\xff\xfeb", 1))
					}
					refused(t, e.do(r.Method, base, token, raw), want)
				})
				checked++
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d hostile inputs were sent: the route table or the contract was not read", checked)
	}

	// Canonical ids only: a leading zero names nothing.
	if res := e.do(http.MethodGet, fmt.Sprintf("/api/v1/operation-runs/0%d", run), token, nil); res.Status != http.StatusNotFound {
		t.Fatalf("/operation-runs/0%d = %d, want 404", run, res.Status)
	}
	if res := e.do(http.MethodGet, fmt.Sprintf("/api/v1/operation-runs/%d", run), token, nil); res.Status != http.StatusOK {
		t.Fatalf("/operation-runs/%d = %d", run, res.Status)
	}
	// A stored header is checked like the rest.
	res := e.do(http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/inventory/sync", tn), token, map[string]any{}, "Idempotency-Key", "k\x00")
	refused(t, res, "Idempotency-Key")
}
