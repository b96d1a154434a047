package backup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

// Retain does the work of a backup_schedule_retention run: of the schedule's sets that are not
// retired, the newest retention_keep_last that hold a backup (completed or partial) are kept and
// every other finished one (failed ones included) is retired. A retired set stays readable
// (include_retired) until purge deletes it after the grace period. Counts: kept, retired.
func (s *Service) Retain(ctx context.Context, run operations.Run) (operations.Transition, error) {
	scheduleID, ok := run.ContextInt("backup_schedule_id")
	if !ok || run.TenantID == nil {
		return operations.Transition{Outcome: operations.OutcomeFailed, Failures: []operations.Failure{
			{Code: CodeUnknown, Message: "The retention run names no backup schedule.", Count: 1}}}, nil
	}
	sched, err := GetSchedule(ctx, s.db, *run.TenantID, scheduleID)
	if errors.Is(err, ErrNotFound) {
		return operations.Transition{Outcome: operations.OutcomeCancelled, Failures: []operations.Failure{
			{Code: CodeScheduleNotFound, Message: "The backup schedule no longer exists.", Count: 1}}}, nil
	}
	if err != nil {
		return operations.Transition{}, transient(err)
	}
	kept, retired, err := ApplyRetention(ctx, s.db, sched, s.now())
	if err != nil {
		return operations.Transition{}, transient(err)
	}
	return operations.Transition{Outcome: operations.OutcomeSucceeded, SummaryCounts: map[string]any{
		"total": kept + retired, "processed": kept + retired, "succeeded": retired, "kept": kept, "retired": retired}}, nil
}

// ApplyRetention retires the schedule's sets beyond its retention_keep_last (see Retain) and says
// how many it kept and how many it retired.
func ApplyRetention(ctx context.Context, db *gorm.DB, sched Schedule, now time.Time) (kept, retired int64, err error) {
	ts := now.UTC().Truncate(time.Microsecond)
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		const keepSQL = `SELECT id FROM backup_sets
			WHERE backup_schedule_id = ? AND tenant_id = ? AND retired_at IS NULL AND status IN ('completed', 'partial')
			ORDER BY created_at DESC, id DESC LIMIT ?`
		if err := tx.Raw(`SELECT count(*) FROM (`+keepSQL+`) k`, sched.ID, sched.TenantID, sched.RetentionKeepLast).
			Scan(&kept).Error; err != nil {
			return err
		}
		res := tx.Exec(`UPDATE backup_sets SET retired_at = ?, updated_at = ?
			WHERE backup_schedule_id = ? AND tenant_id = ? AND retired_at IS NULL AND status <> 'pending'
			  AND id NOT IN (`+keepSQL+`)`,
			ts, ts, sched.ID, sched.TenantID, sched.ID, sched.TenantID, sched.RetentionKeepLast)
		retired = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, 0, fmt.Errorf("retention of schedule %d: %w", sched.ID, err)
	}
	return kept, retired, nil
}
