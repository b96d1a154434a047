package backup_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
)

// retentionAfter waits for the retention run that followed a backup run.
func (w *world) retentionAfter(runID int64) operations.Run {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var ids []int64
		rows, err := w.db.SQL.Query(`SELECT id FROM operation_runs WHERE type = 'backup_schedule_retention' AND (context->>'after_run_id')::bigint = $1`, runID)
		if err != nil {
			w.t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) > 1 {
			w.t.Fatalf("%d retention runs after run %d", len(ids), runID)
		}
		if len(ids) == 1 {
			return w.wait(ids[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.t.Fatalf("no retention run after run %d", runID)
	return operations.Run{}
}

// TestRetentionKeepsTheNewest: with retention_keep_last 2, each run's retention keeps the two
// newest sets that hold a backup and retires the rest, failed sets included.
func TestRetentionKeepsTheNewest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.graph.SetPolicies(fakeTenant, cfgPath, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 20))
	s := w.schedule(backup.ScheduleInput{RetentionKeepLast: ptr(2), IncludeFoundations: ptr(false)}, time.Now())
	var setIDs []int64
	var last operations.Run
	for i := 0; i < 4; i++ {
		if i == 3 {
			w.graph.Fail(graphtest.AllPaths, 403, "Authorization_RequestDenied", -1)
		}
		run := w.wait(w.runNow(s.ID).ID)
		rc, _ := backup.ReadRunContext(run)
		setIDs = append(setIDs, *rc.BackupSetID)
		last = w.retentionAfter(run.ID)
		c := countsOf(t, last)
		wantKept, wantRetired := int64(min(i+1, 2)), int64(0)
		if i >= 2 {
			wantRetired = 1
		}
		if last.Outcome != operations.OutcomeSucceeded || last.UserID != nil || c["kept"] != wantKept || c["retired"] != wantRetired {
			t.Fatalf("retention after run %d: %s %v", i+1, last.Outcome, c)
		}
	}
	for i, id := range setIDs {
		set, err := backup.GetSet(context.Background(), w.db.Gorm, w.tn, id)
		if err != nil {
			t.Fatal(err)
		}
		wantRetired := i == 0 || i == 3 // the oldest success and the failed one
		if (set.RetiredAt != nil) != wantRetired {
			t.Fatalf("set %d (%s): retired %v, want %v", i+1, set.Status, set.RetiredAt, wantRetired)
		}
	}
	// The list shows the kept sets; include_retired shows all.
	page, _ := backup.ListSets(context.Background(), w.db.Gorm, w.tn, backup.SetFilter{BackupScheduleID: &s.ID}, nil, 50)
	all, _ := backup.ListSets(context.Background(), w.db.Gorm, w.tn, backup.SetFilter{BackupScheduleID: &s.ID, IncludeRetired: true}, nil, 50)
	if len(page.Sets) != 2 || len(all.Sets) != 4 || page.Sets[0].ID != setIDs[2] {
		t.Fatalf("list %d, with retired %d", len(page.Sets), len(all.Sets))
	}
	// Lowering retention_keep_last takes effect at the next retention.
	if _, err := backup.UpdateSchedule(context.Background(), w.db.Gorm, w.tn, s.ID, backup.ScheduleInput{RetentionKeepLast: ptr(1)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	sched, _ := backup.GetSchedule(context.Background(), w.db.Gorm, w.tn, s.ID)
	kept, retired, err := backup.ApplyRetention(context.Background(), w.db.Gorm, sched, time.Now())
	if err != nil || kept != 1 || retired != 1 {
		t.Fatalf("keep 1: kept %d retired %d %v", kept, retired, err)
	}
}

// purgeFixture: sets of the fixture's tenant retired 40 and 10 days ago and one never retired,
// and a set of another workspace's tenant retired 40 days ago.
func purgeFixture(t *testing.T) (f *fixture, old, recent, live, foreign int64, otherWS int64) {
	f = newFixture(t)
	otherWS = f.id(`INSERT INTO workspaces (name, slug) VALUES ('B', 'b')`)
	otherTn := f.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'U', 'e-other')`, otherWS)
	set := func(tenant int64, retired string, items int) int64 {
		id := f.id(`INSERT INTO backup_sets (tenant_id, name, status, item_count, retired_at, created_at)
			VALUES ($1, 'S', 'completed', $2, now() - $3::interval, now() - interval '100 days')`, tenant, items, retired)
		for i := 0; i < items; i++ {
			f.exec(`INSERT INTO backup_items (tenant_id, backup_set_id, policy_type, external_id) VALUES ($1, $2, 'deviceConfiguration', $3)`, tenant, id, fmt.Sprint(i))
		}
		return id
	}
	old = set(f.tn, "40 days", 3)
	recent = set(f.tn, "10 days", 2)
	live = f.id(`INSERT INTO backup_sets (tenant_id, name, status, created_at) VALUES ($1, 'L', 'completed', now() - interval '100 days')`, f.tn)
	foreign = set(otherTn, "40 days", 1)
	return f, old, recent, live, foreign, otherWS
}

// TestPurgeOnlyPastGracePeriod: purge deletes retired sets (and their items) retired longer than
// the grace period, and nothing else, as System runs of the right scope.
func TestPurgeOnlyPastGracePeriod(t *testing.T) {
	t.Parallel()
	f, old, recent, live, foreign, otherWS := purgeFixture(t)
	ctx := context.Background()
	reports, err := f.svc.PurgeNow(ctx, backup.PurgeRequest{TenantID: &f.tn})
	if err != nil || len(reports) != 1 {
		t.Fatalf("purge: %v %v", reports, err)
	}
	r := reports[0]
	if r.Sets != 1 || r.Items != 3 || r.Run.Outcome != operations.OutcomeSucceeded || r.Run.UserID != nil ||
		r.Run.TenantID == nil || *r.Run.TenantID != f.tn || r.Run.Type != operations.TypeBackupPurge {
		t.Fatalf("report %+v", r)
	}
	for id, want := range map[int64]int64{old: 0, recent: 1, live: 1, foreign: 1} {
		if n := f.count(`SELECT count(*) FROM backup_sets WHERE id = $1`, id); n != want {
			t.Fatalf("set %d: %d rows, want %d", id, n, want)
		}
	}
	if n := f.count(`SELECT count(*) FROM backup_items WHERE backup_set_id = $1`, old); n != 0 {
		t.Fatalf("%d items of the purged set left", n)
	}
	// A shorter grace reaches the recent one too.
	if reports, err := f.svc.PurgeNow(ctx, backup.PurgeRequest{TenantID: &f.tn, Grace: 5 * 24 * time.Hour}); err != nil || reports[0].Sets != 1 || reports[0].Items != 2 {
		t.Fatalf("grace 5 days: %+v %v", reports, err)
	}

	// The daily purge: one workspace-scoped run per workspace with something to purge, queued.
	n, err := f.svc.DispatchPurges(ctx, time.Now(), backup.DefaultPurgeGrace)
	if err != nil || n != 1 {
		t.Fatalf("dispatch purges: %d %v", n, err)
	}
	if again, _ := f.svc.DispatchPurges(ctx, time.Now(), backup.DefaultPurgeGrace); again != 0 {
		t.Fatal("a second dispatch the same day created another run")
	}
	var runID int64
	if err := f.db.SQL.QueryRow(`SELECT r.id FROM operation_runs r JOIN river_job j ON j.id = r.job_id
		WHERE r.type = 'backup_schedule_purge' AND r.workspace_id = $1 AND r.tenant_id IS NULL AND j.kind = 'backup_schedule_purge'`, otherWS).Scan(&runID); err != nil {
		t.Fatalf("no queued workspace purge run: %v", err)
	}
	tr := jobs.NewTracker(f.runs, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := tr.Track(ctx, &rivertype.JobRow{ID: 1, Attempt: 1, MaxAttempts: 5}, runID, f.svc.Purge); err != nil {
		t.Fatal(err)
	}
	run := f.run(runID)
	if c := countsOf(t, run); run.Outcome != operations.OutcomeSucceeded || c["deleted"] != 1 || c["items_deleted"] != 1 {
		t.Fatalf("workspace purge %s %v", run.Outcome, c)
	}
	if n := f.count(`SELECT count(*) FROM backup_sets WHERE id = $1`, foreign); n != 0 {
		t.Fatal("the other workspace's set was kept")
	}
	if n := f.count(`SELECT count(*) FROM backup_sets WHERE id = $1`, live); n != 1 {
		t.Fatal("a set that was never retired was purged")
	}
}
