package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
)

type slowArgs struct {
	RunID int64         `json:"run_id"`
	Work  time.Duration `json:"work"`
}

func (slowArgs) Kind() string { return "slow_test" }

// TestGracefulShutdownLeavesNoRunRunning: on shutdown, work that fits in the shutdown timeout
// finishes; work that does not is cancelled and its run completed as failed (worker.shutdown).
func TestGracefulShutdownLeavesNoRunRunning(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tracker := jobs.NewTracker(f.runs, f.log)
	started := make(chan int64, 2)
	add := func(w *river.Workers) {
		river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[slowArgs]) error {
			return tracker.Track(ctx, j.JobRow, j.Args.RunID, func(ctx context.Context, r operations.Run) (operations.Transition, error) {
				started <- r.ID
				select {
				case <-time.After(j.Args.Work):
					return operations.Transition{}, nil
				case <-ctx.Done():
					return operations.Transition{}, ctx.Err()
				}
			})
		}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	wk, err := jobs.NewWorker(ctx, jobs.WorkerConfig{DatabaseURL: f.db.URL, DB: f.db.Gorm, Log: f.log, Runs: f.runs,
		AddWorkers: add, FetchPollInterval: 200 * time.Millisecond, ShutdownTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- wk.Run(ctx) }()

	quick, slow := f.startQueued("quick"), f.startQueued("slow")
	for _, c := range []struct {
		run  operations.Run
		work time.Duration
	}{{quick, 300 * time.Millisecond}, {slow, time.Hour}} {
		if err := f.db.Gorm.Transaction(func(tx *gorm.DB) error {
			_, err := f.queue.InsertTx(ctx, tx, slowArgs{RunID: c.run.ID, Work: c.work}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	<-started
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("shutdown hung")
	}
	bg := context.Background()
	if r, _ := f.runs.Get(bg, quick.ID); r.Outcome != operations.OutcomeSucceeded {
		t.Errorf("quick run: %s %s", r.Status, r.Outcome)
	}
	r, _ := f.runs.Get(bg, slow.ID)
	if r.Status != operations.StatusCompleted || r.Outcome != operations.OutcomeFailed || !strings.Contains(string(r.FailureSummary), jobs.CodeWorkerShutdown) {
		t.Errorf("slow run: %s %s %s", r.Status, r.Outcome, r.FailureSummary)
	}
	if n := f.count(`SELECT count(*) FROM operation_runs WHERE status <> 'completed'`); n != 0 {
		t.Errorf("%d runs left active", n)
	}
}
