package drift_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/operations"
)

// manyFindings writes n findings of the tenant (scope A, runs r1 → r2), severities cycling
// low, medium, high, ids ascending with created_at.
func (w *world) manyFindings(tenantID int64, n int, r1, r2 int64) {
	w.t.Helper()
	w.exec(`INSERT INTO findings (tenant_id, scope_key, baseline_operation_run_id, current_operation_run_id, fingerprint,
			subject_type, subject_external_id, change_type, severity, created_at)
		SELECT $1::bigint, $2, $3, $4, md5($1::bigint::text || '-' || g), CASE WHEN g % 2 = 0 THEN 'deviceConfiguration' ELSE 'roleScopeTag' END,
			'item-' || g, 'modified', (ARRAY['low', 'medium', 'high'])[g % 3 + 1], timestamptz '2026-03-01' + g * interval '1 second'
		FROM generate_series(1, $5) g`, tenantID, scopeA, r1, r2, n)
}

func TestListFindings(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r1, r2 := w.syncRun(w.tn, selA, "succeeded"), w.syncRun(w.tn, selA, "succeeded")
	w.manyFindings(w.tn, 25, r1, r2)
	other := w.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'U', 'e-2')`, w.ws)
	w.manyFindings(other, 5, r1, r2)
	w.exec(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, display_name) VALUES ($1, 'deviceConfiguration', 'item-2', 'Baseline Windows')`, w.tn)

	// Newest first, keyset pages of 10: 25 → 10 + 10 + 5, no overlap.
	var seen []int64
	var after *drift.FindingCursor
	for {
		p, err := drift.ListFindings(ctx, w.db.Gorm, w.tn, drift.FindingFilter{}, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Findings {
			if f.TenantID != w.tn {
				t.Fatalf("another tenant's finding %d", f.ID)
			}
			seen = append(seen, f.ID)
		}
		if p.Next == nil {
			break
		}
		after = p.Next
	}
	if len(seen) != 25 {
		t.Fatalf("paged %d findings", len(seen))
	}
	// The fixture's ids grow with created_at: newest first is descending ids.
	for i := 1; i < len(seen); i++ {
		if seen[i] >= seen[i-1] {
			t.Fatalf("order %v", seen)
		}
	}

	count := func(f drift.FindingFilter) int {
		t.Helper()
		p, err := drift.ListFindings(ctx, w.db.Gorm, w.tn, f, nil, 200)
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Findings)
	}
	if n := count(drift.FindingFilter{Severities: []string{"high"}}); n != 8 {
		t.Errorf("high: %d", n)
	}
	if n := count(drift.FindingFilter{Severities: []string{"high", "low"}, SubjectTypes: []string{"deviceConfiguration"}}); n != 8 {
		t.Errorf("high or low configurations: %d", n)
	}
	if n := count(drift.FindingFilter{ScopeKey: scopeB}); n != 0 {
		t.Errorf("scope B: %d", n)
	}
	if n := count(drift.FindingFilter{BaselineRunID: &r1, CurrentRunID: &r2}); n != 25 {
		t.Errorf("by runs: %d", n)
	}
	if n := count(drift.FindingFilter{CurrentRunID: &r1}); n != 0 {
		t.Errorf("current = baseline run: %d", n)
	}
	w.exec(`UPDATE findings SET status = 'acknowledged' WHERE subject_external_id IN ('item-1', 'item-2')`)
	if n, a, all := count(drift.FindingFilter{}), count(drift.FindingFilter{Status: "acknowledged"}), count(drift.FindingFilter{Status: "all"}); n != 23 || a != 2 || all != 25 {
		t.Errorf("new %d, acknowledged %d, all %d", n, a, all)
	}
	p, _ := drift.ListFindings(ctx, w.db.Gorm, w.tn, drift.FindingFilter{Status: "acknowledged"}, nil, 10)
	for _, f := range p.Findings {
		named := f.SubjectDisplayName != nil && *f.SubjectDisplayName == "Baseline Windows"
		if named != (f.SubjectExternalID == "item-2") {
			t.Errorf("%s: display name %v", f.SubjectExternalID, f.SubjectDisplayName)
		}
		if f.BaselineCompletedAt == nil || f.CurrentCompletedAt == nil {
			t.Errorf("run times missing")
		}
	}
}

func TestAcknowledge(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	r1, r2 := w.syncRun(w.tn, selA, "succeeded"), w.syncRun(w.tn, selA, "succeeded")
	w.manyFindings(w.tn, 150, r1, r2)
	other := w.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'U', 'e-2')`, w.ws)
	w.manyFindings(other, 3, r1, r2)
	var foreign, first int64
	_ = w.db.SQL.QueryRow(`SELECT min(id) FROM findings WHERE tenant_id = $1`, other).Scan(&foreign)
	_ = w.db.SQL.QueryRow(`SELECT min(id) FROM findings WHERE tenant_id = $1`, w.tn).Scan(&first)
	t1 := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)

	// One finding; again keeps the first acknowledgement; another tenant's is not found.
	f, err := drift.Acknowledge(ctx, w.db.Gorm, w.tn, first, w.user, t1)
	if err != nil || f.Status != "acknowledged" || f.AcknowledgedAt == nil || !f.AcknowledgedAt.Equal(t1) || *f.AcknowledgedByUserID != w.user {
		t.Fatalf("acknowledge: %+v %v", f, err)
	}
	f, err = drift.Acknowledge(ctx, w.db.Gorm, w.tn, first, w.user, t1.Add(time.Hour))
	if err != nil || !f.AcknowledgedAt.Equal(t1) {
		t.Fatalf("acknowledge again: %+v %v", f.AcknowledgedAt, err)
	}
	if _, err := drift.Acknowledge(ctx, w.db.Gorm, w.tn, foreign, w.user, t1); !errors.Is(err, drift.ErrNotFound) {
		t.Fatalf("another tenant's finding: %v", err)
	}

	// By ids: the tenant's are acknowledged, the foreign and unknown ones reported, none changed.
	res, err := drift.AcknowledgeIDs(ctx, w.db.Gorm, w.tn, []int64{first, first + 1, first + 2, foreign, 999999999, foreign}, w.user, t1)
	if err != nil || res.Matched != 3 || res.Acknowledged != 2 || fmt.Sprint(res.NotFound) != fmt.Sprint([]int64{foreign, 999999999}) {
		t.Fatalf("by ids: %+v %v", res, err)
	}
	if n := w.count(`SELECT count(*) FROM findings WHERE tenant_id = $1 AND status = 'acknowledged'`, other); n != 0 {
		t.Fatalf("%d of another tenant's findings acknowledged", n)
	}

	// By filter: 147 new findings left; above the threshold without a (right) confirmation nothing
	// changes and the count comes back.
	var confirm *drift.ConfirmRequiredError
	_, err = drift.AcknowledgeMatching(ctx, w.db.Gorm, w.tn, drift.FindingFilter{Status: "all"}, nil, w.user, t1)
	if !errors.As(err, &confirm) || confirm.Count != 147 {
		t.Fatalf("no confirmation: %v", err)
	}
	_, err = drift.AcknowledgeMatching(ctx, w.db.Gorm, w.tn, drift.FindingFilter{}, new(int64(146)), w.user, t1)
	if !errors.As(err, &confirm) || confirm.Count != 147 {
		t.Fatalf("wrong confirmation: %v", err)
	}
	if n := w.count(`SELECT count(*) FROM findings WHERE tenant_id = $1 AND status = 'new'`, w.tn); n != 147 {
		t.Fatalf("a refused acknowledgement changed %d findings", 147-n)
	}
	// A narrower filter at or below the threshold needs no confirmation.
	res, err = drift.AcknowledgeMatching(ctx, w.db.Gorm, w.tn, drift.FindingFilter{Severities: []string{"high"}}, nil, w.user, t1)
	if err != nil || res.Matched != 49 || res.Acknowledged != 49 {
		t.Fatalf("high only: %+v %v", res, err)
	}
	res, err = drift.AcknowledgeMatching(ctx, w.db.Gorm, w.tn, drift.FindingFilter{ScopeKey: scopeA}, new(int64(98)), w.user, t1)
	if err != nil || res.Matched != 98 || res.Acknowledged != 98 {
		t.Fatalf("confirmed: %+v %v", res, err)
	}
	if n := w.count(`SELECT count(*) FROM findings WHERE status = 'new'`); n != 3 {
		t.Fatalf("%d new findings left, want the other tenant's 3", n)
	}
}

// TestGenerationIdentity: one generation per comparison. While one is active, Ensure reuses it;
// once it succeeded, a new one conflicts on the generation key and FindGeneration answers with
// it; after a failed one, the comparison can be generated again. Describe follows along.
func TestGenerationIdentity(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	cmp := w.twoRuns()
	runs := operations.NewService(w.db.Gorm)
	in := operations.EnsureInput{WorkspaceID: w.ws, TenantID: &w.tn, Type: operations.TypeDriftGenerateFindings,
		IdentityInputs: drift.GenerationInputs(cmp), Context: drift.GenerationInputs(cmp)}
	state := func(want drift.State) drift.Overview {
		t.Helper()
		ov, err := drift.Describe(ctx, w.db.Gorm, w.tn, scopeA)
		if err != nil || ov.State != want {
			t.Fatalf("state %s (%s), want %s: %v", ov.State, ov.Message, want, err)
		}
		return ov
	}
	ov := state(drift.StateReady)
	if ov.Baseline.ID != cmp.Baseline.ID || ov.Current.ID != cmp.Current.ID || ov.Generation != nil || ov.Counts.Total != 0 {
		t.Fatalf("ready overview %+v", ov)
	}
	if _, ok, _ := drift.FindGeneration(ctx, w.db.Gorm, cmp); ok {
		t.Fatal("a generation before any started")
	}

	first, created, err := runs.Ensure(ctx, nil, in)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if again, created, err := runs.Ensure(ctx, nil, in); err != nil || created || again.ID != first.ID {
		t.Fatalf("while active: %d %v %v", again.ID, created, err)
	}
	if g, ok, _ := drift.FindGeneration(ctx, w.db.Gorm, cmp); !ok || g.ID != first.ID {
		t.Fatal("active generation not found")
	}
	state(drift.StateGenerating)

	gen, _ := drift.NewGenerator(w.db.Gorm)
	tr, err := gen.Generate(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	tr.To = operations.StatusCompleted
	if _, err := runs.Transition(ctx, nil, first.ID, tr); err != nil {
		t.Fatal(err)
	}
	_, _, err = runs.Ensure(ctx, nil, in)
	if !database.IsUniqueViolation(err, drift.GenerationKey) {
		t.Fatalf("a second generation after one succeeded: %v", err)
	}
	if g, ok, _ := drift.FindGeneration(ctx, w.db.Gorm, cmp); !ok || g.ID != first.ID || g.Outcome != operations.OutcomeSucceeded {
		t.Fatal("succeeded generation not found")
	}
	ov = state(drift.StateGenerated)
	if ov.Generation.ID != first.ID || ov.Counts.Total != 4 || ov.Counts.BySeverity["high"] != 1 || ov.Counts.BySeverity["low"] != 1 ||
		ov.Counts.BySeverity["medium"] != 2 || ov.Counts.ByStatus["new"] != 4 || ov.Counts.ByStatus["acknowledged"] != 0 {
		t.Fatalf("generated overview %+v", ov)
	}

	// A failed generation of the next comparison frees it.
	next := w.syncRun(w.tn, selA, "succeeded")
	cmp2 := w.comparison(scopeA)
	if cmp2.Current.ID != next {
		t.Fatal("next comparison")
	}
	in.IdentityInputs, in.Context = drift.GenerationInputs(cmp2), drift.GenerationInputs(cmp2)
	failed, _, err := runs.Ensure(ctx, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runs.Transition(ctx, nil, failed.ID, operations.Transition{To: operations.StatusCompleted, Outcome: operations.OutcomeFailed}); err != nil {
		t.Fatal(err)
	}
	if ov := state(drift.StateReady); ov.Generation == nil || ov.Generation.ID != failed.ID {
		t.Fatalf("ready after a failure: %+v", ov)
	}
	if _, ok, _ := drift.FindGeneration(ctx, w.db.Gorm, cmp2); ok {
		t.Fatal("a failed generation blocks the comparison")
	}
	if retry, created, err := runs.Ensure(ctx, nil, in); err != nil || !created || retry.ID == failed.ID {
		t.Fatalf("retry after failure: %v %v", created, err)
	}
}
