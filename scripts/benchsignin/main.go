// Command benchsignin floods a running API with wrong-password sign-ins from many concurrent
// clients (that ignore Retry-After), while it samples the API process's RSS and the latency of
// an authenticated run list, and then checks that the right password signs in once the
// throttling has expired. scripts/bench-signin.sh runs it (make bench-signin).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	api := flag.String("api", "http://127.0.0.1:18081", "API root")
	email := flag.String("email", "", "the account to attack and then sign in as")
	password := flag.String("password", "", "its right password")
	token := flag.String("token", "", "an API token for the run list")
	pid := flag.Int("pid", 0, "the API process, for its RSS")
	clients := flag.Int("clients", 64, "concurrent wrong-password clients")
	duration := flag.Duration("duration", 60*time.Second, "how long they run")
	flag.Parse()
	if *email == "" || *password == "" || *token == "" || *pid == 0 {
		fmt.Fprintln(os.Stderr, "benchsignin: -email, -password, -token and -pid are required")
		os.Exit(2)
	}
	login := *api + "/api/v1/auth/login"
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients + 4}, Timeout: 30 * time.Second}
	post := func(pw string) (int, string) {
		body, _ := json.Marshal(map[string]string{"email": *email, "password": pw})
		res, err := hc.Post(login, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, ""
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, res.Header.Get("Retry-After")
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var statuses sync.Map // status -> *atomic.Int64
	count := func(s int) {
		v, _ := statuses.LoadOrStore(s, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				s, _ := post("wrong password " + strconv.Itoa(i) + "-" + strconv.Itoa(n))
				count(s)
			}
		}()
	}

	// The run list, one request at a time, as a person with the SPA open would see it.
	var lat []time.Duration
	var listErrors int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest(http.MethodGet, *api+"/api/v1/operation-runs?limit=50", nil)
			req.Header.Set("Authorization", "Bearer "+*token)
			start := time.Now()
			res, err := hc.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			if err != nil || res.StatusCode != http.StatusOK {
				listErrors++
			} else {
				lat = append(lat, time.Since(start))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	var maxRSS, startRSS int64
	startRSS = rss(*pid)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				maxRSS = max(maxRSS, rss(*pid))
			}
		}
	}()

	time.Sleep(*duration)
	close(stop)
	wg.Wait()
	endRSS := rss(*pid)

	fmt.Printf("wrong-password clients: %d for %s\n", *clients, *duration)
	var total int64
	var codes []int
	statuses.Range(func(k, v any) bool { codes = append(codes, k.(int)); total += v.(*atomic.Int64).Load(); return true })
	slices.Sort(codes)
	var parts []string
	for _, c := range codes {
		v, _ := statuses.Load(c)
		parts = append(parts, fmt.Sprintf("%d × %d", v.(*atomic.Int64).Load(), c))
	}
	fmt.Printf("  attempts: %d (%.0f/s): %s\n", total, float64(total)/duration.Seconds(), strings.Join(parts, ", "))
	fmt.Printf("API RSS: %d MB before, %d MB peak (target ≤ 300 MB), %d MB after\n", startRSS>>20, maxRSS>>20, endRSS>>20)
	slices.Sort(lat)
	if len(lat) > 0 {
		q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
		fmt.Printf("run list meanwhile: %d requests, p50 %.1f ms, p99 %.1f ms (target ≤ 50 ms), max %.1f ms, %d not 200\n",
			len(lat), ms(q(0.5)), ms(q(0.99)), ms(lat[len(lat)-1]), listErrors)
	}

	// The attack is over: wait out the lock, then the right password signs in.
	waited := time.Duration(0)
	for {
		s, retry := post(*password)
		if s == http.StatusOK {
			fmt.Printf("right password afterwards: 200 after waiting %s for the lock to expire\n", waited.Round(time.Second))
			return
		}
		secs, err := strconv.Atoi(retry)
		if s != http.StatusTooManyRequests || err != nil || waited > 30*time.Minute {
			fmt.Printf("right password afterwards: %d (Retry-After %q) after waiting %s\n", s, retry, waited.Round(time.Second))
			os.Exit(1)
		}
		d := time.Duration(secs) * time.Second
		time.Sleep(d)
		waited += d
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rss is a process's resident set size in bytes (Linux).
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}
