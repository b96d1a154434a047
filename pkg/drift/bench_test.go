package drift_test

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/drift"
)

// BenchmarkDriftGenerate100k: a baseline of 100,000 observations against a current run of
// 100,000 with 5% changed (2,000 modified, 1,500 removed, 1,500 added: 5,000 findings). Each
// iteration writes the findings from scratch (the previous ones are deleted with the timer
// stopped). Reported: findings-written-ms (one generation; target ≤ 3 s), rerun-ms (the same
// comparison again, every finding already there) and max-RSS-MB (VmHWM of this process, target
// ≤ 100 MB: the inventories never enter Go).
//
//	go test -run '^$' -bench BenchmarkDriftGenerate100k -benchtime 5x ./pkg/drift/
func BenchmarkDriftGenerate100k(b *testing.B) {
	w := newWorld(b)
	ctx := context.Background()
	base := w.syncRun(w.tn, selA, "succeeded")
	cur := w.syncRun(w.tn, selA, "succeeded")
	// Items 1..100000 in the baseline. The current run: items 1..98500 (every 49th up to 98000,
	// 2,000 = 2%, with another hash), 98501..100000 gone (1.5% removed), and 100001..101500 new
	// (1.5% added).
	w.exec(`INSERT INTO inventory_observations (operation_run_id, tenant_id, policy_type, external_id, content_hash)
		SELECT $1, $2, CASE WHEN g % 10 = 0 THEN 'deviceCompliancePolicy' ELSE 'deviceConfiguration' END,
		       'item-' || g, md5('v1-' || g)
		FROM generate_series(1, 100000) g`, base, w.tn)
	w.exec(`INSERT INTO inventory_observations (operation_run_id, tenant_id, policy_type, external_id, content_hash)
		SELECT $1, $2, CASE WHEN g % 10 = 0 THEN 'deviceCompliancePolicy' ELSE 'deviceConfiguration' END,
		       'item-' || g, CASE WHEN g % 49 = 0 AND g <= 98000 THEN md5('v2-' || g) ELSE md5('v1-' || g) END
		FROM generate_series(1, 101500) g WHERE g <= 98500 OR g > 100000`, cur, w.tn)
	w.exec(`ANALYZE inventory_observations`)
	cmp := w.comparison(scopeA)
	gen, err := drift.NewGenerator(w.db.Gorm)
	if err != nil {
		b.Fatal(err)
	}
	want := drift.Result{Total: 5000, Created: 5000, Added: 1500, Removed: 1500, Modified: 2000}

	var written, rerun time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w.exec(`DELETE FROM findings`)
		b.StartTimer()
		start := time.Now()
		res, err := gen.Write(ctx, cmp)
		written += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res != want {
			b.Fatalf("result %+v, want %+v", res, want)
		}
		start = time.Now()
		again, err := gen.Write(ctx, cmp)
		rerun += time.Since(start)
		if err != nil || again.Created != 0 || again.Unchanged != want.Total {
			b.Fatalf("rerun %+v %v", again, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(written.Milliseconds())/float64(b.N), "findings-written-ms")
	b.ReportMetric(float64(rerun.Milliseconds())/float64(b.N), "rerun-ms")
	b.ReportMetric(float64(vmHWM(b))/1024, "max-RSS-MB")
}

// vmHWM reads the peak resident set size of this process, in KiB.
func vmHWM(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
