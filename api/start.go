package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// startRun creates (or reuses) a run of the path's tenant and queues its job: 202 with a new run,
// 200 with the active run it reused, and a Location header either way. An Idempotency-Key header
// makes a repeated request answer like the first.
func (s *Server) startRun(c echo.Context, typ string, identity any, runContext map[string]any) error {
	p := principal(c)
	t := c.Get(ctxTenant).(tenancy.Tenant)
	return s.startRunWith(c, operations.EnsureInput{
		WorkspaceID: t.WorkspaceID, TenantID: &t.ID, UserID: &p.User.ID, InitiatorName: p.User.Name,
		Type: typ, IdentityInputs: identity, Context: runContext,
	}, identity)
}

// startRunWith starts the run in (built by the caller) for the signed-in user. request is what
// makes two requests the same for Idempotency-Key (besides method and path).
func (s *Server) startRunWith(c echo.Context, in operations.EnsureInput, request any) error {
	p := principal(c)
	var idem *operations.Idempotency
	if key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key")); key != "" {
		if len(key) > 255 {
			return BadRequest("invalid_header", "The Idempotency-Key is too long.", FieldError{Field: "Idempotency-Key", Message: "at most 255 characters"})
		}
		sum := sha256.Sum256([]byte(c.Request().Method + " " + c.Request().URL.Path + " " + canonicalBody(request)))
		idem = &operations.Idempotency{UserID: p.User.ID, Key: key, RequestHash: hex.EncodeToString(sum[:])}
	}
	run, created, err := s.runs.Start(c.Request().Context(), nil, in, idem)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusAccepted
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/operation-runs/"+itoa(run.ID))
	return c.JSON(status, presentRun(run, true))
}

func canonicalBody(v any) string {
	b, err := operations.CanonicalJSON(v)
	if err != nil {
		return ""
	}
	return string(b)
}
