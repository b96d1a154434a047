package operations

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Grant is a set of scopes in which a caller may view the same run types. Grants come from the
// authorisation layer; this package only turns them into SQL.
type Grant struct {
	TenantIDs    []int64  // runs of these tenants
	WorkspaceIDs []int64  // tenant-less runs of these workspaces
	Types        []string // registered types visible there; nil means every registered type
	Unknown      bool     // whether types the registry does not know are visible too
}

// Tabs of the run list.
const (
	TabAll       = "all"
	TabActive    = "active"
	TabSucceeded = "succeeded"
	TabPartial   = "partial"
	TabFailed    = "failed"
)

// Tabs lists the tabs in display order.
var Tabs = []string{TabAll, TabActive, TabSucceeded, TabPartial, TabFailed}

// Filter narrows a run list. Zero values mean "no filter".
type Filter struct {
	WorkspaceID      *int64
	TenantID         *int64
	Types            []string
	Statuses         []Status
	Outcomes         []Outcome
	Tab              string
	InitiatorSystem  bool   // runs without a user
	InitiatorUserID  *int64 // runs started by this user
	CreatedAfter     *time.Time
	CreatedBefore    *time.Time
	BackupScheduleID *int64
}

// Cursor marks the last row of a page; the next page starts strictly after it. The API seals it
// (pkg/cursor) before a client sees it.
type Cursor struct {
	CreatedAt time.Time `json:"c"`
	ID        int64     `json:"i"`
}

// Page is one page of runs, newest first.
type Page struct {
	Runs []Run
	Next *Cursor // nil on the last page
}

// query builds WHERE clauses with numbered placeholders.
type query struct {
	where []string
	args  []any
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *query) add(clause string) { q.where = append(q.where, clause) }

// in compares a column with one value (=, which lets an index deliver rows in order) or with
// several (= ANY).
func (q *query) in(col string, vals any, n int) string {
	if n == 1 {
		switch v := vals.(type) {
		case []int64:
			return col + " = " + q.arg(v[0])
		case []string:
			return col + " = " + q.arg(v[0])
		}
	}
	return col + " = ANY(" + q.arg(vals) + ")"
}

// branches turns the grants into independent visibility clauses: one per grant and scope kind
// (tenant runs, tenant-less workspace runs). Each can use its own index; List merges them.
func (q *query) branches(grants []Grant, f Filter) []string {
	var out []string
	for _, g := range grants {
		tenants, workspaces := g.TenantIDs, g.WorkspaceIDs
		if f.TenantID != nil {
			tenants = keep(tenants, *f.TenantID)
			workspaces = nil
		}
		var types string
		if g.Types != nil || !g.Unknown {
			var typeOr []string
			if g.Types == nil {
				typeOr = append(typeOr, q.in("r.type", declaredKeys, len(declaredKeys)))
			} else if len(g.Types) > 0 {
				typeOr = append(typeOr, q.in("r.type", g.Types, len(g.Types)))
			}
			if g.Unknown {
				typeOr = append(typeOr, "r.type <> ALL("+q.arg(declaredKeys)+")")
			}
			if len(typeOr) == 0 {
				continue
			}
			types = " AND (" + strings.Join(typeOr, " OR ") + ")"
		}
		if len(tenants) > 0 {
			out = append(out, "("+q.in("r.tenant_id", tenants, len(tenants))+types+")")
		}
		if len(workspaces) > 0 {
			out = append(out, "(r.tenant_id IS NULL AND "+q.in("r.workspace_id", workspaces, len(workspaces))+types+")")
		}
	}
	return out
}

// visible restricts to what the grants allow; with no grant nothing is visible.
func (q *query) visible(grants []Grant, f Filter) bool {
	ors := q.branches(grants, f)
	if len(ors) == 0 {
		return false
	}
	q.add("(" + strings.Join(ors, " OR ") + ")")
	return true
}

func keep(ids []int64, id int64) []int64 {
	for _, x := range ids {
		if x == id {
			return []int64{id}
		}
	}
	return nil
}

// filters adds every filter but the cursor.
func (q *query) filters(f Filter) {
	if f.WorkspaceID != nil {
		q.add("r.workspace_id = " + q.arg(*f.WorkspaceID))
	}
	if len(f.Types) > 0 {
		q.add(q.in("r.type", f.Types, len(f.Types)))
	}
	if len(f.Statuses) > 0 {
		q.add(q.in("r.status", statusStrings(f.Statuses), len(f.Statuses)))
	}
	if len(f.Outcomes) > 0 {
		q.add(q.in("r.outcome", outcomeStrings(f.Outcomes), len(f.Outcomes)))
	}
	switch f.Tab {
	case TabActive:
		q.add("r.status IN ('queued', 'running')")
	case TabSucceeded:
		q.add("r.outcome = 'succeeded'")
	case TabPartial:
		q.add("r.outcome = 'partially_succeeded'")
	case TabFailed:
		q.add("r.outcome = 'failed'")
	}
	if f.InitiatorSystem {
		q.add("r.user_id IS NULL")
	}
	if f.InitiatorUserID != nil {
		q.add("r.user_id = " + q.arg(*f.InitiatorUserID))
	}
	if f.CreatedAfter != nil {
		q.add("r.created_at >= " + q.arg(*f.CreatedAfter))
	}
	if f.CreatedBefore != nil {
		q.add("r.created_at < " + q.arg(*f.CreatedBefore))
	}
	if f.BackupScheduleID != nil {
		// The `context ? key` test lets the planner use the partial expression index.
		q.add("r.context ? 'backup_schedule_id' AND r.context->>'backup_schedule_id' = " + q.arg(strconv.FormatInt(*f.BackupScheduleID, 10)))
	}
}

func statusStrings(v []Status) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

func outcomeStrings(v []Outcome) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

const runColumns = `r.id, r.workspace_id, r.tenant_id, r.user_id, r.initiator_name, r.type, r.status, r.outcome,
	r.run_identity_hash, r.summary_counts, r.failure_summary, r.context, r.started_at, r.completed_at, r.created_at, r.updated_at,
	r.cancel_requested_at, r.cancel_requested_by, r.cancel_requested_by_name, r.progress_processed, r.progress_total`

// Querier is what the list queries need: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanRun reads the columns of runColumns.
func scanRun(row interface{ Scan(...any) error }, r *Run) error {
	var summary, failures, runCtx []byte
	err := row.Scan(&r.ID, &r.WorkspaceID, &r.TenantID, &r.UserID, &r.InitiatorName, &r.Type, &r.Status, &r.Outcome,
		&r.RunIdentityHash, &summary, &failures, &runCtx, &r.StartedAt, &r.CompletedAt, &r.CreatedAt, &r.UpdatedAt,
		&r.CancelRequestedAt, &r.CancelRequestedBy, &r.CancelRequestedByName, &r.ProgressProcessed, &r.ProgressTotal)
	r.SummaryCounts, r.FailureSummary, r.Context = summary, failures, runCtx
	return err
}

// List returns one page of the runs the grants make visible, newest first, keyset-paginated on
// (created_at, id) so that pages stay stable while new runs arrive.
func List(ctx context.Context, db Querier, grants []Grant, f Filter, after *Cursor, limit int) (Page, error) {
	if limit < 1 {
		return Page{}, fmt.Errorf("limit must be positive")
	}
	var q query
	branches := q.branches(grants, f)
	if len(branches) == 0 {
		return Page{}, nil
	}
	q.filters(f)
	if after != nil {
		q.add("(r.created_at, r.id) < (" + q.arg(after.CreatedAt) + ", " + q.arg(after.ID) + ")")
	}
	common := strings.Join(q.where, " AND ")
	if common != "" {
		common = " AND " + common
	}
	const order = " ORDER BY r.created_at DESC, r.id DESC LIMIT "
	lim := q.arg(limit + 1)
	var stmt string
	if len(branches) == 1 {
		stmt = "SELECT " + runColumns + " FROM operation_runs r WHERE " + branches[0] + common + order + lim
	} else {
		// Each branch walks its own index in order and stops after a page; the merge is tiny.
		parts := make([]string, len(branches))
		for i, b := range branches {
			parts[i] = "(SELECT " + runColumns + " FROM operation_runs r WHERE " + b + common + order + lim + ")"
		}
		stmt = "SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + ") r" + order + lim
	}
	rows, err := db.QueryContext(ctx, stmt, q.args...)
	if err != nil {
		return Page{}, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	runs := make([]Run, 0, limit+1)
	for rows.Next() {
		var r Run
		if err := scanRun(rows, &r); err != nil {
			return Page{}, fmt.Errorf("list runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("list runs: %w", err)
	}
	var page Page
	if len(runs) > limit {
		runs = runs[:limit]
		last := runs[len(runs)-1]
		page.Next = &Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	page.Runs = runs
	return page, nil
}

// Counts are the per-tab counts and the KPIs of a run list.
type Counts struct {
	Tabs map[string]int64 `json:"tabs"`
	KPIs KPIs             `json:"kpis"`
}

// KPIs summarise recent work.
type KPIs struct {
	Total                 int64    `json:"total"`                    // runs in the window
	Active                int64    `json:"active"`                   // queued or running
	FailedOrPartial7d     int64    `json:"failed_or_partial_7d"`     // failed or partially succeeded, last 7 days
	AverageDuration7dSecs *float64 `json:"average_duration_7d_secs"` // runs with both timestamps, last 7 days
}

// Count computes tab counts and KPIs over the same visibility and filters as List (the tab
// filter is ignored: every tab is counted). The window starts at f.CreatedAfter.
func Count(ctx context.Context, db Querier, grants []Grant, f Filter, now time.Time) (Counts, error) {
	c := Counts{Tabs: map[string]int64{TabAll: 0, TabActive: 0, TabSucceeded: 0, TabPartial: 0, TabFailed: 0}}
	var q query
	if !q.visible(grants, f) {
		return c, nil
	}
	f.Tab = ""
	q.filters(f)
	week := q.arg(now.Add(-7 * 24 * time.Hour))
	stmt := `SELECT count(*),
		count(*) FILTER (WHERE r.status IN ('queued', 'running')),
		count(*) FILTER (WHERE r.outcome = 'succeeded'),
		count(*) FILTER (WHERE r.outcome = 'partially_succeeded'),
		count(*) FILTER (WHERE r.outcome = 'failed'),
		count(*) FILTER (WHERE r.created_at >= ` + week + ` AND r.outcome IN ('failed', 'partially_succeeded')),
		avg(extract(epoch FROM r.completed_at - r.started_at)) FILTER (WHERE r.created_at >= ` + week + ` AND r.started_at IS NOT NULL AND r.completed_at IS NOT NULL)
		FROM operation_runs r WHERE ` + strings.Join(q.where, " AND ")
	var all, active, succeeded, partial, failed, fop int64
	var avg *float64
	row := db.QueryRowContext(ctx, stmt, q.args...)
	if err := row.Scan(&all, &active, &succeeded, &partial, &failed, &fop, &avg); err != nil {
		return c, fmt.Errorf("count runs: %w", err)
	}
	c.Tabs = map[string]int64{TabAll: all, TabActive: active, TabSucceeded: succeeded, TabPartial: partial, TabFailed: failed}
	c.KPIs = KPIs{Total: all, Active: active, FailedOrPartial7d: fop, AverageDuration7dSecs: avg}
	return c, nil
}

// ContextInt reads a whole number from a run's context, whether stored as a number or a string.
func (r Run) ContextInt(key string) (int64, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.Context, &m); err != nil {
		return 0, false
	}
	raw, ok := m[key]
	if !ok {
		return 0, false
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		n = json.Number(s)
	}
	v, err := n.Int64()
	return v, err == nil
}

// Find reads one run by id; ErrNotFound when there is none.
func Find(ctx context.Context, db Querier, id int64) (Run, error) {
	var r Run
	err := scanRun(db.QueryRowContext(ctx, "SELECT "+runColumns+" FROM operation_runs r WHERE r.id = $1", id), &r)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, ErrNotFound
	}
	if err != nil {
		return Run{}, fmt.Errorf("find run %d: %w", id, err)
	}
	return r, nil
}
