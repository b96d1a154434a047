package drift

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

// Finding statuses.
const (
	StatusNew          = "new"
	StatusAcknowledged = "acknowledged"
)

// StatusAll, as a filter, matches findings of every status.
const StatusAll = "all"

// ConfirmThreshold is how many findings an acknowledgement by filter may cover without the
// caller confirming the exact count.
const ConfirmThreshold = 100

// ErrNotFound is returned for a finding that does not exist in the tenant.
const ErrNotFound Error = "finding not found"

// ConfirmRequiredError refuses an acknowledgement by filter that covers more than
// ConfirmThreshold findings without a confirmation, or whose confirmation is not the exact count.
type ConfirmRequiredError struct {
	Count int64 // findings the filter matches that would be acknowledged
}

func (e *ConfirmRequiredError) Error() string {
	return fmt.Sprintf("acknowledging %d findings needs a confirmation of that exact count", e.Count)
}

// FindingFilter narrows findings; every set field must match.
type FindingFilter struct {
	// Status is new, acknowledged or all; empty means new.
	Status        string
	Severities    []string // any of
	SubjectTypes  []string // any of
	ScopeKey      string
	BaselineRunID *int64
	CurrentRunID  *int64
}

// where renders the filter as SQL over findings f.
func (f FindingFilter) where(tenantID int64) (string, []any) {
	conds, args := []string{"f.tenant_id = ?"}, []any{tenantID}
	switch f.Status {
	case StatusAll:
	case "":
		conds, args = append(conds, "f.status = ?"), append(args, StatusNew)
	default:
		conds, args = append(conds, "f.status = ?"), append(args, f.Status)
	}
	if len(f.Severities) > 0 {
		conds, args = append(conds, "f.severity IN ?"), append(args, f.Severities)
	}
	if len(f.SubjectTypes) > 0 {
		conds, args = append(conds, "f.subject_type IN ?"), append(args, f.SubjectTypes)
	}
	if f.ScopeKey != "" {
		conds, args = append(conds, "f.scope_key = ?"), append(args, f.ScopeKey)
	}
	if f.BaselineRunID != nil {
		conds, args = append(conds, "f.baseline_operation_run_id = ?"), append(args, *f.BaselineRunID)
	}
	if f.CurrentRunID != nil {
		conds, args = append(conds, "f.current_operation_run_id = ?"), append(args, *f.CurrentRunID)
	}
	return strings.Join(conds, " AND "), args
}

// FindingCursor marks the last finding of a page; findings are listed newest first by
// (created_at, id). The API seals it (pkg/cursor) before a client sees it.
type FindingCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        int64     `json:"i"`
}

// FindingRow is a finding with what is shown beside it: the subject's display name from the
// inventory (nil when the item is gone) and the completion times of its runs (nil when the
// reference is NULL: a historic finding without a mapping, or a run pruned since).
type FindingRow struct {
	Finding             `gorm:"embedded"`
	SubjectDisplayName  *string
	BaselineCompletedAt *time.Time
	CurrentCompletedAt  *time.Time
}

// FindingPage is one page of findings.
type FindingPage struct {
	Findings []FindingRow
	Next     *FindingCursor
}

// findingSelect reads findings with their subjects' display names; the runs' completion times are
// filled in afterwards by withRunTimes.
const findingSelect = `SELECT f.*, i.display_name AS subject_display_name
FROM findings f
LEFT JOIN inventory_items i ON i.tenant_id = f.tenant_id AND i.policy_type = f.subject_type AND i.external_id = f.subject_external_id
WHERE `

// withRunTimes sets the completion times of the rows' baseline and current runs, read in one
// query for all rows.
func withRunTimes(ctx context.Context, db *gorm.DB, rows []FindingRow) error {
	ids := make([]int64, 0, 2*len(rows))
	for _, r := range rows {
		if r.BaselineOperationRunID != nil {
			ids = append(ids, *r.BaselineOperationRunID)
		}
		if r.CurrentOperationRunID != nil {
			ids = append(ids, *r.CurrentOperationRunID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	times, err := operations.CompletionTimes(ctx, db, ids)
	if err != nil {
		return err
	}
	at := func(id *int64) *time.Time {
		if id == nil {
			return nil
		}
		t, ok := times[*id]
		if !ok {
			return nil
		}
		return &t
	}
	for i := range rows {
		rows[i].BaselineCompletedAt = at(rows[i].BaselineOperationRunID)
		rows[i].CurrentCompletedAt = at(rows[i].CurrentOperationRunID)
	}
	return nil
}

// ListFindings pages through a tenant's findings, newest first.
func ListFindings(ctx context.Context, db *gorm.DB, tenantID int64, f FindingFilter, after *FindingCursor, limit int) (FindingPage, error) {
	where, args := f.where(tenantID)
	if after != nil {
		where += " AND (f.created_at, f.id) < (?, ?)"
		args = append(args, after.CreatedAt, after.ID)
	}
	args = append(args, limit+1)
	var rows []FindingRow
	if err := db.WithContext(ctx).Raw(findingSelect+where+" ORDER BY f.created_at DESC, f.id DESC LIMIT ?", args...).
		Scan(&rows).Error; err != nil {
		return FindingPage{}, fmt.Errorf("list findings: %w", err)
	}
	page := FindingPage{Findings: rows}
	if len(rows) > limit {
		page.Findings = rows[:limit]
	}
	if err := withRunTimes(ctx, db, page.Findings); err != nil {
		return FindingPage{}, fmt.Errorf("list findings: %w", err)
	}
	if len(rows) > limit {
		last := page.Findings[limit-1]
		page.Next = &FindingCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	return page, nil
}

// GetFinding reads one finding of the tenant; ErrNotFound when the tenant has no such finding.
func GetFinding(ctx context.Context, db *gorm.DB, tenantID, id int64) (FindingRow, error) {
	var rows []FindingRow
	if err := db.WithContext(ctx).Raw(findingSelect+"f.tenant_id = ? AND f.id = ?", tenantID, id).Scan(&rows).Error; err != nil {
		return FindingRow{}, fmt.Errorf("get finding %d: %w", id, err)
	}
	if len(rows) == 0 {
		return FindingRow{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	if err := withRunTimes(ctx, db, rows); err != nil {
		return FindingRow{}, fmt.Errorf("get finding %d: %w", id, err)
	}
	return rows[0], nil
}

// AckResult says what an acknowledgement did.
type AckResult struct {
	Matched      int64   // findings the request named (ids found in the tenant) or the filter matched
	Acknowledged int64   // of those, acknowledged now (the others were acknowledged before)
	NotFound     []int64 // ids the tenant has no finding with (ids mode only)
}

const ackSet = `status = 'acknowledged', acknowledged_at = ?, acknowledged_by_user_id = ?, updated_at = ?`

// Acknowledge acknowledges one finding of the tenant by the user and returns it. A finding
// acknowledged before keeps its acknowledgement (who and when). ErrNotFound when the tenant has no
// such finding.
func Acknowledge(ctx context.Context, db *gorm.DB, tenantID, id, userID int64, now time.Time) (FindingRow, error) {
	now = now.UTC().Truncate(time.Microsecond)
	err := db.WithContext(ctx).Exec(`UPDATE findings SET `+ackSet+` WHERE tenant_id = ? AND id = ? AND status = 'new'`,
		now, userID, now, tenantID, id).Error
	if err != nil {
		return FindingRow{}, fmt.Errorf("acknowledge finding %d: %w", id, err)
	}
	return GetFinding(ctx, db, tenantID, id)
}

// AcknowledgeIDs acknowledges the named findings of the tenant. Ids the tenant has no finding
// with (another tenant's included) are reported in NotFound, not as an error; findings
// acknowledged before keep their acknowledgement.
func AcknowledgeIDs(ctx context.Context, db *gorm.DB, tenantID int64, ids []int64, userID int64, now time.Time) (AckResult, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var found []int64
	var res AckResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT id FROM findings WHERE tenant_id = ? AND id IN ? ORDER BY id FOR UPDATE`, tenantID, ids).
			Scan(&found).Error; err != nil {
			return err
		}
		if len(found) == 0 {
			return nil
		}
		upd := tx.Exec(`UPDATE findings SET `+ackSet+` WHERE tenant_id = ? AND id IN ? AND status = 'new'`,
			now, userID, now, tenantID, found)
		res.Acknowledged = upd.RowsAffected
		return upd.Error
	})
	if err != nil {
		return AckResult{}, fmt.Errorf("acknowledge findings: %w", err)
	}
	res.Matched = int64(len(found))
	have := make(map[int64]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	res.NotFound = []int64{}
	for _, id := range ids {
		if !have[id] {
			res.NotFound = append(res.NotFound, id)
			have[id] = true // report a repeated id once
		}
	}
	return res, nil
}

// AcknowledgeMatching acknowledges the tenant's new findings that match the filter (its status,
// if any, can only narrow them further: acknowledged findings stay as they are). Up to
// ConfirmThreshold findings need no confirmation; more need confirm set to their exact count. A
// confirmation that is not the exact count, or a missing one above the threshold, changes nothing
// and returns *ConfirmRequiredError with the count. Counting and acknowledging are one statement,
// so the findings counted are the findings acknowledged.
func AcknowledgeMatching(ctx context.Context, db *gorm.DB, tenantID int64, f FindingFilter, confirm *int64, userID int64, now time.Time) (AckResult, error) {
	now = now.UTC().Truncate(time.Microsecond)
	where, args := f.where(tenantID)
	cond := "n.n <= ?"
	limit := int64(ConfirmThreshold)
	if confirm != nil {
		cond, limit = "n.n = ?", *confirm
	}
	q := `WITH target AS (SELECT f.id FROM findings f WHERE ` + where + ` AND f.status = 'new'),
n AS (SELECT count(*) AS n FROM target),
upd AS (
	UPDATE findings f SET ` + ackSet + `
	FROM target t, n
	WHERE f.id = t.id AND f.status = 'new' AND ` + cond + `
	RETURNING 1
)
SELECT (SELECT n FROM n) AS matched, (SELECT count(*) FROM upd) AS acknowledged`
	all := append(args, now, userID, now, limit)
	var out struct {
		Matched      int64
		Acknowledged int64
	}
	if err := db.WithContext(ctx).Raw(q, all...).Scan(&out).Error; err != nil {
		return AckResult{}, fmt.Errorf("acknowledge findings: %w", err)
	}
	if (confirm == nil && out.Matched > ConfirmThreshold) || (confirm != nil && out.Matched != *confirm) {
		return AckResult{}, &ConfirmRequiredError{Count: out.Matched}
	}
	return AckResult{Matched: out.Matched, Acknowledged: out.Acknowledged}, nil
}
