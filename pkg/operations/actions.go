package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database"
)

// Errors of acting on runs.
const (
	// ErrAlreadyCompleted: a completed run (other than a cancelled one) cannot be cancelled.
	ErrAlreadyCompleted Error = "the run has completed and cannot be cancelled"
	// ErrNotRetryable: only a completed failed, partially succeeded, cancelled or blocked run of a
	// registered type can be retried.
	ErrNotRetryable Error = "the run cannot be retried"
	// ErrNotActionable: runs of this type cannot be cancelled or retried.
	ErrNotActionable Error = "runs of this type cannot be cancelled or retried"
)

// CodeRunCancelled is the failure code of a run that was cancelled.
const CodeRunCancelled = "run.cancelled"

// How an actor reached the API.
const (
	ViaSession = "session" // a sign-in
	ViaToken   = "token"   // an API token
	ViaSystem  = "system"  // no one: scheduled or follow-up work
)

// Actor is who acts on a run, and through which credential.
type Actor struct {
	UserID  *int64
	Name    string
	Via     string // ViaSession, ViaToken, ViaSystem, or empty when not known
	TokenID *int64
}

// SystemActor is the actor of work no user asked for.
func SystemActor() Actor { return Actor{Name: SystemInitiator, Via: ViaSystem} }

func (a Actor) normalized() (Actor, error) {
	a.Name = strings.TrimSpace(a.Name)
	if a.UserID == nil && a.Name == "" {
		return SystemActor(), nil
	}
	switch {
	case a.Name == "":
		return a, fmt.Errorf("%w: the actor needs a name", ErrInvalidInput)
	case !utf8.ValidString(a.Name) || strings.ContainsRune(a.Name, 0):
		return a, fmt.Errorf("%w: the actor's name is not valid text", ErrInvalidInput)
	}
	switch a.Via {
	case "", ViaSession, ViaToken, ViaSystem:
	default:
		return a, fmt.Errorf("%w: unknown credential kind %q", ErrInvalidInput, a.Via)
	}
	return a, nil
}

// AuditAction is what an audit entry records.
type AuditAction string

// Audit actions.
const (
	AuditStarted         AuditAction = "started"
	AuditCancelRequested AuditAction = "cancel_requested"
	AuditCancelled       AuditAction = "cancelled"
	AuditRetried         AuditAction = "retried"
)

// AuditEntry is one row of the append-only audit trail of runs: who did what to which run, when,
// through which credential. RelatedRunID is the run a retry created.
type AuditEntry struct {
	ID           int64
	RunID        int64
	WorkspaceID  int64
	TenantID     *int64
	Action       AuditAction
	ActorUserID  *int64
	ActorName    string
	Via          *string
	TokenID      *int64
	RelatedRunID *int64
	CreatedAt    time.Time
}

// audit appends an entry for run to the trail, in tx (the transaction of the action).
func (s *Service) audit(ctx context.Context, tx *gorm.DB, run Run, action AuditAction, by Actor, related *int64) error {
	var via *string
	if by.Via != "" {
		via = &by.Via
	}
	err := tx.WithContext(ctx).Exec(`INSERT INTO operation_run_audit
		(run_id, workspace_id, tenant_id, action, actor_user_id, actor_name, via, token_id, related_run_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run.ID, run.WorkspaceID, run.TenantID, string(action), by.UserID, by.Name, via, by.TokenID, related, s.timestamp()).Error
	if err != nil {
		return fmt.Errorf("audit %s of run %d: %w", action, run.ID, err)
	}
	return nil
}

// Audit lists the audit trail of a run, oldest first.
func (s *Service) Audit(ctx context.Context, runID int64) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.WithContext(ctx).Raw(`SELECT id, run_id, workspace_id, tenant_id, action, actor_user_id, actor_name, via,
		token_id, related_run_id, created_at FROM operation_run_audit WHERE run_id = ? ORDER BY id`, runID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("audit of run %d: %w", runID, err)
	}
	return out, nil
}

// JobCanceller cancels the jobs of runs inside the caller's transaction: a job still waiting is
// cancelled at once, a running one is told to stop (its context is cancelled). The Queue that
// Start uses implements it when it can.
type JobCanceller interface {
	CancelJobsTx(ctx context.Context, tx *gorm.DB, jobIDs []int64) error
}

func (s *Service) cancelJobs(ctx context.Context, tx *gorm.DB, jobIDs []int64) error {
	c, ok := s.queue.(JobCanceller)
	if !ok || len(jobIDs) == 0 {
		return nil
	}
	if err := c.CancelJobsTx(ctx, tx, jobIDs); err != nil {
		return fmt.Errorf("cancel %d jobs: %w", len(jobIDs), err)
	}
	return nil
}

// CancelResult says what a cancel did.
type CancelResult string

// Cancel results.
const (
	// CancelDone: the run is completed as cancelled (it was queued, or was cancelled before).
	CancelDone CancelResult = "cancelled"
	// CancelPending: the run is running and has been asked to stop; its worker completes it.
	CancelPending CancelResult = "cancel_requested"
)

// Cancellation is the answer of Cancel.
type Cancellation struct {
	Run      Run
	Result   CancelResult
	Repeated bool // the run was cancelled, or asked to stop, before: nothing changed
}

// CancelledFailure is the failure entry of a run cancelled by name; before says it never ran.
func CancelledFailure(name string, before bool) Failure {
	msg := "Cancelled by " + name + "."
	if before {
		msg = "Cancelled by " + name + " before it started."
	}
	return Failure{Code: CodeRunCancelled, Message: msg, Count: 1}
}

// Cancelled turns a worker's result into the completion of a run that was asked to stop: outcome
// cancelled, whatever it counted so far kept, and who cancelled it among the failures.
func Cancelled(result Transition, run Run) Transition {
	name := SystemInitiator
	if run.CancelRequestedByName != nil && *run.CancelRequestedByName != "" {
		name = *run.CancelRequestedByName
	}
	result.To, result.Outcome = StatusCompleted, OutcomeCancelled
	result.Failures = append([]Failure{CancelledFailure(name, false)}, result.Failures...)
	return result
}

// Cancel stops a run on behalf of by. A queued run completes at once as cancelled (its job is
// cancelled too); a running run is asked to stop (cancel_requested_at, and its job's context is
// cancelled through the queue) and its worker completes it as cancelled, keeping what it wrote.
// Repeating a cancel changes nothing (Repeated). A run completed otherwise is ErrAlreadyCompleted;
// a run of a type that takes no actions, ErrNotActionable. Each change is audited in its
// transaction.
func (s *Service) Cancel(ctx context.Context, runID int64, by Actor) (Cancellation, error) {
	by, err := by.normalized()
	if err != nil {
		return Cancellation{}, err
	}
	var out Cancellation
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = s.cancel(ctx, tx, runID, by)
		return err
	})
	return out, err
}

// lockedRun is a run read FOR UPDATE, with its job.
type lockedRun struct {
	Run
	JobID *int64
}

func (s *Service) cancel(ctx context.Context, tx *gorm.DB, runID int64, by Actor) (Cancellation, error) {
	db := tx.WithContext(ctx)
	var rows []lockedRun
	if err := db.Raw(`SELECT * FROM operation_runs WHERE id = ? FOR UPDATE`, runID).Scan(&rows).Error; err != nil {
		return Cancellation{}, fmt.Errorf("cancel run %d: %w", runID, err)
	}
	if len(rows) == 0 {
		return Cancellation{}, fmt.Errorf("%w: %d", ErrNotFound, runID)
	}
	run := rows[0].Run
	if t, ok := Lookup(run.Type); !ok || t.NoActions {
		// No one starts a type the registry does not know, so no one may stop it either.
		return Cancellation{}, fmt.Errorf("%w: %s", ErrNotActionable, run.Type)
	}
	switch {
	case run.Status == StatusCompleted && run.Outcome == OutcomeCancelled:
		return Cancellation{Run: run, Result: CancelDone, Repeated: true}, nil
	case run.Status == StatusCompleted:
		return Cancellation{}, fmt.Errorf("%w: run %d is %s", ErrAlreadyCompleted, runID, run.Outcome)
	case run.CancelRequestedAt != nil:
		return Cancellation{Run: run, Result: CancelPending, Repeated: true}, nil
	}
	var updated []Run
	now := s.timestamp()
	if err := db.Raw(`UPDATE operation_runs SET cancel_requested_at = ?, cancel_requested_by = ?, cancel_requested_by_name = ?,
		updated_at = ? WHERE id = ? RETURNING *`, now, by.UserID, by.Name, now, runID).Scan(&updated).Error; err != nil {
		return Cancellation{}, fmt.Errorf("cancel run %d: %w", runID, err)
	}
	if err := s.changed(ctx, db, runID, ChangeCancelRequested); err != nil {
		return Cancellation{}, err
	}
	if j := rows[0].JobID; j != nil {
		if err := s.cancelJobs(ctx, db, []int64{*j}); err != nil {
			return Cancellation{}, fmt.Errorf("cancel run %d: %w", runID, err)
		}
	}
	if run.Status == StatusQueued {
		done, err := s.Transition(ctx, db, runID, Transition{To: StatusCompleted, Outcome: OutcomeCancelled,
			Failures: []Failure{CancelledFailure(by.Name, true)}})
		if err != nil {
			return Cancellation{}, err
		}
		if err := s.audit(ctx, db, done, AuditCancelled, by, nil); err != nil {
			return Cancellation{}, err
		}
		return Cancellation{Run: done, Result: CancelDone}, nil
	}
	if err := s.audit(ctx, db, updated[0], AuditCancelRequested, by, nil); err != nil {
		return Cancellation{}, err
	}
	return Cancellation{Run: updated[0], Result: CancelPending}, nil
}

// Retryable reports whether a completed run with outcome o may be retried.
func (o Outcome) Retryable() bool {
	switch o {
	case OutcomeFailed, OutcomePartiallySucceeded, OutcomeCancelled, OutcomeBlocked:
		return true
	}
	return false
}

// retryInput is the run a retry of old by the actor starts: the same type, scope and inputs, its
// context with retry_of. A type whose active runs are reused keeps the stored identity, so an
// active identical run is reused; any other type gets a new run.
func retryInput(old Run, by Actor) (EnsureInput, error) {
	t, ok := Lookup(old.Type)
	switch {
	case !ok || t.NoActions:
		return EnsureInput{}, fmt.Errorf("%w: %s", ErrNotActionable, old.Type)
	case old.Status != StatusCompleted || !old.Outcome.Retryable():
		return EnsureInput{}, fmt.Errorf("%w: run %d is %s (%s)", ErrNotRetryable, old.ID, old.Status, old.Outcome)
	}
	runCtx := map[string]any{}
	if len(old.Context) > 0 {
		if err := json.Unmarshal(old.Context, &runCtx); err != nil || runCtx == nil {
			runCtx = map[string]any{}
		}
	}
	maps.Copy(runCtx, t.RetryContext)
	runCtx["retry_of"] = old.ID
	in := EnsureInput{
		WorkspaceID: old.WorkspaceID, TenantID: old.TenantID, UserID: by.UserID, Type: old.Type, Context: runCtx, Actor: &by,
	}
	if by.UserID != nil {
		in.InitiatorName = by.Name
	}
	if t.IdentityRule == IdentityReuseActive && old.RunIdentityHash != nil {
		in.identityHash = *old.RunIdentityHash
	} else {
		in.IdentityRule, in.IdentityInputs = IdentityAlwaysNew, map[string]any{"retry_of": old.ID}
	}
	return in, nil
}

// Retry starts a new run of the same type, scope and inputs as the completed run runID (failed,
// partially succeeded, cancelled or blocked; else ErrNotRetryable), with retry_of in its context.
// Identity rules apply: an active identical run is returned instead (created = false). The retry
// is audited on the old run, and the start on the new one, in the starting transaction.
func (s *Service) Retry(ctx context.Context, runID int64, by Actor) (Run, bool, error) {
	by, err := by.normalized()
	if err != nil {
		return Run{}, false, err
	}
	old, err := s.Get(ctx, runID)
	if err != nil {
		return Run{}, false, err
	}
	var run Run
	var created bool
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		run, created, err = s.retry(ctx, tx, old, by)
		return err
	})
	return run, created, err
}

func (s *Service) retry(ctx context.Context, tx *gorm.DB, old Run, by Actor) (Run, bool, error) {
	in, err := retryInput(old, by)
	if err != nil {
		return Run{}, false, err
	}
	run, created, err := s.Start(ctx, tx, in, nil)
	if database.IsUniqueViolation(err, "") {
		return Run{}, false, fmt.Errorf("%w: the work of run %d was done again since: %w", ErrNotRetryable, old.ID, err)
	}
	if err != nil {
		return Run{}, false, err
	}
	related := run.ID
	if err := s.audit(ctx, tx, old, AuditRetried, by, &related); err != nil {
		return Run{}, false, err
	}
	return run, created, nil
}
