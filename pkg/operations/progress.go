package operations

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
)

// ProgressInterval is the least time between two progress writes of one run.
const ProgressInterval = time.Second

// Reporter records how far a running run is. It writes at most once per ProgressInterval (the
// reports in between are dropped; the completion carries the final counts). Safe for concurrent
// use.
type Reporter struct {
	s     *Service
	runID int64
	mu    sync.Mutex
	last  time.Time
}

// Reporter returns the progress reporter of a running run (the tracker gives it to the work
// through the context: WithReporter).
func (s *Service) Reporter(runID int64) *Reporter { return &Reporter{s: s, runID: runID} }

// Report records processed of total (nil: not known yet), unless the last write is less than
// ProgressInterval old. It writes through the run's one owner and announces the change
// (ChangeProgress) in the same transaction. A run that is no longer running is left alone.
func (r *Reporter) Report(ctx context.Context, processed int64, total *int64) error {
	r.mu.Lock()
	now := time.Now()
	if !r.last.IsZero() && now.Sub(r.last) < ProgressInterval {
		r.mu.Unlock()
		return nil
	}
	r.last = now
	r.mu.Unlock()
	if processed < 0 || (total != nil && *total < 0) {
		return fmt.Errorf("%w: progress must not be negative", ErrInvalidInput)
	}
	return r.s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE operation_runs SET progress_processed = ?, progress_total = ?, updated_at = ?
			WHERE id = ? AND status = 'running'`, processed, total, r.s.timestamp(), r.runID)
		if res.Error != nil {
			return fmt.Errorf("progress of run %d: %w", r.runID, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		return r.s.changed(ctx, tx, r.runID, ChangeProgress)
	})
}

type reporterKey struct{}

// WithReporter gives the work that ctx is passed to its run's progress reporter.
func WithReporter(ctx context.Context, r *Reporter) context.Context {
	return context.WithValue(ctx, reporterKey{}, r)
}

// ReportProgress is how work reports its progress: processed of total (nil: unknown). Without a
// reporter in ctx (work run outside a tracker) it does nothing. A failed write is not the work's
// failure: it is returned for logging only.
func ReportProgress(ctx context.Context, processed int64, total *int64) error {
	r, _ := ctx.Value(reporterKey{}).(*Reporter)
	if r == nil {
		return nil
	}
	return r.Report(ctx, processed, total)
}
