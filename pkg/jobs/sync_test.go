package jobs_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/connections"
	"github.com/tenantatlas/operations/pkg/directory"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/redact"
	"github.com/tenantatlas/operations/pkg/secrets"
)

const (
	fakeTenant = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
	appID      = "0a1b2c3d-aaaa-bbbb-cccc-000000000001"
	appSecret  = "Zx9~super.secret-value_Q1"
)

// syncWorld is a tenant connected to the fake Graph server, with a River worker running the real
// inventory and group syncs.
type syncWorld struct {
	*fixture
	graph     *graphtest.Server
	conns     *connections.Connections
	secretKey string
	logs      *lockedBuffer
	sleeps    *sleepRecorder
	cancel    context.CancelFunc
	done      chan error
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

type sleepRecorder struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.sleeps = append(s.sleeps, d)
	s.mu.Unlock()
	return ctx.Err()
}

func newSyncWorld(t testing.TB) *syncWorld {
	t.Helper()
	f := newFixture(t)
	w := &syncWorld{fixture: f, graph: graphtest.NewServer(t), logs: &lockedBuffer{}, sleeps: &sleepRecorder{}}
	f.log = slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if _, err := f.db.SQL.Exec(`UPDATE tenants SET entra_tenant_id = $1 WHERE id = $2`, fakeTenant, f.tn); err != nil {
		t.Fatal(err)
	}
	w.graph.AddTenant(fakeTenant, appID, appSecret)
	w.secretKey = secrets.GenerateKey()
	sealer, err := secrets.NewSealer(w.secretKey)
	if err != nil {
		t.Fatal(err)
	}
	conns := connections.NewConnections(f.db.Gorm, sealer,
		connections.WithEndpoints(w.graph.URL(), w.graph.TokenURL("{tenant}")),
		connections.WithHTTPClient(w.graph.Client()),
		connections.WithClientConfig(func(c *graph.ClientConfig) { c.Sleep = w.sleeps.sleep; c.MaxAttempts = 4 }))
	w.conns = conns
	w.saveConnection(f.tn)
	inv, err := inventory.NewSyncer(f.db.Gorm, conns)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := directory.NewSyncer(f.db.Gorm, conns)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wk, err := jobs.NewWorker(ctx, jobs.WorkerConfig{DatabaseURL: f.db.URL, DB: f.db.Gorm, Log: f.log, Runs: f.runs,
		Inventory: inv, Directory: dir, FetchPollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w.cancel, w.done = cancel, make(chan error, 1)
	go func() { w.done <- wk.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-w.done })
	return w
}

func (w *syncWorld) saveConnection(tenantID int64) {
	w.t.Helper()
	if err := w.conns.Save(context.Background(), tenantID, connections.Connection{Kind: connections.KindGraph, ClientID: appID, ClientSecret: appSecret}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *syncWorld) startInventory(sel inventory.Selection) operations.Run {
	w.t.Helper()
	in := w.input(sel)
	in.Context = map[string]any{"selection": sel, "scope_key": sel.ScopeKey()}
	run, _, err := w.runs.Start(context.Background(), nil, in, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return run
}

// wait polls until the run completes.
func (w *syncWorld) wait(id int64) operations.Run {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r, err := w.runs.Get(context.Background(), id)
		if err != nil {
			w.t.Fatal(err)
		}
		if r.Status == operations.StatusCompleted {
			return r
		}
		time.Sleep(25 * time.Millisecond)
	}
	w.t.Fatalf("run %d did not finish", id)
	return operations.Run{}
}

func counts(t testing.TB, r operations.Run) map[string]int64 {
	t.Helper()
	var m map[string]int64
	if err := json.Unmarshal(r.SummaryCounts, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

var allTypes = inventory.Selection{PolicyTypes: []string{"deviceCompliancePolicy", "deviceConfiguration"}, IncludeFoundations: true}

func (w *syncWorld) seedGraph() {
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceConfigurations", graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 250))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceCompliancePolicies", graphtest.Policies("cmp", "#microsoft.graph.iosCompliancePolicy", 30))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/roleScopeTags", graphtest.Policies("tag", "#microsoft.graph.roleScopeTag", 3))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/assignmentFilters", graphtest.Policies("flt", "#microsoft.graph.deviceAndAppManagementAssignmentFilter", 2))
	w.graph.SetPolicies(fakeTenant, "deviceManagement/notificationMessageTemplates", graphtest.Policies("tpl", "#microsoft.graph.notificationMessageTemplate", 1))
}

// TestRunInventorySyncJob: one start gives exactly one canonical inventory_sync run; items are
// upserted with the run as last seen; counts are right; a second sync sees one change.
func TestRunInventorySyncJob(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.seedGraph()
	run := w.wait(w.startInventory(allTypes).ID)
	if run.Outcome != operations.OutcomeSucceeded || run.Type != "inventory_sync" {
		t.Fatalf("run %s %s %s", run.Type, run.Outcome, run.FailureSummary)
	}
	if n := w.count(`SELECT count(*) FROM operation_runs`); n != 1 {
		t.Fatalf("%d runs", n)
	}
	const total = 250 + 30 + 3 + 2 + 1
	c := counts(t, run)
	if c["total"] != total || c["created"] != total || c["updated"] != 0 || c["failed"] != 0 {
		t.Fatalf("counts %v", c)
	}
	if n := w.count(`SELECT count(*) FROM inventory_items WHERE tenant_id = $1 AND last_seen_operation_run_id = $2`, w.tn, run.ID); n != total {
		t.Fatalf("%d items last seen by the run", n)
	}
	if n := w.count(`SELECT count(*) FROM inventory_observations WHERE operation_run_id = $1`, run.ID); n != total {
		t.Fatalf("%d observations", n)
	}
	if n := w.count(`SELECT count(*) FROM notifications WHERE run_id = $1 AND user_id = $2`, run.ID, w.userID); n != 1 {
		t.Fatalf("%d notifications", n)
	}

	changed := graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 250)
	changed[7]["passwordRequired"] = !changed[7]["passwordRequired"].(bool)
	changed[8]["lastModifiedDateTime"] = "2026-02-01T00:00:00Z" // volatile: not a change
	w.graph.SetPolicies(fakeTenant, "deviceManagement/deviceConfigurations", changed)
	second := w.wait(w.startInventory(allTypes).ID)
	c = counts(t, second)
	if c["created"] != 0 || c["updated"] != 1 || c["unchanged"] != total-1 {
		t.Fatalf("second sync counts %v", c)
	}
}

func TestInventorySyncRetriesThrottlingAndReportsPermissions(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.seedGraph()

	w.graph.Throttle("deviceManagement/deviceConfigurations", 2, "1")
	run := w.wait(w.startInventory(allTypes).ID)
	if run.Outcome != operations.OutcomeSucceeded {
		t.Fatalf("throttled run: %s %s", run.Outcome, run.FailureSummary)
	}
	w.sleeps.mu.Lock()
	waited := len(w.sleeps.sleeps) >= 2 && w.sleeps.sleeps[0] == time.Second
	w.sleeps.mu.Unlock()
	if !waited {
		t.Fatalf("no back-off honouring Retry-After: %v", w.sleeps.sleeps)
	}

	w.graph.Fail("deviceManagement/deviceCompliancePolicies", 403, "Authorization_RequestDenied", 100)
	partial := w.wait(w.startInventory(allTypes).ID)
	if partial.Outcome != operations.OutcomePartiallySucceeded || !strings.Contains(string(partial.FailureSummary), "graph.permission_missing") {
		t.Fatalf("403 on one type: %s %s", partial.Outcome, partial.FailureSummary)
	}

	w.graph.Fail("*", 403, "Authorization_RequestDenied", 1000)
	failed := w.wait(w.startInventory(allTypes).ID)
	if failed.Outcome != operations.OutcomeFailed || !strings.Contains(string(failed.FailureSummary), "graph.permission_missing") {
		t.Fatalf("403 everywhere: %s %s", failed.Outcome, failed.FailureSummary)
	}
	for _, where := range []string{string(run.FailureSummary), string(partial.FailureSummary), string(failed.FailureSummary), w.logs.String()} {
		if strings.Contains(where, appSecret) || strings.Contains(where, "eyJ") || strings.Contains(where, "Bearer ") {
			t.Fatalf("a secret or token leaked: %.500s", where)
		}
	}
}

func TestInventorySyncIdentity(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	// Nothing is served yet, so runs stay active while starts pile up: concurrent starts of one
	// selection give one run; another selection gets its own.
	w.cancel()
	<-w.done
	w.done <- nil
	var wg sync.WaitGroup
	ids := make([]int64, 20)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ids[i] = w.startInventory(allTypes).ID
		}(i)
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent starts gave runs %v", ids)
		}
	}
	other := w.startInventory(inventory.Selection{PolicyTypes: []string{"deviceConfiguration"}, IncludeFoundations: false})
	if other.ID == ids[0] {
		t.Fatal("a different selection reused the run")
	}
	if n := w.count(`SELECT count(*) FROM operation_runs WHERE type = 'inventory_sync'`); n != 2 {
		t.Fatalf("%d runs", n)
	}
	if n := w.count(`SELECT count(*) FROM river_job`); n != 2 {
		t.Fatalf("%d jobs", n)
	}
}

func TestRunGroupSyncJob(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.graph.SetGroups(fakeTenant, graphtest.Groups("grp", 230))
	// A group unseen for 100 days is purged by the sync.
	w.id(`INSERT INTO entra_groups (tenant_id, entra_group_id, display_name, last_seen_at) VALUES ($1, 'gone', 'Old', now() - interval '100 days')`, w.tn)
	in := w.input(map[string]any{"selection": "groups_v1_all"})
	in.Type = operations.TypeEntraGroupSync
	run, _, err := w.runs.Start(context.Background(), nil, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	run = w.wait(run.ID)
	c := counts(t, run)
	if run.Outcome != operations.OutcomeSucceeded || c["observed"] != 230 || c["created"] != 230 {
		t.Fatalf("group sync %s %v %s", run.Outcome, c, run.FailureSummary)
	}
	if n := w.count(`SELECT count(*) FROM entra_groups WHERE tenant_id = $1 AND last_seen_operation_run_id = $2`, w.tn, run.ID); n != 230 {
		t.Fatalf("%d groups", n)
	}
	if n := w.count(`SELECT count(*) FROM entra_groups WHERE entra_group_id = 'gone'`); n != 0 {
		t.Fatal("the group unseen for 100 days was kept")
	}
	if n := w.count(`SELECT count(*) FROM entra_groups WHERE group_type = 'Microsoft365'`); n != 77 {
		t.Fatalf("%d Microsoft 365 groups", n)
	}
}

// A Graph 503 that outlasts the client's own retries leaves the run to a later attempt of its
// job (River's retry) instead of failing it at once: the run then succeeds within the same run.
func TestGraphUnavailableBeyondClientRetriesIsRetriedByTheQueue(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.seedGraph()

	const path = "deviceManagement/deviceConfigurations"
	w.graph.Fail(path, 503, "ServiceUnavailable", 4) // the client makes 4 tries (MaxAttempts)
	run := w.wait(w.startInventory(allTypes).ID)
	if run.Outcome != operations.OutcomeSucceeded {
		t.Fatalf("a 503 that outlasted the client's retries: %s %s", run.Outcome, run.FailureSummary)
	}
	if n := w.graph.Requests(path); n < 5 {
		t.Fatalf("%d requests to %s: the job was not tried again", n, path)
	}
	if !strings.Contains(w.logs.String(), "run will be retried") {
		t.Fatal("no retry of the run's job was logged")
	}

	// Groups likewise.
	w.graph.SetGroups(fakeTenant, graphtest.Groups("grp", 3))
	w.graph.Fail("groups", 429, "TooManyRequests", 4)
	in := w.input(map[string]any{"selection": "groups_v1_all"})
	in.Type = operations.TypeEntraGroupSync
	groups, _, err := w.runs.Start(context.Background(), nil, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := w.wait(groups.ID); g.Outcome != operations.OutcomeSucceeded {
		t.Fatalf("a group sync throttled past the client's retries: %s %s", g.Outcome, g.FailureSummary)
	}
}

// A canary client secret echoed by Graph in every common encoding reaches neither the run's
// failures nor the logs, in any form or letter case.
func TestCanarySecretInEveryEncodingIsRedacted(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.seedGraph()
	j, _ := json.Marshal(appSecret)
	encoded := map[string]string{
		"verbatim":       appSecret,
		"query escaped":  url.QueryEscape(appSecret),
		"path escaped":   url.PathEscape(appSecret),
		"JSON escaped":   string(j[1 : len(j)-1]),
		"base64 std":     base64.StdEncoding.EncodeToString([]byte(appSecret)),
		"base64 URL raw": base64.RawURLEncoding.EncodeToString([]byte(appSecret)),
		"basic":          base64.StdEncoding.EncodeToString([]byte(appID + ":" + appSecret)),
		"upper case":     strings.ToUpper(appSecret),
		"lower case":     strings.ToLower(appSecret),
	}
	const path = "deviceManagement/deviceConfigurations"
	var stored []string
	for name, enc := range encoded {
		w.graph.FailWithMessage(path, 400, "BadRequest", "Invalid filter for client "+enc+" ("+name+")", 1)
		run := w.wait(w.startInventory(allTypes).ID)
		if run.Outcome != operations.OutcomePartiallySucceeded || !strings.Contains(string(run.FailureSummary), "graph.bad_request") {
			t.Fatalf("%s: the upstream error did not fail its policy type: %s %s", name, run.Outcome, run.FailureSummary)
		}
		stored = append(stored, string(run.FailureSummary))
	}
	for _, where := range append(stored, w.logs.String()) {
		low := strings.ToLower(where)
		for _, f := range redact.Forms(appSecret) {
			if strings.Contains(low, strings.ToLower(f)) {
				t.Fatalf("the secret's form %q leaked: %.600s", f, where)
			}
		}
	}
}
