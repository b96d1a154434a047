package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"gorm.io/gorm"
)

// Enqueuer inserts jobs with River's database/sql driver, inside the GORM transaction of the
// caller, so that a run and its job commit together or not at all.
type Enqueuer struct {
	client *river.Client[*sql.Tx]
}

// NewEnqueuer builds an insert-only River client over the database/sql pool.
func NewEnqueuer(sqlDB *sql.DB) (*Enqueuer, error) {
	c, err := river.NewClient(riverdatabasesql.New(sqlDB), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return &Enqueuer{client: c}, nil
}

// EnqueueTx inserts a job in the transaction tx holds and returns the job id.
func (e *Enqueuer) EnqueueTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
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
