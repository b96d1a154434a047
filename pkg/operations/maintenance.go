package operations

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ActiveRun is a queued or running run as the reconciler judges it.
type ActiveRun struct {
	ID        int64
	Type      string
	Status    Status
	CreatedAt time.Time
	StartedAt *time.Time
	JobID     *int64 // the run's job; nil while none was recorded
}

// ActiveRuns lists every queued or running run.
func (s *Service) ActiveRuns(ctx context.Context) ([]ActiveRun, error) {
	var out []ActiveRun
	err := s.db.WithContext(ctx).Raw(`SELECT id, type, status, created_at, started_at, job_id
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
	err := s.conn(ctx, tx).Exec(`UPDATE operation_runs SET context = context || jsonb_build_object(?::text, ?::bigint), updated_at = ?
		WHERE id = ? AND status = 'running'`, key, id, s.timestamp(), runID).Error
	if err != nil {
		return fmt.Errorf("note %s on run %d: %w", key, runID, err)
	}
	return nil
}
