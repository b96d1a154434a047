package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// accessKind says how a route is authorised. Every route declares one; there is no default.
type accessKind int

const (
	// accessPublic: no token needed (health, sign-in).
	accessPublic accessKind = iota + 1
	// accessSignedIn: any valid token; the handler shows only what the caller may see.
	accessSignedIn
	// accessTenant: the :tenant in the path must exist, the caller must be entitled to it (else
	// 404) and hold the capability there (else 403).
	accessTenant
	// accessWorkspace: the same for :workspace.
	accessWorkspace
	// accessRun: the :id run must exist and be in a scope the caller is entitled to (else 404);
	// the capability is the one the run's type requires (else 403).
	accessRun
	// accessGone: a path that does not exist any more; always 404, whoever asks.
	accessGone
	// accessStream: like accessSignedIn, but a stream ticket in the query may stand in for the
	// bearer token (EventSource cannot send headers).
	accessStream
)

// access is a route's declared authorisation.
type access struct {
	kind       accessKind
	capability string
	starts     string // the run type a start route creates runs of
	// scope is what the caller's token must hold: read for GET and HEAD, write for everything
	// else; none on routes without a token. Set by route, from the method.
	scope tenancy.Scope
}

func public() access                    { return access{kind: accessPublic} }
func signedIn() access                  { return access{kind: accessSignedIn} }
func onTenant(capability string) access { return access{kind: accessTenant, capability: capability} }
func onWorkspace(capability string) access {
	return access{kind: accessWorkspace, capability: capability}
}
func onRun() access { return access{kind: accessRun} }

// startsRun declares a route that starts runs of a registered type on the path's tenant: its
// capability is the one the registry gives the type, and nowhere else.
func startsRun(runType string) access {
	t, ok := operations.Lookup(runType)
	if !ok {
		panic("start route for a run type the registry does not know: " + runType)
	}
	return access{kind: accessTenant, capability: t.Capability, starts: t.Key}
}
func gone() access         { return access{kind: accessGone} }
func streamReader() access { return access{kind: accessStream} }

// route registers a handler with its access declaration. Routes registered any other way have no
// declaration, which TestEveryRouteDeclaresAccess catches.
func (s *Server) route(method, path string, h echo.HandlerFunc, a access) {
	if a.kind == 0 || ((a.kind == accessTenant || a.kind == accessWorkspace) && a.capability == "") {
		panic("route " + method + " " + path + ": no access declared")
	}
	if a.kind != accessPublic && a.kind != accessGone {
		a.scope = scopeOf(method)
	}
	s.access[method+" "+path] = a
	var chain []echo.MiddlewareFunc
	switch a.kind {
	case accessPublic:
	case accessGone:
		h = func(echo.Context) error { return ErrNotFound }
	case accessSignedIn:
		chain = append(chain, s.authenticate, requireScope(a.scope))
	case accessTenant:
		chain = append(chain, s.authenticate, requireScope(a.scope), s.loadTenant(a.capability))
	case accessWorkspace:
		chain = append(chain, s.authenticate, requireScope(a.scope), s.loadWorkspace(a.capability))
	case accessRun:
		chain = append(chain, s.authenticate, requireScope(a.scope), s.loadRun)
	case accessStream:
		chain = append(chain, s.authenticateStream)
	}
	s.e.Add(method, path, h, chain...)
	if method == http.MethodGet {
		// HEAD answers like GET, without the body.
		s.access[http.MethodHead+" "+path] = a
		s.e.Add(http.MethodHead, path, h, chain...)
	}
}

// scopeOf is the token scope a method needs: reading for GET and HEAD, writing for the rest.
func scopeOf(method string) tenancy.Scope {
	if method == http.MethodGet || method == http.MethodHead {
		return tenancy.ScopeRead
	}
	return tenancy.ScopeWrite
}

// requireScope refuses a token without the route's scope with 403 scope_missing, before the
// route's resource is resolved: the answer is the same whatever the path names.
func requireScope(scope tenancy.Scope) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !principal(c).HasScope(scope) {
				return scopeMissing(scope)
			}
			return next(c)
		}
	}
}

func scopeMissing(scope tenancy.Scope) *Problem {
	return NewProblem(http.StatusForbidden, "scope_missing", "The API token lacks the scope "+string(scope)+".")
}

// Context keys.
const (
	ctxPrincipal = "principal"
	ctxTenant    = "tenant"
	ctxWorkspace = "workspace"
	ctxRun       = "run"
)

func principal(c echo.Context) tenancy.Principal { return c.Get(ctxPrincipal).(tenancy.Principal) }

// authenticate requires a valid bearer token.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return unauthenticated()
		}
		p, err := s.auth.Verify(c.Request().Context(), strings.TrimSpace(token))
		if errors.Is(err, tenancy.ErrInvalidCredentials) {
			return invalidToken()
		}
		if err != nil {
			return err
		}
		c.Set(ctxPrincipal, p)
		if err := s.limiter.allow(c, p.TokenID); err != nil {
			return err
		}
		return next(c)
	}
}

func unauthenticated() *Problem {
	return NewProblem(http.StatusUnauthorized, "unauthenticated", "Sign in or send a valid API token.")
}

// invalidToken is the 401 of a token that was presented but is malformed, unknown, expired or
// revoked: the same body as unauthenticated (it does not say which), with error="invalid_token"
// in its challenge.
func invalidToken() *Problem {
	return unauthenticated().withHeader(echo.HeaderWWWAuthenticate, invalidTokenChallenge)
}

// pathID parses a numeric path parameter in its canonical form. Digits with a leading zero
// (05) name no resource: 404, like an id that never existed; anything else is a 400.
func pathID(c echo.Context, name string) (int64, error) {
	v := c.Param(name)
	if len(v) > 1 && v[0] == '0' && strings.Trim(v, "0123456789") == "" {
		return 0, ErrNotFound
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 || strconv.FormatInt(id, 10) != v {
		return 0, BadRequest("invalid_parameter", "The path has an invalid id.",
			FieldError{Field: name, Message: "must be a positive integer"})
	}
	return id, nil
}

// decide turns an authorisation decision into the problem to answer, if any.
func decide(d authz.Decision, capability string) error {
	switch d {
	case authz.Allowed:
		return nil
	case authz.Forbidden:
		return Forbidden(capability)
	}
	return ErrNotFound
}

func (s *Server) loadTenant(capability string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, err := pathID(c, "tenant")
			if err != nil {
				return err
			}
			t, err := s.tenancy.Tenant(c.Request().Context(), id)
			if err != nil {
				return err
			}
			if err := decide(s.authz.Decide(principal(c).User.ID, authz.TenantScope(t.WorkspaceID, t.ID), capability), capability); err != nil {
				return err
			}
			c.Set(ctxTenant, t)
			return next(c)
		}
	}
}

func (s *Server) loadWorkspace(capability string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, err := pathID(c, "workspace")
			if err != nil {
				return err
			}
			w, err := s.tenancy.Workspace(c.Request().Context(), id)
			if err != nil {
				return err
			}
			if err := decide(s.authz.Decide(principal(c).User.ID, authz.WorkspaceScope(w.ID), capability), capability); err != nil {
				return err
			}
			c.Set(ctxWorkspace, w)
			return next(c)
		}
	}
}
