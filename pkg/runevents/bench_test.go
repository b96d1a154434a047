package runevents_test

// BenchmarkRunEventStreams measures an API process with many open event streams. It needs a
// running `tenantatlas serve` (scripts/bench-events.sh starts one) and skips without it:
//
//	BENCH_EVENTS_API    the API's base URL
//	BENCH_EVENTS_TOKEN  a token of the owner of the demo workspace
//	BENCH_EVENTS_PID    the server's process id (its memory and CPU are read from /proc)
//	BENCH_EVENTS_DB     the server's database (runs are created there directly)
//	BENCH_EVENTS_STREAMS (1000), BENCH_EVENTS_COMMITS (100), BENCH_EVENTS_IDLE (30s)
//
// It prints the server's memory and CPU with the streams idle, and the latency from a run's
// commit to its event at every subscribed client. Figures, not assertions.

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/operations"
)

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}

// procStat reads a process's resident memory (bytes) and CPU time used so far.
func procStat(pid string) (rss int64, cpu time.Duration) {
	status, _ := os.ReadFile("/proc/" + pid + "/status")
	for _, l := range strings.Split(string(status), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			rss = kb * 1024
		}
	}
	stat, _ := os.ReadFile("/proc/" + pid + "/stat")
	s := string(stat)
	if i := strings.LastIndex(s, ")"); i > 0 {
		f := strings.Fields(s[i+2:])
		if len(f) > 13 {
			ut, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			cpu = time.Duration(ut+st) * (time.Second / 100) // USER_HZ
		}
	}
	return rss, cpu
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

type delivery struct {
	run int64
	at  time.Time
}

func BenchmarkRunEventStreams(b *testing.B) {
	api, token, pid, dbURL := os.Getenv("BENCH_EVENTS_API"), os.Getenv("BENCH_EVENTS_TOKEN"), os.Getenv("BENCH_EVENTS_PID"), os.Getenv("BENCH_EVENTS_DB")
	if api == "" || token == "" || pid == "" || dbURL == "" {
		b.Skip("run through scripts/bench-events.sh (make bench-events)")
	}
	streams, commits := envInt("BENCH_EVENTS_STREAMS", 1000), envInt("BENCH_EVENTS_COMMITS", 100)
	idle, _ := time.ParseDuration(os.Getenv("BENCH_EVENTS_IDLE"))
	if idle <= 0 {
		idle = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	svc := operations.NewService(db)
	var ws, tenant int64
	if err := db.Raw(`SELECT workspace_id, id FROM tenants ORDER BY id LIMIT 1`).Row().Scan(&ws, &tenant); err != nil {
		b.Fatal(err)
	}

	fmt.Printf("load average before: %s\n", loadavg())
	rss0, _ := procStat(pid)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: streams, MaxConnsPerHost: 0}}
	deliveries := make(chan delivery, streams*4)
	var ready sync.WaitGroup
	ready.Add(streams)
	for range streams {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api+"/api/v1/operation-runs/events", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := client.Do(req)
			if err != nil || res.StatusCode != http.StatusOK {
				fmt.Printf("stream: %v %v\n", err, res)
				ready.Done()
				return
			}
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			once := false
			for sc.Scan() {
				line := sc.Text()
				if !once && line == "event: ready" {
					once = true
					ready.Done()
				}
				if rest, ok := strings.CutPrefix(line, `data: {"change":"created","run":{"id":`); ok {
					n, _ := strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
					deliveries <- delivery{run: n, at: time.Now()}
				}
			}
		}()
	}
	ready.Wait()
	time.Sleep(2 * time.Second) // let the server settle after the connection burst
	rss1, cpu1 := procStat(pid)
	time.Sleep(idle)
	rss2, cpu2 := procStat(pid)
	fmt.Printf("%d idle streams: server RSS %.1f MB → %.1f MB (+%.1f MB, %.1f KB a stream); after %s idle %.1f MB; CPU %.2f %% of one core over %s\n",
		streams, float64(rss0)/1e6, float64(rss1)/1e6, float64(rss1-rss0)/1e6, float64(rss1-rss0)/1e3/float64(streams),
		idle, float64(rss2)/1e6, 100*(cpu2-cpu1).Seconds()/idle.Seconds(), idle)

	var lat []time.Duration
	_, cpuA := procStat(pid)
	tA := time.Now()
	for range commits {
		t0 := time.Now()
		run, _, err := svc.Ensure(ctx, nil, operations.EnsureInput{WorkspaceID: ws, TenantID: &tenant, Type: operations.TypeInventorySync,
			IdentityRule: operations.IdentityAlwaysNew})
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		timeout := time.After(10 * time.Second)
		for got < streams {
			select {
			case d := <-deliveries:
				if d.run == run.ID {
					lat = append(lat, d.at.Sub(t0))
					got++
				}
			case <-timeout:
				b.Fatalf("run %d reached %d of %d streams", run.ID, got, streams)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, cpuB := procStat(pid)
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("commit → event at the client, %d commits × %d streams: p50 %s, p99 %s, max %s; server CPU %.0f %% of one core while delivering\n",
		commits, streams, q(0.50).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond),
		100*(cpuB-cpuA).Seconds()/time.Since(tA).Seconds())
	fmt.Printf("load average after: %s\n", loadavg())
}
