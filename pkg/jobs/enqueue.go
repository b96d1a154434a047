package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/notify"
	"github.com/tenantatlas/operations/pkg/operations"
)

// Enqueuer is the operations.Queue on River: it inserts runs' jobs with River's database/sql
// driver inside the GORM transaction of the caller, so that a run and its job commit together or
// not at all.
type Enqueuer struct {
	client *river.Client[*sql.Tx]
}

var (
	_ operations.Queue        = (*Enqueuer)(nil)
	_ operations.JobCanceller = (*Enqueuer)(nil)
)

// NewEnqueuer builds an insert-only River client over the database/sql pool.
func NewEnqueuer(sqlDB *sql.DB) (*Enqueuer, error) {
	c, err := river.NewClient(riverdatabasesql.New(sqlDB), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return &Enqueuer{client: c}, nil
}

// EnqueueTx inserts one job per run (kind: the run's type, arguments: its id) in the transaction
// tx holds, with one statement, and returns the job ids in the order of runs.
func (e *Enqueuer) EnqueueTx(ctx context.Context, tx *gorm.DB, runs []operations.Run) ([]int64, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, errors.New("enqueue: not inside a database/sql transaction")
	}
	if len(runs) == 1 {
		res, err := e.client.InsertTx(ctx, sqlTx, ArgsFor(runs[0].Type, runs[0].ID), nil)
		if err != nil {
			return nil, fmt.Errorf("enqueue %s: %w", runs[0].Type, err)
		}
		return []int64{res.Job.ID}, nil
	}
	params := make([]river.InsertManyParams, len(runs))
	for i, r := range runs {
		params[i] = river.InsertManyParams{Args: ArgsFor(r.Type, r.ID)}
	}
	res, err := e.client.InsertManyTx(ctx, sqlTx, params)
	if err != nil {
		return nil, fmt.Errorf("enqueue %d jobs: %w", len(runs), err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.Job.ID
	}
	return ids, nil
}

// CancelJobsTx cancels jobs in the transaction tx holds (River's job cancellation): a job still
// waiting is cancelled at once; a running job is marked for cancellation and, once tx commits, the
// client working it cancels its context (rivertype.ErrJobCancelledRemotely). A job that is gone
// or finished is left alone.
func (e *Enqueuer) CancelJobsTx(ctx context.Context, tx *gorm.DB, jobIDs []int64) error {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return errors.New("cancel jobs: not inside a database/sql transaction")
	}
	for _, id := range jobIDs {
		if _, err := e.client.JobCancelTx(ctx, sqlTx, id); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
			return fmt.Errorf("cancel job %d: %w", id, err)
		}
	}
	return nil
}

// NewRunService builds the program's run service: runs' jobs go on River in the starting
// transaction, and every completed run notifies its initiator in the completing transaction.
func NewRunService(db *gorm.DB, opts ...operations.Option) (*operations.Service, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("run service: %w", err)
	}
	q, err := NewEnqueuer(sqlDB)
	if err != nil {
		return nil, err
	}
	return operations.NewService(db, append([]operations.Option{
		operations.WithQueue(q), operations.OnComplete(notify.RunFinished),
	}, opts...)...), nil
}

// InsertTx inserts one job of any kind in the transaction tx holds (maintenance jobs, and the
// River-level tests of the working client) and returns its id.
func (e *Enqueuer) InsertTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return 0, errors.New("enqueue: not inside a database/sql transaction")
	}
	res, err := e.client.InsertTx(ctx, sqlTx, args, opts)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}
