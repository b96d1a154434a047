package operations

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Change is what happened to a run. Every change is announced through Service.changed, in the
// statement's transaction, so that observers of runs learn of a change exactly when it commits.
type Change string

// Run changes.
const (
	ChangeCreated         Change = "created"
	ChangeStarted         Change = "started"
	ChangeProgress        Change = "progress"
	ChangeCompleted       Change = "completed"
	ChangeCancelRequested Change = "cancel_requested"
)

// changed records that run runID changed, on db (the transaction that changed it, or the pool).
// Every function of this package that writes a run calls it after the write.
//
// It inserts the change into run_events in db's transaction. When that transaction commits, the
// database numbers the event (in commit order, see EventsAfter) and announces it on
// ChannelRunEvents with the run id and the number; a rollback leaves neither the event nor the
// announcement. Called on the pool, outside a transaction, the event commits on its own, so
// callers that write a run hold a transaction for the write and its event together.
func (s *Service) changed(ctx context.Context, db *gorm.DB, runID int64, c Change) error {
	if err := db.WithContext(ctx).Exec(`INSERT INTO run_events (run_id, change, created_at) VALUES (?, ?, ?)`,
		runID, string(c), s.timestamp()).Error; err != nil {
		return fmt.Errorf("record %s of run %d: %w", c, runID, err)
	}
	return nil
}
