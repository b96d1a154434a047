package operations_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

type ensureResult struct {
	run     operations.Run
	created bool
	err     error
	caller  string
}

// ensureConcurrently calls Ensure from n goroutines, each in its own transaction, with inputs
// that differ only in the initiator.
func ensureConcurrently(t *testing.T, f *fixture, n int, in func(i int) operations.EnsureInput) []ensureResult {
	t.Helper()
	ctx := context.Background()
	results := make([]ensureResult, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			input := in(i)
			results[i].caller = input.InitiatorName
			results[i].err = f.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				var err error
				results[i].run, results[i].created, err = f.svc.Ensure(ctx, tx, input)
				return err
			})
		})
	}
	close(start)
	wg.Wait()
	return results
}

// checkOneRun asserts that every result names one run, created by exactly one caller, whose
// initiator is that caller's.
func checkOneRun(t *testing.T, results []ensureResult) operations.Run {
	t.Helper()
	var creator *ensureResult
	for i := range results {
		r := &results[i]
		if r.err != nil {
			t.Fatalf("caller %s: %v", r.caller, r.err)
		}
		if r.run.ID != results[0].run.ID {
			t.Fatalf("caller %s got run %d, caller %s got run %d", r.caller, r.run.ID, results[0].caller, results[0].run.ID)
		}
		if r.created {
			if creator != nil {
				t.Fatalf("both %s and %s created the run", creator.caller, r.caller)
			}
			creator = r
		}
	}
	if creator == nil {
		t.Fatal("no caller created the run")
	}
	for _, r := range results {
		if r.run.InitiatorName != creator.caller {
			t.Fatalf("caller %s sees initiator %q, want the creator %q", r.caller, r.run.InitiatorName, creator.caller)
		}
	}
	return creator.run
}

func TestEnsureConcurrentSameIdentityTenant(t *testing.T) {
	f := newFixture(t)
	selection := map[string]any{"policy_types": []string{"deviceConfiguration", "deviceCompliancePolicy"}, "include_foundations": true}
	results := ensureConcurrently(t, f, 100, func(i int) operations.EnsureInput {
		return operations.EnsureInput{
			WorkspaceID:    f.workspaceID,
			TenantID:       &f.tenantID,
			InitiatorName:  fmt.Sprintf("caller-%03d", i),
			Type:           operations.TypeInventorySync,
			IdentityInputs: selection,
			Context:        map[string]any{"selection": selection, "caller": i},
		}
	})
	run := checkOneRun(t, results)
	if n := f.countRuns(t); n != 1 {
		t.Fatalf("operation_runs holds %d rows, want 1", n)
	}
	if run.Status != operations.StatusQueued || run.Outcome != operations.OutcomePending {
		t.Fatalf("new run is %s/%s, want queued/pending", run.Status, run.Outcome)
	}
	stored, err := f.svc.Get(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.InitiatorName != run.InitiatorName {
		t.Fatalf("stored initiator %q, creator %q", stored.InitiatorName, run.InitiatorName)
	}

	// Once the run has finished, the identity is free: the next Ensure creates a new run.
	f.complete(t, run.ID, operations.OutcomeSucceeded)
	next, created := f.ensure(t, operations.EnsureInput{
		WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeInventorySync,
		IdentityInputs: selection,
	})
	if !created || next.ID == run.ID {
		t.Fatalf("after completion: run %d created=%v, want a new run", next.ID, created)
	}
	if *next.RunIdentityHash != *run.RunIdentityHash {
		t.Fatalf("same identity hashed differently: %s, %s", *next.RunIdentityHash, *run.RunIdentityHash)
	}
	if next.InitiatorName != operations.SystemInitiator {
		t.Fatalf("system run initiator %q, want %q", next.InitiatorName, operations.SystemInitiator)
	}

	// A different identity is a different run, while the other one is active.
	other, created := f.ensure(t, operations.EnsureInput{
		WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeInventorySync,
		IdentityInputs: map[string]any{"policy_types": []string{"deviceConfiguration"}},
	})
	if !created || other.ID == next.ID {
		t.Fatalf("different identity: run %d created=%v, want a new run besides %d", other.ID, created, next.ID)
	}
	// So is the same inputs under another type.
	groups, created := f.ensure(t, operations.EnsureInput{
		WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeEntraGroupSync,
		IdentityInputs: selection,
	})
	if !created || groups.ID == next.ID {
		t.Fatalf("other type: run %d created=%v, want a new run", groups.ID, created)
	}
}

func TestEnsureConcurrentSameIdentityWorkspace(t *testing.T) {
	f := newFixture(t)
	results := ensureConcurrently(t, f, 100, func(i int) operations.EnsureInput {
		return operations.EnsureInput{
			WorkspaceID:   f.workspaceID,
			InitiatorName: fmt.Sprintf("caller-%03d", i),
			Type:          operations.TypeBackupPurge,
			// Key order does not matter to the identity.
			IdentityInputs: map[string]any{"day": "2026-02-14", "grace_days": 7},
		}
	})
	run := checkOneRun(t, results)
	if run.TenantID != nil {
		t.Fatalf("workspace run has tenant %d", *run.TenantID)
	}
	if n := f.countRuns(t); n != 1 {
		t.Fatalf("operation_runs holds %d rows, want 1", n)
	}
	f.complete(t, run.ID, operations.OutcomeSucceeded)
	next, created := f.ensure(t, operations.EnsureInput{
		WorkspaceID: f.workspaceID, Type: operations.TypeBackupPurge,
		IdentityInputs: map[string]any{"grace_days": 7, "day": "2026-02-14"},
	})
	if !created || next.ID == run.ID {
		t.Fatalf("after completion: run %d created=%v, want a new run", next.ID, created)
	}

	// A tenant run with the same inputs does not collide with the workspace run.
	tenantRun, created := f.ensure(t, operations.EnsureInput{
		WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeBackupPurge,
		IdentityInputs: map[string]any{"grace_days": 7, "day": "2026-02-14"},
	})
	if !created || tenantRun.ID == next.ID {
		t.Fatalf("tenant run: %d created=%v, want a new run", tenantRun.ID, created)
	}
}

func TestEnsureReuseKeepsOriginalInitiator(t *testing.T) {
	f := newFixture(t)
	in := operations.EnsureInput{
		WorkspaceID: f.workspaceID, TenantID: &f.tenantID,
		UserID: &f.aliceID, InitiatorName: "Alice Admin",
		Type: operations.TypeEntraGroupSync, Context: map[string]any{"requested_by": "alice"},
	}
	first, created := f.ensure(t, in)
	if !created {
		t.Fatal("first Ensure did not create")
	}
	in.UserID, in.InitiatorName, in.Context = &f.bobID, "Bob Operator", map[string]any{"requested_by": "bob"}
	second, created := f.ensure(t, in)
	if created || second.ID != first.ID {
		t.Fatalf("second Ensure: run %d created=%v, want run %d reused", second.ID, created, first.ID)
	}
	if *second.UserID != f.aliceID || second.InitiatorName != "Alice Admin" {
		t.Fatalf("reused run initiator %d/%q, want Alice", *second.UserID, second.InitiatorName)
	}
	if string(second.Context) != `{"requested_by": "alice"}` {
		t.Fatalf("reused run context %s, want the original", second.Context)
	}

	// A running run is still active and still reused.
	if _, err := f.svc.Transition(context.Background(), nil, first.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
		t.Fatal(err)
	}
	third, created := f.ensure(t, in)
	if created || third.ID != first.ID || third.Status != operations.StatusRunning {
		t.Fatalf("while running: run %d (%s) created=%v, want run %d reused", third.ID, third.Status, created, first.ID)
	}
}

func TestEnsureAlwaysNew(t *testing.T) {
	f := newFixture(t)
	inputs := map[string]any{"backup_schedule_id": 42}
	seen := map[int64]bool{}
	hashes := map[string]bool{}
	for range 5 {
		run, created := f.ensure(t, operations.EnsureInput{
			WorkspaceID: f.workspaceID, TenantID: &f.tenantID, UserID: &f.aliceID, InitiatorName: "Alice Admin",
			Type: operations.TypeBackupRun, IdentityRule: operations.IdentityAlwaysNew,
			IdentityInputs: inputs, Context: map[string]any{"backup_schedule_id": 42, "trigger": "run_now"},
		})
		if !created || seen[run.ID] || hashes[*run.RunIdentityHash] {
			t.Fatalf("run now: run %d created=%v, want a distinct new run", run.ID, created)
		}
		seen[run.ID], hashes[*run.RunIdentityHash] = true, true
	}
	if n := f.countRuns(t); n != 5 {
		t.Fatalf("operation_runs holds %d rows, want 5", n)
	}

	// The same schedule's scheduled slot is deduplicated by its default rule.
	slot := map[string]any{"backup_schedule_id": 42, "scheduled_for": "2026-02-14T09:30"}
	a, createdA := f.ensure(t, operations.EnsureInput{WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeBackupRun, IdentityInputs: slot})
	b, createdB := f.ensure(t, operations.EnsureInput{WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeBackupRun, IdentityInputs: slot})
	if !createdA || createdB || a.ID != b.ID {
		t.Fatalf("slot: runs %d (created=%v) and %d (created=%v), want one run", a.ID, createdA, b.ID, createdB)
	}
}

func TestEnsureNewRunShape(t *testing.T) {
	f := newFixture(t)
	run, created := f.ensure(t, operations.EnsureInput{
		WorkspaceID: f.workspaceID, TenantID: &f.tenantID, UserID: &f.aliceID, InitiatorName: "  Alice Admin ",
		Type: operations.TypeDriftGenerateFindings, IdentityInputs: map[string]any{"scope_key": "abc"},
	})
	if !created {
		t.Fatal("not created")
	}
	want := f.clock.Now()
	checks := []struct {
		name string
		ok   bool
	}{
		{"workspace", run.WorkspaceID == f.workspaceID},
		{"tenant", run.TenantID != nil && *run.TenantID == f.tenantID},
		{"user", run.UserID != nil && *run.UserID == f.aliceID},
		{"initiator", run.InitiatorName == "Alice Admin"},
		{"type", run.Type == operations.TypeDriftGenerateFindings},
		{"status", run.Status == operations.StatusQueued},
		{"outcome", run.Outcome == operations.OutcomePending},
		{"hash", run.RunIdentityHash != nil && len(*run.RunIdentityHash) == 64},
		{"summary_counts", string(run.SummaryCounts) == "{}"},
		{"failure_summary", string(run.FailureSummary) == "[]"},
		{"context", string(run.Context) == "{}"},
		{"started_at", run.StartedAt == nil},
		{"completed_at", run.CompletedAt == nil},
		{"created_at", run.CreatedAt.Equal(want)},
		{"updated_at", run.UpdatedAt.Equal(want)},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s is wrong in %+v", c.name, run)
		}
	}
	hash, err := operations.IdentityHash(f.tenantID, operations.TypeDriftGenerateFindings, map[string]any{"scope_key": "abc"})
	if err != nil || hash != *run.RunIdentityHash {
		t.Errorf("stored hash %s, IdentityHash gives %s (%v)", *run.RunIdentityHash, hash, err)
	}
	got, err := f.svc.Get(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(run)
	if string(a) != string(b) {
		t.Errorf("Get returns %s, Ensure returned %s", a, b)
	}
}

func TestEnsureInTransactionRollsBack(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	errEnqueue := errors.New("enqueue failed")
	var id int64
	err := f.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		run, created, err := f.svc.Ensure(ctx, tx, operations.EnsureInput{
			WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeInventorySync,
		})
		if err != nil || !created {
			t.Fatalf("Ensure in transaction: created=%v, %v", created, err)
		}
		id = run.ID
		return errEnqueue
	})
	if !errors.Is(err, errEnqueue) {
		t.Fatalf("transaction: %v", err)
	}
	if _, err := f.svc.Get(ctx, id); !errors.Is(err, operations.ErrNotFound) {
		t.Fatalf("run of a rolled-back transaction: %v, want ErrNotFound", err)
	}
}

func TestEnsureValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	valid := func() operations.EnsureInput {
		return operations.EnsureInput{WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeInventorySync}
	}
	cases := []struct {
		name   string
		change func(*operations.EnsureInput)
		want   error
	}{
		{"unknown type", func(in *operations.EnsureInput) { in.Type = "inventory.sync" }, operations.ErrUnknownType},
		{"empty type", func(in *operations.EnsureInput) { in.Type = "" }, operations.ErrUnknownType},
		{"no workspace", func(in *operations.EnsureInput) { in.WorkspaceID = 0 }, operations.ErrInvalidInput},
		{"bad tenant id", func(in *operations.EnsureInput) { in.TenantID = ptr(int64(-1)) }, operations.ErrInvalidInput},
		{"bad user id", func(in *operations.EnsureInput) { in.UserID = ptr(int64(0)) }, operations.ErrInvalidInput},
		{"user without name", func(in *operations.EnsureInput) { in.UserID = &f.aliceID }, operations.ErrInvalidInput},
		{"NUL in name", func(in *operations.EnsureInput) { in.InitiatorName = "Al\x00ice" }, operations.ErrInvalidInput},
		{"unknown rule", func(in *operations.EnsureInput) { in.IdentityRule = "sometimes" }, operations.ErrInvalidInput},
		{"slot without inputs", func(in *operations.EnsureInput) { in.Type = operations.TypeBackupRun }, operations.ErrInvalidInput},
		{"inputs not JSON", func(in *operations.EnsureInput) { in.IdentityInputs = map[string]any{"f": func() {}} }, operations.ErrInvalidInput},
		{"context not JSON", func(in *operations.EnsureInput) { in.Context = map[string]any{"c": make(chan int)} }, operations.ErrInvalidInput},
		{"NUL in context", func(in *operations.EnsureInput) { in.Context = map[string]any{"c": "a\x00b"} }, operations.ErrInvalidInput},
		{"missing workspace", func(in *operations.EnsureInput) { in.WorkspaceID = f.workspaceID + 1000 }, operations.ErrInvalidInput},
		{"missing tenant", func(in *operations.EnsureInput) { in.TenantID = ptr(f.tenantID + 1000) }, operations.ErrInvalidInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := valid()
			c.change(&in)
			_, _, err := f.svc.Ensure(ctx, nil, in)
			if !errors.Is(err, c.want) {
				t.Fatalf("Ensure: %v, want %v", err, c.want)
			}
		})
	}
	if n := f.countRuns(t); n != 0 {
		t.Fatalf("invalid input wrote %d runs", n)
	}
}
