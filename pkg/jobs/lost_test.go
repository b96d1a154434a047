package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
)

func failureCodes(t testing.TB, r operations.Run) []string {
	t.Helper()
	var fs []operations.Failure
	if err := json.Unmarshal(r.FailureSummary, &fs); err != nil {
		t.Fatalf("failures %s: %v", r.FailureSummary, err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

// TestReconcileCompletesRunsOfLostWorkers: a running run whose heartbeat is older than the window
// is completed as failed (run.worker_lost) with its job cancelled; one that beats is left alone;
// a new start of the lost run's identity is a new run.
func TestReconcileCompletesRunsOfLostWorkers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	start := func(identity string) operations.Run {
		r, _, err := f.runs.Start(ctx, nil, f.input(identity), nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	lost, alive, fresh := start("lost"), start("alive"), start("fresh")
	for _, r := range []operations.Run{lost, alive, fresh} {
		if _, err := f.runs.Transition(ctx, nil, r.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.db.SQL.Exec(`UPDATE operation_runs SET started_at = now() - interval '10 minutes',
		heartbeat_at = CASE id WHEN $1 THEN now() - interval '3 minutes' ELSE now() - interval '5 seconds' END WHERE id IN ($1, $2)`,
		lost.ID, alive.ID); err != nil {
		t.Fatal(err)
	}
	// fresh started a moment ago and has not beaten yet: its start counts as its first beat.
	n, err := jobs.Reconcile(ctx, f.db.Gorm, f.runs, time.Now(), 2*time.Minute)
	if err != nil || n != 1 {
		t.Fatalf("reconcile: %d %v", n, err)
	}
	got, _ := f.runs.Get(ctx, lost.ID)
	if got.Outcome != operations.OutcomeFailed || fmt.Sprint(failureCodes(t, got)) != "[run.worker_lost]" {
		t.Fatalf("lost run: %s %s", got.Outcome, got.FailureSummary)
	}
	if n := f.count(`SELECT count(*) FROM river_job j JOIN operation_runs r ON r.job_id = j.id WHERE r.id = $1 AND j.state = 'cancelled'`, lost.ID); n != 1 {
		t.Errorf("the lost run's job was not cancelled")
	}
	for _, id := range []int64{alive.ID, fresh.ID} {
		if r, _ := f.runs.Get(ctx, id); r.Status != operations.StatusRunning {
			t.Errorf("run %d: %s %s", id, r.Status, r.Outcome)
		}
	}
	next, created, err := f.runs.Start(ctx, nil, f.input("lost"), nil)
	if err != nil || !created || next.ID == lost.ID {
		t.Errorf("new start after the lost run: %d %v %v", next.ID, created, err)
	}
}

// TestHeartbeatSaysWhatTheWorkerMustKnow: a beat of a running run stamps heartbeat_at and tells a
// requested cancel; a beat of a completed run says it is no longer running.
func TestHeartbeatSaysWhatTheWorkerMustKnow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	run := f.startQueued("beat")
	if b, err := f.runs.Heartbeat(ctx, run.ID); err != nil || b.Running {
		t.Fatalf("queued run beat: %+v %v", b, err)
	}
	if _, err := f.runs.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
		t.Fatal(err)
	}
	if b, err := f.runs.Heartbeat(ctx, run.ID); err != nil || !b.Running || b.CancelRequested {
		t.Fatalf("running beat: %+v %v", b, err)
	}
	if n := f.count(`SELECT count(*) FROM operation_runs WHERE id = $1 AND heartbeat_at IS NOT NULL`, run.ID); n != 1 {
		t.Errorf("no heartbeat_at")
	}
	if _, err := f.runs.Cancel(ctx, run.ID, operations.Actor{UserID: &f.userID, Name: "Uma"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.runs.Heartbeat(ctx, run.ID); !b.CancelRequested {
		t.Errorf("the beat does not tell the cancel")
	}
}

// TestDrillWorkerKilledMidRun is the lost-worker drill (make drills; skipped unless
// TENANTATLAS_DRILLS=1): `tenantatlas worker` in its own process syncs a tenant from the fake
// Graph, whose pages are slow; it is killed with SIGKILL mid-run; a second worker process (the
// restart) reconciles. The run must leave running as failed run.worker_lost within the window
// plus one reconcile interval and one heartbeat, and a new start of the same selection must get a
// new run that succeeds. TENANTATLAS_DRILL_LOST_AFTER sets the window (default 30s).
func TestDrillWorkerKilledMidRun(t *testing.T) {
	if os.Getenv("TENANTATLAS_DRILLS") != "1" {
		t.Skip("a drill: run with TENANTATLAS_DRILLS=1 (make drills)")
	}
	window := 30 * time.Second
	if v := os.Getenv("TENANTATLAS_DRILL_LOST_AFTER"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("TENANTATLAS_DRILL_LOST_AFTER: %v", err)
		}
		window = d
	}
	w := newSyncWorld(t)
	w.cancel() // the workers of this drill are separate processes
	<-w.done
	w.done <- nil
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceConfigurations",
		graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 2000))
	w.graph.SetPageDelay(time.Second) // 2,000 items in pages of 100 or so: a run of many seconds
	sel := inventory.Selection{PolicyTypes: []string{"deviceConfiguration"}}

	bin := filepath.Join(t.TempDir(), "tenantatlas")
	_, file, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", bin, "./cmd/tenantatlas")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	worker := func() *exec.Cmd {
		cmd := exec.Command(bin, "worker")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+w.db.URL, "TENANTATLAS_SECRET_KEY="+w.secretKey,
			"TENANTATLAS_GRAPH_BASE_URL="+w.graph.URL(), "TENANTATLAS_GRAPH_TOKEN_URL="+w.graph.TokenURL("{tenant}"),
			"TENANTATLAS_LOG_LEVEL=warn", "TENANTATLAS_WORKER_LOST_AFTER="+window.String())
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	first := worker()
	t.Cleanup(func() { _ = first.Process.Kill(); _ = first.Wait() })

	run := w.startInventory(sel)
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var beat bool
		var items int64
		if err := w.db.SQL.QueryRow(`SELECT heartbeat_at IS NOT NULL, (SELECT count(*) FROM inventory_items)
			FROM operation_runs WHERE id = $1 AND status = 'running'`, run.ID).Scan(&beat, &items); err == nil && beat && items > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run never got going")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killed := time.Now()
	t.Logf("worker pid %d killed with SIGKILL mid-run (run %d)", first.Process.Pid, run.ID)

	second := worker() // the restart
	t.Cleanup(func() { _ = second.Process.Signal(syscall.SIGTERM); _ = second.Wait() })

	bound := window + min(time.Minute, window/2) + operations.HeartbeatEvery(window) + 10*time.Second
	var done operations.Run
	for {
		r, err := w.runs.Get(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == operations.StatusCompleted {
			done = r
			break
		}
		if time.Since(killed) > bound {
			t.Fatalf("the run is still %s %s after the kill", r.Status, time.Since(killed).Round(time.Second))
		}
		time.Sleep(200 * time.Millisecond)
	}
	left := time.Since(killed)
	if done.Outcome != operations.OutcomeFailed || fmt.Sprint(failureCodes(t, done)) != "[run.worker_lost]" {
		t.Fatalf("run after the kill: %s %s", done.Outcome, done.FailureSummary)
	}
	t.Logf("DRILL: run %d left running %.1f s after kill -9 (window %s, bound %s)", run.ID, left.Seconds(), window, bound)

	w.graph.SetPageDelay(0)
	next, created, err := w.runs.Start(ctx, nil, func() operations.EnsureInput {
		in := w.input(sel)
		in.Context = map[string]any{"selection": sel, "scope_key": sel.ScopeKey()}
		return in
	}(), nil)
	if err != nil || !created || next.ID == run.ID {
		t.Fatalf("new start after the lost run: %d %v %v", next.ID, created, err)
	}
	if got := w.wait(next.ID); got.Outcome != operations.OutcomeSucceeded {
		t.Errorf("the new run: %s %s", got.Outcome, got.FailureSummary)
	}
	t.Logf("DRILL: new start got run %d (%s) %s after the kill", next.ID, "succeeded", strconv.FormatFloat(time.Since(killed).Seconds(), 'f', 1, 64)+" s")
}
