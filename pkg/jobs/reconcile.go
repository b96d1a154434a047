package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

// jobGoneGrace is how long a queued run may wait for its job row to be visible before the
// reconciler counts the job as gone.
const jobGoneGrace = 2 * time.Minute

// DefaultWorkerLostAfter is how long a running run may go without a heartbeat before the
// reconciler counts its worker as lost.
const DefaultWorkerLostAfter = 2 * time.Minute

// staleRun is an active run the reconciler looked at.
type staleRun struct {
	ID     int64
	Type   string
	Reason string
	Code   string
}

// Reconcile completes stale runs as failed: with run.stale, runs queued or running past their
// type's time limit, and runs whose River job is gone (finished, discarded, cancelled or deleted
// while the run is still active); with run.worker_lost, running runs whose worker has not beaten
// for lostAfter (DefaultWorkerLostAfter when not positive), whose jobs it cancels in the same
// transaction so that River finalises them. It reads the active runs through the run service and
// the state of their jobs from River's job table, and says how many runs it completed.
func Reconcile(ctx context.Context, db *gorm.DB, runs *operations.Service, now time.Time, lostAfter time.Duration) (int, error) {
	if lostAfter <= 0 {
		lostAfter = DefaultWorkerLostAfter
	}
	active, err := runs.ActiveRuns(ctx)
	if err != nil {
		return 0, fmt.Errorf("reconcile: %w", err)
	}
	states, err := jobStates(ctx, db, active)
	if err != nil {
		return 0, fmt.Errorf("reconcile: %w", err)
	}
	var stale []staleRun
	for _, c := range active {
		limit := time.Hour
		if t, ok := operations.Lookup(c.Type); ok && t.TimeLimit > 0 {
			limit = t.TimeLimit
		}
		since := c.CreatedAt
		if c.StartedAt != nil {
			since = *c.StartedAt
		}
		var state string
		var exists bool
		if c.JobID != nil {
			state, exists = states[*c.JobID]
		}
		beat := since
		if c.HeartbeatAt != nil && c.HeartbeatAt.After(beat) {
			beat = *c.HeartbeatAt
		}
		stale1 := func(reason string) { stale = append(stale, staleRun{c.ID, c.Type, reason, operations.CodeRunStale}) }
		switch {
		case now.Sub(since) > limit:
			stale1(fmt.Sprintf("The run was %s for longer than its time limit of %s.", c.Status, limit))
		case c.Status == operations.StatusRunning && now.Sub(beat) > lostAfter:
			stale = append(stale, staleRun{c.ID, c.Type, fmt.Sprintf("The run's worker stopped responding: no heartbeat for %s (more than %s).",
				now.Sub(beat).Round(time.Second), lostAfter), operations.CodeRunWorkerLost})
		case c.JobID != nil && !exists && now.Sub(c.CreatedAt) > jobGoneGrace:
			stale1("The run's job no longer exists.")
		case state == "completed" || state == "discarded" || state == "cancelled":
			stale1("The run's job ended (" + state + ") without completing the run.")
		case c.JobID == nil && now.Sub(c.CreatedAt) > jobGoneGrace:
			stale1("The run has no job.")
		}
	}
	done := 0
	for _, s := range stale {
		_, err := runs.Transition(ctx, nil, s.ID, operations.Transition{
			To: operations.StatusCompleted, Outcome: operations.OutcomeFailed,
			Failures: []operations.Failure{{Code: s.Code, Message: s.Reason, Count: 1}},
			// The job must not linger as running (nor be retried into a completed run): River's
			// rescuer finalises a job marked for cancellation once it is past RescueStuckJobsAfter.
			Also: func(ctx context.Context, tx *gorm.DB, run operations.Run) error {
				return runs.CancelJobTx(ctx, tx, run.ID)
			},
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

// jobStates reads the state of the active runs' River jobs; a job that is gone has no entry.
func jobStates(ctx context.Context, db *gorm.DB, active []operations.ActiveRun) (map[int64]string, error) {
	ids := make([]int64, 0, len(active))
	for _, r := range active {
		if r.JobID != nil {
			ids = append(ids, *r.JobID)
		}
	}
	states := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return states, nil
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	rows, err := sqlDB.QueryContext(ctx, `SELECT id, state::text FROM river_job WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("job states: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var state string
		if err := rows.Scan(&id, &state); err != nil {
			return nil, fmt.Errorf("job states: %w", err)
		}
		states[id] = state
	}
	return states, rows.Err()
}
