package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/notify"
	"github.com/tenantatlas/operations/pkg/operations"
)

type fixture struct {
	t      testing.TB
	db     *dbtest.DB
	runs   *operations.Service
	queue  *jobs.Enqueuer
	log    *slog.Logger
	ws, tn int64
	userID int64
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	tdb := dbtest.New(t)
	f := &fixture{t: t, db: tdb, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var err error
	if f.queue, err = jobs.NewEnqueuer(tdb.SQL); err != nil {
		t.Fatal(err)
	}
	if f.runs, err = jobs.NewRunService(tdb.Gorm); err != nil {
		t.Fatal(err)
	}
	f.ws = f.id(`INSERT INTO workspaces (name, slug) VALUES ('A', 'a')`)
	f.tn = f.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T', 'e-1')`, f.ws)
	f.userID = f.id(`INSERT INTO users (email, name) VALUES ('u@a.test', 'Uma')`)
	return f
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

func (f *fixture) input(identity any) operations.EnsureInput {
	return operations.EnsureInput{WorkspaceID: f.ws, TenantID: &f.tn, UserID: &f.userID, InitiatorName: "Uma",
		Type: operations.TypeInventorySync, IdentityInputs: identity, Context: map[string]any{}}
}

func TestStartCreatesRunAndJobTogether(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	run, created, err := f.runs.Start(ctx, nil, f.input("sel-1"), nil)
	if err != nil || !created || run.Status != operations.StatusQueued {
		t.Fatalf("start: %+v %v %v", run, created, err)
	}
	var args []byte
	if err := f.db.SQL.QueryRow(`SELECT j.args FROM river_job j JOIN operation_runs r ON r.job_id = j.id WHERE r.id = $1`, run.ID).Scan(&args); err != nil {
		t.Fatalf("no job carries the run: %v", err)
	}
	var a jobs.RunArgs
	if json.Unmarshal(args, &a); a.RunID != run.ID {
		t.Fatalf("job args %s", args)
	}
	// The same identity while active: the same run, no second job.
	again, created, err := f.runs.Start(ctx, nil, f.input("sel-1"), nil)
	if err != nil || created || again.ID != run.ID {
		t.Fatalf("reuse: %d %v %v", again.ID, created, err)
	}
	if n := f.count(`SELECT count(*) FROM river_job`); n != 1 {
		t.Fatalf("%d jobs", n)
	}
}

// refusingQueue is a work queue that is unavailable: it refuses every job.
type refusingQueue struct{}

func (refusingQueue) EnqueueTx(context.Context, *gorm.DB, []operations.Run) ([]int64, error) {
	return nil, errors.New("the queue is unavailable")
}

func TestStartCompletesRunWhenQueueingFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	runs := operations.NewService(f.db.Gorm, operations.WithQueue(refusingQueue{}), operations.OnComplete(notify.RunFinished))
	run, created, err := runs.Start(context.Background(), nil, f.input("sel-2"), nil)
	if err != nil || !created {
		t.Fatalf("start: %v", err)
	}
	if run.Status != operations.StatusCompleted || run.Outcome != operations.OutcomeFailed || !json.Valid(run.FailureSummary) {
		t.Fatalf("run %+v", run)
	}
	var failures []operations.Failure
	_ = json.Unmarshal(run.FailureSummary, &failures)
	if len(failures) != 1 || failures[0].Code != operations.CodeQueueDispatchFailed {
		t.Fatalf("failures %s", run.FailureSummary)
	}
	if n := f.count(`SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("%d jobs", n)
	}
	if n := f.count(`SELECT count(*) FROM notifications WHERE run_id = $1 AND user_id = $2`, run.ID, f.userID); n != 1 {
		t.Fatalf("%d notifications", n)
	}
}

func TestStartHonoursIdempotencyKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	key := &operations.Idempotency{UserID: f.userID, Key: "k-1", RequestHash: "h-1"}
	first, created, err := f.runs.Start(ctx, nil, f.input("sel-3"), key)
	if err != nil || !created {
		t.Fatal(err)
	}
	if _, err := f.runs.Transition(ctx, nil, first.ID, operations.Transition{To: operations.StatusCompleted, Outcome: operations.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	// The run finished; the same key still answers with it (and 202), creating nothing.
	again, created, err := f.runs.Start(ctx, nil, f.input("sel-3"), key)
	if err != nil || !created || again.ID != first.ID {
		t.Fatalf("repeat: %d %v %v", again.ID, created, err)
	}
	if _, _, err := f.runs.Start(ctx, nil, f.input("sel-4"), &operations.Idempotency{UserID: f.userID, Key: "k-1", RequestHash: "other"}); !errors.Is(err, operations.ErrIdempotencyKeyReused) {
		t.Fatalf("reused key: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM operation_runs`); n != 1 {
		t.Fatalf("%d runs", n)
	}
}

func (f *fixture) startQueued(identity string) operations.Run {
	f.t.Helper()
	run, _, err := f.runs.Ensure(context.Background(), nil, f.input(identity))
	if err != nil {
		f.t.Fatal(err)
	}
	return run
}

func job(attempt int) *rivertype.JobRow {
	return &rivertype.JobRow{ID: 1, Attempt: attempt, MaxAttempts: 5}
}

type transientErr struct{}

func (transientErr) Error() string   { return "database briefly away" }
func (transientErr) Transient() bool { return true }

func TestTrackerOutcomes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tr := jobs.NewTracker(f.runs, f.log)
	ctx := context.Background()

	t.Run("success with counts", func(t *testing.T) {
		run := f.startQueued("ok")
		err := tr.Track(ctx, job(1), run.ID, func(ctx context.Context, r operations.Run) (operations.Transition, error) {
			if r.Status != operations.StatusRunning || r.StartedAt == nil {
				t.Errorf("work saw %s", r.Status)
			}
			return operations.Transition{SummaryCounts: map[string]any{"total": 3, "created": 3, "bogus": 9}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := f.runs.Get(ctx, run.ID)
		if got.Status != operations.StatusCompleted || got.Outcome != operations.OutcomeSucceeded || string(got.SummaryCounts) != `{"total": 3, "created": 3}` && string(got.SummaryCounts) != `{"created": 3, "total": 3}` {
			t.Fatalf("run %s %s %s", got.Status, got.Outcome, got.SummaryCounts)
		}
		if n := f.count(`SELECT count(*) FROM notifications WHERE run_id = $1 AND user_id = $2 AND link = $3`, run.ID, f.userID, "/admin/operations/"+itoa(run.ID)); n != 1 {
			t.Fatalf("%d notifications", n)
		}
		// Delivered again: nothing changes, no second notification.
		if err := tr.Track(ctx, job(2), run.ID, func(context.Context, operations.Run) (operations.Transition, error) {
			t.Fatal("work ran for a completed run")
			return operations.Transition{}, nil
		}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("error fails the run with a sanitised failure", func(t *testing.T) {
		run := f.startQueued("err")
		err := tr.Track(ctx, job(1), run.ID, func(context.Context, operations.Run) (operations.Transition, error) {
			return operations.Transition{}, errors.New("token request failed: client_secret=abc123supersecret Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := f.runs.Get(ctx, run.ID)
		if got.Outcome != operations.OutcomeFailed {
			t.Fatalf("outcome %s", got.Outcome)
		}
		for _, secret := range []string{"abc123supersecret", "eyJhbGciOiJIUzI1NiJ9"} {
			if contains(string(got.FailureSummary), secret) {
				t.Fatalf("failure summary leaks %q: %s", secret, got.FailureSummary)
			}
		}
	})

	t.Run("panic fails the run", func(t *testing.T) {
		run := f.startQueued("panic")
		if err := tr.Track(ctx, job(1), run.ID, func(context.Context, operations.Run) (operations.Transition, error) {
			panic("nil map")
		}); err != nil {
			t.Fatal(err)
		}
		got, _ := f.runs.Get(ctx, run.ID)
		if got.Outcome != operations.OutcomeFailed || !contains(string(got.FailureSummary), jobs.CodeWorkerPanic) {
			t.Fatalf("run %s %s", got.Outcome, got.FailureSummary)
		}
	})

	t.Run("transient error retries within the same run", func(t *testing.T) {
		run := f.startQueued("transient")
		calls := 0
		work := func(_ context.Context, r operations.Run) (operations.Transition, error) {
			calls++
			if r.ID != run.ID {
				t.Errorf("work got run %d", r.ID)
			}
			if calls < 3 {
				return operations.Transition{}, transientErr{}
			}
			return operations.Transition{}, nil
		}
		for attempt := 1; attempt <= 3; attempt++ {
			err := tr.Track(ctx, job(attempt), run.ID, work)
			if (attempt < 3) != (err != nil) {
				t.Fatalf("attempt %d: %v", attempt, err)
			}
			got, _ := f.runs.Get(ctx, run.ID)
			if attempt < 3 && got.Status != operations.StatusRunning {
				t.Fatalf("attempt %d: run is %s", attempt, got.Status)
			}
		}
		got, _ := f.runs.Get(ctx, run.ID)
		if got.Outcome != operations.OutcomeSucceeded || f.count(`SELECT count(*) FROM operation_runs WHERE type = 'inventory_sync'`) != 4 {
			t.Fatalf("run %s", got.Outcome)
		}
	})

	t.Run("transient error on the last attempt fails the run", func(t *testing.T) {
		run := f.startQueued("transient-last")
		if err := tr.Track(ctx, job(5), run.ID, func(context.Context, operations.Run) (operations.Transition, error) {
			return operations.Transition{}, transientErr{}
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.runs.Get(ctx, run.ID); got.Outcome != operations.OutcomeFailed {
			t.Fatalf("outcome %s", got.Outcome)
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestReconcileCompletesStaleRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	old := time.Now().Add(-2 * time.Hour)
	// Running far past inventory sync's 30-minute limit, as after a worker was killed mid-run:
	// its job is still marked running in River.
	killed := f.id(`INSERT INTO operation_runs (workspace_id, tenant_id, user_id, initiator_name, type, status, started_at, created_at)
		VALUES ($1, $2, $3, 'Uma', 'inventory_sync', 'running', $4, $4)`, f.ws, f.tn, f.userID, old)
	jobID := f.id(`INSERT INTO river_job (args, kind, max_attempts, state, queue, attempted_at) VALUES ('{}', 'inventory_sync', 5, 'running', 'default', now())`)
	f.db.SQL.Exec(`UPDATE operation_runs SET job_id = $1 WHERE id = $2`, jobID, killed)
	// Recent, but its job is gone.
	orphan := f.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type, status, job_id, created_at)
		VALUES ($1, $2, 'System', 'entra_group_sync', 'queued', 987654, now() - interval '5 minutes')`, f.ws, f.tn)
	// Recent and healthy.
	healthy := f.startQueued("healthy")
	hj := f.id(`INSERT INTO river_job (args, kind, max_attempts, state, queue) VALUES ('{}', 'inventory_sync', 5, 'available', 'default')`)
	f.db.SQL.Exec(`UPDATE operation_runs SET job_id = $1 WHERE id = $2`, hj, healthy.ID)

	n, err := jobs.Reconcile(ctx, f.db.Gorm, f.runs, time.Now(), 0)
	if err != nil || n != 2 {
		t.Fatalf("reconciled %d, %v", n, err)
	}
	for _, id := range []int64{killed, orphan} {
		r, _ := f.runs.Get(ctx, id)
		if r.Status != operations.StatusCompleted || r.Outcome != operations.OutcomeFailed || !contains(string(r.FailureSummary), operations.CodeRunStale) {
			t.Errorf("run %d: %s %s %s", id, r.Status, r.Outcome, r.FailureSummary)
		}
	}
	if r, _ := f.runs.Get(ctx, healthy.ID); r.Status != operations.StatusQueued {
		t.Errorf("healthy run is %s", r.Status)
	}
	if c := f.count(`SELECT count(*) FROM notifications WHERE run_id = $1`, killed); c != 1 {
		t.Errorf("initiator notified %d times", c)
	}
	if c := f.count(`SELECT count(*) FROM notifications WHERE run_id = $1`, orphan); c != 0 {
		t.Errorf("system run notified")
	}
	// Again: nothing left to do.
	if n, err := jobs.Reconcile(ctx, f.db.Gorm, f.runs, time.Now(), 0); err != nil || n != 0 {
		t.Fatalf("second reconcile %d %v", n, err)
	}
}

type countArgs struct {
	N int `json:"n"`
}

func (countArgs) Kind() string { return "count_test" }

// TestTwoWorkersNeverRunAJobTwice starts two working clients on one database and queues jobs:
// each job is executed exactly once.
func TestTwoWorkersNeverRunAJobTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var mu sync.Mutex
	seen := map[int]int{}
	var done atomic.Int64
	add := func(w *river.Workers) {
		river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[countArgs]) error {
			mu.Lock()
			seen[j.Args.N]++
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			done.Add(1)
			return nil
		}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		w, err := jobs.NewWorker(ctx, jobs.WorkerConfig{DatabaseURL: f.db.URL, DB: f.db.Gorm, Log: f.log, Runs: f.runs,
			AddWorkers: add, FetchPollInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(ctx) }()
	}
	const jobsN = 60
	for i := 0; i < jobsN; i++ {
		if err := f.db.Gorm.Transaction(func(tx *gorm.DB) error {
			_, err := f.queue.InsertTx(ctx, tx, countArgs{N: i}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for done.Load() < jobsN && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != jobsN {
		t.Fatalf("%d of %d jobs ran", len(seen), jobsN)
	}
	for n, c := range seen {
		if c != 1 {
			t.Errorf("job %d ran %d times", n, c)
		}
	}
}
