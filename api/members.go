package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/tenancy"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type memberRequest struct {
	Role tenancy.Role `json:"role"`
}

type membershipJSON struct {
	Scope   string       `json:"scope"` // workspace | tenant
	ScopeID int64        `json:"scope_id"`
	UserID  int64        `json:"user_id"`
	Role    tenancy.Role `json:"role"`
}

func readRole(c echo.Context) (tenancy.Role, error) {
	var req memberRequest
	if err := bindJSON(c, &req); err != nil {
		return "", err
	}
	if !req.Role.Valid() {
		return "", Unprocessable("The role is not valid.", FieldError{Field: "role", Message: "must be one of owner, manager, operator, readonly"})
	}
	return req.Role, nil
}

func (s *Server) putWorkspaceMember(c echo.Context) error {
	userID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	role, err := readRole(c)
	if err != nil {
		return err
	}
	w := c.Get(ctxWorkspace).(tenancy.Workspace)
	// Platform admins add members directly; everyone else changes the roles of members, and
	// brings new ones in by invitation (POST /workspaces/{workspace}/invitations).
	set := s.tenancy.ChangeWorkspaceMemberRole
	if principal(c).User.IsPlatformAdmin {
		set = s.tenancy.SetWorkspaceMember
	}
	m, err := set(c.Request().Context(), w.ID, userID, role)
	if err != nil {
		return err
	}
	s.reloadAuthz(c)
	return c.JSON(http.StatusOK, membershipJSON{Scope: "workspace", ScopeID: w.ID, UserID: m.UserID, Role: m.Role})
}

func (s *Server) deleteWorkspaceMember(c echo.Context) error {
	userID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	w := c.Get(ctxWorkspace).(tenancy.Workspace)
	if err := s.tenancy.RemoveWorkspaceMember(c.Request().Context(), w.ID, userID); err != nil {
		return err
	}
	s.reloadAuthz(c)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) putTenantMember(c echo.Context) error {
	userID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	role, err := readRole(c)
	if err != nil {
		return err
	}
	t := c.Get(ctxTenant).(tenancy.Tenant)
	m, err := s.tenancy.SetTenantMember(c.Request().Context(), t.ID, userID, role)
	if err != nil {
		return err
	}
	s.reloadAuthz(c)
	return c.JSON(http.StatusOK, membershipJSON{Scope: "tenant", ScopeID: t.ID, UserID: m.UserID, Role: m.Role})
}

func (s *Server) deleteTenantMember(c echo.Context) error {
	userID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	t := c.Get(ctxTenant).(tenancy.Tenant)
	if err := s.tenancy.RemoveTenantMember(c.Request().Context(), t.ID, userID); err != nil {
		return err
	}
	s.reloadAuthz(c)
	return c.NoContent(http.StatusNoContent)
}

// reloadAuthz applies a membership change in this process at once; other processes hear of it
// through LISTEN/NOTIFY.
func (s *Server) reloadAuthz(c echo.Context) {
	if err := s.authz.Reload(c.Request().Context()); err != nil {
		s.log.ErrorContext(c.Request().Context(), "authz reload failed", "error", err.Error())
	}
}

// findUser looks a user up by email: platform admins find anyone; owners only the members of
// the workspaces they own (anyone else is simply not found); other callers get 403.
func (s *Server) findUser(c echo.Context) error {
	ctx := c.Request().Context()
	p := principal(c)
	if !p.User.IsPlatformAdmin {
		wms, _, err := s.tenancy.MembershipsForUser(ctx, p.User.ID)
		if err != nil {
			return err
		}
		owner := false
		for _, m := range wms {
			owner = owner || m.Role == tenancy.RoleOwner
		}
		if !owner {
			return Forbidden("workspace.users.view")
		}
	}
	email := c.QueryParam("email")
	for k := range c.QueryParams() {
		if k != "email" {
			return BadRequest("invalid_parameter", "A query parameter is invalid.", FieldError{Field: k, Message: "unknown parameter"})
		}
	}
	if email == "" {
		return BadRequest("invalid_parameter", "A query parameter is invalid.", FieldError{Field: "email", Message: "is required"})
	}
	var u tenancy.User
	var err error
	if p.User.IsPlatformAdmin {
		u, err = s.tenancy.UserByEmail(ctx, email)
	} else {
		u, err = s.tenancy.UserAmongOwnedWorkspaces(ctx, p.User.ID, email)
	}
	if err != nil && !isNotFound(err) {
		return err
	}
	out := []userJSON{}
	if err == nil {
		out = append(out, presentUser(u))
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}
