package api

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string     `json:"token"`
	ExpiresAt *time.Time `json:"expires_at"`
	User      userJSON   `json:"user"`
}

type userJSON struct {
	ID              int64  `json:"id"`
	Email           string `json:"email"`
	Name            string `json:"name"`
	IsPlatformAdmin bool   `json:"is_platform_admin"`
}

func presentUser(u tenancy.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, IsPlatformAdmin: u.IsPlatformAdmin}
}

// login exchanges email and password for a session token.
func (s *Server) login(c echo.Context) error {
	var req loginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var fields []FieldError
	if req.Email == "" {
		fields = append(fields, FieldError{Field: "email", Message: "is required"})
	}
	if req.Password == "" {
		fields = append(fields, FieldError{Field: "password", Message: "is required"})
	}
	if len(fields) > 0 {
		return Unprocessable("Email and password are required.", fields...)
	}
	ctx := c.Request().Context()
	u, err := s.tenancy.SignIn(ctx, req.Email, req.Password, s.client(c.Request()))
	var throttled *tenancy.ThrottledError
	if errors.As(err, &throttled) && s.cfg.SignIn.ThrottledDelay > 0 {
		// Hold the refusal a moment: a client that ignores Retry-After then waits anyway, and the
		// refusals of a flood cost sleeping connections rather than the server's CPU.
		t := time.NewTimer(min(throttled.RetryAfter, s.cfg.SignIn.ThrottledDelay))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if err != nil {
		return err
	}
	token, tok, err := s.tenancy.IssueToken(ctx, u.ID, tenancy.SessionTokenName, s.cfg.SessionTTL)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, loginResponse{Token: token, ExpiresAt: tok.ExpiresAt, User: presentUser(u)})
}

// clientAddress returns how to find a request's client address: the peer's, or, when the peer is
// one of the trusted proxies (CIDRs), the address its X-Forwarded-For names. X-Forwarded-For
// from anyone else is ignored, so a client cannot pick the address it is throttled by.
func clientAddress(trustedProxies []string) func(*http.Request) string {
	if len(trustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trustedProxies {
		if _, n, err := net.ParseCIDR(p); err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// logout revokes the token the request came with.
func (s *Server) logout(c echo.Context) error {
	p := principal(c)
	// A token already gone is as signed out as it gets.
	if err := s.tenancy.RevokeToken(c.Request().Context(), p.User.ID, p.TokenID); err != nil && !errors.Is(err, tenancy.ErrNotFound) {
		return err
	}
	s.auth.Invalidate(p.TokenHash)
	return c.NoContent(http.StatusNoContent)
}

type meJSON struct {
	User       userJSON          `json:"user"`
	Workspaces []meWorkspaceJSON `json:"workspaces"`
}

type meWorkspaceJSON struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	Slug         string         `json:"slug"`
	Role         tenancy.Role   `json:"role"`
	Capabilities []string       `json:"capabilities"`
	Tenants      []meTenantJSON `json:"tenants"`
}

type meTenantJSON struct {
	ID           int64        `json:"id"`
	Name         string       `json:"name"`
	Role         tenancy.Role `json:"role"`
	Capabilities []string     `json:"capabilities"`
}

// me describes the caller: who it is, where it is a member and what it may do there.
func (s *Server) me(c echo.Context) error {
	ctx := c.Request().Context()
	u := principal(c).User
	wms, tms, err := s.tenancy.MembershipsForUser(ctx, u.ID)
	if err != nil {
		return err
	}
	tenantRole := map[int64]tenancy.Role{}
	for _, tm := range tms {
		tenantRole[tm.TenantID] = tm.Role
	}
	out := meJSON{User: presentUser(u), Workspaces: []meWorkspaceJSON{}}
	for _, wm := range wms {
		w, err := s.tenancy.Workspace(ctx, wm.WorkspaceID)
		if err != nil {
			return err
		}
		mw := meWorkspaceJSON{ID: w.ID, Name: w.Name, Slug: w.Slug, Role: wm.Role,
			Capabilities: s.authz.Capabilities(u.ID, authz.WorkspaceScope(w.ID)), Tenants: []meTenantJSON{}}
		tenants, err := s.tenancy.ListTenants(ctx, w.ID)
		if err != nil {
			return err
		}
		for _, t := range tenants {
			caps := s.authz.Capabilities(u.ID, authz.TenantScope(w.ID, t.ID))
			if len(caps) == 0 {
				continue // not entitled
			}
			role := wm.Role
			if tr, ok := tenantRole[t.ID]; ok && tr.Rank() > role.Rank() {
				role = tr
			}
			mw.Tenants = append(mw.Tenants, meTenantJSON{ID: t.ID, Name: t.Name, Role: role, Capabilities: caps})
		}
		out.Workspaces = append(out.Workspaces, mw)
	}
	return c.JSON(http.StatusOK, out)
}
