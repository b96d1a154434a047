package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// tcpProxy stands between a pool and PostgreSQL; the test cuts and restores it. Cut closes every
// open connection and refuses new ones, as a database host that went away does.
type tcpProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { _ = ln.Close(); p.Cut() })
	go p.serve()
	return p
}

func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		cut := p.cut
		p.mu.Unlock()
		if cut {
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *tcpProxy) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// Cut drops every connection and refuses new ones.
func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		_ = c.Close()
	}
}

// Restore accepts connections again.
func (p *tcpProxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func countMsg(lines []map[string]any, prefix string) (n int, last map[string]any) {
	for _, l := range lines {
		if m, _ := l["msg"].(string); strings.HasPrefix(m, prefix) {
			n++
			last = l
		}
	}
	return n, last
}

// A database that goes away under a running server: every answer is 503 database_unavailable
// with Retry-After (never 500), the outage is logged once with its count, and the server answers
// 200 again once the database is back, without a restart.
func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	t.Parallel()
	srv, proxy, token, logs := proxiedServer(t)
	get := func(path string) *http.Response {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Result()
	}
	outageChecks(t, get, proxy, logs)
}

// proxiedServer is an API whose pool reaches its database through a proxy the test controls.
func proxiedServer(t *testing.T) (*api.Server, *tcpProxy, string, *syncBuffer) {
	t.Helper()
	tdb := dbtest.New(t)
	ctx := context.Background()
	u, err := url.Parse(tdb.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.Addr()
	db, err := database.Open(ctx, u.String(), database.ForRequests()...)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { _ = sqlDB.Close() })

	az, err := authz.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	ten := tenancy.NewService(db)
	runs, err := jobs.NewRunService(db)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	srv := api.New(api.Deps{DB: db, Log: slog.New(slog.NewJSONHandler(&logs, nil)),
		Config: config.Config{SessionTTL: time.Hour}, Tenancy: ten, Auth: tenancy.NewAuthenticator(db), Authz: az, Runs: runs})
	pw := "correct horse battery staple"
	user, err := ten.CreateUser(ctx, tenancy.CreateUserInput{Email: "owner@example.com", Name: "Owner", Password: &pw})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := ten.IssueToken(ctx, user.ID, "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return srv, proxy, token, &logs
}

func outageChecks(t *testing.T, get func(string) *http.Response, proxy *tcpProxy, logs *syncBuffer) {
	t.Helper()
	code := func(res *http.Response) string {
		var p struct{ Code string }
		_ = json.NewDecoder(res.Body).Decode(&p)
		return p.Code
	}
	if res := get("/api/v1/notifications"); res.StatusCode != http.StatusOK {
		t.Fatalf("before the outage: %d", res.StatusCode)
	}

	proxy.Cut()
	const failing = 20
	for i := range failing {
		path := "/api/v1/notifications"
		if i%4 == 3 {
			path = "/readyz"
		}
		res := get(path)
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s during the outage = %d (%s), want 503", path, res.StatusCode, code(res))
		}
		if c := code(res); c != "database_unavailable" {
			t.Fatalf("%s during the outage: code %q", path, c)
		}
		if ra := res.Header.Get("Retry-After"); ra != "2" {
			t.Fatalf("%s during the outage: Retry-After %q", path, ra)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("content type %q", ct)
		}
	}
	if n, _ := countMsg(logs.lines(), "database unavailable"); n != 1 {
		t.Fatalf("%d outage lines for %d failed answers, want 1", n, failing)
	}
	if n, _ := countMsg(logs.lines(), "request failed"); n != 0 {
		t.Fatalf("%d 'request failed' lines during an outage, want 0", n)
	}

	proxy.Restore()
	var recovered bool
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res := get("/api/v1/notifications")
		if res.StatusCode == http.StatusOK {
			recovered = true
			break
		}
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("after the database is back: %d", res.StatusCode)
		}
	}
	if !recovered {
		t.Fatal("the server did not answer 200 again after the database came back")
	}
	if res := get("/readyz"); res.StatusCode != http.StatusOK {
		t.Fatalf("/readyz after the outage = %d", res.StatusCode)
	}
	// The outage ends with one line that counts its failed answers.
	var end map[string]any
	for deadline := time.Now().Add(30 * time.Second); end == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		_, end = countMsg(logs.lines(), "database available again")
	}
	if end == nil {
		t.Fatal("no line ends the outage")
	}
	if n, _ := end["failed_answers"].(float64); n < failing {
		t.Fatalf("the outage counted %v failed answers, want at least %d", end["failed_answers"], failing)
	}
}

// TestDrillDatabaseOutageUnderLoad is the outage drill behind the README's figure: clients keep
// listing while the database is cut for 10 s; it counts the answers by status (no 500 may be
// among them) and reports how long after the database is back every answer is 200 again.
// Run it with `make drills` (TENANTATLAS_DRILLS=1).
func TestDrillDatabaseOutageUnderLoad(t *testing.T) {
	if os.Getenv("TENANTATLAS_DRILLS") == "" {
		t.Skip("a drill: set TENANTATLAS_DRILLS=1 (make drills)")
	}
	srv, proxy, token, _ := proxiedServer(t)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	const clients = 16
	var mu sync.Mutex
	statuses := map[int]int{}
	var restored time.Time
	var lastBad time.Time
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, hs.URL+"/api/v1/notifications", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				status := 0
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					status = res.StatusCode
				}
				mu.Lock()
				statuses[status]++
				if status != http.StatusOK && !restored.IsZero() {
					lastBad = time.Now()
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(2 * time.Second)
	proxy.Cut()
	time.Sleep(10 * time.Second)
	mu.Lock()
	restored = time.Now()
	mu.Unlock()
	proxy.Restore()
	time.Sleep(5 * time.Second)
	close(stop)
	wg.Wait()
	recovery := time.Duration(0)
	if !lastBad.IsZero() {
		recovery = lastBad.Sub(restored)
	}
	t.Logf("answers by status over 2 s + 10 s outage + 5 s: %v; every answer 200 again %.0f ms after the database was back",
		statuses, float64(recovery.Microseconds())/1000)
	if statuses[http.StatusInternalServerError] > 0 || statuses[0] > 0 {
		t.Fatalf("%d answers 500 and %d failed requests during the outage", statuses[http.StatusInternalServerError], statuses[0])
	}
}
