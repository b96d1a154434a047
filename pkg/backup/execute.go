package backup

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/connections"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// Failure codes of backup runs.
const (
	CodeTokenExpired      = "TOKEN_EXPIRED"       // Graph refused the app's credentials or token
	CodePermissionMissing = "PERMISSION_MISSING"  // the app lacks a Graph permission
	CodeGraphThrottle     = "GRAPH_THROTTLE"      // Graph kept throttling after every retry
	CodeUnknown           = "UNKNOWN"             // anything else
	CodeUnknownPolicyType = "UNKNOWN_POLICY_TYPE" // a policy type the schedule names is not supported (any more)
	CodeScheduleLocked    = "schedule.locked"     // another run of the schedule held its lock: skipped
	CodeScheduleArchived  = "schedule.archived"   // the schedule was archived before the run started
	CodeScheduleDisabled  = "schedule.disabled"   // a scheduled run whose schedule was disabled meanwhile
	CodeScheduleNotFound  = "schedule.not_found"  // the schedule is gone
)

// FailureCode maps an error of Graph (or of the tenant's connection) to a backup failure code.
func FailureCode(err error) string {
	switch graph.FailureCode(err) {
	case graph.CodeTokenExpired:
		return CodeTokenExpired
	case graph.CodePermissionMissing:
		return CodePermissionMissing
	case graph.CodeThrottled:
		return CodeGraphThrottle
	}
	return CodeUnknown
}

// lockNamespace keeps the schedule locks apart from other advisory locks: the key is the
// namespace in the high bits and the schedule id in the low 40.
const lockNamespace = int64(0x62616b) << 40

// LockKey is the PostgreSQL advisory lock key a running backup of the schedule holds
// (pg_try_advisory_lock(bigint), session level, for the whole run).
func LockKey(scheduleID int64) int64 { return lockNamespace | (scheduleID & (1<<40 - 1)) }

// ending is how a backup run ends.
type ending struct {
	outcome   operations.Outcome
	counts    map[string]any
	failures  []operations.Failure
	setID     int64
	setStatus string
}

func stop(outcome operations.Outcome, code, message string) ending {
	return ending{outcome: outcome, failures: []operations.Failure{{Code: code, Message: message, Count: 1}}}
}

// Execute does the work of a backup_schedule_run (the jobs tracker calls it with the run
// running). lastAttempt says whether River will try the job again after a transient error.
//
// Every path ends the run with a terminal outcome; the tracker completes it, and in that one
// transaction the transition's Also records the schedule's last run, finishes the backup set and
// queues the schedule's retention run. Paths:
//   - the schedule is gone, archived, or (for a scheduled run) disabled → cancelled;
//   - another run holds the schedule's lock → blocked (schedule.locked);
//   - none of the schedule's policy types is supported → blocked (UNKNOWN_POLICY_TYPE); some
//     not → they are skipped and the run is at best partially_succeeded;
//   - every policy type read → succeeded; some failed (or were skipped) alongside a backup →
//     partially_succeeded; nothing backed up, or a hard error → failed, with TOKEN_EXPIRED,
//     PERMISSION_MISSING, GRAPH_THROTTLE or UNKNOWN.
//
// Shutdown (ctx cancelled) returns ctx's error, and the tracker completes the run as failed.
func (s *Service) Execute(ctx context.Context, run operations.Run, lastAttempt bool) (operations.Transition, error) {
	if run.TenantID == nil {
		return s.finish(ctx, run, nil, stop(operations.OutcomeFailed, CodeUnknown, "A backup run needs a tenant."))
	}
	rc, err := ReadRunContext(run)
	if err != nil {
		return s.finish(ctx, run, nil, stop(operations.OutcomeFailed, CodeUnknown, err.Error()))
	}
	sched, err := GetSchedule(ctx, s.db, *run.TenantID, rc.BackupScheduleID)
	switch {
	case errors.Is(err, ErrNotFound):
		return s.finish(ctx, run, nil, stop(operations.OutcomeCancelled, CodeScheduleNotFound, "The backup schedule no longer exists."))
	case err != nil:
		return s.retryOrFail(ctx, run, nil, 0, err, lastAttempt)
	case sched.ArchivedAt != nil:
		return s.finish(ctx, run, &sched, stop(operations.OutcomeCancelled, CodeScheduleArchived, "The schedule was archived before the run started."))
	case rc.Trigger == TriggerScheduled && !sched.IsEnabled:
		return s.finish(ctx, run, &sched, stop(operations.OutcomeCancelled, CodeScheduleDisabled, "The schedule was disabled before the run started."))
	}

	lock, held, err := s.lockSchedule(ctx, sched.ID)
	if err != nil {
		return s.retryOrFail(ctx, run, &sched, 0, err, lastAttempt)
	}
	if !held {
		return s.finish(ctx, run, &sched, stop(operations.OutcomeBlocked, CodeScheduleLocked,
			"Another run of this schedule was in progress and held its lock; this run was skipped."))
	}
	defer lock.release()

	types, unknown := resolveTypes(sched)
	var skippedTypes []operations.Failure
	if len(unknown) > 0 {
		skippedTypes = append(skippedTypes, operations.Failure{Code: CodeUnknownPolicyType, Count: len(unknown),
			Message: "Skipped policy types that are not supported: " + strings.Join(unknown, ", ") + "."})
	}
	if len(types) == 0 {
		if len(skippedTypes) == 0 {
			return s.finish(ctx, run, &sched, stop(operations.OutcomeBlocked, CodeUnknownPolicyType, "The schedule names no policy type."))
		}
		e := ending{outcome: operations.OutcomeBlocked, failures: skippedTypes}
		e.failures[0].Message += " No supported policy type is left to back up."
		return s.finish(ctx, run, &sched, e)
	}

	var tenant tenancy.Tenant
	if err := s.db.WithContext(ctx).First(&tenant, *run.TenantID).Error; err != nil {
		return s.retryOrFail(ctx, run, &sched, 0, err, lastAttempt)
	}
	if s.providers == nil {
		return s.finish(ctx, run, &sched, stop(operations.OutcomeFailed, CodeUnknown, "No Graph provider is configured."))
	}
	provider, err := s.providers.ForRun(ctx, tenant, run.Type, run.ID)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, connections.ErrNoConnection) {
			msg = "The tenant has no provider connection: " + msg
		}
		return s.finish(ctx, run, &sched, stop(operations.OutcomeFailed, FailureCode(err), msg))
	}

	setID, err := s.startSet(ctx, run, sched, rc, types)
	if err != nil {
		return s.retryOrFail(ctx, run, &sched, 0, err, lastAttempt)
	}
	t, err := s.backupTypes(ctx, provider, tenant.ID, setID, types)
	if err != nil {
		return s.retryOrFail(ctx, run, &sched, setID, err, lastAttempt)
	}

	e := ending{setID: setID, failures: append(skippedTypes, t.failures...)}
	e.counts = map[string]any{
		"total": t.listed, "processed": t.items + t.vanished, "succeeded": t.items, "skipped": t.vanished,
		"failed": t.failedTypes, "items": t.items, "policy_types": t.okTypes,
	}
	switch {
	case t.failedTypes > 0 && t.items == 0:
		e.outcome, e.setStatus = operations.OutcomeFailed, SetFailed
	case t.failedTypes > 0 || len(unknown) > 0:
		e.outcome, e.setStatus = operations.OutcomePartiallySucceeded, SetPartial
	default:
		e.outcome, e.setStatus = operations.OutcomeSucceeded, SetCompleted
	}
	return s.finish(ctx, run, &sched, e)
}

// resolveTypes re-checks the schedule's policy types against what Graph supports now: the
// supported ones (and the foundations when asked, if any policy type is left), in the registry's
// order, and the keys that are not supported.
func resolveTypes(sched Schedule) (types []graph.PolicyType, unknown []string) {
	want := map[string]bool{}
	for _, k := range sched.PolicyTypes {
		if _, ok := graph.LookupPolicyType(k); ok {
			want[k] = true
		} else if !slices.Contains(unknown, k) {
			unknown = append(unknown, k)
		}
	}
	if len(want) == 0 {
		return nil, unknown
	}
	for _, pt := range graph.PolicyTypes() {
		if want[pt.Key] || (pt.Foundation && sched.IncludeFoundations) {
			types = append(types, pt)
		}
	}
	return types, unknown
}

// retryOrFail: a transient failure is retried by River within the same run unless this is the
// last attempt or the worker is stopping; otherwise the run fails (UNKNOWN) with its set.
func (s *Service) retryOrFail(ctx context.Context, run operations.Run, sched *Schedule, setID int64, err error, lastAttempt bool) (operations.Transition, error) {
	if ctx.Err() != nil {
		if setID != 0 {
			s.markSetFailed(context.WithoutCancel(ctx), setID)
		}
		return operations.Transition{}, ctx.Err()
	}
	if !lastAttempt {
		return operations.Transition{}, transient(err)
	}
	e := stop(operations.OutcomeFailed, CodeUnknown, err.Error())
	if setID != 0 {
		e.setID, e.setStatus = setID, SetFailed
	}
	return s.finish(ctx, run, sched, e)
}

func (s *Service) markSetFailed(ctx context.Context, setID int64) {
	if err := s.db.WithContext(ctx).Exec(`UPDATE backup_sets SET status = ?, completed_at = now(), updated_at = now()
		WHERE id = ? AND status = ?`, SetFailed, setID, SetPending).Error; err != nil {
		s.log.WarnContext(ctx, "could not mark an interrupted backup set failed", "set_id", setID, "error", err.Error())
	}
}

// finish is how every path of Execute ends: the run's completion with its ending, and what must
// commit with it, handed to the run's one transition (the tracker completes the run): the backup
// set's final status, the schedule's last run, and the retention run of the schedule when a set
// was written.
func (s *Service) finish(_ context.Context, run operations.Run, sched *Schedule, e ending) (operations.Transition, error) {
	also := func(ctx context.Context, tx *gorm.DB, done operations.Run) error {
		now := s.now().UTC().Truncate(time.Microsecond)
		if e.setID != 0 {
			if err := tx.Exec(`UPDATE backup_sets SET status = ?, completed_at = ?, updated_at = ? WHERE id = ?`,
				e.setStatus, now, now, e.setID).Error; err != nil {
				return fmt.Errorf("finish backup set %d: %w", e.setID, err)
			}
		}
		if sched == nil {
			return nil
		}
		// The dispatcher moves next_run_at when it claims a slot; here it is only filled in where
		// it is missing, never moved, so a slot that fell due meanwhile still runs.
		if err := tx.Exec(`UPDATE backup_schedules SET last_run_at = ?, last_run_status = ?,
				next_run_at = CASE WHEN is_enabled AND archived_at IS NULL AND next_run_at IS NULL THEN ?::timestamptz ELSE next_run_at END
			WHERE id = ?`, now, string(done.Outcome), NextRunAt(*sched, now), sched.ID).Error; err != nil {
			return fmt.Errorf("record the last run of schedule %d: %w", sched.ID, err)
		}
		if e.setID != 0 {
			return s.queueRetention(ctx, tx, run, sched.ID)
		}
		return nil
	}
	return operations.Transition{Outcome: e.outcome, SummaryCounts: e.counts, Failures: e.failures, Also: also}, nil
}

// queueRetention creates the schedule's retention run for this backup run (System) and queues it.
func (s *Service) queueRetention(ctx context.Context, tx *gorm.DB, run operations.Run, scheduleID int64) error {
	_, _, err := s.runs.Start(ctx, tx, operations.EnsureInput{
		WorkspaceID: run.WorkspaceID, TenantID: run.TenantID,
		Type:           operations.TypeBackupRetention,
		IdentityInputs: map[string]any{"backup_schedule_id": scheduleID, "after_run_id": run.ID},
		Context:        map[string]any{"backup_schedule_id": scheduleID, "after_run_id": run.ID},
	}, nil)
	return err
}

// scheduleLock is a session advisory lock held on a connection of its own for a whole run.
type scheduleLock struct {
	conn *sql.Conn
	key  int64
}

func (s *Service) lockSchedule(ctx context.Context, scheduleID int64) (*scheduleLock, bool, error) {
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock schedule %d: %w", scheduleID, err)
	}
	key := LockKey(scheduleID)
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		_ = conn.Close()
		return nil, false, fmt.Errorf("lock schedule %d: %w", scheduleID, err)
	}
	if !ok {
		_ = conn.Close()
		return nil, false, nil
	}
	return &scheduleLock{conn: conn, key: key}, true, nil
}

// release unlocks; a connection that cannot say it unlocked is discarded, which ends its session
// and with it the lock.
func (l *scheduleLock) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ok bool
	if err := l.conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, l.key).Scan(&ok); err != nil || !ok {
		_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = l.conn.Close()
}

// startSet creates the run's backup set (pending) and records it in the run's context. A set a
// previous attempt of the same run left pending is deleted first.
func (s *Service) startSet(ctx context.Context, run operations.Run, sched Schedule, rc RunContext, types []graph.PolicyType) (int64, error) {
	at, err := time.Parse(time.RFC3339, rc.ScheduledFor)
	if err != nil {
		at = run.CreatedAt
	}
	if loc, err := LoadTimezone(sched.Timezone); err == nil {
		at = at.In(loc)
	}
	name := sched.Name + " - " + at.Format("2006-01-02 15:04")
	keys := make([]string, len(types))
	for i, t := range types {
		keys[i] = t.Key
	}
	meta, err := json.Marshal(map[string]any{"policy_types": keys, "include_foundations": sched.IncludeFoundations,
		"trigger": rc.Trigger, "scheduled_for": rc.ScheduledFor})
	if err != nil {
		return 0, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var id int64
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM backup_sets WHERE operation_run_id = ? AND status = ?`, run.ID, SetPending).Error; err != nil {
			return err
		}
		var ids []int64
		if err := tx.Raw(`INSERT INTO backup_sets (tenant_id, backup_schedule_id, operation_run_id, name, status, created_by, metadata, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?) RETURNING id`,
			sched.TenantID, sched.ID, run.ID, name, SetPending, run.InitiatorName, string(meta), now, now).Scan(&ids).Error; err != nil {
			return err
		}
		id = ids[0]
		// The run's context names its set.
		return s.runs.NoteContext(ctx, tx, run.ID, "backup_set_id", id)
	})
	if err != nil {
		return 0, fmt.Errorf("create the backup set of run %d: %w", run.ID, err)
	}
	return id, nil
}

// tally is what a backup read and stored.
type tally struct {
	listed, items, vanished int
	okTypes, failedTypes    int
	failures                []operations.Failure
}

// storeError is a database failure while storing items: not the provider's fault, so the job is
// tried again.
type storeError struct{ err error }

func (e *storeError) Error() string { return "store backup items: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// backupTypes reads every policy type page by page (one page in memory at a time): each listed
// object is read in full with its assignments (GetPolicy, several at once) and the page is stored
// in one statement. A type that fails is recorded and the others go on; what it stored stays.
func (s *Service) backupTypes(ctx context.Context, provider graph.Provider, tenantID, setID int64, types []graph.PolicyType) (tally, error) {
	var t tally
	for _, pt := range types {
		err := provider.ListPolicies(ctx, pt.Key, func(page []graph.Object) error {
			t.listed += len(page)
			objs, vanished, err := s.fetchPage(ctx, provider, pt, page)
			t.vanished += vanished
			if err != nil {
				return err
			}
			n, err := s.storeItems(ctx, tenantID, setID, pt, objs)
			if err != nil {
				return &storeError{err}
			}
			t.items += n
			// Objects read of those listed so far (the listing itself pages on).
			listed := int64(t.listed)
			_ = operations.ReportProgress(ctx, int64(t.items+t.vanished), &listed)
			return nil
		})
		if err == nil {
			t.okTypes++
			continue
		}
		if ctx.Err() != nil {
			return t, ctx.Err()
		}
		var se *storeError
		if errors.As(err, &se) {
			return t, se
		}
		t.failedTypes++
		t.failures = append(t.failures, operations.Failure{Code: FailureCode(err), Message: pt.Collection + ": " + err.Error(), Count: 1})
	}
	return t, nil
}

// fetchPage reads the listed objects of a page in full, s.fetchers at a time. An object that is
// gone by then (404) is skipped; any other error fails the page.
func (s *Service) fetchPage(ctx context.Context, provider graph.Provider, pt graph.PolicyType, page []graph.Object) ([]graph.Object, int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]graph.Object, len(page))
	errs := make([]error, len(page))
	seen := make(map[string]bool, len(page))
	sem := make(chan struct{}, s.fetchers)
	var wg sync.WaitGroup
	for i, obj := range page {
		id := obj.ID()
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			full, err := provider.GetPolicy(ctx, pt.Key, id)
			if err != nil {
				errs[i] = err
				if graph.FailureCode(err) != graph.CodeNotFound {
					cancel()
				}
				return
			}
			out[i] = full
		}()
	}
	wg.Wait()
	vanished := 0
	var first, fallback error
	for _, err := range errs {
		switch {
		case err == nil:
		case graph.FailureCode(err) == graph.CodeNotFound:
			vanished++
		case errors.Is(err, context.Canceled) || strings.Contains(err.Error(), context.Canceled.Error()):
			if fallback == nil {
				fallback = err
			}
		case first == nil:
			first = err
		}
	}
	if first == nil {
		first = fallback
	}
	if first != nil {
		return nil, vanished, first
	}
	objs := out[:0]
	for _, o := range out {
		if o != nil {
			objs = append(objs, o)
		}
	}
	return objs, vanished, nil
}

const storeItemsSQL = `WITH ins AS (
	INSERT INTO backup_items (tenant_id, backup_set_id, policy_type, external_id, display_name, payload, assignments, content_hash)
	SELECT $1, $2, $3, t.external_id, t.display_name, t.payload::jsonb, t.assignments::jsonb, t.content_hash
	FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(external_id, display_name, payload, assignments, content_hash)
	RETURNING 1
)
UPDATE backup_sets SET item_count = item_count + (SELECT count(*) FROM ins), updated_at = now() WHERE id = $2`

// storeItems writes a page of full objects as items: the payload (the object without its
// assignments), the assignments, and a content hash over both (volatile fields left out, as in
// the inventory).
func (s *Service) storeItems(ctx context.Context, tenantID, setID int64, pt graph.PolicyType, objs []graph.Object) (int, error) {
	if len(objs) == 0 {
		return 0, nil
	}
	n := len(objs)
	ids, names, payloads, assigns, hashes := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	for _, o := range objs {
		payload := make(map[string]any, len(o))
		for k, v := range o {
			if k != "assignments" && k != "assignments@odata.context" && k != "@odata.context" {
				payload[k] = v
			}
		}
		a, ok := o["assignments"].([]any)
		if !ok {
			a = []any{}
		}
		hashed := make(map[string]any, len(payload)+1)
		for k, v := range payload {
			hashed[k] = v
		}
		hashed["assignments"] = a
		hash, err := inventory.ContentHash(hashed)
		if err != nil {
			return 0, err
		}
		pj, err := jsonbText(payload)
		if err != nil {
			return 0, err
		}
		aj, err := jsonbText(a)
		if err != nil {
			return 0, err
		}
		ids, names = append(ids, o.ID()), append(names, strings.ReplaceAll(o.DisplayName(), "\x00", ""))
		payloads, assigns, hashes = append(payloads, pj), append(assigns, aj), append(hashes, hash)
	}
	if _, err := s.sql.ExecContext(ctx, storeItemsSQL, tenantID, setID, pt.Key, ids, names, payloads, assigns, hashes); err != nil {
		return 0, err
	}
	return n, nil
}

// jsonbText encodes v for a jsonb column, which cannot hold the NUL character: NULs are dropped
// from strings first.
func jsonbText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		if b, err = json.Marshal(dropNUL(v)); err != nil {
			return "", err
		}
	}
	return string(b), nil
}

func dropNUL(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, "\x00", "")
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[strings.ReplaceAll(k, "\x00", "")] = dropNUL(e)
		}
		return out
	case graph.Object:
		return dropNUL(map[string]any(v))
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = dropNUL(e)
		}
		return out
	}
	return v
}
