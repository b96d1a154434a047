package api_test

import (
	"testing"

	"github.com/tenantatlas/operations/pkg/operations"
)

// TestEveryRouteDeclaresAccess: deny by default. A route registered without an access
// declaration (a capability, signed-in, public or gone) fails here.
func TestEveryRouteDeclaresAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	routes := e.srv.Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, r := range routes {
		if !e.srv.DeclaredAccess(r.Method, r.Path) {
			t.Errorf("%s %s declares no access", r.Method, r.Path)
		}
	}
}

// TestEveryRunTypeHasItsStartRoute holds the routes to the run-type registry: a type that users
// start has at least one start route, every start route declares exactly the capability the
// registry gives its type, and a type only the system starts has none.
func TestEveryRunTypeHasItsStartRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	starts := e.srv.StartRoutes()
	for _, typ := range operations.Types() {
		routes := starts[typ.Key]
		if typ.StartedBySystem {
			if len(routes) > 0 {
				t.Errorf("%s is started by the system only, yet has start routes %v", typ.Key, routes)
			}
			continue
		}
		if len(routes) == 0 {
			t.Errorf("run type %s has no start route", typ.Key)
		}
		for route, capability := range routes {
			if capability != typ.Capability {
				t.Errorf("%s starts %s with capability %s; the registry says %s", route, typ.Key, capability, typ.Capability)
			}
		}
	}
	for key := range starts {
		if !operations.Known(key) {
			t.Errorf("a route starts %s, which the registry does not know", key)
		}
	}
}
