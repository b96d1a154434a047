package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// The read queries other packages need of the run table, named for what they answer. Each one is
// written to use the index noted beside it; where an index is partial, the query repeats its
// predicate word for word, because the planner only uses a partial index whose predicate it can
// prove from the query's own text.

// DriftGenerationKey names the unique index that keeps one drift generation per comparison:
// among a tenant's drift_generate_findings runs, at most one queued, running or succeeded run per
// identity. Inserting a second one fails with a unique violation on this name.
const DriftGenerationKey = "operation_runs_drift_generation_key"

// CompletedRun is a completed run's id and completion time.
type CompletedRun struct {
	ID          int64
	CompletedAt time.Time
}

// CountEarlierRuns counts the tenant's runs of runType whose id is below beforeID.
func CountEarlierRuns(ctx context.Context, db *gorm.DB, tenantID int64, runType string, beforeID int64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Raw(`SELECT count(*) FROM operation_runs WHERE tenant_id = ? AND type = ? AND id < ?`,
		tenantID, runType, beforeID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count earlier %s runs: %w", runType, err)
	}
	return n, nil
}

// LatestCompleted returns the tenant's most recently completed run of runType (by completed_at,
// then id), whatever its outcome; ok is false when there is none.
func LatestCompleted(ctx context.Context, db *gorm.DB, tenantID int64, runType string) (run Run, ok bool, err error) {
	var last []Run
	if err := db.WithContext(ctx).Where("tenant_id = ? AND type = ? AND status = 'completed'", tenantID, runType).
		Order("completed_at DESC, id DESC").Limit(1).Find(&last).Error; err != nil {
		return Run{}, false, fmt.Errorf("latest completed %s run: %w", runType, err)
	}
	if len(last) == 0 {
		return Run{}, false, nil
	}
	return last[0], true, nil
}

// CountActive counts the tenant's queued and running runs: all of them, and those of runType.
func CountActive(ctx context.Context, db *gorm.DB, tenantID int64, runType string) (all, ofType int64, err error) {
	err = db.WithContext(ctx).Raw(`SELECT count(*), count(*) FILTER (WHERE type = ?) FROM operation_runs
		WHERE tenant_id = ? AND status IN ('queued', 'running')`, runType, tenantID).
		Row().Scan(&all, &ofType)
	if err != nil {
		return 0, 0, fmt.Errorf("count active runs: %w", err)
	}
	return all, ofType, nil
}

// latestSucceededSQL finds the newest successful runs of a scope (operation_runs_inventory_scope_idx,
// whose predicate is type = 'inventory_sync' AND status = 'completed'). The limit is appended as a
// literal.
const latestSucceededSQL = `SELECT id, completed_at FROM operation_runs
WHERE tenant_id = ? AND (context ->> 'scope_key') = ? AND type = ? AND status = 'completed'
  AND outcome = 'succeeded' AND completed_at IS NOT NULL
ORDER BY completed_at DESC, id DESC
LIMIT `

// LatestSucceeded returns up to n of the tenant's newest runs of runType whose context has this
// scope_key and that completed with outcome succeeded, newest first (by completed_at, then id).
func LatestSucceeded(ctx context.Context, db *gorm.DB, tenantID int64, runType, scopeKey string, n int) ([]CompletedRun, error) {
	if n < 1 {
		return nil, fmt.Errorf("latest succeeded runs: n must be positive, got %d", n)
	}
	var runs []CompletedRun
	if err := db.WithContext(ctx).Raw(latestSucceededSQL+strconv.Itoa(n), tenantID, scopeKey, runType).Scan(&runs).Error; err != nil {
		return nil, fmt.Errorf("latest succeeded %s runs: %w", runType, err)
	}
	return runs, nil
}

// SucceededAmong returns those of the runs ids that are the tenant's runs of runType, of this
// scope_key, completed with outcome succeeded and with a completion time; in no particular order.
func SucceededAmong(ctx context.Context, db *gorm.DB, tenantID int64, runType, scopeKey string, ids []int64) ([]CompletedRun, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var runs []CompletedRun
	err := db.WithContext(ctx).Raw(`SELECT id, completed_at FROM operation_runs
		WHERE id IN ? AND tenant_id = ? AND type = ? AND status = 'completed' AND outcome = 'succeeded'
		  AND completed_at IS NOT NULL AND (context ->> 'scope_key') = ?`,
		ids, tenantID, runType, scopeKey).Scan(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("succeeded %s runs: %w", runType, err)
	}
	return runs, nil
}

// ActiveOrSucceededByIdentity returns the tenant's run of runType with this run_identity_hash
// that is active, else the newest one that succeeded; ok is false when there is neither.
func ActiveOrSucceededByIdentity(ctx context.Context, db *gorm.DB, tenantID int64, runType, identityHash string) (Run, bool, error) {
	return byIdentity(ctx, db, tenantID, runType, identityHash, `AND (status IN ('queued', 'running') OR outcome = 'succeeded')`)
}

// NewestByIdentity returns the tenant's run of runType with this run_identity_hash that is
// active, else the newest one whatever its outcome; ok is false when there is none.
func NewestByIdentity(ctx context.Context, db *gorm.DB, tenantID int64, runType, identityHash string) (Run, bool, error) {
	return byIdentity(ctx, db, tenantID, runType, identityHash, "")
}

func byIdentity(ctx context.Context, db *gorm.DB, tenantID int64, runType, identityHash, cond string) (Run, bool, error) {
	var runs []Run
	err := db.WithContext(ctx).Raw(`SELECT * FROM operation_runs
		WHERE tenant_id = ? AND type = ? AND run_identity_hash = ? `+cond+`
		ORDER BY (status IN ('queued', 'running')) DESC, id DESC LIMIT 1`,
		tenantID, runType, identityHash).Scan(&runs).Error
	if err != nil {
		return Run{}, false, fmt.Errorf("%s run by identity: %w", runType, err)
	}
	if len(runs) == 0 {
		return Run{}, false, nil
	}
	return runs[0], true, nil
}

// ScopeSummary is one scope (context.scope_key) of a tenant's runs of a type.
type ScopeSummary struct {
	ScopeKey string
	// Selection is the newest run's context.selection; empty when that run recorded none.
	Selection json.RawMessage
	// Runs counts the scope's runs; SuccessfulRuns those that completed with outcome succeeded.
	Runs, SuccessfulRuns int64
	// Latest is the scope's newest run (by created_at, then id), whatever its status.
	Latest ScopeRun
}

// ScopeRun is the newest run of a scope, as ScopeSummary lists it.
type ScopeRun struct {
	ID          int64
	Status      Status
	Outcome     Outcome
	CreatedAt   time.Time
	CompletedAt *time.Time
}

// ScopeSummaries lists the scopes seen in the tenant's runs of runType (their context.scope_key),
// the one with the newest run first.
func ScopeSummaries(ctx context.Context, db *gorm.DB, tenantID int64, runType string) ([]ScopeSummary, error) {
	var rows []struct {
		ScopeKey       string
		Selection      json.RawMessage
		Runs           int64
		SuccessfulRuns int64
		ID             int64
		Status         Status
		Outcome        Outcome
		CreatedAt      time.Time
		CompletedAt    *time.Time
	}
	err := db.WithContext(ctx).Raw(`SELECT * FROM (
		SELECT DISTINCT ON (context ->> 'scope_key')
		       context ->> 'scope_key' AS scope_key, context -> 'selection' AS selection,
		       count(*) OVER w AS runs, count(*) FILTER (WHERE outcome = 'succeeded') OVER w AS successful_runs,
		       id, status, outcome, created_at, completed_at
		FROM operation_runs
		WHERE tenant_id = ? AND type = ? AND (context ->> 'scope_key') IS NOT NULL
		WINDOW w AS (PARTITION BY context ->> 'scope_key')
		ORDER BY context ->> 'scope_key', created_at DESC, id DESC
	) s ORDER BY created_at DESC, id DESC`, tenantID, runType).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("scopes of %s runs: %w", runType, err)
	}
	out := make([]ScopeSummary, 0, len(rows))
	for _, r := range rows {
		out = append(out, ScopeSummary{ScopeKey: r.ScopeKey, Selection: r.Selection, Runs: r.Runs, SuccessfulRuns: r.SuccessfulRuns,
			Latest: ScopeRun{ID: r.ID, Status: r.Status, Outcome: r.Outcome, CreatedAt: r.CreatedAt, CompletedAt: r.CompletedAt}})
	}
	return out, nil
}

// CompletionTimes reads the completion times of the runs ids, in one query: the map holds the
// runs that exist and have completed_at set. Repeated ids are read once.
func CompletionTimes(ctx context.Context, db *gorm.DB, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var rows []struct {
		ID          int64
		CompletedAt *time.Time
	}
	if err := db.WithContext(ctx).Raw(`SELECT id, completed_at FROM operation_runs WHERE id IN ?`, ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("completion times of %d runs: %w", len(ids), err)
	}
	for _, r := range rows {
		if r.CompletedAt != nil {
			out[r.ID] = *r.CompletedAt
		}
	}
	return out, nil
}

// hasScheduleKey is the predicate of the partial index operation_runs_backup_schedule_idx, which
// a query must repeat for the planner to use it. GORM reads every "?" as a placeholder until its
// arguments run out, so the jsonb operator must come after the query's last placeholder.
const hasScheduleKey = `context ? 'backup_schedule_id'`

// LatestFinishedBackupRun returns the id of the tenant's most recently completed
// backup_schedule_run of the schedule (its context's backup_schedule_id); ok is false when there
// is none.
func LatestFinishedBackupRun(ctx context.Context, db *gorm.DB, tenantID, scheduleID int64) (id int64, ok bool, err error) {
	var ids []int64
	err = db.WithContext(ctx).Raw(`SELECT id FROM operation_runs
		WHERE context->>'backup_schedule_id' = ? AND tenant_id = ? AND type = ? AND status = 'completed'
		  AND `+hasScheduleKey+`
		ORDER BY completed_at DESC, id DESC LIMIT 1`,
		strconv.FormatInt(scheduleID, 10), tenantID, TypeBackupRun).Scan(&ids).Error
	if err != nil {
		return 0, false, fmt.Errorf("latest backup run of schedule %d: %w", scheduleID, err)
	}
	if len(ids) == 0 {
		return 0, false, nil
	}
	return ids[0], true, nil
}

// HasScheduleRuns reports whether any run, of any type, names the backup schedule in its
// context (backup_schedule_id). db may be a transaction.
func HasScheduleRuns(ctx context.Context, db *gorm.DB, scheduleID int64) (bool, error) {
	var has bool
	err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM operation_runs
		WHERE context->>'backup_schedule_id' = ? AND `+hasScheduleKey+`)`, fmt.Sprint(scheduleID)).Scan(&has).Error
	if err != nil {
		return false, fmt.Errorf("runs of schedule %d: %w", scheduleID, err)
	}
	return has, nil
}

// RunCount is how many runs have one (type, status, outcome).
type RunCount struct {
	Type    string
	Status  Status
	Outcome Outcome
	N       int64
}

// MetricsSnapshot counts the runs created in the last 24 hours, plus every active run, by type,
// status and outcome, in no particular order.
func MetricsSnapshot(ctx context.Context, db Querier) ([]RunCount, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT type, status, outcome, count(*) FROM operation_runs
		WHERE created_at >= now() - interval '24 hours' OR status IN ('queued', 'running')
		GROUP BY type, status, outcome`)
	if err != nil {
		return nil, fmt.Errorf("run metrics: %w", err)
	}
	defer rows.Close()
	var out []RunCount
	for rows.Next() {
		var r RunCount
		if err := rows.Scan(&r.Type, &r.Status, &r.Outcome, &r.N); err != nil {
			return nil, fmt.Errorf("run metrics: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("run metrics: %w", err)
	}
	return out, nil
}
