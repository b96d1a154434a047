package backup_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/validation"
)

func TestCreateScheduleDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := utc("2026-03-02T10:00:00Z") // a Monday
	s, err := backup.CreateSchedule(ctx, f.db.Gorm, f.tn, backup.ScheduleInput{Name: ptr("  Weekly  "), Frequency: ptr("weekly"),
		TimeOfDay: ptr("06:15"), DaysOfWeek: ptr([]int{5, 1}), PolicyTypes: ptr([]string{"deviceConfiguration", "configurationPolicy"})}, now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "Weekly" || !s.IsEnabled || s.Timezone != "UTC" || !s.IncludeFoundations || s.RetentionKeepLast != 30 ||
		s.TimeOfDay != "06:15" || !slices.Equal([]int32(s.DaysOfWeek), []int32{1, 5}) ||
		!slices.Equal([]string(s.PolicyTypes), []string{"deviceConfiguration", "configurationPolicy"}) {
		t.Fatalf("schedule %+v", s)
	}
	if s.NextRunAt == nil || !s.NextRunAt.Equal(utc("2026-03-06T06:15:00Z")) {
		t.Fatalf("next_run_at %v, want Friday 06:15", s.NextRunAt)
	}

	_, err = backup.CreateSchedule(ctx, f.db.Gorm, f.tn, backup.ScheduleInput{
		Name: ptr(strings.Repeat("x", 256)), Timezone: ptr("Mars/Olympus"), Frequency: ptr("weekly"), TimeOfDay: ptr("25:00"),
		DaysOfWeek: ptr([]int{1, 1, 8}), PolicyTypes: ptr([]string{"roleScopeTag", "nope"}), RetentionKeepLast: ptr(0)}, now)
	v, ok := validation.As(err)
	if !ok {
		t.Fatalf("error %v", err)
	}
	fields := map[string]bool{}
	for _, fe := range v.Fields {
		fields[fe.Field] = true
	}
	for _, want := range []string{"name", "timezone", "time_of_day", "days_of_week", "policy_types", "retention_keep_last"} {
		if !fields[want] {
			t.Errorf("no error for %s: %v", want, v.Fields)
		}
	}
	for _, bad := range []backup.ScheduleInput{
		{Name: ptr("W"), Frequency: ptr("weekly"), TimeOfDay: ptr("01:00"), PolicyTypes: ptr([]string{"deviceConfiguration"})},                                // weekly without days
		{Name: ptr("D"), Frequency: ptr("daily"), TimeOfDay: ptr("01:00"), DaysOfWeek: ptr([]int{1}), PolicyTypes: ptr([]string{"deviceConfiguration"})},      // daily with days
		{Name: ptr("E"), Frequency: ptr("daily"), TimeOfDay: ptr("01:00"), PolicyTypes: ptr([]string{})},                                                      // no types
		{Name: ptr("F"), Frequency: ptr("hourly"), TimeOfDay: ptr("01:00"), PolicyTypes: ptr([]string{"deviceConfiguration"})},                                // frequency
		{Frequency: ptr("daily"), TimeOfDay: ptr("01:00"), PolicyTypes: ptr([]string{"deviceConfiguration"})},                                                 // no name
		{Name: ptr("G"), Frequency: ptr("daily"), TimeOfDay: ptr("1:00"), PolicyTypes: ptr([]string{"deviceConfiguration"})},                                  // time
		{Name: ptr("H"), Frequency: ptr("daily"), TimeOfDay: ptr("01:00"), PolicyTypes: ptr([]string{"deviceConfiguration", "deviceConfiguration"})},          // duplicate
		{Name: ptr("I"), Frequency: ptr("daily"), TimeOfDay: ptr("01:00"), Timezone: ptr("Local"), PolicyTypes: ptr([]string{"deviceConfiguration"})},         // Local
		{Name: ptr("J\x07K"), Frequency: ptr("daily"), TimeOfDay: ptr("01:00"), PolicyTypes: ptr([]string{"deviceConfiguration"}), RetentionKeepLast: ptr(1)}, // control
	} {
		if _, err := backup.CreateSchedule(ctx, f.db.Gorm, f.tn, bad, now); err == nil {
			t.Errorf("accepted %+v", bad)
		} else if _, ok := validation.As(err); !ok {
			t.Errorf("%+v: %v is not a validation error", bad, err)
		}
	}
	if n := f.count(`SELECT count(*) FROM backup_schedules`); n != 1 {
		t.Fatalf("%d schedules: invalid ones were stored", n)
	}
}

func TestUpdateSchedule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := utc("2026-03-02T10:00:00Z")
	s := f.schedule(backup.ScheduleInput{Frequency: ptr("weekly"), DaysOfWeek: ptr([]int{3})}, now)
	// Renaming leaves next_run_at alone.
	f.exec(`UPDATE backup_schedules SET next_run_at = '2026-03-04T02:30:00Z' WHERE id = $1`, s.ID)
	got, err := backup.UpdateSchedule(ctx, f.db.Gorm, f.tn, s.ID, backup.ScheduleInput{Name: ptr("Renamed")}, now.Add(time.Hour))
	if err != nil || got.Name != "Renamed" || !got.NextRunAt.Equal(utc("2026-03-04T02:30:00Z")) {
		t.Fatalf("rename: %+v %v", got, err)
	}
	// To daily: the days go; next_run_at is planned afresh.
	got, err = backup.UpdateSchedule(ctx, f.db.Gorm, f.tn, s.ID, backup.ScheduleInput{Frequency: ptr("daily"), TimeOfDay: ptr("11:00")}, now)
	if err != nil || len(got.DaysOfWeek) != 0 || got.Frequency != "daily" || !got.NextRunAt.Equal(utc("2026-03-02T11:00:00Z")) {
		t.Fatalf("to daily: %+v %v", got, err)
	}
	// Back to weekly without days: refused.
	if _, err := backup.UpdateSchedule(ctx, f.db.Gorm, f.tn, s.ID, backup.ScheduleInput{Frequency: ptr("weekly")}, now); err == nil {
		t.Fatal("weekly without days accepted")
	}
	// Disabling clears next_run_at.
	got, err = backup.UpdateSchedule(ctx, f.db.Gorm, f.tn, s.ID, backup.ScheduleInput{IsEnabled: ptr(false)}, now)
	if err != nil || got.IsEnabled || got.NextRunAt != nil {
		t.Fatalf("disable: %+v %v", got, err)
	}
	// Another tenant's schedule does not exist.
	otherTn := f.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'U', 'e-2')`, f.ws)
	if _, err := backup.UpdateSchedule(ctx, f.db.Gorm, otherTn, s.ID, backup.ScheduleInput{Name: ptr("x")}, now); !errors.Is(err, backup.ErrNotFound) {
		t.Fatalf("other tenant: %v", err)
	}
	// An archived schedule does not change.
	if _, err := backup.ArchiveSchedule(ctx, f.db.Gorm, f.tn, s.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.UpdateSchedule(ctx, f.db.Gorm, f.tn, s.ID, backup.ScheduleInput{Name: ptr("x")}, now); !errors.Is(err, backup.ErrArchived) {
		t.Fatalf("archived: %v", err)
	}
}

// TestDeleteSchedule: only an archived schedule without runs is deleted; its sets stay.
func TestDeleteSchedule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	s := f.schedule(backup.ScheduleInput{}, time.Now())
	setID := f.id(`INSERT INTO backup_sets (tenant_id, backup_schedule_id, name, status) VALUES ($1, $2, 'S', 'completed')`, f.tn, s.ID)
	if err := backup.DeleteSchedule(ctx, f.db.Gorm, f.tn, s.ID); !errors.Is(err, backup.ErrNotArchived) {
		t.Fatalf("not archived: %v", err)
	}
	run := f.runNow(s.ID)
	if _, err := backup.ArchiveSchedule(ctx, f.db.Gorm, f.tn, s.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := backup.DeleteSchedule(ctx, f.db.Gorm, f.tn, s.ID); !errors.Is(err, backup.ErrHasRuns) {
		t.Fatalf("with a run: %v", err)
	}
	// A finished run still counts: the history is there.
	if _, err := f.runs.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusCompleted, Outcome: operations.OutcomeCancelled}); err != nil {
		t.Fatal(err)
	}
	if err := backup.DeleteSchedule(ctx, f.db.Gorm, f.tn, s.ID); !errors.Is(err, backup.ErrHasRuns) {
		t.Fatalf("with a finished run: %v", err)
	}
	f.exec(`DELETE FROM operation_runs WHERE id = $1`, run.ID) // pruned
	if err := backup.DeleteSchedule(ctx, f.db.Gorm, f.tn, s.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM backup_sets WHERE id = $1 AND backup_schedule_id IS NULL`, setID); n != 1 {
		t.Fatal("the schedule's set did not stay")
	}
	if err := backup.DeleteSchedule(ctx, f.db.Gorm, f.tn, s.ID); !errors.Is(err, backup.ErrNotFound) {
		t.Fatalf("deleted twice: %v", err)
	}
}
