package backup_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

const (
	cfgPath = "deviceManagement/deviceConfigurations"
	cmpPath = "deviceManagement/deviceCompliancePolicies"
)

func (w *world) seedGraph() {
	w.graph.SetPolicies(fakeTenant, cfgPath, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 250))
	w.graph.SetPolicies(fakeTenant, cmpPath, graphtest.Policies("cmp", "#microsoft.graph.iosCompliancePolicy", 30))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/roleScopeTags", graphtest.Policies("tag", "#microsoft.graph.roleScopeTag", 3))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/assignmentFilters", graphtest.Policies("flt", "#microsoft.graph.deviceAndAppManagementAssignmentFilter", 2))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/notificationMessageTemplates", graphtest.Policies("tpl", "#microsoft.graph.notificationMessageTemplate", 1))
	w.graph.SetAssignments(fakeTenant, cfgPath, graphtest.DeterministicID("cfg", 7), "group-a", "group-b")
}

const seededTotal = 250 + 30 + 3 + 2 + 1

// oneTerminalRun checks the rule every path keeps: the schedule has exactly the backup runs
// expected, all completed with a terminal outcome, none active.
func (f *fixture) oneTerminalRun(scheduleID int64, want int) {
	f.t.Helper()
	var total, terminal int64
	if err := f.db.SQL.QueryRow(`SELECT count(*), count(*) FILTER (WHERE status = 'completed' AND outcome <> 'pending')
		FROM operation_runs WHERE type = 'backup_schedule_run' AND (context->>'backup_schedule_id')::bigint = $1`, scheduleID).
		Scan(&total, &terminal); err != nil {
		f.t.Fatal(err)
	}
	if total != int64(want) || terminal != total {
		f.t.Fatalf("schedule %d: %d backup runs, %d terminal; want %d, all terminal", scheduleID, total, terminal, want)
	}
}

func hasFailure(fs []operations.Failure, code, contains string) bool {
	for _, f := range fs {
		if f.Code == code && strings.Contains(f.Message, contains) {
			return true
		}
	}
	return false
}

// TestBackupRunSucceeds: run now backs up every policy of the schedule's types (and the
// foundations) with assignments into one set named after the schedule and the slot in its time
// zone; the schedule records the run; a System retention run follows.
func TestBackupRunSucceeds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedGraph()
	s := w.schedule(backup.ScheduleInput{Name: ptr("Contoso nightly"), Timezone: ptr("Europe/Berlin"),
		PolicyTypes: ptr([]string{"deviceCompliancePolicy", "deviceConfiguration"})}, time.Now())
	run := w.wait(w.runNow(s.ID).ID)
	if run.Outcome != operations.OutcomeSucceeded {
		t.Fatalf("run %s %s", run.Outcome, run.FailureSummary)
	}
	w.oneTerminalRun(s.ID, 1)
	c := countsOf(t, run)
	if c["items"] != seededTotal || c["total"] != seededTotal || c["succeeded"] != seededTotal || c["policy_types"] != 5 || c["failed"] != 0 {
		t.Fatalf("counts %v", c)
	}
	rc, err := backup.ReadRunContext(run)
	if err != nil || rc.BackupSetID == nil || rc.Trigger != backup.TriggerRunNow {
		t.Fatalf("context %s: %v", run.Context, err)
	}
	set, err := backup.GetSet(context.Background(), w.db.Gorm, w.tn, *rc.BackupSetID)
	if err != nil {
		t.Fatal(err)
	}
	slot, _ := time.Parse(time.RFC3339, rc.ScheduledFor)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if want := "Contoso nightly - " + slot.In(berlin).Format("2006-01-02 15:04"); set.Name != want {
		t.Fatalf("set name %q, want %q", set.Name, want)
	}
	if set.Status != backup.SetCompleted || set.ItemCount != seededTotal || *set.BackupScheduleID != s.ID || *set.OperationRunID != run.ID || set.RetiredAt != nil {
		t.Fatalf("set %+v", set)
	}
	var payload, assignments []byte
	var hash string
	if err := w.db.SQL.QueryRow(`SELECT payload, assignments, content_hash FROM backup_items
		WHERE backup_set_id = $1 AND external_id = $2`, set.ID, graphtest.DeterministicID("cfg", 7)).Scan(&payload, &assignments, &hash); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(payload), `"assignments"`) || !strings.Contains(string(payload), `"displayName"`) ||
		!strings.Contains(string(assignments), "group-b") || len(hash) != 64 {
		t.Fatalf("item payload %s assignments %s hash %q", payload, assignments, hash)
	}
	if n := w.count(`SELECT count(*) FROM backup_items WHERE backup_set_id = $1 AND policy_type = 'roleScopeTag'`, set.ID); n != 3 {
		t.Fatalf("%d scope tags", n)
	}
	// Full objects were read one by one with their assignments.
	if n := w.graph.Requests(cfgPath + "/" + graphtest.DeterministicID("cfg", 7)); n != 1 {
		t.Fatalf("%d GETs of one policy", n)
	}

	got, _ := backup.GetSchedule(context.Background(), w.db.Gorm, w.tn, s.ID)
	if got.LastRunAt == nil || got.LastRunStatus == nil || *got.LastRunStatus != "succeeded" || got.NextRunAt == nil {
		t.Fatalf("schedule after the run: %+v", got)
	}
	if n := w.count(`SELECT count(*) FROM notifications WHERE run_id = $1 AND user_id = $2`, run.ID, w.userID); n != 1 {
		t.Fatalf("%d notifications", n)
	}

	var retentionID int64
	if err := w.db.SQL.QueryRow(`SELECT id FROM operation_runs WHERE type = 'backup_schedule_retention'
		AND (context->>'backup_schedule_id')::bigint = $1 AND (context->>'after_run_id')::bigint = $2 AND user_id IS NULL`, s.ID, run.ID).Scan(&retentionID); err != nil {
		t.Fatalf("no retention run: %v", err)
	}
	ret := w.wait(retentionID)
	if rc := countsOf(t, ret); ret.Outcome != operations.OutcomeSucceeded || rc["kept"] != 1 || rc["retired"] != 0 {
		t.Fatalf("retention %s %v", ret.Outcome, rc)
	}
}

// TestBackupBlockedByLock: while another session holds the schedule's lock, a run completes as
// blocked (schedule.locked) and writes nothing; once it is released, the next run backs up.
func TestBackupBlockedByLock(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedGraph()
	s := w.schedule(backup.ScheduleInput{}, time.Now())
	conn, err := w.db.SQL.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_lock($1)`, backup.LockKey(s.ID)); err != nil {
		t.Fatal(err)
	}
	blocked := w.wait(w.runNow(s.ID).ID)
	if blocked.Outcome != operations.OutcomeBlocked || !hasFailure(failuresOf(t, blocked), backup.CodeScheduleLocked, "lock") {
		t.Fatalf("run %s %s", blocked.Outcome, blocked.FailureSummary)
	}
	if n := w.count(`SELECT count(*) FROM backup_sets`); n != 0 {
		t.Fatalf("%d sets", n)
	}
	if n := w.count(`SELECT count(*) FROM operation_runs WHERE type = 'backup_schedule_retention'`); n != 0 {
		t.Fatal("a blocked run queued retention")
	}
	got, _ := backup.GetSchedule(context.Background(), w.db.Gorm, w.tn, s.ID)
	if got.LastRunStatus == nil || *got.LastRunStatus != "blocked" {
		t.Fatalf("last_run_status %v", got.LastRunStatus)
	}
	if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, backup.LockKey(s.ID)); err != nil {
		t.Fatal(err)
	}
	if r := w.wait(w.runNow(s.ID).ID); r.Outcome != operations.OutcomeSucceeded {
		t.Fatalf("after unlock: %s %s", r.Outcome, r.FailureSummary)
	}
	w.oneTerminalRun(s.ID, 2)
	// The run released its lock.
	var free bool
	if err := conn.QueryRowContext(context.Background(), `SELECT pg_try_advisory_lock($1)`, backup.LockKey(s.ID)).Scan(&free); err != nil || !free {
		t.Fatalf("the lock is still held after the run: %v", err)
	}
}

// TestBackupUnknownPolicyTypes: policy types that are not supported at run time are skipped
// (partially_succeeded, UNKNOWN_POLICY_TYPE naming them); with none left the run is blocked.
func TestBackupUnknownPolicyTypes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedGraph()
	s := w.schedule(backup.ScheduleInput{IncludeFoundations: ptr(false)}, time.Now())
	w.exec(`UPDATE backup_schedules SET policy_types = '{deviceConfiguration,windowsUpdateRing}' WHERE id = $1`, s.ID)
	partial := w.wait(w.runNow(s.ID).ID)
	if partial.Outcome != operations.OutcomePartiallySucceeded || !hasFailure(failuresOf(t, partial), backup.CodeUnknownPolicyType, "windowsUpdateRing") {
		t.Fatalf("run %s %s", partial.Outcome, partial.FailureSummary)
	}
	if c := countsOf(t, partial); c["items"] != 250 {
		t.Fatalf("counts %v", c)
	}
	if n := w.count(`SELECT count(*) FROM backup_sets WHERE status = 'partial'`); n != 1 {
		t.Fatal("the set is not partial")
	}

	w.exec(`UPDATE backup_schedules SET policy_types = '{windowsUpdateRing,mobileApp}', include_foundations = true WHERE id = $1`, s.ID)
	blocked := w.wait(w.runNow(s.ID).ID)
	if blocked.Outcome != operations.OutcomeBlocked || !hasFailure(failuresOf(t, blocked), backup.CodeUnknownPolicyType, "mobileApp") {
		t.Fatalf("run %s %s", blocked.Outcome, blocked.FailureSummary)
	}
	if n := w.count(`SELECT count(*) FROM backup_sets`); n != 1 {
		t.Fatalf("%d sets: a blocked run wrote one", n)
	}
	w.oneTerminalRun(s.ID, 2)
}

// TestBackupGraphFailures: Graph errors become the run's failure codes; one failing type beside
// a backup is partial, nothing backed up is failed; no secret reaches a run or the logs.
func TestBackupGraphFailures(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedGraph()
	s := w.schedule(backup.ScheduleInput{PolicyTypes: ptr([]string{"deviceCompliancePolicy", "deviceConfiguration"}), IncludeFoundations: ptr(false)}, time.Now())

	w.graph.Fail(cmpPath, 403, "Authorization_RequestDenied", -1)
	partial := w.wait(w.runNow(s.ID).ID)
	if partial.Outcome != operations.OutcomePartiallySucceeded || !hasFailure(failuresOf(t, partial), backup.CodePermissionMissing, cmpPath) {
		t.Fatalf("403 on one type: %s %s", partial.Outcome, partial.FailureSummary)
	}
	w.graph.ClearFaults()

	w.graph.Fail(graphtest.AllPaths, 403, "Authorization_RequestDenied", -1)
	failed := w.wait(w.runNow(s.ID).ID)
	if failed.Outcome != operations.OutcomeFailed || !hasFailure(failuresOf(t, failed), backup.CodePermissionMissing, "") {
		t.Fatalf("403 everywhere: %s %s", failed.Outcome, failed.FailureSummary)
	}
	w.graph.ClearFaults()

	w.graph.Throttle(graphtest.AllPaths, -1, "1")
	throttled := w.wait(w.runNow(s.ID).ID)
	if throttled.Outcome != operations.OutcomeFailed || !hasFailure(failuresOf(t, throttled), backup.CodeGraphThrottle, "") {
		t.Fatalf("throttled: %s %s", throttled.Outcome, throttled.FailureSummary)
	}
	w.graph.ClearFaults()

	w.graph.ExpireSecret(fakeTenant)
	expired := w.wait(w.runNow(s.ID).ID)
	if expired.Outcome != operations.OutcomeFailed || !hasFailure(failuresOf(t, expired), backup.CodeTokenExpired, "") {
		t.Fatalf("expired secret: %s %s", expired.Outcome, expired.FailureSummary)
	}
	// A 404 on one object between list and read: that object is skipped, the run succeeds.
	w.graph.AddTenant(fakeTenant, appID, appSecret)
	w.graph.Fail(cmpPath+"/"+graphtest.DeterministicID("cmp", 3), 404, "ResourceNotFound", 1)
	vanished := w.wait(w.runNow(s.ID).ID)
	if c := countsOf(t, vanished); vanished.Outcome != operations.OutcomeSucceeded || c["skipped"] != 1 || c["items"] != 279 {
		t.Fatalf("vanished object: %s %v %s", vanished.Outcome, c, vanished.FailureSummary)
	}
	w.oneTerminalRun(s.ID, 5)
	for _, r := range []operations.Run{partial, failed, throttled, expired} {
		if strings.Contains(string(r.FailureSummary), appSecret) || strings.Contains(string(r.FailureSummary), "eyJ") {
			t.Fatalf("a secret leaked: %s", r.FailureSummary)
		}
	}
	if logs := w.logs.String(); strings.Contains(logs, appSecret) || strings.Contains(logs, "eyJ") {
		t.Fatalf("a secret leaked into the logs")
	}
}

// trackDirectly drives a run through the real tracker without River, so a test controls when.
func (f *fixture) trackDirectly(ctx context.Context, svc *backup.Service, runID int64, attempt int) error {
	tr := jobs.NewTracker(f.runs, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tr.FailureCode = graph.FailureCode
	job := &rivertype.JobRow{ID: 1, Attempt: attempt, MaxAttempts: 5}
	return tr.Track(ctx, job, runID, func(ctx context.Context, run operations.Run) (operations.Transition, error) {
		return svc.Execute(ctx, run, attempt >= 5)
	})
}

// blockingProvider lists nothing until its context ends.
type blockingProvider struct{ started chan struct{} }

func (p blockingProvider) ForRun(context.Context, tenancy.Tenant, string, int64) (graph.Provider, error) {
	return p, nil
}

func (p blockingProvider) ListPolicies(ctx context.Context, _ string, _ func([]graph.Object) error) error {
	close(p.started)
	<-ctx.Done()
	return ctx.Err()
}
func (p blockingProvider) ListGroups(context.Context, func([]graph.Group) error) error { return nil }
func (p blockingProvider) GetPolicy(context.Context, string, string) (graph.Object, error) {
	return nil, errors.New("not reached")
}

// TestBackupEveryPathEndsOnce drives runs through the tracker down the paths that never reach
// Graph: schedule archived or disabled before the run (cancelled), schedule gone (cancelled), the
// worker stopping mid-run (failed, worker.shutdown) and a delivery after completion (no change).
// Each leaves exactly one completed run.
func TestBackupEveryPathEndsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	archived := f.schedule(backup.ScheduleInput{}, time.Now())
	run := f.runNow(archived.ID)
	if _, err := backup.ArchiveSchedule(ctx, f.db.Gorm, f.tn, archived.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.trackDirectly(ctx, f.svc, run.ID, 1); err != nil {
		t.Fatal(err)
	}
	if r := f.run(run.ID); r.Outcome != operations.OutcomeCancelled || !hasFailure(failuresOf(t, r), backup.CodeScheduleArchived, "") {
		t.Fatalf("archived: %s %s", r.Outcome, r.FailureSummary)
	}
	f.oneTerminalRun(archived.ID, 1)
	// Delivered again: nothing changes.
	if err := f.trackDirectly(ctx, f.svc, run.ID, 2); err != nil {
		t.Fatal(err)
	}
	f.oneTerminalRun(archived.ID, 1)

	// A scheduled run whose schedule was disabled before it ran.
	disabled := f.schedule(backup.ScheduleInput{}, utc("2026-03-01T00:00:00Z"))
	f.dispatch(f.svc, utc("2026-03-01T02:30:00Z"))
	if _, err := backup.UpdateSchedule(ctx, f.db.Gorm, f.tn, disabled.ID, backup.ScheduleInput{IsEnabled: ptr(false)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	for id := range f.scheduledRuns(disabled.ID) {
		if err := f.trackDirectly(ctx, f.svc, id, 1); err != nil {
			t.Fatal(err)
		}
		if r := f.run(id); r.Outcome != operations.OutcomeCancelled || !hasFailure(failuresOf(t, r), backup.CodeScheduleDisabled, "") {
			t.Fatalf("disabled: %s %s", r.Outcome, r.FailureSummary)
		}
	}
	f.oneTerminalRun(disabled.ID, 1)

	// The schedule is gone (a run whose schedule was deleted under it).
	gone := f.schedule(backup.ScheduleInput{}, time.Now())
	goneRun := f.runNow(gone.ID)
	f.exec(`DELETE FROM backup_schedules WHERE id = $1`, gone.ID)
	if err := f.trackDirectly(ctx, f.svc, goneRun.ID, 1); err != nil {
		t.Fatal(err)
	}
	if r := f.run(goneRun.ID); r.Outcome != operations.OutcomeCancelled || !hasFailure(failuresOf(t, r), backup.CodeScheduleNotFound, "") {
		t.Fatalf("gone: %s %s", r.Outcome, r.FailureSummary)
	}

	// The worker stops mid-run: the run fails (worker.shutdown), its set is marked failed and the
	// schedule's lock is free again.
	bp := blockingProvider{started: make(chan struct{})}
	svc := f.service(bp)
	stopping := f.schedule(backup.ScheduleInput{}, time.Now())
	stopRun := f.runNow(stopping.ID)
	runCtx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- f.trackDirectly(runCtx, svc, stopRun.ID, 1) }()
	<-bp.started
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	r := f.run(stopRun.ID)
	if r.Outcome != operations.OutcomeFailed || !hasFailure(failuresOf(t, r), jobs.CodeWorkerShutdown, "") {
		t.Fatalf("shutdown: %s %s", r.Outcome, r.FailureSummary)
	}
	if n := f.count(`SELECT count(*) FROM backup_sets WHERE operation_run_id = $1 AND status = 'failed'`, stopRun.ID); n != 1 {
		t.Fatal("the interrupted set is not marked failed")
	}
	f.oneTerminalRun(stopping.ID, 1)
	var free bool
	if err := f.db.SQL.QueryRow(`SELECT pg_try_advisory_lock($1)`, backup.LockKey(stopping.ID)).Scan(&free); err != nil || !free {
		t.Fatal("the interrupted run kept its lock")
	}
}

// TestBackupTransientErrorRetriesWithinTheRun: a store failure is retried by River within the
// same run; the retry starts the set afresh, so the run ends with one set.
func TestBackupRetryStartsTheSetAfresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedGraph()
	s := w.schedule(backup.ScheduleInput{IncludeFoundations: ptr(false)}, time.Now())
	// Break the items table for the first attempt only.
	w.exec(`ALTER TABLE backup_items ADD CONSTRAINT test_no_items CHECK (false) NOT VALID`)
	run := w.runNow(s.ID)
	deadline := time.Now().Add(30 * time.Second)
	for w.count(`SELECT count(*) FROM river_job WHERE kind = 'backup_schedule_run' AND attempt >= 1 AND state IN ('retryable', 'available', 'running', 'scheduled') AND errors IS NOT NULL`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the job never failed its first attempt")
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.exec(`ALTER TABLE backup_items DROP CONSTRAINT test_no_items`)
	w.exec(`UPDATE river_job SET scheduled_at = now() WHERE kind = 'backup_schedule_run' AND state = 'retryable'`)
	done := w.wait(run.ID)
	if done.Outcome != operations.OutcomeSucceeded {
		t.Fatalf("run %s %s", done.Outcome, done.FailureSummary)
	}
	if n := w.count(`SELECT count(*) FROM backup_sets WHERE operation_run_id = $1`, run.ID); n != 1 {
		t.Fatalf("%d sets for one run", n)
	}
	var rc backup.RunContext
	_ = json.Unmarshal(done.Context, &rc)
	if rc.BackupSetID == nil || w.count(`SELECT item_count FROM backup_sets WHERE id = $1`, *rc.BackupSetID) != 250 {
		t.Fatalf("context %s", done.Context)
	}
	w.oneTerminalRun(s.ID, 1)
}
