package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/connections"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/secrets"
)

const (
	fakeTenant = "7a1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
	appID      = "0a1b2c3d-aaaa-bbbb-cccc-000000000002"
	appSecret  = "Qx9~backup.secret-value_Z7"
)

// fixture is a workspace with a tenant and a user over a test database, with the backup service
// (its queue inserts real River jobs; nothing works them unless a worker is started).
type fixture struct {
	t      testing.TB
	db     *dbtest.DB
	runs   *operations.Service
	queue  *jobs.Enqueuer
	svc    *backup.Service
	ws, tn int64
	userID int64
}

func newFixture(t testing.TB, opts ...backup.Option) *fixture {
	t.Helper()
	tdb := dbtest.New(t)
	f := &fixture{t: t, db: tdb}
	var err error
	if f.queue, err = jobs.NewEnqueuer(tdb.SQL); err != nil {
		t.Fatal(err)
	}
	if f.runs, err = jobs.NewRunService(tdb.Gorm); err != nil {
		t.Fatal(err)
	}
	f.ws = f.id(`INSERT INTO workspaces (name, slug) VALUES ('A', 'a')`)
	f.tn = f.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T', $2)`, f.ws, fakeTenant)
	f.userID = f.id(`INSERT INTO users (email, name) VALUES ('u@a.test', 'Uma')`)
	f.svc = f.service(nil, opts...)
	return f
}

func (f *fixture) service(providers backup.Providers, opts ...backup.Option) *backup.Service {
	f.t.Helper()
	s, err := backup.New(f.db.Gorm, f.runs, providers, opts...)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) id(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.SQL.QueryRow(q+" RETURNING id", args...).Scan(&id); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func (f *fixture) count(q string, args ...any) int64 {
	f.t.Helper()
	var n int64
	if err := f.db.SQL.QueryRow(q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.SQL.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func ptr[T any](v T) *T { return &v }

// schedule creates a schedule through the domain function.
func (f *fixture) schedule(in backup.ScheduleInput, now time.Time) backup.Schedule {
	f.t.Helper()
	if in.Name == nil {
		in.Name = ptr("Nightly")
	}
	if in.Frequency == nil {
		in.Frequency = ptr(backup.Daily)
	}
	if in.TimeOfDay == nil {
		in.TimeOfDay = ptr("02:30")
	}
	if in.PolicyTypes == nil {
		in.PolicyTypes = ptr([]string{"deviceConfiguration"})
	}
	s, err := backup.CreateSchedule(context.Background(), f.db.Gorm, f.tn, in, now)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) run(id int64) operations.Run {
	f.t.Helper()
	r, err := f.runs.Get(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func failuresOf(t testing.TB, r operations.Run) []operations.Failure {
	t.Helper()
	var fs []operations.Failure
	if err := json.Unmarshal(r.FailureSummary, &fs); err != nil {
		t.Fatal(err)
	}
	return fs
}

func countsOf(t testing.TB, r operations.Run) map[string]int64 {
	t.Helper()
	var m map[string]int64
	if err := json.Unmarshal(r.SummaryCounts, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// world adds the fake Graph server and a River worker running every backup job.
type world struct {
	*fixture
	graph  *graphtest.Server
	conns  *connections.Connections
	logs   *lockedBuffer
	cancel context.CancelFunc
	done   chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func newWorld(t testing.TB, opts ...backup.Option) *world {
	t.Helper()
	w := &world{fixture: newFixture(t), graph: graphtest.NewServer(t), logs: &lockedBuffer{}}
	log := slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	w.graph.AddTenant(fakeTenant, appID, appSecret)
	sealer, err := secrets.NewSealer(secrets.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	w.conns = connections.NewConnections(w.db.Gorm, sealer,
		connections.WithEndpoints(w.graph.URL(), w.graph.TokenURL("{tenant}")),
		connections.WithHTTPClient(w.graph.Client()),
		connections.WithClientConfig(func(c *graph.ClientConfig) {
			c.MaxAttempts = 2
			c.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
		}))
	if err := w.conns.Save(context.Background(), w.tn, connections.Connection{Kind: connections.KindGraph, ClientID: appID, ClientSecret: appSecret}); err != nil {
		t.Fatal(err)
	}
	w.svc = w.service(w.conns, append([]backup.Option{backup.WithLogger(log)}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	wk, err := jobs.NewWorker(ctx, jobs.WorkerConfig{DatabaseURL: w.db.URL, DB: w.db.Gorm, Log: log, Runs: w.runs,
		Backups: w.svc, FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w.cancel, w.done = cancel, make(chan error, 1)
	go func() { w.done <- wk.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-w.done })
	return w
}

// wait polls until the run completes.
func (f *fixture) wait(id int64) operations.Run {
	f.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r := f.run(id)
		if r.Status == operations.StatusCompleted {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatalf("run %d did not finish", id)
	return operations.Run{}
}

// runNow starts a "run now" of the schedule as the fixture's user, as the API does.
func (f *fixture) runNow(scheduleID int64) operations.Run {
	f.t.Helper()
	ctx := context.Background()
	in, err := backup.RunNowInput(ctx, f.db.Gorm, f.tn, scheduleID, backup.Starter{WorkspaceID: f.ws, UserID: &f.userID, UserName: "Uma"}, time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	run, created, err := f.runs.Start(ctx, nil, in, nil)
	if err != nil || !created {
		f.t.Fatalf("run now: created %v, %v", created, err)
	}
	return run
}
