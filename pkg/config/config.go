// Package config reads the settings of TenantAtlas Operations from the environment.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
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

	SignIn SignIn
	// RateLimit is the per-token request limit: TENANTATLAS_RATE_LIMIT requests (default 1200, 0
	// turns the limit off) per TENANTATLAS_RATE_LIMIT_WINDOW (default 1m). The zero value is no
	// limit.
	RateLimit RateLimit
}

// SignIn bounds what password sign-in may cost. Every field names its environment variable.
type SignIn struct {
	// MemoryBudget is TENANTATLAS_SIGNIN_MEMORY_BUDGET (bytes; "128MiB", "1GiB", default 128MiB):
	// the memory all concurrent password verifications of one API process may use together. Each
	// verification's argon2id memory is MemoryBudget / Concurrency (at most 64 MiB, at least
	// MinPasswordMemory).
	MemoryBudget int64
	// Concurrency is TENANTATLAS_SIGNIN_CONCURRENCY (default 4): at most this many password
	// verifications run at once in one API process.
	Concurrency int
	// QueueWait is TENANTATLAS_SIGNIN_QUEUE_WAIT (default 2s): how long a sign-in waits for a
	// verification slot before it is refused with 429.
	QueueWait time.Duration
	// AccountAttempts and AddressAttempts are TENANTATLAS_SIGNIN_ACCOUNT_ATTEMPTS (default 5) and
	// TENANTATLAS_SIGNIN_ADDRESS_ATTEMPTS (default 20): failed attempts allowed per account and
	// per client address before each further one locks it for a growing delay (1 s, 2 s, 4 s, …).
	AccountAttempts int
	AddressAttempts int
	// ThrottledDelay is TENANTATLAS_SIGNIN_THROTTLED_DELAY (default 1s, 0 for none): how long a
	// refused (throttled) sign-in is held before its 429 is sent (at most its Retry-After), so
	// that a client which ignores Retry-After cannot spin the server with thousands of refusals a
	// second.
	ThrottledDelay time.Duration
	// MaxDelay is TENANTATLAS_SIGNIN_MAX_DELAY (default 15m): the longest lock.
	MaxDelay time.Duration
	// ForgetAfter is TENANTATLAS_SIGNIN_FORGET_AFTER (default 1h): failures are forgotten this
	// long after the last one.
	ForgetAfter time.Duration
	// TrustedProxies is TENANTATLAS_TRUSTED_PROXIES (comma-separated CIDRs, default none): peers
	// whose X-Forwarded-For names the client address that sign-in throttling counts. Without it
	// the peer address counts.
	TrustedProxies []string
}

// RateLimit is the per-token request limit (see Config.RateLimit).
type RateLimit struct {
	Requests int
	Window   time.Duration
}

// MinPasswordMemory is the least argon2id memory per verification that the sign-in settings may
// leave (19 MiB, OWASP's lower bound for argon2id).
const MinPasswordMemory = 19 << 20

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
		SignIn:        SignIn{MemoryBudget: 128 << 20, Concurrency: 4, AccountAttempts: 5, AddressAttempts: 20},
		RateLimit:     RateLimit{Requests: 1200},
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
		{"TENANTATLAS_SIGNIN_QUEUE_WAIT", "2s", &c.SignIn.QueueWait},
		{"TENANTATLAS_SIGNIN_MAX_DELAY", "15m", &c.SignIn.MaxDelay},
		{"TENANTATLAS_SIGNIN_THROTTLED_DELAY", "1s", &c.SignIn.ThrottledDelay},
		{"TENANTATLAS_SIGNIN_FORGET_AFTER", "1h", &c.SignIn.ForgetAfter},
		{"TENANTATLAS_RATE_LIMIT_WINDOW", "1m", &c.RateLimit.Window},
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
	ints := []struct {
		key      string
		min, max int
		dest     *int
	}{
		{"TENANTATLAS_SIGNIN_CONCURRENCY", 1, 256, &c.SignIn.Concurrency},
		{"TENANTATLAS_SIGNIN_ACCOUNT_ATTEMPTS", 1, 1000, &c.SignIn.AccountAttempts},
		{"TENANTATLAS_SIGNIN_ADDRESS_ATTEMPTS", 1, 100000, &c.SignIn.AddressAttempts},
		{"TENANTATLAS_RATE_LIMIT", 0, 1000000, &c.RateLimit.Requests},
	}
	for _, d := range ints {
		v := get(d.key)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < d.min || n > d.max {
			errs = append(errs, fmt.Errorf("%s: want a number from %d to %d", d.key, d.min, d.max))
			continue
		}
		*d.dest = n
	}
	if v := get("TENANTATLAS_SIGNIN_MEMORY_BUDGET"); v != "" {
		n, err := parseSize(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TENANTATLAS_SIGNIN_MEMORY_BUDGET: %w", err))
		} else {
			c.SignIn.MemoryBudget = n
		}
	}
	if c.SignIn.Concurrency > 0 && c.SignIn.MemoryBudget/int64(c.SignIn.Concurrency) < MinPasswordMemory {
		errs = append(errs, fmt.Errorf("TENANTATLAS_SIGNIN_MEMORY_BUDGET: %d MiB for %d concurrent verifications leaves less than the 19 MiB each needs; raise the budget or lower TENANTATLAS_SIGNIN_CONCURRENCY",
			c.SignIn.MemoryBudget>>20, c.SignIn.Concurrency))
	}
	if c.RateLimit.Window <= 0 {
		errs = append(errs, fmt.Errorf("TENANTATLAS_RATE_LIMIT_WINDOW: want a positive duration such as 1m"))
	}
	for _, p := range strings.Split(get("TENANTATLAS_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			errs = append(errs, fmt.Errorf("TENANTATLAS_TRUSTED_PROXIES: %q is not a CIDR such as 10.0.0.0/8", p))
			continue
		}
		c.SignIn.TrustedProxies = append(c.SignIn.TrustedProxies, p)
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

// parseSize reads a size in bytes with an optional unit: 134217728, 128MiB, 128M, 1GiB, 512KiB.
func parseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	units := []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"G", 30}, {"M", 20}, {"K", 10}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			v, shift = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > (1<<40)>>shift {
		return 0, errors.New("want a size such as 128MiB or 1GiB")
	}
	return n << shift, nil
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
