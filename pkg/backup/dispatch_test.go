package backup_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
)

func (f *fixture) dispatch(svc *backup.Service, now time.Time) backup.DispatchResult {
	f.t.Helper()
	res, err := svc.Dispatch(context.Background(), now)
	if err != nil {
		f.t.Fatalf("dispatch at %s: %v", now.Format(time.RFC3339), err)
	}
	return res
}

func (f *fixture) nextRunAt(id int64) *time.Time {
	f.t.Helper()
	var t *time.Time
	if err := f.db.SQL.QueryRow(`SELECT next_run_at FROM backup_schedules WHERE id = $1`, id).Scan(&t); err != nil {
		f.t.Fatal(err)
	}
	return t
}

// scheduledRuns lists the scheduled runs of a schedule as (id, scheduled_for).
func (f *fixture) scheduledRuns(scheduleID int64) map[int64]string {
	f.t.Helper()
	rows, err := f.db.SQL.Query(`SELECT id, context->>'scheduled_for' FROM operation_runs
		WHERE type = 'backup_schedule_run' AND context->>'trigger' = 'scheduled' AND (context->>'backup_schedule_id')::bigint = $1`, scheduleID)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var at string
		if err := rows.Scan(&id, &at); err != nil {
			f.t.Fatal(err)
		}
		out[id] = at
	}
	return out
}

// TestDispatchTwoTicksInOneMinute: a due schedule gets exactly one System run for its slot, with
// its job; a second tick in the same minute, and a tick after the run finished with next_run_at
// pointing at the slot again, create nothing more.
func TestDispatchTwoTicksInOneMinute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	created := utc("2026-03-01T00:00:00Z")
	s := f.schedule(backup.ScheduleInput{TimeOfDay: ptr("02:30")}, created)
	if next := f.nextRunAt(s.ID); next == nil || !next.Equal(utc("2026-03-01T02:30:00Z")) {
		t.Fatalf("next_run_at after create = %v", next)
	}
	if res := f.dispatch(f.svc, utc("2026-03-01T02:29:59Z")); res.Due != 0 {
		t.Fatalf("dispatched before the slot: %+v", res)
	}
	res := f.dispatch(f.svc, utc("2026-03-01T02:30:05Z"))
	if res.Due != 1 || res.Created != 1 {
		t.Fatalf("first tick: %+v", res)
	}
	if res := f.dispatch(f.svc, utc("2026-03-01T02:30:40Z")); res.Due != 0 || res.Created != 0 {
		t.Fatalf("second tick in the minute: %+v", res)
	}
	runs := f.scheduledRuns(s.ID)
	if len(runs) != 1 {
		t.Fatalf("runs %v", runs)
	}
	var runID int64
	for id, at := range runs {
		runID = id
		if at != "2026-03-01T02:30:00Z" {
			t.Fatalf("scheduled_for %q", at)
		}
	}
	run := f.run(runID)
	if run.UserID != nil || run.InitiatorName != operations.SystemInitiator || run.Status != operations.StatusQueued || *run.TenantID != f.tn {
		t.Fatalf("run %+v", run)
	}
	var ctxMap map[string]any
	_ = json.Unmarshal(run.Context, &ctxMap)
	if n, ok := ctxMap["backup_schedule_id"].(float64); !ok || int64(n) != s.ID || ctxMap["trigger"] != "scheduled" {
		t.Fatalf("context %s: backup_schedule_id must be a number", run.Context)
	}
	if n := f.count(`SELECT count(*) FROM river_job j JOIN operation_runs r ON r.job_id = j.id
		WHERE r.id = $1 AND j.kind = 'backup_schedule_run' AND (j.args->>'run_id')::bigint = r.id`, runID); n != 1 {
		t.Fatal("the run has no job")
	}
	if next := f.nextRunAt(s.ID); next == nil || !next.Equal(utc("2026-03-02T02:30:00Z")) {
		t.Fatalf("next_run_at after dispatch = %v", next)
	}

	// The run finishes; next_run_at is put back on the slot (say a restored backup of the
	// table): the slot still does not run twice.
	if _, err := f.runs.Transition(context.Background(), nil, runID, operations.Transition{To: operations.StatusCompleted, Outcome: operations.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE backup_schedules SET next_run_at = '2026-03-01T02:30:00Z' WHERE id = $1`, s.ID)
	if res := f.dispatch(f.svc, utc("2026-03-01T02:31:00Z")); res.Created != 0 || res.Existing != 1 {
		t.Fatalf("tick after the run finished: %+v", res)
	}
	if runs := f.scheduledRuns(s.ID); len(runs) != 1 {
		t.Fatalf("runs %v", runs)
	}
	// And the database refuses a second scheduled run of the slot, whoever creates it.
	_, _, err := f.runs.Ensure(context.Background(), nil, operations.EnsureInput{WorkspaceID: f.ws, TenantID: &f.tn,
		Type: operations.TypeBackupRun, IdentityInputs: map[string]any{"other": 1},
		Context: map[string]any{"backup_schedule_id": s.ID, "trigger": "scheduled", "scheduled_for": "2026-03-01T02:30:00Z"}})
	if err == nil {
		t.Fatal("a second scheduled run of the slot was stored")
	}
}

// TestDispatchersAtOnce: several dispatchers in several processes (separate pools) tick at the
// same moment over many due schedules: each schedule gets exactly one run.
func TestDispatchersAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	created := utc("2026-03-01T00:00:00Z")
	const n = 60
	var ids []int64
	for i := 0; i < n; i++ {
		ids = append(ids, f.schedule(backup.ScheduleInput{TimeOfDay: ptr("02:30")}, created).ID)
	}
	var services []*backup.Service
	for i := 0; i < 4; i++ {
		gdb, err := database.Open(context.Background(), f.db.URL)
		if err != nil {
			t.Fatal(err)
		}
		sqlDB, _ := gdb.DB()
		t.Cleanup(func() { _ = sqlDB.Close() })
		runs, err := jobs.NewRunService(gdb)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := backup.New(gdb, runs, nil)
		if err != nil {
			t.Fatal(err)
		}
		services = append(services, svc, svc) // two dispatchers per process
	}
	for round, now := range []time.Time{utc("2026-03-01T02:30:01Z"), utc("2026-03-01T02:30:02Z")} {
		var wg sync.WaitGroup
		results := make([]backup.DispatchResult, len(services))
		start := make(chan struct{})
		for i, svc := range services {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := svc.Dispatch(context.Background(), now)
				if err != nil {
					t.Error(err)
				}
				results[i] = r
			}()
		}
		close(start)
		wg.Wait()
		total := 0
		for _, r := range results {
			total += r.Created
		}
		want := n
		if round == 1 {
			want = 0
		}
		if total != want {
			t.Fatalf("round %d: %d runs created, want %d (%+v)", round, total, want, results)
		}
	}
	if got := f.count(`SELECT count(*) FROM operation_runs WHERE type = 'backup_schedule_run'`); got != n {
		t.Fatalf("%d runs for %d schedules", got, n)
	}
	for _, id := range ids {
		if runs := f.scheduledRuns(id); len(runs) != 1 {
			t.Fatalf("schedule %d: runs %v", id, runs)
		}
	}
	if got := f.count(`SELECT count(*) FROM river_job WHERE kind = 'backup_schedule_run'`); got != n {
		t.Fatalf("%d jobs", got)
	}
}

// TestDispatchNoCatchUp: after downtime only the latest due slot runs, and next_run_at moves to
// the first slot after now.
func TestDispatchNoCatchUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.schedule(backup.ScheduleInput{TimeOfDay: ptr("02:30")}, utc("2026-03-01T00:00:00Z"))
	// Five days pass without a dispatcher.
	res := f.dispatch(f.svc, utc("2026-03-06T10:00:00Z"))
	if res.Created != 1 {
		t.Fatalf("tick %+v", res)
	}
	runs := f.scheduledRuns(s.ID)
	if len(runs) != 1 {
		t.Fatalf("runs %v", runs)
	}
	for _, at := range runs {
		if at != "2026-03-06T02:30:00Z" {
			t.Fatalf("ran slot %s, want only the latest due one", at)
		}
	}
	if next := f.nextRunAt(s.ID); next == nil || !next.Equal(utc("2026-03-07T02:30:00Z")) {
		t.Fatalf("next_run_at = %v", next)
	}
}

// TestDispatchSkipsArchivedAndDisabled: archived and disabled schedules are never dispatched,
// and their next_run_at is cleared; enabling again plans from now.
func TestDispatchSkipsArchivedAndDisabled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	at := utc("2026-03-01T00:00:00Z")
	archived := f.schedule(backup.ScheduleInput{}, at)
	disabled := f.schedule(backup.ScheduleInput{}, at)
	if _, err := backup.ArchiveSchedule(ctx, f.db.Gorm, f.tn, archived.ID, at); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.UpdateSchedule(ctx, f.db.Gorm, f.tn, disabled.ID, backup.ScheduleInput{IsEnabled: ptr(false)}, at); err != nil {
		t.Fatal(err)
	}
	// Even with a stale next_run_at in the past, neither is due.
	f.exec(`UPDATE backup_schedules SET next_run_at = '2026-03-01T02:30:00Z'`)
	if res := f.dispatch(f.svc, utc("2026-03-01T03:00:00Z")); res.Due != 0 {
		t.Fatalf("dispatched %+v", res)
	}
	s, err := backup.UpdateSchedule(ctx, f.db.Gorm, f.tn, disabled.ID, backup.ScheduleInput{IsEnabled: ptr(true)}, utc("2026-03-01T03:00:00Z"))
	if err != nil || s.NextRunAt == nil || !s.NextRunAt.Equal(utc("2026-03-02T02:30:00Z")) {
		t.Fatalf("re-enabled: %v %v", s.NextRunAt, err)
	}
	r, err := backup.RestoreSchedule(ctx, f.db.Gorm, f.tn, archived.ID, utc("2026-03-01T03:00:00Z"))
	if err != nil || r.ArchivedAt != nil || r.NextRunAt == nil || !r.NextRunAt.Equal(utc("2026-03-02T02:30:00Z")) {
		t.Fatalf("restored: %+v %v", r, err)
	}
}

// TestDispatchAcrossDST ticks every minute through the DST changes of 2026 in Berlin and New
// York: the spring-forward slot runs once at the moment the clocks jump, the fall-back slot once
// at its first occurrence.
func TestDispatchAcrossDST(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tz, at   string
		from, to string
		want     string
	}{
		{"Europe/Berlin", "02:30", "2026-03-28T23:00:00Z", "2026-03-29T03:00:00Z", "2026-03-29T01:00:00Z"},
		{"Europe/Berlin", "02:30", "2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z", "2026-10-25T00:30:00Z"},
		{"America/New_York", "02:30", "2026-03-08T05:00:00Z", "2026-03-08T09:00:00Z", "2026-03-08T07:00:00Z"},
		{"America/New_York", "01:30", "2026-11-01T04:00:00Z", "2026-11-01T08:00:00Z", "2026-11-01T05:30:00Z"},
	}
	for _, c := range cases {
		t.Run(c.tz+" "+c.want, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			from, to := utc(c.from), utc(c.to)
			s := f.schedule(backup.ScheduleInput{Timezone: ptr(c.tz), TimeOfDay: ptr(c.at)}, from)
			for now := from; !now.After(to); now = now.Add(time.Minute) {
				f.dispatch(f.svc, now.Add(2*time.Second))
			}
			runs := f.scheduledRuns(s.ID)
			if len(runs) != 1 {
				t.Fatalf("%d runs %v, want one", len(runs), runs)
			}
			for _, at := range runs {
				if at != c.want {
					t.Fatalf("ran at %s, want %s", at, c.want)
				}
			}
		})
	}
}
