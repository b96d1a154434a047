package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/directory"
	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/operations"
)

// WorkerConfig is what the working client needs.
type WorkerConfig struct {
	DatabaseURL string
	DB          *gorm.DB
	Log         *slog.Logger
	Runs        *operations.Service // the one owner of runs; built with this process's queue
	Inventory   *inventory.Syncer
	Directory   *directory.Syncer
	Drift       *drift.Generator // drift_generate_findings runs; without one they complete as failed
	Backups     *backup.Service  // backup schedule runs, retention, purge and the dispatcher; without one their runs complete as failed

	MaxWorkers        int           // concurrent jobs per process; default 10
	RunRetention      time.Duration // completed runs older than this are pruned; default 90 days
	RunEventRetention time.Duration // run events older than this are pruned with reconciliation; default 24h
	ShutdownTimeout   time.Duration // in-flight work gets this long to finish; default 30s
	ReconcileInterval time.Duration // default 1 minute
	FetchPollInterval time.Duration // fallback polling when LISTEN/NOTIFY is quiet; default 1s
	// WorkerLostAfter is how long a running run may go without its worker's heartbeat before the
	// reconciler completes it as failed (run.worker_lost); default 2 minutes. Workers beat every
	// operations.HeartbeatEvery(WorkerLostAfter); River's stuck-job rescue and the reconciler's
	// interval (unless ReconcileInterval is set) follow it.
	WorkerLostAfter time.Duration
	// PeriodicJobs adds periodic jobs of other packages (their workers go in AddWorkers).
	PeriodicJobs []*river.PeriodicJob
	AddWorkers   func(*river.Workers)
}

// works is the one table of run workers: for every registered run type, the work its runs do
// (TestEveryRunTypeHasAWorker holds it to the registry). Work whose service the process was built
// without completes its runs as failed.
func (cfg WorkerConfig) works() map[string]Work {
	missing := func(what string) Work {
		return func(context.Context, operations.Run) (operations.Transition, error) {
			return operations.Transition{}, fmt.Errorf("this worker is not configured for %s", what)
		}
	}
	w := map[string]Work{
		operations.TypeInventorySync:         missing("inventory syncs"),
		operations.TypeEntraGroupSync:        missing("Entra group syncs"),
		operations.TypeDriftGenerateFindings: missing("drift generation"),
		operations.TypeBackupRun:             missing("backups"),
		operations.TypeBackupRetention:       missing("backups"),
		operations.TypeBackupPurge:           missing("backups"),
	}
	if inv := cfg.Inventory; inv != nil {
		w[operations.TypeInventorySync] = func(ctx context.Context, run operations.Run) (operations.Transition, error) {
			return inv.SyncAttempt(ctx, run, LastAttempt(ctx))
		}
	}
	if dir := cfg.Directory; dir != nil {
		w[operations.TypeEntraGroupSync] = func(ctx context.Context, run operations.Run) (operations.Transition, error) {
			return dir.SyncAttempt(ctx, run, LastAttempt(ctx))
		}
	}
	if cfg.Drift != nil {
		w[operations.TypeDriftGenerateFindings] = cfg.Drift.Generate
	}
	if b := cfg.Backups; b != nil {
		w[operations.TypeBackupRun] = func(ctx context.Context, run operations.Run) (operations.Transition, error) {
			return b.Execute(ctx, run, LastAttempt(ctx))
		}
		w[operations.TypeBackupRetention] = b.Retain
		w[operations.TypeBackupPurge] = b.Purge
	}
	return w
}

// Worker is the River client that executes jobs, on the pgx driver (LISTEN/NOTIFY pick-up).
type Worker struct {
	client  *river.Client[pgx.Tx]
	pool    *pgxpool.Pool
	log     *slog.Logger
	timeout time.Duration
}

// jobMargin is how much longer than its type's time limit a run's job may take before River
// cancels its context. The reconciler, not this timeout, is what completes a run that overstays
// its type's limit.
const jobMargin = 5 * time.Minute

// pruneTimeout bounds the daily pruning job.
const pruneTimeout = time.Hour

// timedWorker is a River worker with its own timeout (River's rescuer also waits that long
// before it retries a job that is still marked running).
type timedWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	timeout time.Duration
	work    func(context.Context, *river.Job[T]) error
}

func (w *timedWorker[T]) Work(ctx context.Context, job *river.Job[T]) error { return w.work(ctx, job) }

func (w *timedWorker[T]) Timeout(*river.Job[T]) time.Duration { return w.timeout }

// NewWorker builds the working client with every job kind registered.
func NewWorker(ctx context.Context, cfg WorkerConfig) (*Worker, error) {
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = 10
	}
	if cfg.RunRetention <= 0 {
		cfg.RunRetention = 90 * 24 * time.Hour
	}
	if cfg.RunEventRetention <= 0 {
		cfg.RunEventRetention = 24 * time.Hour
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.WorkerLostAfter <= 0 {
		cfg.WorkerLostAfter = DefaultWorkerLostAfter
	}
	if cfg.ReconcileInterval <= 0 {
		cfg.ReconcileInterval = min(time.Minute, cfg.WorkerLostAfter/2)
	}
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("worker pool: %w", err)
	}
	tracker := NewTracker(cfg.Runs, cfg.Log)
	tracker.FailureCode = graph.FailureCode
	tracker.HeartbeatEvery = operations.HeartbeatEvery(cfg.WorkerLostAfter)

	workers := river.NewWorkers()
	for typ, work := range cfg.works() {
		limit := time.Hour
		if t, ok := operations.Lookup(typ); ok && t.TimeLimit > 0 {
			limit = t.TimeLimit
		}
		river.AddWorkerArgs(workers, ArgsFor(typ, 0), &timedWorker[RunArgs]{timeout: limit + jobMargin,
			work: func(ctx context.Context, job *river.Job[RunArgs]) error {
				return tracker.Track(ctx, job.JobRow, job.Args.RunID, work)
			}})
	}
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[ReconcileArgs]) error {
		n, err := Reconcile(ctx, cfg.DB, cfg.Runs, time.Now(), cfg.WorkerLostAfter)
		if n > 0 {
			cfg.Log.InfoContext(ctx, "stale runs completed", "count", n)
		}
		if err != nil {
			return err
		}
		// Run events past their retention go with the same periodic pass.
		_, err = cfg.Runs.PruneEvents(ctx, time.Now().Add(-cfg.RunEventRetention))
		return err
	}))
	river.AddWorker(workers, &timedWorker[PruneArgs]{timeout: pruneTimeout, work: func(ctx context.Context, job *river.Job[PruneArgs]) error {
		now := time.Now()
		runs, err := cfg.Runs.Prune(ctx, now.Add(-cfg.RunRetention))
		if err != nil {
			return err
		}
		groups, err := directory.PurgeUnseen(ctx, cfg.DB, nil, now.Add(-directory.PurgeAfter))
		cfg.Log.InfoContext(ctx, "history pruned", "runs", runs, "groups", groups)
		return err
	}})
	addBackupDispatchers(workers, cfg.Log, cfg.Backups)
	if cfg.AddWorkers != nil {
		cfg.AddWorkers(workers)
	}

	periodic := append([]*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(cfg.ReconcileInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return ReconcileArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: cfg.ReconcileInterval}}
			}, &river.PeriodicJobOpts{ID: "reconcile_runs", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) {
				return PruneArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 24 * time.Hour}}
			}, &river.PeriodicJobOpts{ID: "prune_history", RunOnStart: true}),
	}, cfg.PeriodicJobs...)
	periodic = append(periodic, backupPeriodicJobs(cfg.Backups)...)

	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}},
		Workers:      workers,
		PeriodicJobs: periodic,
		// Work without a timeout of its own (maintenance) gets the lost-worker window, and River
		// rescues a job still marked running after it: a job whose run the reconciler completed
		// as lost was marked for cancellation and is finalised then; any other job waits for its
		// own timeout (a run's: its type's limit plus a margin) before it is retried.
		JobTimeout:           cfg.WorkerLostAfter,
		RescueStuckJobsAfter: cfg.WorkerLostAfter,
		MaxAttempts:          5,
		FetchPollInterval:    cfg.FetchPollInterval,
		Logger:               cfg.Log,
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &Worker{client: client, pool: pool, log: cfg.Log, timeout: cfg.ShutdownTimeout}, nil
}

// Run works jobs until ctx is done, then shuts down gracefully: in-flight jobs get the shutdown
// timeout to finish; whatever is still running after that is cancelled, and its tracker completes
// the run as failed (worker.shutdown), so no run is left running.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.client.Start(context.WithoutCancel(ctx)); err != nil {
		w.pool.Close()
		return fmt.Errorf("start workers: %w", err)
	}
	<-ctx.Done()
	w.log.Info("workers stopping", "timeout", w.timeout.String())
	stopCtx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	err := w.client.Stop(stopCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		hardCtx, hardCancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer hardCancel()
		err = w.client.StopAndCancel(hardCtx)
	}
	w.pool.Close()
	if err != nil {
		return fmt.Errorf("stop workers: %w", err)
	}
	return nil
}

// Subscribe exposes River's job events (for tests and benchmarks).
func (w *Worker) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return w.client.Subscribe(kinds...)
}
