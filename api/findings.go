package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// findingRunJSON is a finding's reference to its baseline or current run. A historic finding
// without a mapping, or one whose run was pruned since (the foreign key sets NULL), has id and
// completed_at null and run_unavailable true; it is never an error.
type findingRunJSON struct {
	ID             *int64     `json:"id"`
	CompletedAt    *time.Time `json:"completed_at"`
	RunUnavailable bool       `json:"run_unavailable"`
}

type findingLinksJSON struct {
	BaselineRun *runLinkJSON `json:"baseline_run"` // null when the run is unavailable
	CurrentRun  *runLinkJSON `json:"current_run"`
}

// evidenceRunJSON is one run as the evidence recorded it when the finding was written.
type evidenceRunJSON struct {
	RunID       *int64     `json:"run_id"`
	CompletedAt *time.Time `json:"completed_at"`
}

// evidenceJSON is the finding's evidence, allow-listed again on the way out: nothing but these
// fields is ever shown, whatever a historic row holds.
type evidenceJSON struct {
	ChangeType string           `json:"change_type"`
	Baseline   *evidenceRunJSON `json:"baseline"`
	Current    *evidenceRunJSON `json:"current"`
}

type findingJSON struct {
	ID                   int64            `json:"id"`
	TenantID             int64            `json:"tenant_id"`
	FindingType          string           `json:"finding_type"`
	ScopeKey             string           `json:"scope_key"`
	Fingerprint          string           `json:"fingerprint"`
	SubjectType          string           `json:"subject_type"`
	SubjectExternalID    string           `json:"subject_external_id"`
	SubjectDisplayName   *string          `json:"subject_display_name"`
	ChangeType           string           `json:"change_type"`
	Severity             string           `json:"severity"`
	Status               string           `json:"status"`
	AcknowledgedAt       *time.Time       `json:"acknowledged_at"`
	AcknowledgedByUserID *int64           `json:"acknowledged_by_user_id"`
	Evidence             evidenceJSON     `json:"evidence"`
	BaselineRun          findingRunJSON   `json:"baseline_run"`
	CurrentRun           findingRunJSON   `json:"current_run"`
	Links                findingLinksJSON `json:"links"`
	CreatedAt            time.Time        `json:"created_at"`
	UpdatedAt            time.Time        `json:"updated_at"`
}

func presentFindingRun(id *int64, completedAt *time.Time) (findingRunJSON, *runLinkJSON) {
	if id == nil {
		return findingRunJSON{RunUnavailable: true}, nil
	}
	l := runLink(*id)
	return findingRunJSON{ID: id, CompletedAt: completedAt}, &l
}

func presentEvidence(raw json.RawMessage, changeType string) evidenceJSON {
	var stored struct {
		ChangeType string `json:"change_type"`
		Baseline   *struct {
			RunID       *json.Number `json:"run_id"`
			CompletedAt *string      `json:"completed_at"`
		} `json:"baseline"`
		Current *struct {
			RunID       *json.Number `json:"run_id"`
			CompletedAt *string      `json:"completed_at"`
		} `json:"current"`
	}
	out := evidenceJSON{ChangeType: changeType}
	if json.Unmarshal(raw, &stored) != nil {
		return out
	}
	run := func(id *json.Number, at *string) *evidenceRunJSON {
		e := &evidenceRunJSON{}
		if id != nil {
			if n, err := id.Int64(); err == nil {
				e.RunID = &n
			}
		}
		if at != nil {
			if ts, err := time.Parse(time.RFC3339Nano, *at); err == nil {
				e.CompletedAt = &ts
			}
		}
		if e.RunID == nil && e.CompletedAt == nil {
			return nil
		}
		return e
	}
	if stored.Baseline != nil {
		out.Baseline = run(stored.Baseline.RunID, stored.Baseline.CompletedAt)
	}
	if stored.Current != nil {
		out.Current = run(stored.Current.RunID, stored.Current.CompletedAt)
	}
	return out
}

func presentFinding(f drift.FindingRow) findingJSON {
	out := findingJSON{ID: f.ID, TenantID: f.TenantID, FindingType: f.FindingType, ScopeKey: f.ScopeKey,
		Fingerprint: f.Fingerprint, SubjectType: f.SubjectType, SubjectExternalID: f.SubjectExternalID,
		SubjectDisplayName: f.SubjectDisplayName, ChangeType: f.ChangeType, Severity: f.Severity, Status: f.Status,
		AcknowledgedAt: f.AcknowledgedAt, AcknowledgedByUserID: f.AcknowledgedByUserID,
		Evidence: presentEvidence(f.Evidence, f.ChangeType), CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
	out.BaselineRun, out.Links.BaselineRun = presentFindingRun(f.BaselineOperationRunID, f.BaselineCompletedAt)
	out.CurrentRun, out.Links.CurrentRun = presentFindingRun(f.CurrentOperationRunID, f.CurrentCompletedAt)
	return out
}

var (
	findingStatuses   = []string{drift.StatusNew, drift.StatusAcknowledged, drift.StatusAll}
	findingSeverities = []string{drift.SeverityLow, drift.SeverityMedium, drift.SeverityHigh}
	// subjectTypePattern: a policy type key; a well-formed key that no finding has simply
	// matches nothing (historic subject types stay findable).
	subjectTypePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]{0,63}$`)
)

// findingFilterInput is a filter as given, in the query or in a body.
type findingFilterInput struct {
	Status        *string  `json:"status"`
	Severity      []string `json:"severity"`
	SubjectType   []string `json:"subject_type"`
	ScopeKey      *string  `json:"scope_key"`
	BaselineRunID *int64   `json:"baseline_run_id"`
	CurrentRunID  *int64   `json:"current_run_id"`
}

// validate checks the filter's values and returns it as the domain's filter with one field error
// per offending field.
func (in findingFilterInput) validate(prefix string) (drift.FindingFilter, []FieldError) {
	var f drift.FindingFilter
	var errs []FieldError
	bad := func(field, msg string) { errs = append(errs, FieldError{Field: prefix + field, Message: msg}) }
	if in.Status != nil {
		if !slices.Contains(findingStatuses, *in.Status) {
			bad("status", "must be one of new, acknowledged, all")
		}
		f.Status = *in.Status
	}
	for _, v := range in.Severity {
		if !slices.Contains(findingSeverities, v) {
			bad("severity", "must be one of low, medium, high")
			break
		}
	}
	f.Severities = in.Severity
	for _, v := range in.SubjectType {
		if !subjectTypePattern.MatchString(v) {
			bad("subject_type", "must look like a policy type key, e.g. deviceConfiguration")
			break
		}
	}
	f.SubjectTypes = in.SubjectType
	if in.ScopeKey != nil {
		if !drift.ValidScopeKey(*in.ScopeKey) {
			bad("scope_key", "must be 64 lowercase hex characters")
		}
		f.ScopeKey = *in.ScopeKey
	}
	for _, p := range []struct {
		name string
		v    *int64
	}{{"baseline_run_id", in.BaselineRunID}, {"current_run_id", in.CurrentRunID}} {
		if p.v != nil && *p.v < 1 {
			bad(p.name, "must be a positive integer")
		}
	}
	f.BaselineRunID, f.CurrentRunID = in.BaselineRunID, in.CurrentRunID
	return f, errs
}

// findingFilterQuery reads the list's filters from the query: 400 naming each bad parameter.
func findingFilterQuery(q url.Values) (drift.FindingFilter, error) {
	var in findingFilterInput
	var errs []FieldError
	if v, ok := q["status"]; ok {
		in.Status = &v[0]
	}
	in.Severity, in.SubjectType = q["severity"], q["subject_type"]
	if v, ok := q["scope_key"]; ok {
		in.ScopeKey = &v[0]
	}
	for _, p := range []struct {
		name string
		dst  **int64
	}{{"baseline_run_id", &in.BaselineRunID}, {"current_run_id", &in.CurrentRunID}} {
		if v, ok := q[p.name]; ok {
			n, err := strconv.ParseInt(v[0], 10, 64)
			if err != nil || n < 1 {
				errs = append(errs, FieldError{Field: p.name, Message: "must be a positive integer"})
				continue
			}
			*p.dst = &n
		}
	}
	f, ferrs := in.validate("")
	errs = append(errs, ferrs...)
	if len(errs) > 0 {
		return f, BadRequest("invalid_parameter", "A query parameter is invalid.", errs...)
	}
	return f, nil
}

// listFindings pages through the tenant's findings, newest first; status defaults to new.
func (s *Server) listFindings(c echo.Context) error {
	if err := onlyParams(c, "status", "severity", "subject_type", "scope_key", "baseline_run_id", "current_run_id", "limit", "cursor"); err != nil {
		return err
	}
	q := c.QueryParams()
	f, err := findingFilterQuery(q)
	if err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	after, err := findingList.after(c, s.cursors)
	if err != nil {
		return err
	}
	page, err := drift.ListFindings(c.Request().Context(), s.db, pathTenant(c).ID, f, after, limit)
	if err != nil {
		return err
	}
	out := make([]findingJSON, 0, len(page.Findings))
	for _, row := range page.Findings {
		out = append(out, presentFinding(row))
	}
	return writePage(c, s.cursors, findingList, out, page.Next)
}

// acknowledgeFinding acknowledges one finding of the tenant (a finding acknowledged before keeps
// its acknowledgement); another tenant's finding is not found.
func (s *Server) acknowledgeFinding(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	t := c.Get(ctxTenant).(tenancy.Tenant)
	row, err := drift.Acknowledge(c.Request().Context(), s.db, t.ID, id, principal(c).User.ID, time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentFinding(row))
}

// maxAckIDs bounds the ids of one acknowledgement.
const maxAckIDs = 1000

type acknowledgeRequest struct {
	IDs     *[]int64            `json:"ids"`
	Filter  *findingFilterInput `json:"filter"`
	Confirm *int64              `json:"confirm"`
}

type acknowledgeJSON struct {
	Matched      int64   `json:"matched"`
	Acknowledged int64   `json:"acknowledged"`
	NotFound     []int64 `json:"not_found"`
}

// acknowledgeFindings acknowledges findings of the tenant by ids or by filter (exactly one).
func (s *Server) acknowledgeFindings(c echo.Context) error {
	var req acknowledgeRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var errs []FieldError
	bad := func(field, msg string) { errs = append(errs, FieldError{Field: field, Message: msg}) }
	switch {
	case (req.IDs == nil) == (req.Filter == nil):
		bad("ids", "send exactly one of ids and filter")
	case req.IDs != nil:
		if n := len(*req.IDs); n == 0 || n > maxAckIDs {
			bad("ids", "must hold from 1 to "+strconv.Itoa(maxAckIDs)+" finding ids")
		}
		for _, id := range *req.IDs {
			if id < 1 {
				bad("ids", "must hold positive integers")
				break
			}
		}
		if req.Confirm != nil {
			bad("confirm", "goes only with filter")
		}
	}
	var f drift.FindingFilter
	if req.Filter != nil {
		var ferrs []FieldError
		f, ferrs = req.Filter.validate("filter.")
		errs = append(errs, ferrs...)
		if req.Confirm != nil && *req.Confirm < 0 {
			bad("confirm", "must be the number of findings to acknowledge")
		}
	}
	if len(errs) > 0 {
		return Unprocessable("The acknowledgement is not valid.", errs...)
	}
	t := c.Get(ctxTenant).(tenancy.Tenant)
	ctx, userID, now := c.Request().Context(), principal(c).User.ID, time.Now()
	var res drift.AckResult
	var err error
	if req.IDs != nil {
		res, err = drift.AcknowledgeIDs(ctx, s.db, t.ID, *req.IDs, userID, now)
	} else {
		res, err = drift.AcknowledgeMatching(ctx, s.db, t.ID, f, req.Confirm, userID, now)
	}
	if err != nil {
		return err
	}
	notFound := res.NotFound
	if notFound == nil {
		notFound = []int64{}
	}
	return c.JSON(http.StatusOK, acknowledgeJSON{Matched: res.Matched, Acknowledged: res.Acknowledged, NotFound: notFound})
}
