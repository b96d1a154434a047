package operations_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/operations"
)

// fixture is a migrated database with one workspace, one tenant in it and two users.
type fixture struct {
	db          *dbtest.DB
	svc         *operations.Service
	clock       *testClock
	workspaceID int64
	tenantID    int64
	aliceID     int64
	bobID       int64
}

// testClock is a settable clock, safe for concurrent use.
type testClock struct{ unixMicro atomic.Int64 }

func (c *testClock) Now() time.Time      { return time.UnixMicro(c.unixMicro.Load()).UTC() }
func (c *testClock) Set(t time.Time)     { c.unixMicro.Store(t.UnixMicro()) }
func (c *testClock) Add(d time.Duration) { c.unixMicro.Add(d.Microseconds()) }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{db: dbtest.New(t), clock: &testClock{}}
	f.clock.Set(time.Date(2026, 2, 14, 9, 30, 0, 0, time.UTC))
	f.svc = operations.NewService(f.db.Gorm, operations.WithClock(f.clock.Now))
	ctx := context.Background()
	row := func(dst *int64, q string, args ...any) {
		t.Helper()
		if err := f.db.SQL.QueryRowContext(ctx, q, args...).Scan(dst); err != nil {
			t.Fatalf("fixture: %s: %v", q, err)
		}
	}
	row(&f.workspaceID, `INSERT INTO workspaces (name, slug) VALUES ('Contoso MSP', 'contoso') RETURNING id`)
	row(&f.tenantID, `INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Fabrikam', $2) RETURNING id`,
		f.workspaceID, "6f1c2a9e-3b7d-4c1e-9a55-0d2f8e4b7c31")
	row(&f.aliceID, `INSERT INTO users (email, name) VALUES ('alice@contoso.example', 'Alice Admin') RETURNING id`)
	row(&f.bobID, `INSERT INTO users (email, name) VALUES ('bob@contoso.example', 'Bob Operator') RETURNING id`)
	return f
}

// countRuns counts the rows of operation_runs.
func (f *fixture) countRuns(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.SQL.QueryRow(`SELECT count(*) FROM operation_runs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ensure calls Ensure without a transaction and fails the test on error.
func (f *fixture) ensure(t *testing.T, in operations.EnsureInput) (operations.Run, bool) {
	t.Helper()
	run, created, err := f.svc.Ensure(context.Background(), nil, in)
	if err != nil {
		t.Fatalf("Ensure(%+v): %v", in, err)
	}
	return run, created
}

func (f *fixture) complete(t *testing.T, id int64, o operations.Outcome) operations.Run {
	t.Helper()
	run, err := f.svc.Transition(context.Background(), nil, id, operations.Transition{To: operations.StatusCompleted, Outcome: o})
	if err != nil {
		t.Fatalf("complete run %d: %v", id, err)
	}
	return run
}

func ptr[T any](v T) *T { return &v }
