package jobs_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
)

// newDriftWorld is a syncWorld whose River worker also runs drift generations.
func newDriftWorld(t *testing.T) *syncWorld {
	t.Helper()
	w := newSyncWorld(t)
	// Replace the sync world's worker by one with a drift generator.
	w.cancel()
	if err := <-w.done; err != nil {
		t.Fatal(err)
	}
	w.done <- nil
	inv, err := inventory.NewSyncer(w.db.Gorm, w.conns)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := drift.NewGenerator(w.db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wk, err := jobs.NewWorker(ctx, jobs.WorkerConfig{DatabaseURL: w.db.URL, DB: w.db.Gorm, Log: w.log, Runs: w.runs,
		Inventory: inv, Drift: gen, FetchPollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- wk.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// TestDriftEndToEnd: two inventory syncs of a fake-Graph tenant with one addition, one removal
// and one modification between them; the drift generation, run by the worker as a canonical
// drift_generate_findings run, writes exactly those three findings, pointing at both runs.
func TestDriftEndToEnd(t *testing.T) {
	t.Parallel()
	w := newDriftWorld(t)
	w.seedGraph()
	first := w.wait(w.startInventory(allTypes).ID)
	if first.Outcome != operations.OutcomeSucceeded {
		t.Fatalf("first sync %s %s", first.Outcome, first.FailureSummary)
	}

	configs := graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 251) // cfg #250 added
	configs[7]["passwordRequired"] = !configs[7]["passwordRequired"].(bool)                     // cfg #7 modified
	configs[8]["lastModifiedDateTime"] = "2026-02-01T00:00:00Z"                                 // volatile: no change
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceConfigurations", configs)
	compliance := graphtest.Policies("cmp", "#microsoft.graph.iosCompliancePolicy", 30)
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceCompliancePolicies", compliance[1:]) // cmp #0 removed
	second := w.wait(w.startInventory(allTypes).ID)
	if second.Outcome != operations.OutcomeSucceeded {
		t.Fatalf("second sync %s %s", second.Outcome, second.FailureSummary)
	}

	ctx := context.Background()
	cmp, err := drift.SelectComparison(ctx, w.db.Gorm, w.tn, allTypes.ScopeKey())
	if err != nil || cmp.Baseline.ID != first.ID || cmp.Current.ID != second.ID {
		t.Fatalf("comparison %+v %v", cmp, err)
	}
	in := w.input(drift.GenerationInputs(cmp))
	in.Type, in.Context = operations.TypeDriftGenerateFindings, drift.GenerationInputs(cmp)
	start, created, err := w.runs.Start(ctx, nil, in, nil)
	if err != nil || !created {
		t.Fatalf("start generation: %v %v", created, err)
	}
	run := w.wait(start.ID)
	if run.Outcome != operations.OutcomeSucceeded || run.Type != operations.TypeDriftGenerateFindings {
		t.Fatalf("generation %s %s %s", run.Type, run.Outcome, run.FailureSummary)
	}
	c := counts(t, run)
	if c["total"] != 3 || c["created"] != 3 || c["unchanged"] != 0 || c["added"] != 1 || c["removed"] != 1 || c["modified"] != 1 {
		t.Fatalf("generation counts %v", c)
	}

	rows, err := w.db.SQL.Query(`SELECT change_type || ' ' || subject_type || ' ' || subject_external_id || ' ' || severity
		FROM findings WHERE tenant_id = $1 AND baseline_operation_run_id = $2 AND current_operation_run_id = $3 AND scope_key = $4`,
		w.tn, first.ID, second.ID, allTypes.ScopeKey())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	sort.Strings(got)
	want := []string{
		"added deviceConfiguration " + graphtest.DeterministicID("cfg", 250) + " low",
		"modified deviceConfiguration " + graphtest.DeterministicID("cfg", 7) + " medium",
		"removed deviceCompliancePolicy " + graphtest.DeterministicID("cmp", 0) + " high",
	}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("findings\n got %q\nwant %q", got, want)
	}
	if n := w.count(`SELECT count(*) FROM findings`); n != 3 {
		t.Fatalf("%d findings in all", n)
	}
	if n := w.count(`SELECT count(*) FROM notifications WHERE run_id = $1 AND user_id = $2`, run.ID, w.userID); n != 1 {
		t.Fatalf("%d notifications of the generation", n)
	}
}
