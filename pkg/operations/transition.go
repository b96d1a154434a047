package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// Transition moves a run forward. To is the new status. Outcome is required, and terminal, when
// To is completed; it must be empty or pending otherwise. SummaryCounts and Failures, when not
// nil, replace the run's summary_counts (sanitised for its type) and failure_summary (sanitised);
// when nil, the stored values stay.
type Transition struct {
	To            Status
	Outcome       Outcome
	SummaryCounts map[string]any
	Failures      []Failure
	// Also is work that must commit with a completion (a backup run records its set and its
	// schedule's last run, and queues retention). Transition calls it in the completing
	// transaction, after the completion hook, with the completed run; an error rolls the
	// completion back. Only completions call it.
	Also func(ctx context.Context, tx *gorm.DB, run Run) error
}

// Terminal reports whether o is a final outcome.
func (o Outcome) Terminal() bool {
	switch o {
	case OutcomeSucceeded, OutcomePartiallySucceeded, OutcomeFailed, OutcomeCancelled, OutcomeBlocked:
		return true
	}
	return false
}

// Active reports whether a run in status st may still change.
func (st Status) Active() bool { return st == StatusQueued || st == StatusRunning }

// transitionSources lists the statuses from which a run may move to each status: queued →
// running, and queued or running → completed. Nothing moves to queued, and nothing leaves
// completed.
func transitionSources(to Status) []string {
	switch to {
	case StatusRunning:
		return []string{string(StatusQueued)}
	case StatusCompleted:
		return []string{string(StatusQueued), string(StatusRunning)}
	}
	return nil
}

// transitionAttempts bounds the retries when a run changed between the update and the read.
const transitionAttempts = 3

// Transition is the one function that changes a run's status: queued → running sets started_at;
// queued or running → completed with a terminal outcome sets completed_at (started_at stays as
// it was, NULL for a run that never ran). A completed run never changes again (ErrTerminal); any
// other move is ErrInvalidTransition; an unknown id is ErrNotFound.
//
// A completion commits in one transaction with the completion hook (the initiator's
// notification) and the transition's Also: in tx when the caller holds one, else in its own.
// The change is one conditional UPDATE, so concurrent transitions of one run cannot both succeed.
func (s *Service) Transition(ctx context.Context, tx *gorm.DB, runID int64, t Transition) (Run, error) {
	if err := t.validate(runID); err != nil {
		return Run{}, err
	}
	if t.To != StatusCompleted {
		if tx != nil {
			return s.transition(ctx, tx.WithContext(ctx), runID, t)
		}
		// The change and the event announcing it commit together.
		var run Run
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			run, err = s.transition(ctx, tx, runID, t)
			return err
		})
		return run, err
	}
	var run Run
	complete := func(tx *gorm.DB) error {
		var err error
		if run, err = s.transition(ctx, tx, runID, t); err != nil {
			return err
		}
		if s.onComplete != nil {
			if err := s.onComplete(ctx, tx, run); err != nil {
				return fmt.Errorf("complete run %d: %w", runID, err)
			}
		}
		if t.Also != nil {
			if err := t.Also(ctx, tx, run); err != nil {
				return fmt.Errorf("complete run %d: %w", runID, err)
			}
		}
		return nil
	}
	var err error
	if tx != nil {
		err = complete(tx.WithContext(ctx))
	} else {
		err = s.db.WithContext(ctx).Transaction(complete)
	}
	if err != nil {
		return Run{}, err
	}
	return run, nil
}

func (t Transition) validate(runID int64) error {
	switch t.To {
	case StatusQueued, StatusRunning:
		if t.Outcome != "" && t.Outcome != OutcomePending {
			return fmt.Errorf("%w: run %d: status %s cannot have outcome %q", ErrInvalidTransition, runID, t.To, t.Outcome)
		}
	case StatusCompleted:
		if !t.Outcome.Terminal() {
			return fmt.Errorf("%w: run %d: completing needs a terminal outcome, not %q", ErrInvalidTransition, runID, t.Outcome)
		}
	default:
		return fmt.Errorf("%w: run %d: unknown status %q", ErrInvalidTransition, runID, t.To)
	}
	return nil
}

// transition is the conditional UPDATE of Transition, on db (a transaction or the pool).
func (s *Service) transition(ctx context.Context, db *gorm.DB, runID int64, t Transition) (Run, error) {
	var counts, failures *string
	if t.SummaryCounts != nil {
		typ, err := runType(db, runID)
		if err != nil {
			return Run{}, err
		}
		b, err := json.Marshal(SanitizeCounts(typ, t.SummaryCounts))
		if err != nil {
			return Run{}, fmt.Errorf("transition run %d: summary counts: %w", runID, err)
		}
		counts = new(string(b))
	}
	if t.Failures != nil {
		b, err := json.Marshal(SanitizeFailures(t.Failures))
		if err != nil {
			return Run{}, fmt.Errorf("transition run %d: failures: %w", runID, err)
		}
		failures = new(string(b))
	}

	from := transitionSources(t.To)
	for range transitionAttempts {
		if len(from) > 0 {
			run, ok, err := s.update(db, runID, t, from, counts, failures)
			if err != nil {
				return run, err
			}
			if ok {
				change := ChangeStarted
				if t.To == StatusCompleted {
					change = ChangeCompleted
				}
				if err := s.changed(ctx, db, runID, change); err != nil {
					return Run{}, err
				}
				return run, nil
			}
		}
		// Nothing changed: tell an unknown run, a completed one and a wrong move apart.
		var statuses []Status
		if err := db.Raw(`SELECT status FROM operation_runs WHERE id = ?`, runID).Scan(&statuses).Error; err != nil {
			return Run{}, fmt.Errorf("transition run %d: %w", runID, err)
		}
		switch {
		case len(statuses) == 0:
			return Run{}, fmt.Errorf("%w: %d", ErrNotFound, runID)
		case statuses[0] == StatusCompleted:
			return Run{}, fmt.Errorf("%w: run %d", ErrTerminal, runID)
		case !slices.Contains(from, string(statuses[0])):
			return Run{}, fmt.Errorf("%w: run %d: %s → %s", ErrInvalidTransition, runID, statuses[0], t.To)
		}
		// The run moved between the update and the read; try again.
	}
	return Run{}, fmt.Errorf("transition run %d: status kept changing", runID)
}

func (s *Service) update(db *gorm.DB, runID int64, t Transition, from []string, counts, failures *string) (Run, bool, error) {
	now := s.timestamp()
	set := []string{"status = ?", "updated_at = ?"}
	args := []any{string(t.To), now}
	switch t.To {
	case StatusRunning:
		set = append(set, "started_at = ?")
		args = append(args, now)
	case StatusCompleted:
		set = append(set, "outcome = ?", "completed_at = ?")
		args = append(args, string(t.Outcome), now)
	}
	if counts != nil {
		set = append(set, "summary_counts = ?::jsonb")
		args = append(args, *counts)
	}
	if failures != nil {
		set = append(set, "failure_summary = ?::jsonb")
		args = append(args, *failures)
	}
	args = append(args, runID, from)
	sql := "UPDATE operation_runs SET " + strings.Join(set, ", ") + " WHERE id = ? AND status IN ? RETURNING *"
	var runs []Run
	if err := db.Raw(sql, args...).Scan(&runs).Error; err != nil {
		return Run{}, false, fmt.Errorf("transition run %d to %s: %w", runID, t.To, err)
	}
	if len(runs) == 0 {
		return Run{}, false, nil
	}
	return runs[0], true, nil
}

// runType reads a run's type, which never changes.
func runType(db *gorm.DB, runID int64) (string, error) {
	var types []string
	if err := db.Raw(`SELECT type FROM operation_runs WHERE id = ?`, runID).Scan(&types).Error; err != nil {
		return "", fmt.Errorf("transition run %d: %w", runID, err)
	}
	if len(types) == 0 {
		return "", fmt.Errorf("%w: %d", ErrNotFound, runID)
	}
	return types[0], nil
}
