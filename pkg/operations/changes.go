package operations

import (
	"context"

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
func (s *Service) changed(ctx context.Context, db *gorm.DB, runID int64, c Change) error {
	return nil
}
