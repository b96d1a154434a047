package jobs_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
)

type pagingArgs struct {
	RunID int64 `json:"run_id"`
}

func (pagingArgs) Kind() string { return "paging_test" }

// startWorker runs a working client with one extra worker until the test ends.
func (f *fixture) startWorker(t *testing.T, add func(*river.Workers)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	wk, err := jobs.NewWorker(ctx, jobs.WorkerConfig{DatabaseURL: f.db.URL, DB: f.db.Gorm, Log: f.log, Runs: f.runs,
		AddWorkers: add, FetchPollInterval: 200 * time.Millisecond, ShutdownTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- wk.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// queueWith creates a queued run whose job is args (of a test kind), as Start would.
func (f *fixture) queueWith(t *testing.T, identity string, args func(runID int64) river.JobArgs) operations.Run {
	t.Helper()
	ctx := context.Background()
	var run operations.Run
	if err := f.db.Gorm.Transaction(func(tx *gorm.DB) error {
		var err error
		if run, _, err = f.runs.Ensure(ctx, tx, f.input(identity)); err != nil {
			return err
		}
		jobID, err := f.queue.InsertTx(ctx, tx, args(run.ID), nil)
		if err != nil {
			return err
		}
		return tx.Exec(`UPDATE operation_runs SET job_id = ? WHERE id = ?`, jobID, run.ID).Error
	}); err != nil {
		t.Fatal(err)
	}
	return run
}

// waitCompleted waits for a run to complete (generously: this is no performance assertion).
func (f *fixture) waitCompleted(t *testing.T, id int64) operations.Run {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r, err := f.runs.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == operations.StatusCompleted {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("run %d did not complete", id)
	return operations.Run{}
}

// TestCancelRunningRunStopsItsWorker: a running run that is cancelled has its job's context
// cancelled; the worker stops paging, and the run completes cancelled with what it counted, who
// cancelled it, and River's job cancelled — not failed as a shutdown would be.
func TestCancelRunningRunStopsItsWorker(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tracker := jobs.NewTracker(f.runs, f.log)
	started, stopped := make(chan struct{}), make(chan error, 1)
	f.startWorker(t, func(w *river.Workers) {
		river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[pagingArgs]) error {
			return tracker.Track(ctx, j.JobRow, j.Args.RunID, func(ctx context.Context, r operations.Run) (operations.Transition, error) {
				pages := 0
				close(started)
				for {
					select {
					case <-ctx.Done():
						stopped <- context.Cause(ctx)
						return operations.Transition{SummaryCounts: map[string]any{"processed": pages}}, ctx.Err()
					case <-time.After(20 * time.Millisecond):
						pages++ // a page of the work, written as it goes
					}
				}
			})
		}))
	})
	run := f.queueWith(t, "cancel-running", func(id int64) river.JobArgs { return pagingArgs{RunID: id} })
	<-started

	res, err := f.runs.Cancel(context.Background(), run.ID, operations.Actor{UserID: &f.userID, Name: "Uma", Via: operations.ViaSession})
	if err != nil || res.Result != operations.CancelPending {
		t.Fatalf("cancel: %+v %v", res, err)
	}
	select {
	case cause := <-stopped:
		if cause == nil {
			t.Errorf("the work's context ended without a cause")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the worker never observed the cancel")
	}
	done := f.waitCompleted(t, run.ID)
	if done.Outcome != operations.OutcomeCancelled {
		t.Fatalf("outcome %s: %s", done.Outcome, done.FailureSummary)
	}
	var failures []operations.Failure
	if err := json.Unmarshal(done.FailureSummary, &failures); err != nil || len(failures) != 1 ||
		failures[0].Code != operations.CodeRunCancelled || failures[0].Message != "Cancelled by Uma." {
		t.Errorf("failures %s", done.FailureSummary)
	}
	if !strings.Contains(string(done.SummaryCounts), `"processed"`) {
		t.Errorf("the counts so far were not kept: %s", done.SummaryCounts)
	}
	if n := f.count(`SELECT count(*) FROM operation_run_audit WHERE run_id = $1 AND action = 'cancel_requested' AND via = 'session'`, run.ID); n != 1 {
		t.Errorf("%d cancel_requested entries", n)
	}
	// A new start of the same identity is a new run.
	next, created, err := f.runs.Start(context.Background(), nil, f.input("cancel-running"), nil)
	if err != nil || !created || next.ID == run.ID {
		t.Errorf("new start: %d %v %v", next.ID, created, err)
	}
}

// TestCancelQueuedRunCancelsItsJob: a queued run completes at once and its job never runs.
func TestCancelQueuedRunCancelsItsJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	run := f.queueWith(t, "cancel-queued", func(id int64) river.JobArgs { return pagingArgs{RunID: id} })
	res, err := f.runs.Cancel(context.Background(), run.ID, operations.Actor{UserID: &f.userID, Name: "Uma"})
	if err != nil || res.Result != operations.CancelDone || res.Run.Outcome != operations.OutcomeCancelled || res.Run.StartedAt != nil {
		t.Fatalf("cancel: %+v %v", res, err)
	}
	if n := f.count(`SELECT count(*) FROM river_job j JOIN operation_runs r ON r.job_id = j.id WHERE r.id = $1 AND j.state = 'cancelled'`, run.ID); n != 1 {
		t.Errorf("the job is not cancelled")
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE run_id = $1`, run.ID); n != 1 {
		t.Errorf("the initiator was not notified of the completion")
	}
	again, err := f.runs.Cancel(context.Background(), run.ID, operations.Actor{UserID: &f.userID, Name: "Uma"})
	if err != nil || !again.Repeated {
		t.Errorf("repeat: %+v %v", again, err)
	}
	if n := f.count(`SELECT count(*) FROM operation_run_audit WHERE run_id = $1 AND action = 'cancelled'`, run.ID); n != 1 {
		t.Errorf("%d cancelled entries", n)
	}
}
