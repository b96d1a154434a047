// Package operations holds the canonical run history: operation runs, the registry of run types
// and the run lifecycle.
package operations

import (
	"encoding/json"
	"time"
)

// Status is where a run is in its lifecycle.
type Status string

// Run statuses.
const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusCompleted Status = "completed"
)

// Outcome is a run's result: pending while active, then one terminal value.
type Outcome string

// Run outcomes.
const (
	OutcomePending            Outcome = "pending"
	OutcomeSucceeded          Outcome = "succeeded"
	OutcomePartiallySucceeded Outcome = "partially_succeeded"
	OutcomeFailed             Outcome = "failed"
	OutcomeCancelled          Outcome = "cancelled"
	OutcomeBlocked            Outcome = "blocked"
)

// Run is one row of operation_runs, the only run history.
type Run struct {
	ID              int64           `gorm:"primaryKey"`
	WorkspaceID     int64           ``
	TenantID        *int64          ``
	UserID          *int64          ``
	InitiatorName   string          ``
	Type            string          ``
	Status          Status          ``
	Outcome         Outcome         ``
	RunIdentityHash *string         ``
	SummaryCounts   json.RawMessage `gorm:"type:jsonb"`
	FailureSummary  json.RawMessage `gorm:"type:jsonb"`
	Context         json.RawMessage `gorm:"type:jsonb"`
	StartedAt       *time.Time      ``
	CompletedAt     *time.Time      ``
	CreatedAt       time.Time       ``
	UpdatedAt       time.Time       ``
	// CancelRequestedAt is set when someone asked a running run to stop (Cancel); the worker
	// then completes it as cancelled. CancelRequestedBy and CancelRequestedByName say who.
	CancelRequestedAt     *time.Time ``
	CancelRequestedBy     *int64     ``
	CancelRequestedByName *string    ``
	// ProgressProcessed of ProgressTotal (nil: not known) is how far a running run is, as its
	// worker last reported it.
	ProgressProcessed *int64 ``
	ProgressTotal     *int64 ``
}

// TableName binds Run to operation_runs.
func (Run) TableName() string { return "operation_runs" }
