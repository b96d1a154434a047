package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/operations"
)

// runJSON is a run as the API shows it.
type runJSON struct {
	ID             int64              `json:"id"`
	WorkspaceID    int64              `json:"workspace_id"`
	TenantID       *int64             `json:"tenant_id"`
	Type           string             `json:"type"`
	TypeLabel      string             `json:"type_label"`
	KnownType      bool               `json:"known_type"`
	Status         operations.Status  `json:"status"`
	Outcome        operations.Outcome `json:"outcome"`
	Initiator      initiatorJSON      `json:"initiator"`
	SummaryCounts  json.RawMessage    `json:"summary_counts"`
	Failures       json.RawMessage    `json:"failures"`
	Context        json.RawMessage    `json:"context,omitempty"`
	CreatedAt      time.Time          `json:"created_at"`
	StartedAt      *time.Time         `json:"started_at"`
	CompletedAt    *time.Time         `json:"completed_at"`
	DurationMillis *int64             `json:"duration_ms"`
	// CancelRequestedAt and CancelRequestedBy: someone asked the run to stop (shown once asked).
	CancelRequestedAt *time.Time     `json:"cancel_requested_at,omitempty"`
	CancelRequestedBy *initiatorJSON `json:"cancel_requested_by,omitempty"`
	// Progress is how far the run got, as its worker last said (null before the first report).
	Progress *progressJSON `json:"progress"`
	Links    runLinksJSON  `json:"links"`
}

type progressJSON struct {
	Processed int64  `json:"processed"`
	Total     *int64 `json:"total"`
}

type initiatorJSON struct {
	Kind   string `json:"kind"` // user | system
	UserID *int64 `json:"user_id"`
	Name   string `json:"name"`
}

type runLinksJSON struct {
	Self    string        `json:"self"`
	UI      string        `json:"ui"`
	Related []relatedLink `json:"related,omitempty"`
}

type relatedLink struct {
	Rel   string `json:"rel"`
	Title string `json:"title"`
	Href  string `json:"href"`
	UI    string `json:"ui,omitempty"`
}

func emptyOr(raw json.RawMessage, empty string) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage(empty)
	}
	return raw
}

// presentRun renders a run; withContext adds the context and the related links derived from it.
func presentRun(r operations.Run, withContext bool) runJSON {
	known := operations.Known(r.Type)
	out := runJSON{
		ID: r.ID, WorkspaceID: r.WorkspaceID, TenantID: r.TenantID,
		Type: r.Type, TypeLabel: operations.LabelFor(r.Type), KnownType: known,
		Status: r.Status, Outcome: r.Outcome,
		Initiator:     initiatorJSON{Kind: "system", Name: r.InitiatorName},
		SummaryCounts: emptyOr(r.SummaryCounts, "{}"),
		Failures:      emptyOr(r.FailureSummary, "[]"),
		CreatedAt:     r.CreatedAt, StartedAt: r.StartedAt, CompletedAt: r.CompletedAt,
		Links: runLinksJSON{
			Self: "/api/v1/operation-runs/" + strconv.FormatInt(r.ID, 10),
			UI:   "/admin/operations/" + strconv.FormatInt(r.ID, 10),
		},
	}
	if r.UserID != nil {
		out.Initiator.Kind, out.Initiator.UserID = "user", r.UserID
	}
	if r.StartedAt != nil && r.CompletedAt != nil {
		ms := r.CompletedAt.Sub(*r.StartedAt).Milliseconds()
		out.DurationMillis = &ms
	}
	if r.ProgressProcessed != nil {
		out.Progress = &progressJSON{Processed: *r.ProgressProcessed, Total: r.ProgressTotal}
	}
	if r.CancelRequestedAt != nil {
		by := initiatorJSON{Kind: "system", UserID: r.CancelRequestedBy, Name: operations.SystemInitiator}
		if r.CancelRequestedByName != nil {
			by.Name = *r.CancelRequestedByName
		}
		if r.CancelRequestedBy != nil {
			by.Kind = "user"
		}
		out.CancelRequestedAt, out.CancelRequestedBy = r.CancelRequestedAt, &by
	}
	if withContext {
		out.Context = emptyOr(r.Context, "{}")
		out.Links.Related = relatedLinks(r)
	}
	return out
}

// relatedLinks renders the run's neighbours, as the registry and the run's context name them.
func relatedLinks(r operations.Run) []relatedLink {
	links := operations.RelatedLinks(r)
	if len(links) == 0 {
		return nil
	}
	out := make([]relatedLink, len(links))
	for i, l := range links {
		out[i] = relatedLink{Rel: l.Rel, Title: l.Title, Href: l.Href, UI: l.UI}
	}
	return out
}

// loadRun resolves :id to a run the caller is entitled to see; the capability its type requires
// decides between 200 and 403. A run in a scope the caller is not entitled to is not found.
func (s *Server) loadRun(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		run, err := operations.Find(c.Request().Context(), s.sql, id)
		if err != nil {
			return err
		}
		scope := authz.Scope{WorkspaceID: run.WorkspaceID, TenantID: run.TenantID}
		capability := operations.CapabilityFor(run.Type)
		if err := decide(s.authz.Decide(principal(c).User.ID, scope, capability), capability); err != nil {
			return err
		}
		c.Set(ctxRun, run)
		return next(c)
	}
}

func (s *Server) getRun(c echo.Context) error {
	return jsonWithETag(c, http.StatusOK, presentRun(c.Get(ctxRun).(operations.Run), true))
}

func (s *Server) listRuns(c echo.Context) error {
	f, err := parseRunFilter(c, true)
	if err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	after, err := runList.after(c, s.cursors)
	if err != nil {
		return err
	}
	vis := s.authz.Visibility(principal(c).User.ID)
	page, err := operations.List(c.Request().Context(), s.sql, vis.Grants, f, after, limit)
	if err != nil {
		return err
	}
	out := make([]runJSON, 0, len(page.Runs))
	for _, r := range page.Runs {
		out = append(out, presentRun(r, false))
	}
	return writePage(c, s.cursors, runList, out, page.Next)
}

type runCountsJSON struct {
	operations.Counts
	WindowStart         time.Time `json:"window_start"`
	AsOf                time.Time `json:"as_of"`
	MaxStalenessSeconds float64   `json:"max_staleness_seconds"`
}

// countsTimeout bounds one computation of run counts.
const countsTimeout = 30 * time.Second

func (s *Server) countRuns(c echo.Context) error {
	q := c.QueryParams()
	f, err := parseRunFilter(c, false)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if f.CreatedAfter == nil {
		start := now.Add(-30 * 24 * time.Hour).Truncate(time.Minute)
		f.CreatedAfter = &start
	}
	userID := principal(c).User.ID
	gen := s.authz.Generation()
	vis := s.authz.Visibility(userID)
	key := fmt.Sprintf("%d|%d|%s|%s", userID, gen, q.Encode(), f.CreatedAfter.Format(time.RFC3339))
	// The computation may outlive this request: it also refreshes a stale value in the background.
	ctx := context.WithoutCancel(c.Request().Context())
	out, err := s.counts.get(key, func() (runCountsJSON, error) {
		ctx, cancel := context.WithTimeout(ctx, countsTimeout)
		defer cancel()
		at := time.Now().UTC()
		counts, err := operations.Count(ctx, s.sql, vis.Grants, f, at)
		return runCountsJSON{Counts: counts, WindowStart: *f.CreatedAfter, AsOf: at}, err
	})
	if err != nil {
		return err
	}
	out.MaxStalenessSeconds = s.counts.maxAge().Seconds()
	// The ETag covers the counts, not the moment they were taken.
	return jsonWithETagOf(c, http.StatusOK, out, out.Counts)
}

var runStatuses = map[string]operations.Status{"queued": operations.StatusQueued, "running": operations.StatusRunning, "completed": operations.StatusCompleted}

var runOutcomes = map[string]operations.Outcome{
	"pending": operations.OutcomePending, "succeeded": operations.OutcomeSucceeded,
	"partially_succeeded": operations.OutcomePartiallySucceeded, "failed": operations.OutcomeFailed,
	"cancelled": operations.OutcomeCancelled, "blocked": operations.OutcomeBlocked,
}

// runFilterParams are the run list's filters; the list also takes limit and cursor.
var runFilterParams = []string{"workspace_id", "tenant_id", "type", "status", "outcome", "tab", "initiator",
	"created_after", "created_before", "backup_schedule_id"}

// parseRunFilter reads the list filters (and, when paging, allows limit and cursor); unknown
// parameters and every malformed value are one 400 naming each parameter.
func parseRunFilter(c echo.Context, paging bool) (operations.Filter, error) {
	if paging {
		return parseRunFilterAllowing(c, "limit", "cursor")
	}
	return parseRunFilterAllowing(c)
}

// parseRunFilterAllowing is parseRunFilter for a route that takes other parameters too.
func parseRunFilterAllowing(c echo.Context, others ...string) (operations.Filter, error) {
	var f operations.Filter
	if err := checkQuery(c); err != nil {
		return f, err
	}
	q := c.QueryParams()
	allowed := append(runFilterParams[:len(runFilterParams):len(runFilterParams)], others...)
	errs := unknownParams(q, allowed...)
	bad := func(field, msg string) { errs = append(errs, FieldError{Field: field, Message: msg}) }
	posInt := func(name string) *int64 {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			bad(name, "must be a positive integer")
			return nil
		}
		return &n
	}
	f.WorkspaceID, f.TenantID, f.BackupScheduleID = posInt("workspace_id"), posInt("tenant_id"), posInt("backup_schedule_id")
	for _, t := range q["type"] {
		if !operations.ValidTypeKey(t) {
			bad("type", "must look like a run type key, e.g. inventory_sync")
			continue
		}
		f.Types = append(f.Types, t)
	}
	for _, v := range q["status"] {
		st, ok := runStatuses[v]
		if !ok {
			bad("status", "must be one of queued, running, completed")
			continue
		}
		f.Statuses = append(f.Statuses, st)
	}
	for _, v := range q["outcome"] {
		o, ok := runOutcomes[v]
		if !ok {
			bad("outcome", "must be one of pending, succeeded, partially_succeeded, failed, cancelled, blocked")
			continue
		}
		f.Outcomes = append(f.Outcomes, o)
	}
	if v := q.Get("tab"); v != "" {
		valid := false
		for _, t := range operations.Tabs {
			valid = valid || v == t
		}
		if !valid {
			bad("tab", "must be one of "+strings.Join(operations.Tabs, ", "))
		}
		f.Tab = v
	}
	if v := q.Get("initiator"); v != "" {
		if v == "system" {
			f.InitiatorSystem = true
		} else if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			f.InitiatorUserID = &n
		} else {
			bad("initiator", "must be a user id or system")
		}
	}
	for _, name := range []string{"created_after", "created_before"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			bad(name, "must be an RFC 3339 date-time, e.g. 2026-02-12T00:00:00Z")
			continue
		}
		if name == "created_after" {
			f.CreatedAfter = &ts
		} else {
			f.CreatedBefore = &ts
		}
	}
	if len(errs) > 0 {
		return f, invalidParameter(errs...)
	}
	return f, nil
}

type runTypeJSON struct {
	Key        string   `json:"key"`
	Label      string   `json:"label"`
	Capability string   `json:"capability"`
	Summary    []string `json:"summary_keys"`
}

func (s *Server) listRunTypes(c echo.Context) error {
	var out []runTypeJSON
	for _, t := range operations.Types() {
		out = append(out, runTypeJSON{Key: t.Key, Label: t.Label, Capability: t.Capability, Summary: t.SummaryKeys})
	}
	return jsonWithETag(c, http.StatusOK, map[string]any{
		"data":    out,
		"unknown": runTypeJSON{Key: "", Label: operations.UnknownLabel, Capability: operations.CapabilityOperationsView, Summary: []string{}},
	})
}
