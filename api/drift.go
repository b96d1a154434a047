package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// runLinkJSON links a run: the API resource and the SPA's page.
type runLinkJSON struct {
	Self string `json:"self"`
	UI   string `json:"ui"`
}

func runLink(id int64) runLinkJSON {
	return runLinkJSON{Self: "/api/v1/operation-runs/" + itoa(id), UI: "/admin/operations/" + itoa(id)}
}

// driftRunJSON is a baseline or current inventory sync run of a comparison.
type driftRunJSON struct {
	ID          int64       `json:"id"`
	CompletedAt time.Time   `json:"completed_at"`
	Links       runLinkJSON `json:"links"`
}

func presentDriftRun(r *drift.RunRef) *driftRunJSON {
	if r == nil {
		return nil
	}
	return &driftRunJSON{ID: r.ID, CompletedAt: r.CompletedAt, Links: runLink(r.ID)}
}

type driftCountsJSON struct {
	Total      int64            `json:"total"`
	BySeverity map[string]int64 `json:"by_severity"`
	ByStatus   map[string]int64 `json:"by_status"`
}

// driftGenerationJSON is the comparison's latest drift_generate_findings run, in brief (the
// run itself is at links.self).
type driftGenerationJSON struct {
	ID          int64              `json:"id"`
	Status      operations.Status  `json:"status"`
	Outcome     operations.Outcome `json:"outcome"`
	CreatedAt   time.Time          `json:"created_at"`
	StartedAt   *time.Time         `json:"started_at"`
	CompletedAt *time.Time         `json:"completed_at"`
	Failures    json.RawMessage    `json:"failures"`
	Links       runLinkJSON        `json:"links"`
}

type driftJSON struct {
	ScopeKey      string               `json:"scope_key"`
	State         drift.State          `json:"state"`
	Message       string               `json:"message"`
	BaselineRun   *driftRunJSON        `json:"baseline_run"`
	CurrentRun    *driftRunJSON        `json:"current_run"`
	GenerationRun *driftGenerationJSON `json:"generation_run"`
	Counts        driftCountsJSON      `json:"counts"`
}

// scopeKeyParam reads the required scope_key query parameter: 64 lowercase hex characters.
func scopeKeyParam(c echo.Context) (string, error) {
	v := c.QueryParam("scope_key")
	if !drift.ValidScopeKey(v) {
		msg := "must be 64 lowercase hex characters (a scope_key from GET …/drift/scopes)"
		if v == "" {
			msg = "is required: " + msg
		}
		return "", BadRequest("invalid_parameter", "A query parameter is invalid.", FieldError{Field: "scope_key", Message: msg})
	}
	return v, nil
}

// getDrift tells where drift of one scope of the tenant stands.
func (s *Server) getDrift(c echo.Context) error {
	if err := onlyParams(c, "scope_key"); err != nil {
		return err
	}
	key, err := scopeKeyParam(c)
	if err != nil {
		return err
	}
	t := c.Get(ctxTenant).(tenancy.Tenant)
	ov, err := drift.Describe(c.Request().Context(), s.db, t.ID, key)
	if err != nil {
		return err
	}
	out := driftJSON{ScopeKey: ov.ScopeKey, State: ov.State, Message: ov.Message,
		BaselineRun: presentDriftRun(ov.Baseline), CurrentRun: presentDriftRun(ov.Current),
		Counts: driftCountsJSON{Total: ov.Counts.Total, BySeverity: ov.Counts.BySeverity, ByStatus: ov.Counts.ByStatus}}
	if g := ov.Generation; g != nil {
		out.GenerationRun = &driftGenerationJSON{ID: g.ID, Status: g.Status, Outcome: g.Outcome, CreatedAt: g.CreatedAt,
			StartedAt: g.StartedAt, CompletedAt: g.CompletedAt, Failures: emptyOr(g.FailureSummary, "[]"), Links: runLink(g.ID)}
	}
	return jsonWithETag(c, http.StatusOK, out)
}

type driftScopeRunJSON struct {
	ID          int64              `json:"id"`
	Status      operations.Status  `json:"status"`
	Outcome     operations.Outcome `json:"outcome"`
	CreatedAt   time.Time          `json:"created_at"`
	CompletedAt *time.Time         `json:"completed_at"`
	Links       runLinkJSON        `json:"links"`
}

type driftScopeJSON struct {
	ScopeKey       string            `json:"scope_key"`
	Selection      json.RawMessage   `json:"selection"`
	Runs           int64             `json:"runs"`
	SuccessfulRuns int64             `json:"successful_runs"`
	LatestRun      driftScopeRunJSON `json:"latest_run"`
}

// listDriftScopes lists the scopes the tenant's inventory syncs used, newest first.
func (s *Server) listDriftScopes(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	t := c.Get(ctxTenant).(tenancy.Tenant)
	scopes, err := drift.ListScopes(c.Request().Context(), s.db, t.ID)
	if err != nil {
		return err
	}
	out := make([]driftScopeJSON, 0, len(scopes))
	for _, sc := range scopes {
		r := sc.LatestRun
		out = append(out, driftScopeJSON{ScopeKey: sc.ScopeKey, Selection: sc.Selection, Runs: sc.Runs, SuccessfulRuns: sc.SuccessfulRuns,
			LatestRun: driftScopeRunJSON{ID: r.ID, Status: r.Status, Outcome: r.Outcome, CreatedAt: r.CreatedAt, CompletedAt: r.CompletedAt, Links: runLink(r.ID)}})
	}
	return jsonWithETag(c, http.StatusOK, map[string]any{"data": out})
}

type driftGenerateRequest struct {
	ScopeKey *string `json:"scope_key"`
}

// generateDrift starts the drift generation of the scope's current comparison: 202 with a new
// drift_generate_findings run, or 200 with the comparison's generation that is active or already
// succeeded (one generation per comparison), with Location either way. A blocked scope is 409
// drift.blocked.
func (s *Server) generateDrift(c echo.Context) error {
	var req driftGenerateRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.ScopeKey == nil || !drift.ValidScopeKey(*req.ScopeKey) {
		return Unprocessable("The scope_key is not valid.",
			FieldError{Field: "scope_key", Message: "is required: 64 lowercase hex characters (a scope_key from GET …/drift/scopes)"})
	}
	t := c.Get(ctxTenant).(tenancy.Tenant)
	ctx := c.Request().Context()
	cmp, err := drift.SelectComparison(ctx, s.db, t.ID, *req.ScopeKey)
	if err != nil {
		return err
	}
	existing := func() error {
		run, ok, err := drift.FindGeneration(ctx, s.db, cmp)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1/operation-runs/"+itoa(run.ID))
		return c.JSON(http.StatusOK, presentRun(run, true))
	}
	if err := existing(); err != nil || c.Response().Committed {
		return err
	}
	inputs := drift.GenerationInputs(cmp)
	err = s.startRun(c, operations.TypeDriftGenerateFindings, inputs, inputs)
	if database.IsUniqueViolation(err, drift.GenerationKey) {
		// The comparison's generation finished between the look-up and the start: answer with it.
		if err := existing(); err != nil || c.Response().Committed {
			return err
		}
	}
	return err
}
