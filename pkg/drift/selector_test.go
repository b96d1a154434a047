package drift_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantatlas/operations/pkg/drift"
)

// TestSelectorWithZeroToThreeRuns: fewer than two successful runs block the scope with the
// message; with two, the older is the baseline; with three, the two newest are compared.
func TestSelectorWithZeroToThreeRuns(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	check := func(wantBaseline, wantCurrent int64) {
		t.Helper()
		cmp, err := drift.SelectComparison(ctx, w.db.Gorm, w.tn, scopeA)
		if wantCurrent == 0 {
			if !errors.Is(err, drift.ErrBlocked) || err.Error() != "Need at least 2 successful runs for this scope to calculate drift" {
				t.Fatalf("want blocked, got %+v, %v", cmp, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if cmp.Baseline.ID != wantBaseline || cmp.Current.ID != wantCurrent || cmp.TenantID != w.tn || cmp.ScopeKey != scopeA {
			t.Fatalf("comparison %+v, want baseline %d current %d", cmp, wantBaseline, wantCurrent)
		}
		if !cmp.Baseline.CompletedAt.Before(cmp.Current.CompletedAt) {
			t.Fatalf("baseline completed %v, current %v", cmp.Baseline.CompletedAt, cmp.Current.CompletedAt)
		}
	}

	check(0, 0) // no run
	ov, err := drift.Describe(ctx, w.db.Gorm, w.tn, scopeA)
	if err != nil || ov.State != drift.StateBlocked || ov.Message != drift.BlockedMessage || ov.Current != nil || ov.Baseline != nil {
		t.Fatalf("overview with no run: %+v %v", ov, err)
	}

	r1 := w.syncRun(w.tn, selA, "succeeded")
	check(0, 0) // one run
	ov, err = drift.Describe(ctx, w.db.Gorm, w.tn, scopeA)
	if err != nil || ov.State != drift.StateBlocked || ov.Current == nil || ov.Current.ID != r1 || ov.Baseline != nil {
		t.Fatalf("overview with one run: %+v %v", ov, err)
	}

	r2 := w.syncRun(w.tn, selA, "succeeded")
	check(r1, r2)
	r3 := w.syncRun(w.tn, selA, "succeeded")
	check(r2, r3)
}

// TestSelectorIgnoresOtherRuns: failed, partially succeeded, cancelled, blocked and active runs,
// runs of other scopes, of other tenants and of other types are never baseline or current. A
// partially succeeded run is left out because its observations are incomplete: comparing with it
// would invent "removed" findings for every item of the types that failed.
func TestSelectorIgnoresOtherRuns(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	other := w.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'U', 'e-2')`, w.ws)

	baseline := w.syncRun(w.tn, selA, "succeeded")
	w.syncRun(w.tn, selA, "partially_succeeded")
	current := w.syncRun(w.tn, selA, "succeeded")
	for _, outcome := range []string{"partially_succeeded", "failed", "cancelled", "blocked"} {
		w.syncRun(w.tn, selA, outcome) // newer than current
	}
	w.exec(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, context) VALUES ($1, $2, 'System', 'inventory_sync', $3)`,
		w.ws, w.tn, `{"scope_key": "`+scopeA+`"}`) // queued
	w.syncRun(w.tn, selB, "succeeded")  // other scope
	w.syncRun(w.tn, selB, "succeeded")  // other scope
	w.syncRun(other, selA, "succeeded") // other tenant
	w.syncRun(other, selA, "succeeded")
	w.exec(`UPDATE operation_runs SET type = 'entra_group_sync' WHERE id = $1`, w.syncRun(w.tn, selA, "succeeded")) // other type

	cmp := w.comparison(scopeA)
	if cmp.Baseline.ID != baseline || cmp.Current.ID != current {
		t.Fatalf("comparison %d → %d, want %d → %d", cmp.Baseline.ID, cmp.Current.ID, baseline, current)
	}

	// A scope whose only runs beyond the first are partial stays blocked.
	w2 := newWorld(t)
	w2.syncRun(w2.tn, selA, "succeeded")
	w2.syncRun(w2.tn, selA, "partially_succeeded")
	w2.syncRun(w2.tn, selA, "partially_succeeded")
	if _, err := drift.SelectComparison(ctx, w2.db.Gorm, w2.tn, scopeA); !errors.Is(err, drift.ErrBlocked) {
		t.Fatalf("one success and two partial runs: %v, want blocked", err)
	}
}

// TestScopes lists the scopes of the tenant's inventory syncs with their successful run counts
// and newest run.
func TestScopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.syncRun(w.tn, selA, "succeeded")
	w.syncRun(w.tn, selA, "failed")
	w.syncRun(w.tn, selA, "succeeded")
	latestB := w.syncRun(w.tn, selB, "partially_succeeded")
	scopes, err := drift.ListScopes(context.Background(), w.db.Gorm, w.tn)
	if err != nil {
		t.Fatal(err)
	}
	if len(scopes) != 2 || scopes[0].ScopeKey != scopeB || scopes[1].ScopeKey != scopeA {
		t.Fatalf("scopes %+v", scopes)
	}
	if scopes[0].SuccessfulRuns != 0 || scopes[0].Runs != 1 || scopes[0].LatestRun.ID != latestB || scopes[0].LatestRun.Outcome != "partially_succeeded" {
		t.Fatalf("scope B %+v", scopes[0])
	}
	if scopes[1].SuccessfulRuns != 2 || scopes[1].Runs != 3 || string(scopes[1].Selection) == "null" {
		t.Fatalf("scope A %+v %s", scopes[1], scopes[1].Selection)
	}
	if !drift.ValidScopeKey(scopeA) || drift.ValidScopeKey("ABC") || drift.ValidScopeKey(scopeA+"0") {
		t.Fatal("ValidScopeKey")
	}
}
