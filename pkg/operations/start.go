package operations

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database"
)

// Queue puts the jobs of runs on the work queue, inside the caller's transaction, so that a run
// and its job commit together or not at all. It returns the job ids in the order of runs. A job
// carries nothing but its run's id, and its kind is the run's type. pkg/jobs implements it on
// River; this package knows nothing of River.
type Queue interface {
	EnqueueTx(ctx context.Context, tx *gorm.DB, runs []Run) ([]int64, error)
}

// ErrIdempotencyKeyReused is returned when an idempotency key comes back with a different request.
const ErrIdempotencyKeyReused Error = "the Idempotency-Key was used for a different request"

// Idempotency names a request that may be repeated: the same user sending the same key gets the
// answer of the first request, as long as the request itself is the same (its hash).
type Idempotency struct {
	UserID      int64
	Key         string
	RequestHash string
}

// Start is dispatch-time creation: it ensures the run and, when the run is new, queues its job in
// the same transaction. An active run with the same identity is returned as it is (created =
// false) and nothing is queued. If the job cannot be queued, the run is kept and completed as
// failed with queue.dispatch_failed, so there is never a queued run without a job.
//
// tx is the caller's transaction or nil (Start then uses its own). With idem, a repeated request
// returns the run, and the created flag, of the first one; a different request under the same
// key is ErrIdempotencyKeyReused.
func (s *Service) Start(ctx context.Context, tx *gorm.DB, in EnsureInput, idem *Idempotency) (Run, bool, error) {
	if tx == nil {
		var run Run
		var created bool
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			run, created, err = s.Start(ctx, tx, in, idem)
			return err
		})
		return run, created, err
	}
	if idem != nil {
		prior, priorCreated, replayed, err := s.claimKey(ctx, tx, idem)
		if err != nil || replayed {
			return prior, priorCreated, err
		}
	}
	run, created, err := s.Ensure(ctx, tx, in)
	if err != nil {
		return Run{}, false, fmt.Errorf("start %s: %w", in.Type, err)
	}
	if created {
		if err := s.audit(ctx, tx, run, AuditStarted, startActor(in), nil); err != nil {
			return Run{}, false, fmt.Errorf("start %s: %w", in.Type, err)
		}
		if run, err = s.enqueueOrFail(ctx, tx, run); err != nil {
			return Run{}, false, fmt.Errorf("start %s: %w", in.Type, err)
		}
	}
	if idem != nil {
		if err := tx.WithContext(ctx).Exec(`UPDATE idempotency_keys SET run_id = ?, run_created = ? WHERE user_id = ? AND key = ?`,
			run.ID, created, idem.UserID, idem.Key).Error; err != nil {
			return Run{}, false, fmt.Errorf("start %s: record the idempotency key: %w", in.Type, err)
		}
	}
	return run, created, nil
}

// startActor is who the audit trail says started a run: the input's actor, else its user (the
// credential not recorded), else the system.
func startActor(in EnsureInput) Actor {
	if in.Actor != nil {
		if a, err := in.Actor.normalized(); err == nil {
			return a
		}
	}
	if in.UserID != nil {
		return Actor{UserID: in.UserID, Name: strings.TrimSpace(in.InitiatorName)}
	}
	return SystemActor()
}

// claimKey records the idempotency key in the transaction. When the key was used before it
// returns the run of that first request and whether that request created it (replayed = true),
// or ErrIdempotencyKeyReused when the request differs. A concurrent first use of the same key
// waits on the key's row.
func (s *Service) claimKey(ctx context.Context, tx *gorm.DB, idem *Idempotency) (run Run, created, replayed bool, err error) {
	db := tx.WithContext(ctx)
	var claimed []string
	if err := db.Raw(`INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES (?, ?, ?)
		ON CONFLICT (user_id, key) DO NOTHING RETURNING request_hash`,
		idem.UserID, idem.Key, idem.RequestHash).Scan(&claimed).Error; err != nil {
		return run, false, false, fmt.Errorf("claim the idempotency key: %w", err)
	}
	if len(claimed) == 1 {
		return run, false, false, nil
	}
	var prior []struct {
		RequestHash string
		RunID       *int64
		RunCreated  bool
	}
	if err := db.Raw(`SELECT request_hash, run_id, run_created FROM idempotency_keys WHERE user_id = ? AND key = ?`,
		idem.UserID, idem.Key).Scan(&prior).Error; err != nil {
		return run, false, true, fmt.Errorf("read the idempotency key: %w", err)
	}
	if len(prior) == 0 || prior[0].RequestHash != idem.RequestHash || prior[0].RunID == nil {
		return run, false, true, ErrIdempotencyKeyReused
	}
	run, err = s.Get(ctx, *prior[0].RunID)
	return run, prior[0].RunCreated, true, err
}

// enqueueOrFail queues a new run's job; a job that cannot be queued completes the run as failed
// (queue.dispatch_failed), which also notifies its initiator.
func (s *Service) enqueueOrFail(ctx context.Context, tx *gorm.DB, run Run) (Run, error) {
	if err := tx.SavePoint("enqueue").Error; err != nil {
		return run, err
	}
	qerr := s.Enqueue(ctx, tx, run)
	if qerr == nil {
		return run, nil
	}
	if err := tx.RollbackTo("enqueue").Error; err != nil {
		return run, err
	}
	return s.Transition(ctx, tx, run.ID, Transition{
		To: StatusCompleted, Outcome: OutcomeFailed,
		Failures: []Failure{{Code: CodeQueueDispatchFailed, Message: "The run could not be queued: " + qerr.Error(), Count: 1}},
	})
}

// Enqueue queues the jobs of runs created in tx (with Ensure) and records each job on its run, in
// that transaction. Work that creates many runs at once (the backup dispatcher) queues them with
// one call.
func (s *Service) Enqueue(ctx context.Context, tx *gorm.DB, runs ...Run) error {
	if len(runs) == 0 {
		return nil
	}
	if s.queue == nil {
		return fmt.Errorf("queue %d runs: %w", len(runs), ErrNoQueue)
	}
	jobIDs, err := s.queue.EnqueueTx(ctx, tx, runs)
	if err != nil {
		return fmt.Errorf("queue %d runs: %w", len(runs), err)
	}
	if len(jobIDs) != len(runs) {
		return fmt.Errorf("queue %d runs: the queue returned %d job ids", len(runs), len(jobIDs))
	}
	runIDs := make([]int64, len(runs))
	for i, r := range runs {
		runIDs[i] = r.ID
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE operation_runs r SET job_id = u.job_id
		FROM unnest(?::bigint[], ?::bigint[]) AS u(run_id, job_id) WHERE r.id = u.run_id`,
		database.Int64Array(runIDs), database.Int64Array(jobIDs)).Error; err != nil {
		return fmt.Errorf("record the jobs of %d runs: %w", len(runs), err)
	}
	return nil
}

// ErrNoQueue is returned by Start and Enqueue on a Service built without a queue (WithQueue).
const ErrNoQueue Error = "no work queue is configured"
