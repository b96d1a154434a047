package backup_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/graph/graphtest"
	"github.com/tenantatlas/operations/pkg/operations"
)

// BenchmarkDispatcherTick: one dispatcher tick over 10,000 schedules (100 tenants, three time
// zones) of which 100 are due: the due schedules are claimed, and 100 System runs and their River
// jobs are created in one transaction. Target: ≤ 200 ms per tick.
//
//	go test -run '^$' -bench BenchmarkDispatcherTick -benchtime 50x ./pkg/backup/
func BenchmarkDispatcherTick(b *testing.B) {
	f := newFixture(b)
	const schedules, due = 10000, 100
	base := utc("2026-03-01T12:00:00Z")
	f.exec(`INSERT INTO tenants (workspace_id, name, entra_tenant_id)
		SELECT $1, 'T' || g, 'bench-' || g FROM generate_series(1, 99) g`, f.ws)
	f.exec(`INSERT INTO backup_schedules (tenant_id, name, timezone, frequency, time_of_day, days_of_week, policy_types, next_run_at)
		SELECT t.id, 'Schedule ' || g, (ARRAY['UTC', 'Europe/Berlin', 'America/New_York'])[1 + g % 3], 'daily',
		       make_time(g % 24, g % 60, 0), '{}', '{deviceConfiguration}', $2::timestamptz + interval '1000 days'
		FROM generate_series(1, $1::int) g
		JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM tenants) t ON t.n = g % 100`, schedules, base)
	f.exec(`ANALYZE`)
	ctx := context.Background()
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		now := base.Add(time.Duration(i) * 24 * time.Hour)
		f.exec(`UPDATE backup_schedules SET next_run_at = $1::timestamptz + interval '1000 days' WHERE next_run_at <= $1::timestamptz + interval '1 day'`, now)
		f.exec(`UPDATE backup_schedules SET next_run_at = $1::timestamptz - interval '1 minute'
			WHERE id IN (SELECT id FROM backup_schedules ORDER BY random() LIMIT $2)`, now, due)
		b.StartTimer()
		start := time.Now()
		res, err := f.svc.Dispatch(ctx, now)
		total += time.Since(start)
		if err != nil || res.Created != due {
			b.Fatalf("tick %d: %+v %v", i, res, err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/tick")
}

// BenchmarkBackup5000: a backup run of 5,000 policies (3,000 device configurations with two
// group assignments each and 2,000 compliance policies) from the fake Graph server, through
// River, the tracker, a full GET with $expand=assignments per policy and the batched inserts.
// Target: ≤ 60 s per run.
//
//	go test -run '^$' -bench BenchmarkBackup5000 -benchtime 3x ./pkg/backup/
func BenchmarkBackup5000(b *testing.B) {
	w := newWorld(b)
	cfg := graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 3000)
	for _, p := range cfg {
		p["assignments"] = []any{
			map[string]any{"id": p["id"].(string) + "_a", "target": map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "group-a"}},
			map[string]any{"id": p["id"].(string) + "_b", "target": map[string]any{"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": "group-b"}},
		}
		p["description"] = strings.Repeat("A realistic policy description. ", 8)
	}
	w.graph.SetPolicies(fakeTenant, cfgPath, cfg)
	w.graph.SetPolicies(fakeTenant, cmpPath, graphtest.Policies("cmp", "#microsoft.graph.iosCompliancePolicy", 2000))
	s := w.schedule(backup.ScheduleInput{PolicyTypes: ptr([]string{"deviceConfiguration", "deviceCompliancePolicy"}),
		IncludeFoundations: ptr(false), RetentionKeepLast: ptr(100)}, time.Now())
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		run := w.wait(w.runNow(s.ID).ID)
		total += time.Since(start)
		if c := countsOf(b, run); run.Outcome != operations.OutcomeSucceeded || c["items"] != 5000 {
			b.Fatalf("run %s %v %s", run.Outcome, c, run.FailureSummary)
		}
	}
	b.StopTimer()
	b.ReportMetric(total.Seconds()/float64(b.N), "s/backup")
	b.ReportMetric(5000*float64(b.N)/total.Seconds(), "items/s")
	b.ReportMetric(maxRSSMB(), "MB-maxrss")
}

// maxRSSMB is the process's peak resident set size (the fake Graph server included).
func maxRSSMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}
