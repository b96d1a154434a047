package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/tenancy"
)

type workspaceJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

func presentWorkspace(w tenancy.Workspace) workspaceJSON {
	return workspaceJSON{ID: w.ID, Name: w.Name, Slug: w.Slug, Status: w.Status, CreatedAt: w.CreatedAt}
}

type createWorkspaceRequest struct {
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// createWorkspace needs a platform admin; the creator becomes its owner.
func (s *Server) createWorkspace(c echo.Context) error {
	var req createWorkspaceRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p := principal(c)
	if !p.User.IsPlatformAdmin {
		return Forbidden("platform.workspaces.create")
	}
	w, err := s.tenancy.CreateWorkspace(c.Request().Context(), p.User, req.Name, req.Slug)
	if err != nil {
		return err
	}
	s.reloadAuthz(c)
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/workspaces/"+itoa(w.ID)+"/tenants")
	return c.JSON(http.StatusCreated, presentWorkspace(w))
}

// listWorkspaces lists the workspaces the caller is a member of.
func (s *Server) listWorkspaces(c echo.Context) error {
	ws, err := s.tenancy.ListWorkspacesForUser(c.Request().Context(), principal(c).User.ID)
	if err != nil {
		return err
	}
	out := make([]workspaceJSON, 0, len(ws))
	for _, w := range ws {
		out = append(out, presentWorkspace(w))
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

type tenantJSON struct {
	ID            int64     `json:"id"`
	WorkspaceID   int64     `json:"workspace_id"`
	Name          string    `json:"name"`
	EntraTenantID string    `json:"entra_tenant_id"`
	Domain        *string   `json:"domain"`
	Status        string    `json:"status"`
	CreatedAt     time.Time `json:"created_at"`
}

func presentTenant(t tenancy.Tenant) tenantJSON {
	return tenantJSON{ID: t.ID, WorkspaceID: t.WorkspaceID, Name: t.Name, EntraTenantID: t.EntraTenantID,
		Domain: t.Domain, Status: t.Status, CreatedAt: t.CreatedAt}
}

type createTenantRequest struct {
	Name          string  `json:"name"`
	EntraTenantID string  `json:"entra_tenant_id"`
	Domain        *string `json:"domain"`
}

func (s *Server) createTenant(c echo.Context) error {
	var req createTenantRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	w := c.Get(ctxWorkspace).(tenancy.Workspace)
	t, err := s.tenancy.CreateTenant(c.Request().Context(), w.ID, tenancy.CreateTenantInput{Name: req.Name, EntraTenantID: req.EntraTenantID, Domain: req.Domain})
	if err != nil {
		return err
	}
	s.reloadAuthz(c)
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/workspaces/"+itoa(w.ID)+"/tenants")
	return c.JSON(http.StatusCreated, presentTenant(t))
}

// listTenants lists the workspace's tenants the caller is entitled to.
func (s *Server) listTenants(c echo.Context) error {
	w := c.Get(ctxWorkspace).(tenancy.Workspace)
	ts, err := s.tenancy.ListTenants(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	vis := s.authz.Visibility(principal(c).User.ID)
	out := []tenantJSON{}
	for _, t := range ts {
		if vis.Tenants[t.ID] {
			out = append(out, presentTenant(t))
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}
