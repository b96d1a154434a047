package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/operations"
)

// BackupRunArgs start the work of a backup_schedule_run.
type BackupRunArgs RunArgs

// Kind names the job kind.
func (BackupRunArgs) Kind() string { return operations.TypeBackupRun }

// BackupRetentionArgs start the work of a backup_schedule_retention run.
type BackupRetentionArgs RunArgs

// Kind names the job kind.
func (BackupRetentionArgs) Kind() string { return operations.TypeBackupRetention }

// BackupPurgeArgs start the work of a backup_schedule_purge run.
type BackupPurgeArgs RunArgs

// Kind names the job kind.
func (BackupPurgeArgs) Kind() string { return operations.TypeBackupPurge }

// BackupDispatchArgs: the backup schedule dispatcher's tick (periodic, every minute).
type BackupDispatchArgs struct{}

// Kind names the job kind.
func (BackupDispatchArgs) Kind() string { return "backup_dispatch" }

// BackupPurgeDispatchArgs: create the day's purge runs (periodic, daily).
type BackupPurgeDispatchArgs struct{}

// Kind names the job kind.
func (BackupPurgeDispatchArgs) Kind() string { return "backup_purge_dispatch" }

// BackupJobArgs are the job arguments of a run of one of the three backup types.
func BackupJobArgs(run operations.Run) (river.JobArgs, error) {
	switch run.Type {
	case operations.TypeBackupRun:
		return BackupRunArgs{RunID: run.ID}, nil
	case operations.TypeBackupRetention:
		return BackupRetentionArgs{RunID: run.ID}, nil
	case operations.TypeBackupPurge:
		return BackupPurgeArgs{RunID: run.ID}, nil
	}
	return nil, fmt.Errorf("run %d of type %s is not a backup run", run.ID, run.Type)
}

// backupQueue is backup.Queue over the insert-only client: the job goes in the caller's
// transaction and the run records it, as Starter.Start does.
type backupQueue struct{ q *Enqueuer }

// NewBackupQueue makes the queue the backup package creates its runs' jobs with.
func NewBackupQueue(q *Enqueuer) backup.Queue { return backupQueue{q: q} }

func (b backupQueue) Enqueue(ctx context.Context, tx *gorm.DB, run operations.Run) error {
	args, err := BackupJobArgs(run)
	if err != nil {
		return err
	}
	jobID, err := b.q.EnqueueTx(ctx, tx, args, nil)
	if err != nil {
		return err
	}
	return tx.Exec(`UPDATE operation_runs SET job_id = ? WHERE id = ?`, jobID, run.ID).Error
}

// EnqueueMany queues the jobs of many runs with one insert and records them with one update.
func (b backupQueue) EnqueueMany(ctx context.Context, tx *gorm.DB, runs []operations.Run) error {
	if len(runs) == 0 {
		return nil
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return errors.New("enqueue: not inside a database/sql transaction")
	}
	params := make([]river.InsertManyParams, len(runs))
	for i, run := range runs {
		args, err := BackupJobArgs(run)
		if err != nil {
			return err
		}
		params[i] = river.InsertManyParams{Args: args}
	}
	res, err := b.q.client.InsertManyTx(ctx, sqlTx, params)
	if err != nil {
		return fmt.Errorf("enqueue %d backup jobs: %w", len(runs), err)
	}
	runIDs, jobIDs := make(pq.Int64Array, len(runs)), make(pq.Int64Array, len(runs))
	for i := range runs {
		runIDs[i], jobIDs[i] = runs[i].ID, res[i].Job.ID
	}
	return tx.Exec(`UPDATE operation_runs r SET job_id = u.job_id FROM unnest(?::bigint[], ?::bigint[]) AS u(run_id, job_id)
		WHERE r.id = u.run_id`, runIDs, jobIDs).Error
}

// BackupPurgeGrace is how long retired backup sets stay before the daily purge deletes them.
const BackupPurgeGrace = backup.DefaultPurgeGrace

// errNoBackups completes backup runs when the worker has no backup service.
var errNoBackups = errors.New("this worker is not configured for backups")

// addBackupWorkers registers the workers of the three backup run types (through the tracker)
// and of the dispatcher and the daily purge. Without a backup service, backup runs complete as
// failed and nothing is dispatched.
func addBackupWorkers(workers *river.Workers, tracker *Tracker, b *backup.Service) {
	if b == nil {
		fail := func(context.Context, operations.Run) (operations.Transition, error) {
			return operations.Transition{}, errNoBackups
		}
		river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupRunArgs]) error {
			return tracker.Track(ctx, job.JobRow, job.Args.RunID, fail)
		}))
		river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupRetentionArgs]) error {
			return tracker.Track(ctx, job.JobRow, job.Args.RunID, fail)
		}))
		river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupPurgeArgs]) error {
			return tracker.Track(ctx, job.JobRow, job.Args.RunID, fail)
		}))
		return
	}
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupRunArgs]) error {
		last := job.Attempt >= job.MaxAttempts
		return tracker.Track(ctx, job.JobRow, job.Args.RunID, func(ctx context.Context, run operations.Run) (operations.Transition, error) {
			return b.Execute(ctx, run, last)
		})
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupRetentionArgs]) error {
		return tracker.Track(ctx, job.JobRow, job.Args.RunID, b.Retain)
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupPurgeArgs]) error {
		return tracker.Track(ctx, job.JobRow, job.Args.RunID, b.Purge)
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupDispatchArgs]) error {
		res, err := b.Dispatch(ctx, time.Now())
		if res.Created > 0 || res.Existing > 0 || res.Unplannable > 0 {
			tracker.log.InfoContext(ctx, "backup schedules dispatched", "due", res.Due, "created", res.Created,
				"existing", res.Existing, "unplannable", res.Unplannable)
		}
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupPurgeDispatchArgs]) error {
		n, err := b.DispatchPurges(ctx, time.Now(), BackupPurgeGrace)
		if n > 0 {
			tracker.log.InfoContext(ctx, "backup purge runs queued", "runs", n)
		}
		return err
	}))
}

// minuteSchedule fires at the start of every minute, so that a slot at HH:MM is dispatched within
// seconds of it.
type minuteSchedule struct{}

func (minuteSchedule) Next(t time.Time) time.Time { return t.Truncate(time.Minute).Add(time.Minute) }

// backupPeriodicJobs: the dispatcher every minute and the purge daily, each unique by period (and
// River runs periodic jobs on the elected leader only, so one scheduler serves every process).
func backupPeriodicJobs(b *backup.Service) []*river.PeriodicJob {
	if b == nil {
		return nil
	}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(minuteSchedule{},
			func() (river.JobArgs, *river.InsertOpts) {
				return BackupDispatchArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
			}, &river.PeriodicJobOpts{ID: "backup_dispatch", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) {
				return BackupPurgeDispatchArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 24 * time.Hour}}
			}, &river.PeriodicJobOpts{ID: "backup_purge_dispatch", RunOnStart: true}),
	}
}
