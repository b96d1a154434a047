package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/tenantatlas/operations/pkg/backup"
)

// BackupPurgeGrace is how long retired backup sets stay before the daily purge deletes them.
const BackupPurgeGrace = backup.DefaultPurgeGrace

// addBackupDispatchers registers the workers of the backup schedule dispatcher and of the daily
// purge. Without a backup service nothing is dispatched.
func addBackupDispatchers(workers *river.Workers, log *slog.Logger, b *backup.Service) {
	if b == nil {
		return
	}
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupDispatchArgs]) error {
		res, err := b.Dispatch(ctx, time.Now())
		if res.Created > 0 || res.Existing > 0 || res.Unplannable > 0 {
			log.InfoContext(ctx, "backup schedules dispatched", "due", res.Due, "created", res.Created,
				"existing", res.Existing, "unplannable", res.Unplannable)
		}
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[BackupPurgeDispatchArgs]) error {
		n, err := b.DispatchPurges(ctx, time.Now(), BackupPurgeGrace)
		if n > 0 {
			log.InfoContext(ctx, "backup purge runs queued", "runs", n)
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
