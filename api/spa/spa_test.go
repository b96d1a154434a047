package spa_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/api/spa"
)

const indexHTML = `<!doctype html><html><head><title>TenantAtlas Operations</title></head><body><div id="root"></div>` +
	`<script type="module" src="/assets/index-AbC123.js"></script></body></html>`

// newServer builds a fake dist/ (as Vite lays it out) and serves it.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"index.html":              indexHTML,
		"assets/index-AbC123.js":  "console.log('app');" + strings.Repeat(" /* padding */", 100),
		"assets/index-Def456.css": "body{margin:0}",
		"favicon.svg":             `<svg xmlns="http://www.w3.org/2000/svg"></svg>`,
		"config.json":             `{"apiBaseUrl":"http://built-in.example"}`,
		".vite/manifest.json":     `{}`,
		"nested/not-served.txt":   "x",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := spa.New(spa.Options{Dir: dir, APIURL: "http://api.example:8080/"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	// No automatic decompression, no redirects followed: the test sees the server's own answer.
	tr := &http.Transport{DisableCompression: true}
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func TestAppRoutesGetTheShell(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{
		"/", "/login", "/login/", "/admin", "/admin/",
		"/admin/operations", "/admin/operations?tab=failed&tenant=2", "/admin/operations/42",
		"/admin/t/1/inventory", "/admin/t/1/directory/groups", "/admin/t/1/operations/5",
		"/admin/anything/else", "/index.html",
	} {
		res, body := get(t, srv, p)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", p, res.StatusCode)
		}
		if body != indexHTML {
			t.Errorf("GET %s: body is not index.html", p)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", p, cc)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' http://api.example:8080") {
			t.Errorf("GET %s: CSP %q does not allow the API", p, csp)
		}
	}
}

func TestLegacyRunPagesAre404(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{
		"/admin/t/1/inventory-sync-runs",
		"/admin/t/1/inventory-sync-runs/",
		"/admin/t/1/inventory-sync-runs/5",
		"/admin/t/1/inventory-sync-runs/5/edit",
		"/admin/t/contoso/entra-group-sync-runs",
		"/admin/t/1/entra-group-sync-runs/5",
		"/admin/t/1/entra-group-sync-runs/5/",
		"/admin/t/1/backup-schedule-runs/9",
		"/admin/t/1/operations",
		"/admin/t/1/operations/",
		"/admin/t/abc/operations",
	} {
		res, body := get(t, srv, p)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
		if loc := res.Header.Get("Location"); loc != "" {
			t.Errorf("GET %s redirects to %q", p, loc)
		}
		// The body is the app's shell, so a browser shows the app's not-found page.
		if body != indexHTML {
			t.Errorf("GET %s: body is not the app's shell", p)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", p, cc)
		}
	}
	// HEAD too, without a body.
	req, _ := http.NewRequest(http.MethodHead, srv.URL+"/admin/t/1/operations", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD /admin/t/1/operations = %d, want 404", res.StatusCode)
	}
}

func TestPathsOutsideTheAppAre404(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{
		"/api/v1/operation-runs", "/foo", "/foo/bar", "/login/extra", "/administrator",
		"/assets", "/assets/missing.js", "/.vite/manifest.json", "/nested/not-served.txt",
		"/t/1/inventory", "/favicon.ico",
	} {
		res, body := get(t, srv, p)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
		if strings.Contains(body, "manifest") || strings.Contains(body, "not-served") {
			t.Errorf("GET %s leaked a file", p)
		}
	}
}

func TestConfigJSONComesFromTheAPIURL(t *testing.T) {
	srv := newServer(t)
	res, body := get(t, srv, "/config.json")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /config.json = %d", res.StatusCode)
	}
	var cfg spa.Config
	if err := json.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatalf("config.json: %v (%s)", err, body)
	}
	// The flag wins over any config.json in the build; the trailing slash is trimmed.
	if cfg.APIBaseURL != "http://api.example:8080" {
		t.Errorf("apiBaseUrl = %q", cfg.APIBaseURL)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestHashedAssetsAreCachedForAYear(t *testing.T) {
	srv := newServer(t)
	res, body := get(t, srv, "/assets/index-AbC123.js")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "console.log") {
		t.Fatalf("GET asset = %d %q", res.StatusCode, body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("Content-Type %q", ct)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res, _ = get(t, srv, "/assets/index-AbC123.js", "If-None-Match", etag)
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match = %d, want 304", res.StatusCode)
	}
	// gzip for clients that take it.
	res, body = get(t, srv, "/assets/index-AbC123.js", "Accept-Encoding", "gzip, br")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.HasPrefix(string(plain), "console.log") {
		t.Errorf("gzip body does not decode to the asset")
	}
	res, _ = get(t, srv, "/assets/index-AbC123.js", "Accept-Encoding", "gzip;q=0")
	if res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got %q", res.Header.Get("Content-Encoding"))
	}
	// Top-level files are served, but revalidated.
	res, _ = get(t, srv, "/favicon.svg")
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("favicon = %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
}

func TestOnlyGetAndHead(t *testing.T) {
	srv := newServer(t)
	res, err := http.Post(srv.URL+"/admin/operations", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	if _, err := spa.New(spa.Options{Dir: t.TempDir(), APIURL: "http://localhost:8080"}); err == nil {
		t.Error("a directory without index.html was accepted")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(indexHTML), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"localhost:8080", "ftp://x", "http://"} {
		if _, err := spa.New(spa.Options{Dir: dir, APIURL: bad}); err == nil {
			t.Errorf("API URL %q was accepted", bad)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := map[string]spa.Kind{
		"/":                                  spa.KindApp,
		"/admin/t/7/inventory":               spa.KindApp,
		"/admin/t/7/operations":              spa.KindLegacy,
		"/admin/t/7/operations/":             spa.KindLegacy,
		"/admin/t/7/operations/1":            spa.KindApp,
		"/admin/t/7/inventory-sync-runs/1/2": spa.KindLegacy,
		"/admin/t/7/entra-group-sync-runs":   spa.KindLegacy,
		"/admin/operations":                  spa.KindApp,
		"/config.json":                       spa.KindConfig,
		"/assets/a.js":                       spa.KindAsset,
		"/robots.txt":                        spa.KindTopFile,
		"/a/b":                               spa.KindNotFound,
		"relative":                           spa.KindNotFound,
	}
	for p, want := range cases {
		if got := spa.Classify(p); got != want {
			t.Errorf("Classify(%q) = %d, want %d", p, got, want)
		}
	}
}

// Every answer carries the content security policy with frame-ancestors 'none': the shell, the
// assets, config.json, files, 404s and refused methods alike.
func TestEveryAnswerCarriesTheCSP(t *testing.T) {
	srv := newServer(t)
	check := func(what string, res *http.Response) {
		t.Helper()
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s (%d): CSP %q", what, res.StatusCode, csp)
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS without TLS", what)
		}
	}
	for _, p := range []string{"/", "/admin/operations", "/assets/index-AbC123.js", "/assets/missing.js", "/config.json",
		"/favicon.svg", "/missing.txt", "/nested/not-served.txt", "/admin/t/1/operations"} {
		res, _ := get(t, srv, p)
		check(p, res)
	}
	res, err := http.Post(srv.URL+"/", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	check("POST /", res)
}

func TestStrictTransportSecurityWhenBehindTLS(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(indexHTML), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := spa.New(spa.Options{Dir: dir, APIURL: "https://api.example", BehindTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, p := range []string{"/", "/nope/nope"} {
		res, _ := get(t, srv, p)
		if v := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(v, "max-age=") {
			t.Errorf("%s: Strict-Transport-Security %q", p, v)
		}
	}
}
