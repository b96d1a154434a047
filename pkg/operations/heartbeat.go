package operations

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Beat is what a heartbeat learns about its run.
type Beat struct {
	Running         bool // false once the run completed (elsewhere): the worker should stop
	CancelRequested bool // someone asked the run to stop
}

// Heartbeat records that the worker of a running run is alive (heartbeat_at). It is not a change
// of the run and announces nothing. It says whether the run is still running and whether it was
// asked to stop, so that a worker learns of both even if the job's cancellation did not reach it.
func (s *Service) Heartbeat(ctx context.Context, runID int64) (Beat, error) {
	var asked []bool
	err := s.db.WithContext(ctx).Raw(`UPDATE operation_runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'
		RETURNING cancel_requested_at IS NOT NULL`, s.timestamp(), runID).Scan(&asked).Error
	if err != nil {
		return Beat{}, fmt.Errorf("heartbeat of run %d: %w", runID, err)
	}
	if len(asked) == 0 {
		return Beat{}, nil
	}
	return Beat{Running: true, CancelRequested: asked[0]}, nil
}

// HeartbeatEvery is how often a worker beats for a lost-worker window: an eighth of it, between
// one and fifteen seconds (two minutes → 15 s).
func HeartbeatEvery(lostAfter time.Duration) time.Duration {
	return min(max(lostAfter/8, time.Second), 15*time.Second)
}

// CancelJobTx cancels the job of run runID in tx, through the queue (a run completed without its
// worker, so that the job does not linger as running).
func (s *Service) CancelJobTx(ctx context.Context, tx *gorm.DB, runID int64) error {
	var jobs []struct{ JobID *int64 }
	if err := tx.WithContext(ctx).Raw(`SELECT job_id FROM operation_runs WHERE id = ?`, runID).Scan(&jobs).Error; err != nil {
		return fmt.Errorf("job of run %d: %w", runID, err)
	}
	if len(jobs) == 0 || jobs[0].JobID == nil {
		return nil
	}
	return s.cancelJobs(ctx, tx, []int64{*jobs[0].JobID})
}
