package operations

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ChannelRunEvents is the channel on which the database announces every run event when the
// transaction that made it commits. The payload is "<run id>:<event number>" and nothing else:
// whoever listens reads the run itself, with the reader's own rights.
const ChannelRunEvents = "tenantatlas_run_events"

// Event is one change of a run, numbered in commit order.
type Event struct {
	Seq       int64
	RunID     int64
	Change    Change
	CreatedAt time.Time
	// Run is the run as it is when the event is read (which may be later than the change); nil
	// when the run no longer exists.
	Run *Run
}

// ParseEventPayload decodes a ChannelRunEvents payload.
func ParseEventPayload(payload string) (runID, seq int64, err error) {
	a, b, ok := strings.Cut(payload, ":")
	if ok {
		runID, err = strconv.ParseInt(a, 10, 64)
		if err == nil {
			seq, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if !ok || err != nil || runID < 1 || seq < 1 {
		return 0, 0, fmt.Errorf("run event payload %q: want <run id>:<event number>", payload)
	}
	return runID, seq, nil
}

// EventsAfter returns up to limit events numbered above after, in order, each with its run as it
// is now. Events are numbered when their transaction commits, under a lock held until the commit
// is visible, so numbers follow commit order: once a reader has seen event N, no event below N
// can appear later, and "everything after N" loses nothing.
func EventsAfter(ctx context.Context, db Querier, after int64, limit int) ([]Event, error) {
	if limit < 1 {
		return nil, fmt.Errorf("events after %d: limit must be positive", after)
	}
	rows, err := db.QueryContext(ctx, `SELECT e.seq, e.run_id, e.change, e.created_at, r.id IS NOT NULL, `+
		runColumns+`
		FROM run_events e LEFT JOIN operation_runs r ON r.id = e.run_id
		WHERE e.seq > $1 ORDER BY e.seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("events after %d: %w", after, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var found bool
		var r nullableRun
		if err := rows.Scan(append([]any{&e.Seq, &e.RunID, &e.Change, &e.CreatedAt, &found}, r.dest()...)...); err != nil {
			return nil, fmt.Errorf("events after %d: %w", after, err)
		}
		if found {
			e.Run = r.run()
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events after %d: %w", after, err)
	}
	return out, nil
}

// nullableRun scans the columns of runColumns from an outer join.
type nullableRun struct {
	id, workspaceID                 *int64
	tenantID, userID                *int64
	initiator, typ, status, outcome *string
	identity                        *string
	summary, failures, context      []byte
	startedAt, completedAt          *time.Time
	createdAt, updatedAt            *time.Time
	cancelAt                        *time.Time
	cancelBy                        *int64
	cancelByName                    *string
	processed, total                *int64
}

func (n *nullableRun) dest() []any {
	return []any{&n.id, &n.workspaceID, &n.tenantID, &n.userID, &n.initiator, &n.typ, &n.status, &n.outcome,
		&n.identity, &n.summary, &n.failures, &n.context, &n.startedAt, &n.completedAt, &n.createdAt, &n.updatedAt,
		&n.cancelAt, &n.cancelBy, &n.cancelByName, &n.processed, &n.total}
}

func (n *nullableRun) run() *Run {
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	r := &Run{WorkspaceID: *n.workspaceID, TenantID: n.tenantID, UserID: n.userID, InitiatorName: deref(n.initiator),
		Type: deref(n.typ), Status: Status(deref(n.status)), Outcome: Outcome(deref(n.outcome)), RunIdentityHash: n.identity,
		SummaryCounts: n.summary, FailureSummary: n.failures, Context: n.context, StartedAt: n.startedAt, CompletedAt: n.completedAt,
		CancelRequestedAt: n.cancelAt, CancelRequestedBy: n.cancelBy, CancelRequestedByName: n.cancelByName,
		ProgressProcessed: n.processed, ProgressTotal: n.total}
	r.ID = *n.id
	if n.createdAt != nil {
		r.CreatedAt = *n.createdAt
	}
	if n.updatedAt != nil {
		r.UpdatedAt = *n.updatedAt
	}
	return r
}

// EventBounds says which events can still be read: every event above PrunedThrough is kept, and
// Last is the highest number given out so far (0 when none).
type EventBounds struct {
	PrunedThrough int64
	Last          int64
}

// ReadEventBounds reads the bounds of the event history.
func ReadEventBounds(ctx context.Context, db Querier) (EventBounds, error) {
	var b EventBounds
	err := db.QueryRowContext(ctx, `SELECT h.pruned_through, GREATEST(h.pruned_through, coalesce((SELECT max(seq) FROM run_events), 0))
		FROM run_events_horizon h`).Scan(&b.PrunedThrough, &b.Last)
	if err != nil {
		return b, fmt.Errorf("run event bounds: %w", err)
	}
	return b, nil
}

// PruneEvents deletes run events recorded before the cutoff, in batches, and moves the horizon
// below which a resuming reader is told to start over. It says how many it deleted.
func (s *Service) PruneEvents(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.db.WithContext(ctx).Raw(`WITH gone AS (
				DELETE FROM run_events WHERE id IN (
					SELECT id FROM run_events WHERE created_at < ? AND seq IS NOT NULL ORDER BY created_at LIMIT ?)
				RETURNING seq),
			moved AS (
				UPDATE run_events_horizon SET pruned_through = GREATEST(pruned_through, (SELECT max(seq) FROM gone))
				WHERE EXISTS (SELECT 1 FROM gone))
			SELECT count(*) FROM gone`, cutoff, pruneBatch).Scan(&n).Error
		if err != nil {
			return total, fmt.Errorf("prune run events: %w", err)
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}

// Matches reports whether run r passes the filter, exactly as List would select it (the
// visibility grants aside).
func (f Filter) Matches(r Run) bool {
	switch {
	case f.WorkspaceID != nil && r.WorkspaceID != *f.WorkspaceID,
		f.TenantID != nil && (r.TenantID == nil || *r.TenantID != *f.TenantID),
		len(f.Types) > 0 && !slices.Contains(f.Types, r.Type),
		len(f.Statuses) > 0 && !slices.Contains(f.Statuses, r.Status),
		len(f.Outcomes) > 0 && !slices.Contains(f.Outcomes, r.Outcome),
		f.InitiatorSystem && r.UserID != nil,
		f.InitiatorUserID != nil && (r.UserID == nil || *r.UserID != *f.InitiatorUserID),
		f.CreatedAfter != nil && r.CreatedAt.Before(*f.CreatedAfter),
		f.CreatedBefore != nil && !r.CreatedAt.Before(*f.CreatedBefore):
		return false
	}
	switch f.Tab {
	case TabActive:
		if !r.Status.Active() {
			return false
		}
	case TabSucceeded:
		if r.Outcome != OutcomeSucceeded {
			return false
		}
	case TabPartial:
		if r.Outcome != OutcomePartiallySucceeded {
			return false
		}
	case TabFailed:
		if r.Outcome != OutcomeFailed {
			return false
		}
	}
	if f.BackupScheduleID != nil {
		id, ok := r.ContextInt("backup_schedule_id")
		if !ok || id != *f.BackupScheduleID {
			return false
		}
	}
	return true
}
