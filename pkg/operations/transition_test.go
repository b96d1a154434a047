package operations_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/operations"
)

// runIn creates a run and moves it to the given status.
func (f *fixture) runIn(t *testing.T, st operations.Status) operations.Run {
	t.Helper()
	run, _ := f.ensure(t, operations.EnsureInput{
		WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeBackupRun,
		IdentityRule: operations.IdentityAlwaysNew,
	})
	ctx := context.Background()
	var err error
	if st == operations.StatusRunning || st == operations.StatusCompleted {
		if run, err = f.svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
			t.Fatal(err)
		}
	}
	if st == operations.StatusCompleted {
		run = f.complete(t, run.ID, operations.OutcomeFailed)
	}
	return run
}

func TestTransitionPairs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	statuses := []operations.Status{operations.StatusQueued, operations.StatusRunning, operations.StatusCompleted}
	allowed := map[[2]operations.Status]bool{
		{operations.StatusQueued, operations.StatusRunning}:    true,
		{operations.StatusQueued, operations.StatusCompleted}:  true,
		{operations.StatusRunning, operations.StatusCompleted}: true,
	}
	for _, from := range statuses {
		for _, to := range append(statuses, "paused") {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				before := f.runIn(t, from)
				tr := operations.Transition{To: to}
				if to == operations.StatusCompleted {
					tr.Outcome = operations.OutcomeSucceeded
				}
				after, err := f.svc.Transition(ctx, nil, before.ID, tr)
				want := error(nil)
				switch {
				case from == operations.StatusCompleted && to != "paused":
					want = operations.ErrTerminal
				case !allowed[[2]operations.Status{from, to}]:
					want = operations.ErrInvalidTransition
				}
				if !errors.Is(err, want) || (want == nil) != (err == nil) {
					t.Fatalf("Transition: %v, want %v", err, want)
				}
				if err != nil {
					stored, gerr := f.svc.Get(ctx, before.ID)
					if gerr != nil {
						t.Fatal(gerr)
					}
					if !reflect.DeepEqual(stored, before) {
						t.Fatalf("refused transition changed the run:\n%+v\n%+v", before, stored)
					}
					return
				}
				if after.Status != to {
					t.Fatalf("status %s, want %s", after.Status, to)
				}
			})
		}
	}
}

func TestTransitionTimestampsAndOutcomes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	created := f.clock.Now()

	// queued → running → completed
	run := f.runIn(t, operations.StatusQueued)
	f.clock.Add(2 * time.Second)
	started := f.clock.Now()
	run, err := f.svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusRunning, Outcome: operations.OutcomePending})
	if err != nil {
		t.Fatal(err)
	}
	if run.StartedAt == nil || !run.StartedAt.Equal(started) || run.CompletedAt != nil || run.Outcome != operations.OutcomePending {
		t.Fatalf("after start: %+v", run)
	}
	if !run.CreatedAt.Equal(created) || !run.UpdatedAt.Equal(started) {
		t.Fatalf("after start: created %v updated %v", run.CreatedAt, run.UpdatedAt)
	}
	f.clock.Add(90 * time.Second)
	completed := f.clock.Now()
	run, err = f.svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusCompleted, Outcome: operations.OutcomePartiallySucceeded})
	if err != nil {
		t.Fatal(err)
	}
	if !run.StartedAt.Equal(started) || run.CompletedAt == nil || !run.CompletedAt.Equal(completed) ||
		!run.UpdatedAt.Equal(completed) || run.Outcome != operations.OutcomePartiallySucceeded {
		t.Fatalf("after completion: %+v", run)
	}

	// queued → completed keeps started_at NULL.
	for _, o := range []operations.Outcome{operations.OutcomeSucceeded, operations.OutcomePartiallySucceeded,
		operations.OutcomeFailed, operations.OutcomeCancelled, operations.OutcomeBlocked} {
		run := f.runIn(t, operations.StatusQueued)
		run, err := f.svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusCompleted, Outcome: o})
		if err != nil {
			t.Fatalf("%s: %v", o, err)
		}
		if run.Outcome != o || run.StartedAt != nil || run.CompletedAt == nil {
			t.Fatalf("%s: %+v", o, run)
		}
	}

	// Completion needs a terminal outcome; starting takes none.
	bad := []operations.Transition{
		{To: operations.StatusCompleted},
		{To: operations.StatusCompleted, Outcome: operations.OutcomePending},
		{To: operations.StatusCompleted, Outcome: "skipped"},
		{To: operations.StatusRunning, Outcome: operations.OutcomeSucceeded},
		{To: ""},
	}
	queued := f.runIn(t, operations.StatusQueued)
	for _, tr := range bad {
		if _, err := f.svc.Transition(ctx, nil, queued.ID, tr); !errors.Is(err, operations.ErrInvalidTransition) {
			t.Errorf("%+v: %v, want ErrInvalidTransition", tr, err)
		}
	}
	if got, _ := f.svc.Get(ctx, queued.ID); !reflect.DeepEqual(got, queued) {
		t.Fatalf("refused transitions changed the run: %+v", got)
	}
}

func TestTransitionTerminalIsImmutable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	run := f.runIn(t, operations.StatusCompleted)
	f.clock.Add(time.Hour)
	attempts := []operations.Transition{
		{To: operations.StatusCompleted, Outcome: operations.OutcomeSucceeded},
		{To: operations.StatusCompleted, Outcome: operations.OutcomeFailed, SummaryCounts: map[string]any{"total": 1}},
		{To: operations.StatusCompleted, Outcome: operations.OutcomeFailed, Failures: []operations.Failure{{Code: "x", Message: "y"}}},
		{To: operations.StatusRunning},
		{To: operations.StatusQueued},
	}
	for _, tr := range attempts {
		if _, err := f.svc.Transition(ctx, nil, run.ID, tr); !errors.Is(err, operations.ErrTerminal) {
			t.Errorf("%+v: %v, want ErrTerminal", tr, err)
		}
	}
	got, err := f.svc.Get(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, run) {
		t.Fatalf("completed run changed:\n%+v\n%+v", run, got)
	}
}

func TestTransitionNotFound(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tr := range []operations.Transition{
		{To: operations.StatusRunning},
		{To: operations.StatusCompleted, Outcome: operations.OutcomeFailed},
		{To: operations.StatusCompleted, Outcome: operations.OutcomeFailed, SummaryCounts: map[string]any{"total": 1}},
		{To: operations.StatusQueued},
	} {
		if _, err := f.svc.Transition(ctx, nil, 987654, tr); !errors.Is(err, operations.ErrNotFound) {
			t.Errorf("%+v: %v, want ErrNotFound", tr, err)
		}
	}
	if _, err := f.svc.Get(ctx, 987654); !errors.Is(err, operations.ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotFound", err)
	}
}

func TestTransitionStoresSanitisedCountsAndFailures(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	run, _ := f.ensure(t, operations.EnsureInput{WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeInventorySync})
	run, err := f.svc.Transition(ctx, nil, run.ID, operations.Transition{
		To:            operations.StatusRunning,
		SummaryCounts: map[string]any{"total": 12},
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(run.SummaryCounts) != `{"total": 12}` {
		t.Fatalf("counts after start: %s", run.SummaryCounts)
	}
	run, err = f.svc.Transition(ctx, nil, run.ID, operations.Transition{
		To:      operations.StatusCompleted,
		Outcome: operations.OutcomePartiallySucceeded,
		SummaryCounts: map[string]any{
			"total": 12, "processed": 12.0, "succeeded": json.Number("10"), "failed": 2,
			"created": 3, "items": 5, "secret": 1, "skipped": -1, "updated": "7",
		},
		Failures: []operations.Failure{
			{Code: "graph.throttled", Message: "Graph returned 429 for deviceConfigurations", Count: 1},
			{Code: "graph.throttled", Message: "Graph returned 429 for deviceConfigurations", Count: 1},
			{Code: "auth failed!", Message: "token request failed: client_secret=s3cr3t-Value~x"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var counts map[string]int64
	if err := json.Unmarshal(run.SummaryCounts, &counts); err != nil {
		t.Fatal(err)
	}
	wantCounts := map[string]int64{"total": 12, "processed": 12, "succeeded": 10, "failed": 2, "created": 3}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Fatalf("counts %v, want %v", counts, wantCounts)
	}
	var failures []operations.Failure
	if err := json.Unmarshal(run.FailureSummary, &failures); err != nil {
		t.Fatal(err)
	}
	wantFailures := []operations.Failure{
		{Code: "graph.throttled", Message: "Graph returned 429 for deviceConfigurations", Count: 2},
		{Code: "unknown", Message: "token request failed: client_secret=[redacted]", Count: 1},
	}
	if !reflect.DeepEqual(failures, wantFailures) {
		t.Fatalf("failures %+v, want %+v", failures, wantFailures)
	}
}

func TestTransitionConcurrentCompletion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	run := f.runIn(t, operations.StatusRunning)
	outcomes := []operations.Outcome{operations.OutcomeSucceeded, operations.OutcomeFailed, operations.OutcomeCancelled, operations.OutcomeBlocked}
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = f.svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusCompleted, Outcome: outcomes[i%len(outcomes)]})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, operations.ErrTerminal):
			t.Fatalf("losing transition: %v, want ErrTerminal", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d transitions completed the run, want 1", won)
	}
}
