package api_test

import (
	"testing"
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
