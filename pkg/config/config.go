// Package config reads the settings of TenantAtlas Operations from the environment.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting. Each field names its environment variable.
type Config struct {
	DatabaseURL    string        // DATABASE_URL (required)
	Listen         string        // TENANTATLAS_LISTEN, default ":8080"
	CORSOrigins    []string      // TENANTATLAS_CORS_ORIGINS, comma-separated, default "http://localhost:5173,http://127.0.0.1:5173"
	LogLevel       slog.Level    // TENANTATLAS_LOG_LEVEL: debug | info | warn | error, default info
	SessionTTL     time.Duration // TENANTATLAS_SESSION_TTL: lifetime of a sign-in token, default 12h
	RunRetention   time.Duration // TENANTATLAS_RUN_RETENTION: runs older than this are pruned, default 2160h (90 days)
	CountsCacheTTL time.Duration // TENANTATLAS_COUNTS_CACHE_TTL: how long run counts are served as fresh, default 5s
	CountsStale    time.Duration // TENANTATLAS_COUNTS_STALE: how much longer they are served while being recomputed, default 25s
	// RunEventRetention is TENANTATLAS_RUN_EVENT_RETENTION: how long run events are kept for
	// streams that resume (Last-Event-ID), default 24h.
	RunEventRetention time.Duration
	SecretKey         string // TENANTATLAS_SECRET_KEY: 32-byte key (base64 or hex) that encrypts tenant secrets
	GraphBaseURL      string // TENANTATLAS_GRAPH_BASE_URL: Microsoft Graph API root, default https://graph.microsoft.com/beta
	GraphTokenURL     string // TENANTATLAS_GRAPH_TOKEN_URL: token endpoint with {tenant}, default login.microsoftonline.com
	WorkerCount       int    // TENANTATLAS_WORKERS: concurrent jobs per worker process, default 10
	// WorkerLostAfter is TENANTATLAS_WORKER_LOST_AFTER: a running run whose worker has not beaten
	// for this long is completed as failed (run.worker_lost), default 2m, at least 10s.
	WorkerLostAfter time.Duration
	// DriftSeverity is TENANTATLAS_DRIFT_SEVERITY: severity rules for drift findings, a JSON object
	// such as {"removed:deviceCompliancePolicy":"high","added:*":"low"}; keys are
	// "<added|removed|modified|*>:<policy type|*>", values low, medium or high. They override or
	// extend the defaults of drift.DefaultSeverities.
	DriftSeverity map[string]string
	// BehindTLS is TENANTATLAS_BEHIND_TLS (true|false, default false): the server is reached over
	// HTTPS (directly or through a TLS-terminating proxy), so answers carry Strict-Transport-Security.
	BehindTLS bool
	// MetricsListen is TENANTATLAS_METRICS_LISTEN: when set (e.g. "127.0.0.1:9090"), /metrics is
	// served only on this address and the API's address answers 404 for it.
	MetricsListen string
	// MetricsToken is TENANTATLAS_METRICS_TOKEN: when set, /metrics needs "Authorization: Bearer
	// <token>" (wherever it is served); at least 16 characters.
	MetricsToken string
}

// Load reads the environment. A malformed value is an error naming the variable.
func Load() (Config, error) {
	return load(os.Getenv)
}

func load(get func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:   get("DATABASE_URL"),
		Listen:        or(get("TENANTATLAS_LISTEN"), ":8080"),
		SecretKey:     get("TENANTATLAS_SECRET_KEY"),
		GraphBaseURL:  get("TENANTATLAS_GRAPH_BASE_URL"),
		GraphTokenURL: get("TENANTATLAS_GRAPH_TOKEN_URL"),
		WorkerCount:   10,
	}
	var errs []error
	origins := or(get("TENANTATLAS_CORS_ORIGINS"), "http://localhost:5173,http://127.0.0.1:5173")
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(or(get("TENANTATLAS_LOG_LEVEL"), "info"))); err != nil {
		errs = append(errs, fmt.Errorf("TENANTATLAS_LOG_LEVEL: want debug, info, warn or error"))
	}
	durations := []struct {
		key  string
		def  string
		dest *time.Duration
	}{
		{"TENANTATLAS_SESSION_TTL", "12h", &c.SessionTTL},
		{"TENANTATLAS_RUN_RETENTION", "2160h", &c.RunRetention},
		{"TENANTATLAS_COUNTS_CACHE_TTL", "5s", &c.CountsCacheTTL},
		{"TENANTATLAS_COUNTS_STALE", "25s", &c.CountsStale},
		{"TENANTATLAS_RUN_EVENT_RETENTION", "24h", &c.RunEventRetention},
		{"TENANTATLAS_WORKER_LOST_AFTER", "2m", &c.WorkerLostAfter},
	}
	for _, d := range durations {
		v, err := time.ParseDuration(or(get(d.key), d.def))
		if err != nil || v < 0 {
			errs = append(errs, fmt.Errorf("%s: want a duration such as %s", d.key, d.def))
			continue
		}
		*d.dest = v
	}
	if c.WorkerLostAfter > 0 && c.WorkerLostAfter < 10*time.Second {
		errs = append(errs, fmt.Errorf("TENANTATLAS_WORKER_LOST_AFTER: want at least 10s"))
	}
	if v := get("TENANTATLAS_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			errs = append(errs, fmt.Errorf("TENANTATLAS_WORKERS: want a number from 1 to 1000"))
		} else {
			c.WorkerCount = n
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(get("TENANTATLAS_BEHIND_TLS"))); v {
	case "", "false", "0":
	case "true", "1":
		c.BehindTLS = true
	default:
		errs = append(errs, fmt.Errorf("TENANTATLAS_BEHIND_TLS: want true or false"))
	}
	c.MetricsListen = strings.TrimSpace(get("TENANTATLAS_METRICS_LISTEN"))
	if c.MetricsToken = get("TENANTATLAS_METRICS_TOKEN"); c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, fmt.Errorf("TENANTATLAS_METRICS_TOKEN: want at least 16 characters"))
	}
	if v := strings.TrimSpace(get("TENANTATLAS_DRIFT_SEVERITY")); v != "" {
		rules, err := parseDriftSeverity(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TENANTATLAS_DRIFT_SEVERITY: %w", err))
		} else {
			c.DriftSeverity = rules
		}
	}
	return c, errors.Join(errs...)
}

// RequireDatabase fails with a clear message when DATABASE_URL is missing.
func (c Config) RequireDatabase() error {
	if c.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set: point it at PostgreSQL, e.g. postgres://tenantatlas:tenantatlas@127.0.0.1:5432/tenantatlas?sslmode=disable (`make run` sets it for you)")
	}
	return nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

var driftSubjectPattern = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_.]{0,63}|\*)$`)

// parseDriftSeverity reads the drift severity rules (see Config.DriftSeverity).
func parseDriftSeverity(v string) (map[string]string, error) {
	var rules map[string]string
	if err := json.Unmarshal([]byte(v), &rules); err != nil {
		return nil, errors.New(`want a JSON object of strings, e.g. {"removed:deviceCompliancePolicy":"high","added:*":"low"}`)
	}
	for k, sev := range rules {
		change, subject, ok := strings.Cut(k, ":")
		switch {
		case !ok || !slices.Contains([]string{"added", "removed", "modified", "*"}, change) || !driftSubjectPattern.MatchString(subject):
			return nil, fmt.Errorf("key %q: want <added|removed|modified|*>:<policy type|*>", k)
		case !slices.Contains([]string{"low", "medium", "high"}, sev):
			return nil, fmt.Errorf("key %q: severity must be low, medium or high", k)
		}
	}
	return rules, nil
}
