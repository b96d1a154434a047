package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// actor is the signed-in caller as the audit trail records it: the user, and whether the request
// came with a sign-in's token or an API token.
func actor(p tenancy.Principal) operations.Actor {
	via := operations.ViaToken
	if p.Session {
		via = operations.ViaSession
	}
	userID, tokenID := p.User.ID, p.TokenID
	return operations.Actor{UserID: &userID, Name: p.User.Name, Via: via, TokenID: &tokenID}
}

// cancelRun cancels the path's run: a queued run completes at once (200), a running one is asked
// to stop and completes cancelled when its worker notices (202). Repeating it changes nothing.
func (s *Server) cancelRun(c echo.Context) error {
	if err := noBody(c); err != nil {
		return err
	}
	run := c.Get(ctxRun).(operations.Run)
	res, err := s.runs.Cancel(c.Request().Context(), run.ID, actor(principal(c)))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Result == operations.CancelPending {
		status = http.StatusAccepted
	}
	return c.JSON(status, presentRun(res.Run, true))
}

// retryRun starts a new run of the path's run's type, scope and inputs (202), or answers with the
// active identical run it reuses (200); Location names the run either way.
func (s *Server) retryRun(c echo.Context) error {
	if err := noBody(c); err != nil {
		return err
	}
	run := c.Get(ctxRun).(operations.Run)
	next, created, err := s.runs.Retry(c.Request().Context(), run.ID, actor(principal(c)))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusAccepted
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/operation-runs/"+itoa(next.ID))
	return c.JSON(status, presentRun(next, true))
}

type auditEntryJSON struct {
	ID        int64                  `json:"id"`
	RunID     int64                  `json:"run_id"`
	Action    operations.AuditAction `json:"action"`
	Actor     auditActorJSON         `json:"actor"`
	Related   *int64                 `json:"related_run_id"`
	CreatedAt time.Time              `json:"created_at"`
}

type auditActorJSON struct {
	Kind    string  `json:"kind"` // user | system
	UserID  *int64  `json:"user_id"`
	Name    string  `json:"name"`
	Via     *string `json:"via"`
	TokenID *int64  `json:"token_id"`
}

// runAudit lists who started, cancelled or retried the path's run, oldest first.
func (s *Server) runAudit(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	run := c.Get(ctxRun).(operations.Run)
	entries, err := s.runs.Audit(c.Request().Context(), run.ID)
	if err != nil {
		return err
	}
	out := make([]auditEntryJSON, 0, len(entries))
	for _, e := range entries {
		a := auditActorJSON{Kind: "system", UserID: e.ActorUserID, Name: e.ActorName, Via: e.Via, TokenID: e.TokenID}
		if e.ActorUserID != nil {
			a.Kind = "user"
		}
		out = append(out, auditEntryJSON{ID: e.ID, RunID: e.RunID, Action: e.Action, Actor: a, Related: e.RelatedRunID, CreatedAt: e.CreatedAt})
	}
	return jsonWithETag(c, http.StatusOK, map[string]any{"data": out})
}
