package operations

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database"
)

// ActiveRun is a queued or running run as the reconciler judges it.
type ActiveRun struct {
	ID        int64
	Type      string
	Status    Status
	CreatedAt time.Time
	StartedAt *time.Time
	JobID     *int64 // the run's job; nil while none was recorded
	// HeartbeatAt is the last beat of the run's worker (nil before the first).
	HeartbeatAt *time.Time
}

// ActiveRuns lists every queued or running run.
func (s *Service) ActiveRuns(ctx context.Context) ([]ActiveRun, error) {
	var out []ActiveRun
	err := s.db.WithContext(ctx).Raw(`SELECT id, type, status, created_at, started_at, job_id, heartbeat_at
		FROM operation_runs WHERE status IN ('queued', 'running')`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("active runs: %w", err)
	}
	return out, nil
}

// pruneBatch bounds one DELETE of Prune, so that pruning never holds many locks at once.
const pruneBatch = 5000

// Prune deletes runs that completed before the cutoff, in batches, and says how many. Findings,
// items and groups that pointed at them keep their rows with a NULL reference.
func (s *Service) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res := s.db.WithContext(ctx).Exec(`DELETE FROM operation_runs WHERE id IN (
			SELECT id FROM operation_runs WHERE status = 'completed' AND created_at < ? LIMIT ?)`, cutoff, pruneBatch)
		if res.Error != nil {
			return total, fmt.Errorf("prune runs: %w", res.Error)
		}
		total += res.RowsAffected
		if res.RowsAffected < pruneBatch {
			return total, nil
		}
	}
}

// NoteContext adds key = id to the context of a running run, in tx (a run names what it made,
// such as its backup set, as soon as it exists). A run that is not running is left as it is.
func (s *Service) NoteContext(ctx context.Context, tx *gorm.DB, runID int64, key string, id int64) error {
	note := func(db *gorm.DB) error {
		res := db.Exec(`UPDATE operation_runs SET context = context || jsonb_build_object(?::text, ?::bigint), updated_at = ?
		WHERE id = ? AND status = 'running'`, key, id, s.timestamp(), runID)
		if res.Error != nil {
			return fmt.Errorf("note %s on run %d: %w", key, runID, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		// What the run made is shown with it (its related links): a change in its progress.
		return s.changed(ctx, db, runID, ChangeProgress)
	}
	if tx != nil {
		return note(tx.WithContext(ctx))
	}
	return s.db.WithContext(ctx).Transaction(note)
}

// ScheduleSlot is one slot of a backup schedule: the schedule and the instant it runs for (RFC
// 3339, as a backup run's context has it).
type ScheduleSlot struct {
	ScheduleID   int64
	ScheduledFor string
}

// ScheduledSlotsTaken says which of the slots already have their scheduled backup run, whatever
// its status (a run survives its schedule's next_run_at), in tx.
func (s *Service) ScheduledSlotsTaken(ctx context.Context, tx *gorm.DB, slots []ScheduleSlot) (map[ScheduleSlot]bool, error) {
	taken := make(map[ScheduleSlot]bool, len(slots))
	if len(slots) == 0 {
		return taken, nil
	}
	ids, ats := make(database.StringArray, len(slots)), make(database.StringArray, len(slots))
	for i, sl := range slots {
		ids[i], ats[i] = strconv.FormatInt(sl.ScheduleID, 10), sl.ScheduledFor
	}
	var rows []struct {
		ScheduleID   int64
		ScheduledFor string
	}
	if err := s.conn(ctx, tx).Raw(`SELECT (r.context->>'backup_schedule_id')::bigint AS schedule_id, r.context->>'scheduled_for' AS scheduled_for
		FROM unnest(?::text[], ?::text[]) AS u(schedule_id, scheduled_for)
		JOIN operation_runs r ON (r.context->>'backup_schedule_id') = u.schedule_id
			AND (r.context->>'scheduled_for') = u.scheduled_for
			AND r.type = ? AND r.context->>'trigger' = 'scheduled'`, ids, ats, TypeBackupRun).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("scheduled backup runs: %w", err)
	}
	for _, r := range rows {
		taken[ScheduleSlot(r)] = true
	}
	return taken, nil
}

// CountWorkspaceRuns counts the runs of a workspace, in tx or the pool when tx is nil.
func (s *Service) CountWorkspaceRuns(ctx context.Context, tx *gorm.DB, workspaceID int64) (int64, error) {
	var n int64
	if err := s.conn(ctx, tx).Raw(`SELECT count(*) FROM operation_runs WHERE workspace_id = ?`, workspaceID).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count the runs of workspace %d: %w", workspaceID, err)
	}
	return n, nil
}

// ImportHistory stores finished runs as they are given, in tx: a history that did not happen here
// (the demo's). Every run must be completed with a terminal outcome.
func (s *Service) ImportHistory(ctx context.Context, tx *gorm.DB, runs []Run) error {
	for _, r := range runs {
		if r.Status != StatusCompleted || !r.Outcome.Terminal() {
			return fmt.Errorf("%w: an imported run must be completed, not %s/%s", ErrInvalidInput, r.Status, r.Outcome)
		}
	}
	if err := s.conn(ctx, tx).CreateInBatches(runs, 200).Error; err != nil {
		return fmt.Errorf("import %d runs: %w", len(runs), err)
	}
	return nil
}
