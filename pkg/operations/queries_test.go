package operations_test

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/operations"
)

// row is a run as the query tests insert it.
type row struct {
	tenantID  *int64
	typ       string
	status    operations.Status
	outcome   operations.Outcome
	identity  string // run_identity_hash; empty means NULL
	context   string // JSON; empty means {}
	created   time.Time
	completed *time.Time
}

// insert writes r to operation_runs and returns its id.
func (f *fixture) insert(t *testing.T, r row) int64 {
	t.Helper()
	if r.context == "" {
		r.context = "{}"
	}
	if r.created.IsZero() {
		r.created = f.clock.Now()
	}
	var identity *string
	if r.identity != "" {
		identity = &r.identity
	}
	var id int64
	err := f.db.SQL.QueryRow(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome,
		run_identity_hash, context, created_at, updated_at, completed_at)
		VALUES ($1, $2, 'System', $3, $4, $5, $6, $7::jsonb, $8, $8, $9) RETURNING id`,
		f.workspaceID, r.tenantID, r.typ, r.status, r.outcome, identity, r.context, r.created, r.completed).Scan(&id)
	if err != nil {
		t.Fatalf("insert run %+v: %v", r, err)
	}
	return id
}

func (f *fixture) otherTenant(t *testing.T) int64 {
	t.Helper()
	var id int64
	if err := f.db.SQL.QueryRow(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Northwind', $2) RETURNING id`,
		f.workspaceID, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func at(base time.Time, minutes int) *time.Time {
	t := base.Add(time.Duration(minutes) * time.Minute)
	return &t
}

func ids(runs []operations.CompletedRun) []int64 {
	out := make([]int64, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

func TestCountEarlierRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tn, other := &f.tenantID, ptr(f.otherTenant(t))
	done := operations.StatusCompleted
	first := f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: done, outcome: operations.OutcomeSucceeded, completed: at(f.clock.Now(), 1)})
	f.insert(t, row{tenantID: other, typ: operations.TypeInventorySync, status: operations.StatusQueued, outcome: operations.OutcomePending})
	f.insert(t, row{tenantID: tn, typ: operations.TypeEntraGroupSync, status: operations.StatusQueued, outcome: operations.OutcomePending})
	second := f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: done, outcome: operations.OutcomeFailed, completed: at(f.clock.Now(), 2)})
	third := f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: operations.StatusRunning, outcome: operations.OutcomePending})
	for id, want := range map[int64]int64{first: 0, second: 1, third: 2, third + 100: 3} {
		n, err := operations.CountEarlierRuns(ctx, f.db.Gorm, f.tenantID, operations.TypeInventorySync, id)
		if err != nil || n != want {
			t.Errorf("CountEarlierRuns(before %d) = %d, %v; want %d", id, n, err, want)
		}
	}
}

func TestLatestCompletedAndCountActive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tn := &f.tenantID
	now := f.clock.Now()
	if _, ok, err := operations.LatestCompleted(ctx, f.db.Gorm, f.tenantID, operations.TypeInventorySync); ok || err != nil {
		t.Fatalf("no runs: ok=%v err=%v", ok, err)
	}
	f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded, completed: at(now, 5)})
	want := f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: operations.StatusCompleted, outcome: operations.OutcomeFailed, completed: at(now, 9)})
	f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: operations.StatusRunning, outcome: operations.OutcomePending})
	f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: operations.StatusQueued, outcome: operations.OutcomePending})
	f.insert(t, row{tenantID: tn, typ: operations.TypeEntraGroupSync, status: operations.StatusQueued, outcome: operations.OutcomePending})
	f.insert(t, row{tenantID: tn, typ: operations.TypeEntraGroupSync, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded, completed: at(now, 30)})
	f.insert(t, row{tenantID: ptr(f.otherTenant(t)), typ: operations.TypeInventorySync, status: operations.StatusQueued, outcome: operations.OutcomePending})

	run, ok, err := operations.LatestCompleted(ctx, f.db.Gorm, f.tenantID, operations.TypeInventorySync)
	if err != nil || !ok || run.ID != want || run.Outcome != operations.OutcomeFailed || run.CompletedAt == nil {
		t.Fatalf("LatestCompleted = %+v, %v, %v; want run %d", run, ok, err, want)
	}
	all, inv, err := operations.CountActive(ctx, f.db.Gorm, f.tenantID, operations.TypeInventorySync)
	if err != nil || all != 3 || inv != 2 {
		t.Fatalf("CountActive = %d, %d, %v; want 3, 2", all, inv, err)
	}
}

func TestLatestSucceededAndSucceededAmong(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tn := &f.tenantID
	now := f.clock.Now()
	done, inv := operations.StatusCompleted, operations.TypeInventorySync
	scope := `{"scope_key": "s1"}`
	old := f.insert(t, row{tenantID: tn, typ: inv, status: done, outcome: operations.OutcomeSucceeded, context: scope, completed: at(now, 1)})
	mid := f.insert(t, row{tenantID: tn, typ: inv, status: done, outcome: operations.OutcomeSucceeded, context: scope, completed: at(now, 2)})
	// The same completion time as mid: the higher id is newer.
	tie := f.insert(t, row{tenantID: tn, typ: inv, status: done, outcome: operations.OutcomeSucceeded, context: scope, completed: at(now, 2)})
	partial := f.insert(t, row{tenantID: tn, typ: inv, status: done, outcome: operations.OutcomePartiallySucceeded, context: scope, completed: at(now, 5)})
	otherScope := f.insert(t, row{tenantID: tn, typ: inv, status: done, outcome: operations.OutcomeSucceeded, context: `{"scope_key": "s2"}`, completed: at(now, 6)})
	f.insert(t, row{tenantID: tn, typ: inv, status: operations.StatusRunning, outcome: operations.OutcomePending, context: scope})
	otherTenant := f.insert(t, row{tenantID: ptr(f.otherTenant(t)), typ: inv, status: done, outcome: operations.OutcomeSucceeded, context: scope, completed: at(now, 7)})

	got, err := operations.LatestSucceeded(ctx, f.db.Gorm, f.tenantID, inv, "s1", 2)
	if err != nil || !slices.Equal(ids(got), []int64{tie, mid}) {
		t.Fatalf("LatestSucceeded(2) = %v, %v; want [%d %d]", ids(got), err, tie, mid)
	}
	if !got[0].CompletedAt.Equal(*at(now, 2)) {
		t.Fatalf("completed_at = %v", got[0].CompletedAt)
	}
	if got, err = operations.LatestSucceeded(ctx, f.db.Gorm, f.tenantID, inv, "s1", 5); err != nil || !slices.Equal(ids(got), []int64{tie, mid, old}) {
		t.Fatalf("LatestSucceeded(5) = %v, %v", ids(got), err)
	}
	if got, err = operations.LatestSucceeded(ctx, f.db.Gorm, f.tenantID, inv, "none", 2); err != nil || len(got) != 0 {
		t.Fatalf("LatestSucceeded(unknown scope) = %v, %v", ids(got), err)
	}
	if _, err := operations.LatestSucceeded(ctx, f.db.Gorm, f.tenantID, inv, "s1", 0); err == nil {
		t.Fatal("LatestSucceeded(0) accepted")
	}

	got, err = operations.SucceededAmong(ctx, f.db.Gorm, f.tenantID, inv, "s1", []int64{old, partial, otherScope, otherTenant, tie})
	gotIDs := ids(got)
	slices.Sort(gotIDs)
	if err != nil || !slices.Equal(gotIDs, []int64{old, tie}) {
		t.Fatalf("SucceededAmong = %v, %v; want [%d %d]", gotIDs, err, old, tie)
	}
	if got, err = operations.SucceededAmong(ctx, f.db.Gorm, f.tenantID, inv, "s1", nil); err != nil || len(got) != 0 {
		t.Fatalf("SucceededAmong(nil) = %v, %v", got, err)
	}
}

func TestByIdentity(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tn := &f.tenantID
	now := f.clock.Now()
	gen := operations.TypeDriftGenerateFindings
	lookups := map[string]func(ctx context.Context, f *fixture, hash string) (operations.Run, bool, error){
		"active or succeeded": func(ctx context.Context, f *fixture, hash string) (operations.Run, bool, error) {
			return operations.ActiveOrSucceededByIdentity(ctx, f.db.Gorm, f.tenantID, gen, hash)
		},
		"newest": func(ctx context.Context, f *fixture, hash string) (operations.Run, bool, error) {
			return operations.NewestByIdentity(ctx, f.db.Gorm, f.tenantID, gen, hash)
		},
	}
	check := func(step, hash string, want map[string]int64) {
		t.Helper()
		for name, lookup := range lookups {
			run, ok, err := lookup(ctx, f, hash)
			if err != nil || ok != (want[name] != 0) || run.ID != want[name] {
				t.Errorf("%s: %s = run %d, %v, %v; want %d", step, name, run.ID, ok, err, want[name])
			}
		}
	}
	check("no runs", "h1", map[string]int64{})
	f.insert(t, row{tenantID: tn, typ: gen, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded, identity: "h2", completed: at(now, 1)})
	f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded, identity: "h1", completed: at(now, 1)})
	failed := f.insert(t, row{tenantID: tn, typ: gen, status: operations.StatusCompleted, outcome: operations.OutcomeFailed, identity: "h1", completed: at(now, 2)})
	check("a failed run", "h1", map[string]int64{"newest": failed})
	ok := f.insert(t, row{tenantID: tn, typ: gen, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded, identity: "h1", completed: at(now, 3)})
	blocked := f.insert(t, row{tenantID: tn, typ: gen, status: operations.StatusCompleted, outcome: operations.OutcomeBlocked, identity: "h1", completed: at(now, 4)})
	check("succeeded then blocked", "h1", map[string]int64{"active or succeeded": ok, "newest": blocked})
	// An active run comes first, even before newer finished ones (the unique index allows no
	// succeeded run beside it).
	f.insert(t, row{tenantID: tn, typ: gen, status: operations.StatusCompleted, outcome: operations.OutcomeFailed, identity: "h3", completed: at(now, 5)})
	active := f.insert(t, row{tenantID: tn, typ: gen, status: operations.StatusQueued, outcome: operations.OutcomePending, identity: "h3"})
	f.insert(t, row{tenantID: tn, typ: gen, status: operations.StatusCompleted, outcome: operations.OutcomeCancelled, identity: "h3", completed: at(now, 6)})
	check("an active run first", "h3", map[string]int64{"active or succeeded": active, "newest": active})
}

func TestDriftGenerationKeyNamesTheIndex(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tn := &f.tenantID
	f.insert(t, row{tenantID: tn, typ: operations.TypeDriftGenerateFindings, status: operations.StatusCompleted,
		outcome: operations.OutcomeSucceeded, identity: "h1", completed: at(f.clock.Now(), 1)})
	_, err := f.db.SQL.Exec(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome, run_identity_hash)
		VALUES ($1, $2, 'System', $3, 'queued', 'pending', 'h1')`, f.workspaceID, f.tenantID, operations.TypeDriftGenerateFindings)
	if !database.IsUniqueViolation(err, operations.DriftGenerationKey) {
		t.Fatalf("second generation: %v, want a unique violation on %s", err, operations.DriftGenerationKey)
	}
}

func TestScopeSummaries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tn := &f.tenantID
	now := f.clock.Now()
	inv, done := operations.TypeInventorySync, operations.StatusCompleted
	f.insert(t, row{tenantID: tn, typ: inv, status: done, outcome: operations.OutcomeSucceeded, created: now,
		context: `{"scope_key": "a", "selection": {"policy_types": ["x"]}}`, completed: at(now, 1)})
	f.insert(t, row{tenantID: tn, typ: inv, status: done, outcome: operations.OutcomeFailed, created: *at(now, 2),
		context: `{"scope_key": "b"}`, completed: at(now, 3)})
	latestA := f.insert(t, row{tenantID: tn, typ: inv, status: operations.StatusRunning, outcome: operations.OutcomePending, created: *at(now, 4),
		context: `{"scope_key": "a", "selection": {"policy_types": ["y"]}}`})
	f.insert(t, row{tenantID: tn, typ: inv, status: done, outcome: operations.OutcomeSucceeded, created: *at(now, 5), completed: at(now, 6)})
	f.insert(t, row{tenantID: tn, typ: operations.TypeEntraGroupSync, status: done, outcome: operations.OutcomeSucceeded, created: *at(now, 7),
		context: `{"scope_key": "c"}`, completed: at(now, 8)})

	got, err := operations.ScopeSummaries(ctx, f.db.Gorm, f.tenantID, inv)
	if err != nil || len(got) != 2 {
		t.Fatalf("ScopeSummaries = %+v, %v", got, err)
	}
	a, b := got[0], got[1]
	if a.ScopeKey != "a" || a.Runs != 2 || a.SuccessfulRuns != 1 || a.Latest.ID != latestA ||
		a.Latest.Status != operations.StatusRunning || a.Latest.CompletedAt != nil || !a.Latest.CreatedAt.Equal(*at(now, 4)) ||
		string(a.Selection) != `{"policy_types": ["y"]}` {
		t.Errorf("scope a = %+v (selection %s)", a, a.Selection)
	}
	if b.ScopeKey != "b" || b.Runs != 1 || b.SuccessfulRuns != 0 || b.Latest.Outcome != operations.OutcomeFailed ||
		b.Latest.CompletedAt == nil || len(b.Selection) != 0 {
		t.Errorf("scope b = %+v (selection %q)", b, b.Selection)
	}
}

func TestCompletionTimes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tn := &f.tenantID
	now := f.clock.Now()
	done := f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: operations.StatusCompleted,
		outcome: operations.OutcomeSucceeded, completed: at(now, 3)})
	active := f.insert(t, row{tenantID: tn, typ: operations.TypeInventorySync, status: operations.StatusRunning, outcome: operations.OutcomePending})
	got, err := operations.CompletionTimes(ctx, f.db.Gorm, []int64{done, active, done, active + 1000})
	if err != nil || len(got) != 1 || !got[done].Equal(*at(now, 3)) {
		t.Fatalf("CompletionTimes = %v, %v", got, err)
	}
	if got, err := operations.CompletionTimes(ctx, f.db.Gorm, nil); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("CompletionTimes(nil) = %v, %v", got, err)
	}
}

func TestScheduleRunQueries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tn := &f.tenantID
	now := f.clock.Now()
	run := operations.TypeBackupRun
	if has, err := operations.HasScheduleRuns(ctx, f.db.Gorm, 7); has || err != nil {
		t.Fatalf("HasScheduleRuns without runs = %v, %v", has, err)
	}
	if _, ok, err := operations.LatestFinishedBackupRun(ctx, f.db.Gorm, f.tenantID, 7); ok || err != nil {
		t.Fatalf("LatestFinishedBackupRun without runs = %v, %v", ok, err)
	}
	f.insert(t, row{tenantID: tn, typ: run, status: operations.StatusQueued, outcome: operations.OutcomePending,
		context: `{"backup_schedule_id": 7}`})
	if has, err := operations.HasScheduleRuns(ctx, f.db.Gorm, 7); !has || err != nil {
		t.Fatalf("HasScheduleRuns with a queued run = %v, %v", has, err)
	}
	if _, ok, err := operations.LatestFinishedBackupRun(ctx, f.db.Gorm, f.tenantID, 7); ok || err != nil {
		t.Fatalf("LatestFinishedBackupRun with only a queued run = %v, %v", ok, err)
	}
	first := f.insert(t, row{tenantID: tn, typ: run, status: operations.StatusCompleted, outcome: operations.OutcomeFailed,
		context: `{"backup_schedule_id": 7}`, completed: at(now, 5)})
	f.insert(t, row{tenantID: tn, typ: run, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded,
		context: `{"backup_schedule_id": 7}`, completed: at(now, 1)})
	f.insert(t, row{tenantID: tn, typ: operations.TypeBackupRetention, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded,
		context: `{"backup_schedule_id": 7}`, completed: at(now, 9)})
	f.insert(t, row{tenantID: tn, typ: run, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded,
		context: `{"backup_schedule_id": 8}`, completed: at(now, 9)})
	f.insert(t, row{tenantID: ptr(f.otherTenant(t)), typ: run, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded,
		context: `{"backup_schedule_id": 7}`, completed: at(now, 9)})
	id, ok, err := operations.LatestFinishedBackupRun(ctx, f.db.Gorm, f.tenantID, 7)
	if err != nil || !ok || id != first {
		t.Fatalf("LatestFinishedBackupRun = %d, %v, %v; want %d", id, ok, err, first)
	}
	if has, err := operations.HasScheduleRuns(ctx, f.db.Gorm, 9); has || err != nil {
		t.Fatalf("HasScheduleRuns of another schedule = %v, %v", has, err)
	}

	// Inside a transaction, the transaction's own writes count.
	err = f.db.Gorm.Transaction(func(tx *gorm.DB) error {
		f.insertTx(t, tx, 9)
		has, err := operations.HasScheduleRuns(ctx, tx, 9)
		if err != nil {
			return err
		}
		if !has {
			t.Error("HasScheduleRuns in the transaction does not see its run")
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}

var errRollback = errors.New("rollback")

func (f *fixture) insertTx(t *testing.T, tx *gorm.DB, scheduleID int64) {
	t.Helper()
	if err := tx.Exec(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, outcome, context)
		VALUES (?, ?, 'System', ?, 'queued', 'pending', jsonb_build_object('backup_schedule_id', ?::bigint))`,
		f.workspaceID, f.tenantID, operations.TypeBackupRun, scheduleID).Error; err != nil {
		t.Fatal(err)
	}
}

func TestMetricsSnapshot(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	tn := &f.tenantID
	now := time.Now().UTC()
	inv := operations.TypeInventorySync
	f.insert(t, row{tenantID: tn, typ: inv, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded, created: now.Add(-time.Hour), completed: &now})
	f.insert(t, row{tenantID: tn, typ: inv, status: operations.StatusCompleted, outcome: operations.OutcomeSucceeded, created: now.Add(-2 * time.Hour), completed: &now})
	// Too old, but active: counted.
	f.insert(t, row{tenantID: tn, typ: inv, status: operations.StatusRunning, outcome: operations.OutcomePending, created: now.Add(-48 * time.Hour)})
	// Too old and finished: not counted.
	f.insert(t, row{tenantID: tn, typ: inv, status: operations.StatusCompleted, outcome: operations.OutcomeFailed, created: now.Add(-48 * time.Hour), completed: &now})
	f.insert(t, row{typ: operations.TypeBackupPurge, status: operations.StatusQueued, outcome: operations.OutcomePending, created: now})

	got, err := operations.MetricsSnapshot(ctx, f.db.SQL)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b operations.RunCount) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Status, b.Status))
	})
	want := []operations.RunCount{
		{Type: operations.TypeBackupPurge, Status: operations.StatusQueued, Outcome: operations.OutcomePending, N: 1},
		{Type: inv, Status: operations.StatusCompleted, Outcome: operations.OutcomeSucceeded, N: 2},
		{Type: inv, Status: operations.StatusRunning, Outcome: operations.OutcomePending, N: 1},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("MetricsSnapshot = %+v, want %+v", got, want)
	}
	// Any Querier works, a transaction included.
	tx, err := f.db.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	if got, err := operations.MetricsSnapshot(ctx, tx); err != nil || len(got) != 3 {
		t.Fatalf("MetricsSnapshot in a transaction = %+v, %v", got, err)
	}
}
