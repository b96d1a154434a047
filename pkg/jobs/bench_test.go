package jobs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
)

// maxRSSMB reads the process's peak resident set size (VmHWM). The fake Graph server and the test
// harness live in the same process, so this is an upper bound for the worker alone.
func maxRSSMB(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkInventorySync50k syncs a 50,000-item tenant from the fake Graph server through River,
// the tracker and the real upserts. Each iteration is a full sync (the first inserts, later ones
// find everything unchanged).
func BenchmarkInventorySync50k(b *testing.B) {
	w := newSyncWorld(b)
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceConfigurations", graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 30000))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceCompliancePolicies", graphtest.Policies("cmp", "#microsoft.graph.iosCompliancePolicy", 10000))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/configurationPolicies", graphtest.Policies("set", "#microsoft.graph.deviceManagementConfigurationPolicy", 10000))
	sel := inventory.Selection{PolicyTypes: []string{"configurationPolicy", "deviceCompliancePolicy", "deviceConfiguration"}}
	b.ResetTimer()
	var first time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		run := w.wait(w.startInventory(sel).ID)
		if i == 0 {
			first = time.Since(start)
		}
		if run.Outcome != operations.OutcomeSucceeded || counts(w.t, run)["total"] != 50000 {
			b.Fatalf("run %s %v", run.Outcome, string(run.SummaryCounts))
		}
	}
	b.ReportMetric(first.Seconds(), "s-first-sync")
	b.ReportMetric(maxRSSMB(b), "MB-maxrss")
}

// BenchmarkTenTenantsAtOnce starts inventory syncs of 10 tenants of 5,000 items each at once on
// one worker and waits for all of them.
func BenchmarkTenTenantsAtOnce(b *testing.B) {
	w := newSyncWorld(b)
	var tenants []int64
	for i := 0; i < 10; i++ {
		entra := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		tn := w.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, $2, $3)`, w.ws, "T"+entra, entra)
		w.graph.AddTenant(entra, appID, appSecret)
		w.graph.SetPolicies(entra, "deviceManagement/deviceConfigurations", graphtest.Policies("cfg"+entra, "#microsoft.graph.windows10GeneralConfiguration", 5000))
		w.saveConnection(tn)
		tenants = append(tenants, tn)
	}
	sel := inventory.Selection{PolicyTypes: []string{"deviceConfiguration"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var ids []int64
		for _, tn := range tenants {
			in := w.input(sel)
			in.TenantID = &tn
			in.Context = map[string]any{"selection": sel, "scope_key": sel.ScopeKey()}
			run, _, err := w.runs.Start(context.Background(), nil, in, nil)
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, run.ID)
		}
		for _, id := range ids {
			if r := w.wait(id); r.Outcome != operations.OutcomeSucceeded {
				b.Fatalf("run %d %s", id, r.Outcome)
			}
		}
	}
	b.ReportMetric(maxRSSMB(b), "MB-maxrss")
}

type pingArgs struct {
	Sent time.Time `json:"sent"`
}

func (pingArgs) Kind() string { return "ping_bench" }

// BenchmarkJobPickupLatency measures the time from a job's commit to its worker starting, with
// the worker idle and listening (River's LISTEN/NOTIFY pick-up on the pgx driver).
func BenchmarkJobPickupLatency(b *testing.B) {
	f := newFixture(b)
	var mu sync.Mutex
	var lat []time.Duration
	got := make(chan struct{}, 1)
	add := func(w *river.Workers) {
		river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[pingArgs]) error {
			mu.Lock()
			lat = append(lat, time.Since(j.Args.Sent))
			mu.Unlock()
			got <- struct{}{}
			return nil
		}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	wk, err := jobs.NewWorker(ctx, jobs.WorkerConfig{DatabaseURL: f.db.URL, DB: f.db.Gorm, Log: f.log, Runs: f.runs, AddWorkers: add})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- wk.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(time.Second) // let the client start listening
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := f.db.Gorm.Transaction(func(tx *gorm.DB) error {
			_, err := f.queue.InsertTx(ctx, tx, pingArgs{Sent: time.Now()}, nil)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			b.Fatal("job not picked up")
		}
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
}

// BenchmarkWorkerProcess50k measures the worker as it runs in production: `tenantatlas worker`
// in its own process, syncing a 50,000-item tenant from the fake Graph server (which stays in
// the benchmark's process). It reports the sync's wall time and the worker process's peak RSS.
func BenchmarkWorkerProcess50k(b *testing.B) {
	w := newSyncWorld(b)
	w.cancel() // this benchmark's worker is the separate process
	<-w.done
	w.done <- nil
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceConfigurations", graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 30000))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceCompliancePolicies", graphtest.Policies("cmp", "#microsoft.graph.iosCompliancePolicy", 10000))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/configurationPolicies", graphtest.Policies("set", "#microsoft.graph.deviceManagementConfigurationPolicy", 10000))
	sel := inventory.Selection{PolicyTypes: []string{"configurationPolicy", "deviceCompliancePolicy", "deviceConfiguration"}}

	bin := filepath.Join(b.TempDir(), "tenantatlas")
	_, file, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", bin, "./cmd/tenantatlas")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "worker")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+w.db.URL, "TENANTATLAS_SECRET_KEY="+w.secretKey,
		"TENANTATLAS_GRAPH_BASE_URL="+w.graph.URL(), "TENANTATLAS_GRAPH_TOKEN_URL="+w.graph.TokenURL("{tenant}"),
		"TENANTATLAS_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run := w.wait(w.startInventory(sel).ID)
		if run.Outcome != operations.OutcomeSucceeded || counts(w.t, run)["total"] != 50000 {
			b.Fatalf("run %s %s", run.Outcome, run.FailureSummary)
		}
	}
	b.StopTimer()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			b.ReportMetric(kb/1024, "MB-worker-maxrss")
		}
	}
}
