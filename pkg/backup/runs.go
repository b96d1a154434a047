package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

// Triggers of a backup_schedule_run (its context's "trigger").
const (
	TriggerScheduled = "scheduled"
	TriggerRunNow    = "run_now"
	TriggerRetry     = "retry"
)

// RunContext is what a backup_schedule_run keeps in its context. BackupScheduleID is a JSON
// number: GET /operation-runs?backup_schedule_id=N finds the schedule's history by it.
type RunContext struct {
	BackupScheduleID int64  `json:"backup_schedule_id"`
	Trigger          string `json:"trigger"`
	ScheduledFor     string `json:"scheduled_for"` // RFC 3339, UTC
	RetryOf          *int64 `json:"retry_of,omitempty"`
	BackupSetID      *int64 `json:"backup_set_id,omitempty"`
}

// ReadRunContext decodes a backup run's context.
func ReadRunContext(run operations.Run) (RunContext, error) {
	var rc RunContext
	if err := json.Unmarshal(run.Context, &rc); err != nil {
		return rc, fmt.Errorf("run %d: context: %w", run.ID, err)
	}
	if rc.BackupScheduleID <= 0 {
		return rc, fmt.Errorf("run %d: context names no backup schedule", run.ID)
	}
	return rc, nil
}

func (rc RunContext) asMap() map[string]any {
	m := map[string]any{"backup_schedule_id": rc.BackupScheduleID, "trigger": rc.Trigger, "scheduled_for": rc.ScheduledFor}
	if rc.RetryOf != nil {
		m["retry_of"] = *rc.RetryOf
	}
	return m
}

// Starter names who starts a run: a user, or nobody (System) when UserID is nil.
type Starter struct {
	WorkspaceID int64
	UserID      *int64
	UserName    string
}

// RunNowInput is the run a "run now" of the tenant's schedule creates: always a new run
// (IdentityAlwaysNew), scheduled_for = now. An archived schedule cannot run (ErrArchived); a
// disabled one can.
func RunNowInput(ctx context.Context, db *gorm.DB, tenantID, scheduleID int64, by Starter, now time.Time) (operations.EnsureInput, error) {
	s, err := GetSchedule(ctx, db, tenantID, scheduleID)
	if err != nil {
		return operations.EnsureInput{}, err
	}
	if s.ArchivedAt != nil {
		return operations.EnsureInput{}, ErrArchived
	}
	rc := RunContext{BackupScheduleID: s.ID, Trigger: TriggerRunNow, ScheduledFor: FormatSlot(now)}
	return manualInput(s, by, rc), nil
}

// RetryInput is the run a "retry" of the tenant's schedule creates: a new run whose retry_of is
// the schedule's latest finished backup run (ErrNoPreviousRun when there is none).
func RetryInput(ctx context.Context, db *gorm.DB, tenantID, scheduleID int64, by Starter, now time.Time) (operations.EnsureInput, error) {
	s, err := GetSchedule(ctx, db, tenantID, scheduleID)
	if err != nil {
		return operations.EnsureInput{}, err
	}
	if s.ArchivedAt != nil {
		return operations.EnsureInput{}, ErrArchived
	}
	prev, err := LatestFinishedRun(ctx, db, tenantID, scheduleID)
	if err != nil {
		return operations.EnsureInput{}, err
	}
	rc := RunContext{BackupScheduleID: s.ID, Trigger: TriggerRetry, ScheduledFor: FormatSlot(now), RetryOf: &prev}
	return manualInput(s, by, rc), nil
}

func manualInput(s Schedule, by Starter, rc RunContext) operations.EnsureInput {
	tenantID := s.TenantID
	return operations.EnsureInput{
		WorkspaceID: by.WorkspaceID, TenantID: &tenantID, UserID: by.UserID, InitiatorName: by.UserName,
		Type:           operations.TypeBackupRun,
		IdentityRule:   operations.IdentityAlwaysNew,
		IdentityInputs: map[string]any{"backup_schedule_id": s.ID, "trigger": rc.Trigger},
		Context:        rc.asMap(),
	}
}

// LatestFinishedRun is the id of the schedule's most recently completed backup run.
func LatestFinishedRun(ctx context.Context, db *gorm.DB, tenantID, scheduleID int64) (int64, error) {
	id, ok, err := operations.LatestFinishedBackupRun(ctx, db, tenantID, scheduleID)
	if err != nil {
		return 0, fmt.Errorf("latest run of schedule %d: %w", scheduleID, err)
	}
	if !ok {
		return 0, ErrNoPreviousRun
	}
	return id, nil
}

// slotInput is the run the dispatcher creates for a schedule's slot: System, one run per
// (schedule, slot) for good.
func slotInput(workspaceID, tenantID, scheduleID int64, slot time.Time) operations.EnsureInput {
	at := FormatSlot(slot)
	rc := RunContext{BackupScheduleID: scheduleID, Trigger: TriggerScheduled, ScheduledFor: at}
	return operations.EnsureInput{
		WorkspaceID: workspaceID, TenantID: &tenantID,
		Type:           operations.TypeBackupRun,
		IdentityRule:   operations.IdentitySlot,
		IdentityInputs: map[string]any{"schedule_id": scheduleID, "scheduled_for": at},
		Context:        rc.asMap(),
	}
}
