package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/notify"
	"github.com/tenantatlas/operations/pkg/operations"
)

// Starter creates runs at dispatch time and queues their jobs in the same transaction.
type Starter struct {
	db    *gorm.DB
	runs  *operations.Service
	queue *Enqueuer
}

// NewStarter builds a Starter.
func NewStarter(db *gorm.DB, runs *operations.Service, queue *Enqueuer) *Starter {
	return &Starter{db: db, runs: runs, queue: queue}
}

// Idempotency names a request that may be repeated: the same user sending the same key gets the
// answer of the first request, as long as the request itself is the same (its hash).
type Idempotency struct {
	UserID      int64
	Key         string
	RequestHash string
}

// ErrIdempotencyKeyReused is returned when a key comes back with a different request.
var ErrIdempotencyKeyReused = errors.New("the Idempotency-Key was used for a different request")

// Start ensures the run and, when it is new, queues its job in the same transaction. An active
// run with the same identity is returned as it is (created = false) and nothing is queued. If the
// job cannot be queued, the run is kept and completed as failed with queue.dispatch_failed, so
// there is never a queued run without a job. With an idempotency key, a repeated request returns
// the run (and the created flag) of the first one.
func (s *Starter) Start(ctx context.Context, in operations.EnsureInput, idem *Idempotency, job func(runID int64) river.JobArgs) (operations.Run, bool, error) {
	var run operations.Run
	var created bool
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if idem != nil {
			prior, priorCreated, replayed, err := s.claimKey(ctx, tx, idem)
			if err != nil || replayed {
				run, created = prior, priorCreated
				return err
			}
		}
		var err error
		if run, created, err = s.ensureAndQueue(ctx, tx, in, job); err != nil {
			return err
		}
		if idem == nil {
			return nil
		}
		code := 200
		if created {
			code = 202
		}
		return tx.Exec(`UPDATE idempotency_keys SET run_id = ?, status_code = ? WHERE user_id = ? AND key = ?`,
			run.ID, code, idem.UserID, idem.Key).Error
	})
	if err != nil {
		return operations.Run{}, false, fmt.Errorf("start %s: %w", in.Type, err)
	}
	return run, created, nil
}

// claimKey records the idempotency key in the transaction. When the key was used before it
// returns the run of that first request and whether that request created it (replayed = true),
// or ErrIdempotencyKeyReused when the request differs. A concurrent first use of the same key
// waits on the key's row.
func (s *Starter) claimKey(ctx context.Context, tx *gorm.DB, idem *Idempotency) (run operations.Run, created, replayed bool, err error) {
	var claimed []string
	if err := tx.Raw(`INSERT INTO idempotency_keys (user_id, key, request_hash, status_code) VALUES (?, ?, ?, 0)
		ON CONFLICT (user_id, key) DO NOTHING RETURNING request_hash`,
		idem.UserID, idem.Key, idem.RequestHash).Scan(&claimed).Error; err != nil {
		return run, false, false, err
	}
	if len(claimed) == 1 {
		return run, false, false, nil
	}
	var prior []struct {
		RequestHash string
		RunID       *int64
		StatusCode  int
	}
	if err := tx.Raw(`SELECT request_hash, run_id, status_code FROM idempotency_keys WHERE user_id = ? AND key = ?`,
		idem.UserID, idem.Key).Scan(&prior).Error; err != nil {
		return run, false, true, err
	}
	if len(prior) == 0 || prior[0].RequestHash != idem.RequestHash || prior[0].RunID == nil {
		return run, false, true, ErrIdempotencyKeyReused
	}
	run, err = s.runs.Get(ctx, *prior[0].RunID)
	return run, prior[0].StatusCode == 202, true, err
}

// ensureAndQueue ensures the run and, when it is new, queues its job; a job that cannot be queued
// completes the run as failed (queue.dispatch_failed) and notifies its initiator.
func (s *Starter) ensureAndQueue(ctx context.Context, tx *gorm.DB, in operations.EnsureInput, job func(runID int64) river.JobArgs) (operations.Run, bool, error) {
	run, created, err := s.runs.Ensure(ctx, tx, in)
	if err != nil || !created {
		return run, created, err
	}
	if err := tx.SavePoint("enqueue").Error; err != nil {
		return run, created, err
	}
	jobID, qerr := s.queue.EnqueueTx(ctx, tx, job(run.ID), nil)
	if qerr == nil {
		qerr = tx.Exec(`UPDATE operation_runs SET job_id = ? WHERE id = ?`, jobID, run.ID).Error
	}
	if qerr == nil {
		return run, created, nil
	}
	if err := tx.RollbackTo("enqueue").Error; err != nil {
		return run, created, err
	}
	run, err = s.runs.Transition(ctx, tx, run.ID, operations.Transition{
		To: operations.StatusCompleted, Outcome: operations.OutcomeFailed,
		Failures: []operations.Failure{{Code: operations.CodeQueueDispatchFailed, Message: "The run could not be queued: " + qerr.Error(), Count: 1}},
	})
	if err != nil {
		return run, created, err
	}
	return run, created, notify.RunFinished(ctx, tx, run)
}
