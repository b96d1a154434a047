package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/notify"
	"github.com/tenantatlas/operations/pkg/operations"
)

// jobGoneGrace is how long a queued run may wait for its job row to be visible before the
// reconciler counts the job as gone.
const jobGoneGrace = 2 * time.Minute

// staleRun is an active run the reconciler looked at.
type staleRun struct {
	ID     int64
	Type   string
	Reason string
}

// Reconcile completes stale runs as failed with run.stale: runs queued or running past their
// type's time limit, and runs whose River job is gone (finished, discarded, cancelled or deleted
// while the run is still active). It reads operation_runs and River's job table only, and says how
// many runs it completed.
func Reconcile(ctx context.Context, db *gorm.DB, runs *operations.Service, now time.Time) (int, error) {
	var candidates []struct {
		ID        int64
		Type      string
		Status    string
		CreatedAt time.Time
		StartedAt *time.Time
		JobID     *int64
		JobState  *string
		JobExists bool
	}
	err := db.WithContext(ctx).Raw(`
		SELECT r.id, r.type, r.status, r.created_at, r.started_at, r.job_id,
		       j.state::text AS job_state, j.id IS NOT NULL AS job_exists
		FROM operation_runs r
		LEFT JOIN river_job j ON j.id = r.job_id
		WHERE r.status IN ('queued', 'running')`).Scan(&candidates).Error
	if err != nil {
		return 0, fmt.Errorf("reconcile: %w", err)
	}
	var stale []staleRun
	for _, c := range candidates {
		limit := time.Hour
		if t, ok := operations.Lookup(c.Type); ok && t.TimeLimit > 0 {
			limit = t.TimeLimit
		}
		since := c.CreatedAt
		if c.StartedAt != nil {
			since = *c.StartedAt
		}
		switch {
		case now.Sub(since) > limit:
			stale = append(stale, staleRun{c.ID, c.Type, fmt.Sprintf("The run was %s for longer than its time limit of %s.", c.Status, limit)})
		case c.JobID != nil && !c.JobExists && now.Sub(c.CreatedAt) > jobGoneGrace:
			stale = append(stale, staleRun{c.ID, c.Type, "The run's job no longer exists."})
		case c.JobState != nil && (*c.JobState == "completed" || *c.JobState == "discarded" || *c.JobState == "cancelled"):
			stale = append(stale, staleRun{c.ID, c.Type, "The run's job ended (" + *c.JobState + ") without completing the run."})
		case c.JobID == nil && now.Sub(c.CreatedAt) > jobGoneGrace:
			stale = append(stale, staleRun{c.ID, c.Type, "The run has no job."})
		}
	}
	done := 0
	for _, s := range stale {
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			run, err := runs.Transition(ctx, tx, s.ID, operations.Transition{
				To: operations.StatusCompleted, Outcome: operations.OutcomeFailed,
				Failures: []operations.Failure{{Code: operations.CodeRunStale, Message: s.Reason, Count: 1}},
			})
			if err != nil {
				return err
			}
			return notify.RunFinished(ctx, tx, run)
		})
		switch {
		case err == nil:
			done++
		case errors.Is(err, operations.ErrTerminal):
			// It finished on its own meanwhile.
		default:
			return done, fmt.Errorf("reconcile run %d: %w", s.ID, err)
		}
	}
	return done, nil
}

// PruneRuns deletes runs that completed before the cutoff, and says how many. Findings, items and
// groups that pointed at them keep their rows with a NULL reference.
func PruneRuns(ctx context.Context, db *gorm.DB, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res := db.WithContext(ctx).Exec(`DELETE FROM operation_runs WHERE id IN (
			SELECT id FROM operation_runs WHERE status = 'completed' AND created_at < ? LIMIT 5000)`, cutoff)
		if res.Error != nil {
			return total, fmt.Errorf("prune runs: %w", res.Error)
		}
		total += res.RowsAffected
		if res.RowsAffected < 5000 {
			return total, nil
		}
	}
}
