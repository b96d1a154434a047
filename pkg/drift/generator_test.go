package drift_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/operations"
)

type findingRow struct {
	Fingerprint, SubjectType, ExternalID, ChangeType, Severity, Status string
	Baseline, Current                                                  *int64
	Evidence                                                           string
}

func (w *world) findings() map[string]findingRow {
	w.t.Helper()
	rows, err := w.db.SQL.Query(`SELECT fingerprint, subject_type, subject_external_id, change_type, severity, status,
		baseline_operation_run_id, current_operation_run_id, evidence::text FROM findings WHERE tenant_id = $1`, w.tn)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]findingRow{}
	for rows.Next() {
		var f findingRow
		if err := rows.Scan(&f.Fingerprint, &f.SubjectType, &f.ExternalID, &f.ChangeType, &f.Severity, &f.Status,
			&f.Baseline, &f.Current, &f.Evidence); err != nil {
			w.t.Fatal(err)
		}
		out[f.SubjectType+"/"+f.ExternalID] = f
	}
	return out
}

// twoRuns writes a baseline and a current run of scope A with one change of every kind:
// cfg-2 modified, cfg-3 removed, cmp-1 (a compliance policy) removed, cfg-9 added; cfg-1 and tag-1
// unchanged.
func (w *world) twoRuns() drift.Comparison {
	w.t.Helper()
	b := w.syncRun(w.tn, selA, "succeeded")
	w.observe(b, "deviceConfiguration/cfg-1=h1", "deviceConfiguration/cfg-2=h2", "deviceConfiguration/cfg-3=h3",
		"deviceCompliancePolicy/cmp-1=c1", "roleScopeTag/tag-1=t1")
	c := w.syncRun(w.tn, selA, "succeeded")
	w.observe(c, "deviceConfiguration/cfg-1=h1", "deviceConfiguration/cfg-2=h2b", "deviceConfiguration/cfg-9=h9",
		"roleScopeTag/tag-1=t1")
	return w.comparison(scopeA)
}

// TestGeneratorFindsAddedRemovedModified: each difference becomes one finding with the run
// references, the documented fingerprint, the severity of the default table and allow-listed
// evidence; running again writes nothing and counts every difference as unchanged.
func TestGeneratorFindsAddedRemovedModified(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cmp := w.twoRuns()
	ctx := context.Background()
	now := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	gen, err := drift.NewGenerator(w.db.Gorm, drift.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := gen.Write(ctx, cmp)
	if err != nil {
		t.Fatal(err)
	}
	want := drift.Result{Total: 4, Created: 4, Unchanged: 0, Added: 1, Removed: 2, Modified: 1}
	if res != want {
		t.Fatalf("result %+v, want %+v", res, want)
	}

	got := w.findings()
	expect := map[string]struct{ change, severity, bh, ch string }{
		"deviceConfiguration/cfg-2":    {"modified", "medium", "h2", "h2b"},
		"deviceConfiguration/cfg-3":    {"removed", "medium", "h3", ""},
		"deviceCompliancePolicy/cmp-1": {"removed", "high", "c1", ""},
		"deviceConfiguration/cfg-9":    {"added", "low", "", "h9"},
	}
	if len(got) != len(expect) {
		t.Fatalf("%d findings: %+v", len(got), got)
	}
	for key, e := range expect {
		f, ok := got[key]
		if !ok {
			t.Fatalf("no finding for %s", key)
		}
		if f.ChangeType != e.change || f.Severity != e.severity || f.Status != "new" {
			t.Errorf("%s: %s/%s/%s, want %s/%s/new", key, f.ChangeType, f.Severity, f.Status, e.change, e.severity)
		}
		if f.Baseline == nil || *f.Baseline != cmp.Baseline.ID || f.Current == nil || *f.Current != cmp.Current.ID {
			t.Errorf("%s: runs %v → %v", key, f.Baseline, f.Current)
		}
		if fp := fingerprint(w.tn, scopeA, f.SubjectType, f.ExternalID, e.change, e.bh, e.ch); f.Fingerprint != fp {
			t.Errorf("%s: fingerprint %s, want %s", key, f.Fingerprint, fp)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(f.Evidence), &ev); err != nil {
			t.Fatal(err)
		}
		keys := []string{}
		for k := range ev {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"baseline", "change_type", "current"}) || ev["change_type"] != e.change {
			t.Errorf("%s: evidence %s", key, f.Evidence)
		}
		base := ev["baseline"].(map[string]any)
		if base["run_id"] != float64(cmp.Baseline.ID) || base["completed_at"] != cmp.Baseline.CompletedAt.Format(time.RFC3339Nano) {
			t.Errorf("%s: evidence baseline %v", key, base)
		}
	}
	if n := w.count(`SELECT count(*) FROM findings WHERE created_at = $1 AND finding_type = 'drift' AND scope_key = $2`, now, scopeA); n != 4 {
		t.Fatalf("%d findings stamped with the clock", n)
	}

	// Again: nothing new, the same differences, the same fingerprints; an acknowledgement stays.
	w.exec(`UPDATE findings SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by_user_id = $1
		WHERE subject_external_id = 'cfg-9'`, w.user)
	again, err := gen.Write(ctx, cmp)
	if err != nil {
		t.Fatal(err)
	}
	if again != (drift.Result{Total: 4, Created: 0, Unchanged: 4, Added: 1, Removed: 2, Modified: 1}) {
		t.Fatalf("second write %+v", again)
	}
	after := w.findings()
	if len(after) != 4 || w.count(`SELECT count(*) FROM findings`) != 4 {
		t.Fatalf("%d findings after the second write", len(after))
	}
	for k, f := range got {
		if after[k].Fingerprint != f.Fingerprint {
			t.Errorf("%s: fingerprint changed", k)
		}
	}
	if after["deviceConfiguration/cfg-9"].Status != "acknowledged" {
		t.Fatal("the second write reset an acknowledgement")
	}
}

// TestAcknowledgementDoesNotCarryForward: the next comparison (a new current run) writes its own
// findings for a change that is still there but differs (other hashes), new again.
func TestAcknowledgementDoesNotCarryForward(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	gen, _ := drift.NewGenerator(w.db.Gorm)
	if _, err := gen.Write(ctx, w.twoRuns()); err != nil {
		t.Fatal(err)
	}
	w.exec(`UPDATE findings SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by_user_id = $1`, w.user)
	next := w.syncRun(w.tn, selA, "succeeded")
	w.observe(next, "deviceConfiguration/cfg-1=h1", "deviceConfiguration/cfg-2=h2c", "deviceConfiguration/cfg-9=h9",
		"roleScopeTag/tag-1=t1")
	cmp := w.comparison(scopeA)
	res, err := gen.Write(ctx, cmp)
	if err != nil {
		t.Fatal(err)
	}
	if res != (drift.Result{Total: 1, Created: 1, Modified: 1}) {
		t.Fatalf("result %+v", res)
	}
	if n := w.count(`SELECT count(*) FROM findings WHERE status = 'new' AND current_operation_run_id = $1 AND subject_external_id = 'cfg-2'`, next); n != 1 {
		t.Fatalf("%d new findings of the next comparison", n)
	}
}

func TestSeverities(t *testing.T) {
	t.Parallel()
	d := drift.DefaultSeverities()
	for _, c := range []struct{ change, subject, want string }{
		{"removed", "deviceCompliancePolicy", "high"},
		{"removed", "deviceConfiguration", "medium"},
		{"modified", "deviceCompliancePolicy", "medium"},
		{"added", "deviceCompliancePolicy", "low"},
	} {
		if got := d.For(c.change, c.subject); got != c.want {
			t.Errorf("default %s %s = %s, want %s", c.change, c.subject, got, c.want)
		}
	}
	s, err := drift.NewSeverities(map[string]string{"added:*": "medium", "*:roleScopeTag": "high", "modified:deviceConfiguration": "low"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ change, subject, want string }{
		{"added", "deviceConfiguration", "medium"},    // change:* replaced
		{"modified", "deviceConfiguration", "low"},    // exact beats change:*
		{"modified", "roleScopeTag", "medium"},        // change:* beats *:subject
		{"removed", "deviceCompliancePolicy", "high"}, // default kept
	} {
		if got := s.For(c.change, c.subject); got != c.want {
			t.Errorf("%s %s = %s, want %s", c.change, c.subject, got, c.want)
		}
	}
	if got := (drift.Severities{"*:roleScopeTag": "high"}).For("added", "roleScopeTag"); got != "high" {
		t.Errorf("*:subject = %s", got)
	}
	if got := (drift.Severities{}).For("added", "x"); got != "medium" {
		t.Errorf("no rule = %s, want medium", got)
	}
	for _, bad := range []map[string]string{{"renamed:*": "low"}, {"added": "low"}, {"added:*": "critical"}, {"added:a b": "low"}} {
		if _, err := drift.NewSeverities(bad); err == nil {
			t.Errorf("NewSeverities(%v) accepted", bad)
		}
		if _, err := drift.NewGenerator(newWorld(t).db.Gorm, drift.WithSeverityOverrides(bad)); err == nil {
			t.Errorf("NewGenerator with %v accepted", bad)
		}
	}
}

// TestSeverityFromEnvironment: TENANTATLAS_DRIFT_SEVERITY (pkg/config) reaches the generator.
func TestSeverityFromEnvironment(t *testing.T) {
	t.Setenv("TENANTATLAS_DRIFT_SEVERITY", `{"added:*":"high","removed:deviceCompliancePolicy":"low"}`)
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	cmp := w.twoRuns()
	gen, err := drift.NewGenerator(w.db.Gorm, drift.WithSeverityOverrides(cfg.DriftSeverity))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Write(context.Background(), cmp); err != nil {
		t.Fatal(err)
	}
	f := w.findings()
	if f["deviceConfiguration/cfg-9"].Severity != "high" || f["deviceCompliancePolicy/cmp-1"].Severity != "low" ||
		f["deviceConfiguration/cfg-3"].Severity != "medium" {
		t.Fatalf("severities %+v", f)
	}
	for _, bad := range []string{`not json`, `{"added:*":"urgent"}`, `{"moved:*":"low"}`, `["added:*"]`} {
		t.Setenv("TENANTATLAS_DRIFT_SEVERITY", bad)
		if _, err := config.Load(); err == nil {
			t.Errorf("config accepted %s", bad)
		}
	}
}

// TestGenerateRun: the worker's entry point reads the comparison from the run's context, puts
// the counts in the run's summary, and ends a run without a usable comparison with a clear code.
func TestGenerateRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	cmp := w.twoRuns()
	gen, _ := drift.NewGenerator(w.db.Gorm)
	ctxJSON, _ := json.Marshal(drift.GenerationInputs(cmp))
	run := operations.Run{ID: 1, TenantID: &w.tn, Type: operations.TypeDriftGenerateFindings, Context: ctxJSON}
	tr, err := gen.Generate(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Outcome != operations.OutcomeSucceeded || len(tr.Failures) != 0 {
		t.Fatalf("transition %+v", tr)
	}
	c := operations.SanitizeCounts(operations.TypeDriftGenerateFindings, tr.SummaryCounts)
	if c["total"] != 4 || c["created"] != 4 || c["unchanged"] != 0 || c["added"] != 1 || c["removed"] != 2 || c["modified"] != 1 {
		t.Fatalf("counts %v", c)
	}

	bad := []struct {
		name    string
		run     operations.Run
		outcome operations.Outcome
		code    string
	}{
		{"no tenant", operations.Run{Context: ctxJSON}, operations.OutcomeFailed, drift.CodeInvalidRun},
		{"empty context", operations.Run{TenantID: &w.tn, Context: json.RawMessage(`{}`)}, operations.OutcomeFailed, drift.CodeInvalidRun},
		{"bad scope", operations.Run{TenantID: &w.tn, Context: json.RawMessage(`{"scope_key":"x","baseline_run_id":1,"current_run_id":2}`)}, operations.OutcomeFailed, drift.CodeInvalidRun},
		{"foreign runs", operations.Run{TenantID: new(w.tn + 1000), Context: ctxJSON}, operations.OutcomeBlocked, drift.CodeRunUnavailable},
	}
	for _, b := range bad {
		tr, err := gen.Generate(ctx, b.run)
		if err != nil || tr.Outcome != b.outcome || len(tr.Failures) != 1 || tr.Failures[0].Code != b.code {
			t.Errorf("%s: %+v %v", b.name, tr, err)
		}
	}
	// The baseline run is pruned: the generation is blocked, nothing is written.
	w.exec(`DELETE FROM findings`)
	w.exec(`DELETE FROM operation_runs WHERE id = $1`, cmp.Baseline.ID)
	tr, err = gen.Generate(ctx, run)
	if err != nil || tr.Outcome != operations.OutcomeBlocked || tr.Failures[0].Code != drift.CodeRunUnavailable {
		t.Fatalf("pruned baseline: %+v %v", tr, err)
	}
	if n := w.count(`SELECT count(*) FROM findings`); n != 0 {
		t.Fatalf("%d findings for a pruned comparison", n)
	}
}
