// Package spa serves the built single-page app (frontend/dist) on its own origin, with net/http
// only:
//
//   - /config.json is generated from the API's base URL, so one build serves any deployment;
//   - hashed assets (/assets/…) are cached for a year, everything else is revalidated;
//   - the app's routes (/, /login, /admin and below) answer 200 with index.html;
//   - the removed legacy run pages (/admin/t/{tenant}/inventory-sync-runs…,
//     …/entra-group-sync-runs…, …/backup-schedule-runs… and /admin/t/{tenant}/operations) and
//     every path outside the app answer 404 — with index.html as the body, so a browser still
//     shows the app's not-found page — never a 200 shell and never a redirect.
//
// The files are read once, at New: restart the server after a new build.
package spa

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Options configure the handler.
type Options struct {
	// Dir is the built app: index.html, assets/ and the other files Vite copies from public/.
	Dir string
	// APIURL is the API's base URL written to /config.json (e.g. http://localhost:8080).
	APIURL string
	// BehindTLS adds Strict-Transport-Security to every answer (the app is served over HTTPS).
	BehindTLS bool
}

// Config is the body of /config.json.
type Config struct {
	APIBaseURL string `json:"apiBaseUrl"`
}

type file struct {
	body    []byte
	gz      []byte // nil when compression does not pay
	ctype   string
	etag    string
	modTime time.Time
}

// Handler serves the app.
type Handler struct {
	index  *file
	config *file
	assets map[string]*file // "/assets/x.js"
	top    map[string]*file // "/favicon.svg" and other top-level files
	csp    string
	hsts   bool
}

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// legacyRunPages are the removed per-feature run pages under /admin/t/{tenant}/ (spec 087).
var legacyRunPages = map[string]bool{
	"inventory-sync-runs":   true,
	"entra-group-sync-runs": true,
	"backup-schedule-runs":  true,
}

// New reads the built app from opts.Dir.
func New(opts Options) (*Handler, error) {
	if opts.Dir == "" {
		return nil, errors.New("spa: no directory")
	}
	apiURL := strings.TrimRight(strings.TrimSpace(opts.APIURL), "/")
	if apiURL != "" {
		u, err := url.Parse(apiURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("spa: the API URL %q is not an http(s) URL", opts.APIURL)
		}
	}
	h := &Handler{assets: map[string]*file{}, top: map[string]*file{}}
	indexBody, err := os.ReadFile(filepath.Join(opts.Dir, "index.html"))
	if err != nil {
		return nil, fmt.Errorf("spa: %w (build the app first: cd frontend && npm ci && npm run build)", err)
	}
	h.index = newFile(indexBody, "text/html; charset=utf-8", time.Now())
	cfg, err := json.Marshal(Config{APIBaseURL: apiURL})
	if err != nil {
		return nil, err
	}
	h.config = newFile(append(cfg, '\n'), "application/json", time.Now())
	h.csp = contentSecurityPolicy(apiURL)
	h.hsts = opts.BehindTLS

	err = filepath.WalkDir(opts.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(opts.Dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir // .vite/manifest.json and the like are not served
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") || rel == "index.html" || rel == "config.json" {
			return nil
		}
		inAssets := strings.HasPrefix(rel, "assets/")
		if !inAssets && strings.Contains(rel, "/") {
			return nil // only top-level files besides assets/
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f := newFile(body, contentType(rel, body), info.ModTime())
		if inAssets {
			h.assets["/"+rel] = f
		} else {
			h.top["/"+rel] = f
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("spa: %w", err)
	}
	return h, nil
}

func contentType(name string, body []byte) string {
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		return ct
	}
	return http.DetectContentType(body)
}

func newFile(body []byte, ctype string, mod time.Time) *file {
	sum := sha256.Sum256(body)
	f := &file{body: body, ctype: ctype, modTime: mod,
		etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
	if compressible(ctype) && len(body) > 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if buf.Len() < len(body) {
			f.gz = buf.Bytes()
		}
	}
	return f
}

func compressible(ctype string) bool {
	for _, p := range []string{"text/", "application/javascript", "application/json", "image/svg+xml", "application/manifest+json"} {
		if strings.HasPrefix(ctype, p) {
			return true
		}
	}
	return false
}

// contentSecurityPolicy allows the app's own scripts and styles and calls to the API's origin.
func contentSecurityPolicy(apiURL string) string {
	connect := "'self'"
	if u, err := url.Parse(apiURL); err == nil && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"font-src 'self' data:; connect-src " + connect + "; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
}

// Kind is what a request path is to the server.
type Kind int

// The kinds of path.
const (
	KindNotFound Kind = iota // outside the app: 404 with the app's shell
	KindLegacy               // a removed legacy run page: 404 with the app's shell
	KindApp                  // an app route: 200 with the app's shell
	KindConfig               // /config.json
	KindAsset                // /assets/…
	KindTopFile              // a top-level file (favicon.svg, …)
)

// Classify says what a request path is. It is exported for the tests and for documentation: the
// rules are the ones nginx.conf repeats for container deployments.
func Classify(p string) Kind {
	if p == "" || p[0] != '/' {
		return KindNotFound
	}
	clean := path.Clean(p)
	switch {
	case clean == "/config.json":
		return KindConfig
	case strings.HasPrefix(clean, "/assets/"):
		return KindAsset
	case clean == "/" || clean == "/login" || clean == "/index.html":
		return KindApp
	case clean == "/admin" || strings.HasPrefix(clean, "/admin/"):
		if isLegacy(clean) {
			return KindLegacy
		}
		return KindApp
	case strings.Count(clean, "/") == 1:
		return KindTopFile
	}
	return KindNotFound
}

// isLegacy: /admin/t/{tenant}/{inventory-sync-runs|entra-group-sync-runs|backup-schedule-runs}[/…]
// and /admin/t/{tenant}/operations (exactly; the trailing slash is already cleaned away).
func isLegacy(clean string) bool {
	segs := strings.Split(strings.TrimPrefix(clean, "/"), "/")
	if len(segs) < 4 || segs[0] != "admin" || segs[1] != "t" || segs[2] == "" {
		return false
	}
	if legacyRunPages[segs[3]] {
		return true
	}
	return len(segs) == 4 && segs[3] == "operations"
}

// ServeHTTP serves the app.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	// Every answer carries the policy (frame-ancestors 'none' included), not only the shell:
	// assets, config.json, 404s and 405s too.
	hdr.Set("Content-Security-Policy", h.csp)
	if h.hsts {
		hdr.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch Classify(r.URL.Path) {
	case KindConfig:
		hdr.Set("Cache-Control", "no-store")
		h.write(w, r, h.config, http.StatusOK)
	case KindAsset:
		f, ok := h.assets[path.Clean(r.URL.Path)]
		if !ok {
			hdr.Set("Cache-Control", cacheRevalidate)
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		hdr.Set("Cache-Control", cacheImmutable)
		h.write(w, r, f, http.StatusOK)
	case KindTopFile:
		f, ok := h.top[path.Clean(r.URL.Path)]
		if !ok {
			h.shell(w, r, http.StatusNotFound)
			return
		}
		hdr.Set("Cache-Control", cacheRevalidate)
		h.write(w, r, f, http.StatusOK)
	case KindApp:
		h.shell(w, r, http.StatusOK)
	default: // KindLegacy, KindNotFound
		h.shell(w, r, http.StatusNotFound)
	}
}

// shell answers with index.html: the app decides what to show (for a 404, its not-found page).
func (h *Handler) shell(w http.ResponseWriter, r *http.Request, status int) {
	hdr := w.Header()
	hdr.Set("Cache-Control", cacheRevalidate)
	h.write(w, r, h.index, status)
}

func (h *Handler) write(w http.ResponseWriter, r *http.Request, f *file, status int) {
	hdr := w.Header()
	hdr.Set("Content-Type", f.ctype)
	hdr.Add("Vary", "Accept-Encoding")
	body := f.body
	etag := f.etag
	if f.gz != nil && acceptsGzip(r) {
		body = f.gz
		etag = strings.TrimSuffix(f.etag, `"`) + `-gz"`
		hdr.Set("Content-Encoding", "gzip")
	}
	if status == http.StatusOK {
		hdr.Set("ETag", etag)
		hdr.Set("Last-Modified", f.modTime.UTC().Format(http.TimeFormat))
		if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
			hdr.Del("Content-Type")
			hdr.Del("Content-Encoding")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.TrimSpace(k) == "q" {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}

func etagMatches(header, etag string) bool {
	for _, candidate := range strings.Split(header, ",") {
		c := strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if c == "*" || c == etag {
			return true
		}
	}
	return false
}
