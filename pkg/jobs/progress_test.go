package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/operations"
)

// TestInventorySyncReportsProgress: while an inventory sync pages through Graph (slow pages), its
// run shows the items stored so far; the completed run keeps the last report and its counts.
func TestInventorySyncReportsProgress(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceConfigurations",
		graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 1500))
	w.graph.SetPageDelay(400 * time.Millisecond)
	run := w.startInventory(inventory.Selection{PolicyTypes: []string{"deviceConfiguration"}})

	var seen operations.Run
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r, err := w.runs.Get(context.Background(), run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == operations.StatusRunning && r.ProgressProcessed != nil && *r.ProgressProcessed > 0 {
			seen = r
			break
		}
		if r.Status == operations.StatusCompleted {
			t.Fatalf("the run completed without a progress report while running")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if seen.ID == 0 {
		t.Fatal("no progress while running")
	}
	if *seen.ProgressProcessed >= 1500 || seen.ProgressTotal != nil {
		t.Errorf("progress while running: %d of %v", *seen.ProgressProcessed, seen.ProgressTotal)
	}
	w.graph.SetPageDelay(0)
	done := w.wait(run.ID)
	if done.Outcome != operations.OutcomeSucceeded || counts(t, done)["total"] != 1500 {
		t.Errorf("run %s %s", done.Outcome, done.SummaryCounts)
	}
}

// TestProgressIsThrottled: a second report within the interval is not written; a run that is not
// running takes no progress.
func TestProgressIsThrottled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	run := f.startQueued("progress")
	rep := f.runs.Reporter(run.ID)
	if err := rep.Report(ctx, 5, nil); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM operation_runs WHERE id = $1 AND progress_processed IS NOT NULL`, run.ID); n != 0 {
		t.Fatalf("a queued run took progress")
	}
	if _, err := f.runs.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
		t.Fatal(err)
	}
	rep = f.runs.Reporter(run.ID)
	total := int64(10)
	if err := rep.Report(ctx, 3, &total); err != nil {
		t.Fatal(err)
	}
	if err := rep.Report(ctx, 4, &total); err != nil { // right after: dropped
		t.Fatal(err)
	}
	got, _ := f.runs.Get(ctx, run.ID)
	if got.ProgressProcessed == nil || *got.ProgressProcessed != 3 || got.ProgressTotal == nil || *got.ProgressTotal != 10 {
		t.Errorf("progress %v of %v", got.ProgressProcessed, got.ProgressTotal)
	}
}
