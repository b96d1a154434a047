package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/tenancy"
)

// People join a workspace by invitation: a member manager invites an email address with a role,
// and whoever signs in with that address accepts or declines. Nothing here needs or shows the
// user id of someone outside the workspace.

type invitationJSON struct {
	ID          int64        `json:"id"`
	WorkspaceID int64        `json:"workspace_id"`
	Email       string       `json:"email"`
	Role        tenancy.Role `json:"role"`
	Status      string       `json:"status"`
	CreatedAt   time.Time    `json:"created_at"`
	ExpiresAt   time.Time    `json:"expires_at"`
}

func presentInvitation(i tenancy.Invitation) invitationJSON {
	return invitationJSON{ID: i.ID, WorkspaceID: i.WorkspaceID, Email: i.Email, Role: i.Role, Status: i.Status,
		CreatedAt: i.CreatedAt, ExpiresAt: i.ExpiresAt}
}

type receivedInvitationJSON struct {
	invitationJSON
	WorkspaceName string  `json:"workspace_name"`
	InvitedBy     *string `json:"invited_by"`
}

type createInvitationRequest struct {
	Email string       `json:"email"`
	Role  tenancy.Role `json:"role"`
}

type workspaceMemberJSON struct {
	UserID    int64        `json:"user_id"`
	Email     string       `json:"email"`
	Name      string       `json:"name"`
	Role      tenancy.Role `json:"role"`
	CreatedAt time.Time    `json:"created_at"`
}

// listWorkspaceMembers lists the members of a workspace, for those who manage them.
func (s *Server) listWorkspaceMembers(c echo.Context) error {
	w := c.Get(ctxWorkspace).(tenancy.Workspace)
	ms, err := s.tenancy.WorkspaceMembers(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	out := make([]workspaceMemberJSON, len(ms))
	for i, m := range ms {
		out[i] = workspaceMemberJSON{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role, CreatedAt: m.CreatedAt}
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

// listInvitations lists a workspace's pending invitations.
func (s *Server) listInvitations(c echo.Context) error {
	w := c.Get(ctxWorkspace).(tenancy.Workspace)
	invs, err := s.tenancy.PendingInvitations(c.Request().Context(), w.ID)
	if err != nil {
		return err
	}
	out := make([]invitationJSON, len(invs))
	for i, inv := range invs {
		out[i] = presentInvitation(inv)
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

// createInvitation invites an email address to the workspace. The answer is the same whether or
// not someone has an account with that address.
func (s *Server) createInvitation(c echo.Context) error {
	var req createInvitationRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	w := c.Get(ctxWorkspace).(tenancy.Workspace)
	inv, err := s.tenancy.Invite(c.Request().Context(), w.ID, principal(c).User.ID, req.Email, req.Role, 0)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/workspaces/"+itoa(w.ID)+"/invitations")
	return c.JSON(http.StatusCreated, presentInvitation(inv))
}

// revokeInvitation withdraws a pending invitation.
func (s *Server) revokeInvitation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	w := c.Get(ctxWorkspace).(tenancy.Workspace)
	if err := s.tenancy.RevokeInvitation(c.Request().Context(), w.ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// listMyInvitations lists the pending invitations to the caller's email address.
func (s *Server) listMyInvitations(c echo.Context) error {
	invs, err := s.tenancy.InvitationsFor(c.Request().Context(), principal(c).User.ID)
	if err != nil {
		return err
	}
	out := make([]receivedInvitationJSON, len(invs))
	for i, inv := range invs {
		out[i] = receivedInvitationJSON{invitationJSON: presentInvitation(inv.Invitation),
			WorkspaceName: inv.WorkspaceName, InvitedBy: inv.InviterName}
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

// acceptInvitation makes the caller a member of the invitation's workspace. Anything but a
// pending invitation to the caller's own address is 404.
func (s *Server) acceptInvitation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	m, err := s.tenancy.AcceptInvitation(c.Request().Context(), principal(c).User.ID, id)
	if err != nil {
		return err
	}
	s.reloadAuthz(c)
	return c.JSON(http.StatusOK, membershipJSON{Scope: "workspace", ScopeID: m.WorkspaceID, UserID: m.UserID, Role: m.Role})
}

// declineInvitation declines an invitation to the caller's address.
func (s *Server) declineInvitation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	if err := s.tenancy.DeclineInvitation(c.Request().Context(), principal(c).User.ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
