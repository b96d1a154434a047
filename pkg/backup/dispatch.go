package backup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/operations"
)

// DispatchResult says what one dispatcher tick did.
type DispatchResult struct {
	Due         int // schedules found due (enabled, not archived, next_run_at ≤ now)
	Created     int // runs created and queued
	Existing    int // slots that already had their run (nothing created)
	Unplannable int // schedules whose timing cannot be computed: next_run_at cleared
}

func (r *DispatchResult) add(o DispatchResult) {
	r.Due += o.Due
	r.Created += o.Created
	r.Existing += o.Existing
	r.Unplannable += o.Unplannable
}

// dispatchBatch bounds the schedules one transaction of a tick claims.
const dispatchBatch = 500

// dueRow is a due schedule as the dispatcher reads it.
type dueRow struct {
	ID          int64
	TenantID    int64
	WorkspaceID int64
	Timezone    string
	Frequency   string
	TimeOfDay   string
	DaysOfWeek  database.Int32Array `gorm:"type:smallint[]"`
	NextRunAt   time.Time
}

const dueSQL = `SELECT s.id, s.tenant_id, t.workspace_id, s.timezone, s.frequency,
		to_char(s.time_of_day, 'HH24:MI') AS time_of_day, s.days_of_week, s.next_run_at
	FROM backup_schedules s JOIN tenants t ON t.id = s.tenant_id
	WHERE s.is_enabled AND s.archived_at IS NULL AND s.next_run_at <= ?`

// Dispatch is one tick of the scheduler (a River periodic job, every minute, on the leader). For
// every enabled, unarchived schedule whose next_run_at has come, it creates exactly one System
// backup_schedule_run for the latest due slot and queues its job; slots missed before that are
// not caught up, and next_run_at moves to the first slot after now.
//
// Exactly one run per (schedule, slot), whatever runs at once: a tick locks the due schedule rows
// it takes (FOR UPDATE SKIP LOCKED, so two dispatchers split the work instead of waiting), claims
// each by moving next_run_at only where it still holds the value it read, skips slots whose run
// exists, and the run table's partial unique index on a schedule's slot refuses a second scheduled
// run of a slot even after the first finished. The claim, the runs and their jobs commit together.
func (s *Service) Dispatch(ctx context.Context, now time.Time) (DispatchResult, error) {
	now = now.UTC()
	var total DispatchResult
	for {
		res, n, err := s.dispatchOnce(ctx, now, 0)
		total.add(res)
		if err != nil {
			// One schedule should not hold up the others: take them one transaction each.
			s.log.ErrorContext(ctx, "backup dispatch batch failed; dispatching one schedule at a time", "error", err.Error())
			return total, s.dispatchEach(ctx, now, &total)
		}
		if n < dispatchBatch {
			return total, nil
		}
	}
}

func (s *Service) dispatchEach(ctx context.Context, now time.Time, total *DispatchResult) error {
	var ids []int64
	if err := s.db.WithContext(ctx).Raw(`SELECT s.id FROM backup_schedules s
		WHERE s.is_enabled AND s.archived_at IS NULL AND s.next_run_at <= ? ORDER BY s.next_run_at, s.id LIMIT 10000`, now).
		Scan(&ids).Error; err != nil {
		return fmt.Errorf("backup dispatch: %w", err)
	}
	var errs []error
	for _, id := range ids {
		res, _, err := s.dispatchOnce(ctx, now, id)
		total.add(res)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %d: %w", id, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("backup dispatch: %w", errors.Join(errs...))
	}
	return nil
}

// dispatchOnce claims up to dispatchBatch due schedules (only the one given, when id > 0) in one
// transaction. It returns how many due rows it read.
func (s *Service) dispatchOnce(ctx context.Context, now time.Time, id int64) (DispatchResult, int, error) {
	var res DispatchResult
	var n int
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res, n = DispatchResult{}, 0
		q, args := dueSQL, []any{now}
		if id > 0 {
			q += ` AND s.id = ?`
			args = append(args, id)
		}
		q += ` ORDER BY s.next_run_at, s.id LIMIT ? FOR UPDATE OF s SKIP LOCKED`
		args = append(args, dispatchBatch)
		var due []dueRow
		if err := tx.Raw(q, args...).Scan(&due).Error; err != nil {
			return err
		}
		n = len(due)
		res.Due = n
		if n == 0 {
			return nil
		}

		// Plan: the slot to run and the next one, per schedule.
		slots := make(map[int64]time.Time, n)
		ids := make(database.Int64Array, 0, n)
		seen := make(database.StringArray, 0, n)
		next := make(database.StringArray, 0, n)
		for _, d := range due {
			t, err := TimingOf(Schedule{Timezone: d.Timezone, Frequency: d.Frequency, TimeOfDay: d.TimeOfDay, DaysOfWeek: d.DaysOfWeek})
			nextAt := ""
			if err != nil {
				res.Unplannable++
				s.log.ErrorContext(ctx, "backup schedule cannot be planned; it will not run until it is fixed", "schedule_id", d.ID, "error", err.Error())
			} else {
				slot := t.LatestAtOrBefore(now)
				if slot.IsZero() || slot.Before(d.NextRunAt) {
					slot = d.NextRunAt.Truncate(time.Second) // off the schedule's grid: run the due instant itself
				}
				slots[d.ID] = slot
				if nx := t.NextAfter(now); !nx.IsZero() {
					nextAt = nx.Format(time.RFC3339Nano)
				}
			}
			ids = append(ids, d.ID)
			seen = append(seen, d.NextRunAt.UTC().Format(time.RFC3339Nano))
			next = append(next, nextAt)
		}

		// Claim: move next_run_at where it still holds what was read.
		var claimed []int64
		if err := tx.Raw(`UPDATE backup_schedules s SET next_run_at = nullif(u.next, '')::timestamptz
			FROM unnest(?::bigint[], ?::text[], ?::text[]) AS u(id, seen, next)
			WHERE s.id = u.id AND s.next_run_at = u.seen::timestamptz
			RETURNING s.id`, ids, seen, next).Scan(&claimed).Error; err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		isClaimed := make(map[int64]bool, len(claimed))
		for _, c := range claimed {
			isClaimed[c] = true
		}

		// Slots whose run exists already (a run survives its schedule's next_run_at).
		var wanted []operations.ScheduleSlot
		for _, d := range due {
			if slot, ok := slots[d.ID]; ok && isClaimed[d.ID] {
				wanted = append(wanted, operations.ScheduleSlot{ScheduleID: d.ID, ScheduledFor: FormatSlot(slot)})
			}
		}
		taken, err := s.runs.ScheduledSlotsTaken(ctx, tx, wanted)
		if err != nil {
			return fmt.Errorf("existing runs: %w", err)
		}

		var created []operations.Run
		for _, d := range due {
			slot, ok := slots[d.ID]
			if !ok || !isClaimed[d.ID] {
				continue
			}
			if taken[operations.ScheduleSlot{ScheduleID: d.ID, ScheduledFor: FormatSlot(slot)}] {
				res.Existing++
				continue
			}
			run, isNew, err := s.runs.Ensure(ctx, tx, slotInput(d.WorkspaceID, d.TenantID, d.ID, slot))
			if err != nil {
				return fmt.Errorf("schedule %d: %w", d.ID, err)
			}
			if !isNew {
				res.Existing++
				continue
			}
			created = append(created, run)
		}
		// The runs' jobs, in the same transaction and with one insert: no run without its job.
		if err := s.runs.Enqueue(ctx, tx, created...); err != nil {
			return err
		}
		res.Created = len(created)
		return nil
	})
	if err != nil {
		return DispatchResult{}, n, fmt.Errorf("backup dispatch: %w", err)
	}
	return res, n, nil
}
