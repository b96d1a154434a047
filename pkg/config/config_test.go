package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestSignInAndRateLimitSettings(t *testing.T) {
	t.Parallel()
	c, err := load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := SignIn{MemoryBudget: 128 << 20, Concurrency: 4, QueueWait: 2 * time.Second, AccountAttempts: 5, AddressAttempts: 20,
		ThrottledDelay: time.Second, MaxDelay: 15 * time.Minute, ForgetAfter: time.Hour}
	if c.SignIn.MemoryBudget != want.MemoryBudget || c.SignIn.Concurrency != want.Concurrency || c.SignIn.QueueWait != want.QueueWait ||
		c.SignIn.AccountAttempts != want.AccountAttempts || c.SignIn.AddressAttempts != want.AddressAttempts ||
		c.SignIn.ThrottledDelay != want.ThrottledDelay || c.SignIn.MaxDelay != want.MaxDelay || c.SignIn.ForgetAfter != want.ForgetAfter || len(c.SignIn.TrustedProxies) != 0 {
		t.Errorf("defaults %+v, want %+v", c.SignIn, want)
	}
	if c.RateLimit != (RateLimit{Requests: 1200, Window: time.Minute}) {
		t.Errorf("rate limit default %+v", c.RateLimit)
	}

	c, err = load(env(map[string]string{"TENANTATLAS_SIGNIN_MEMORY_BUDGET": "1GiB", "TENANTATLAS_SIGNIN_CONCURRENCY": "8",
		"TENANTATLAS_TRUSTED_PROXIES": "10.0.0.0/8, fd00::/8", "TENANTATLAS_RATE_LIMIT": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SignIn.MemoryBudget != 1<<30 || c.SignIn.Concurrency != 8 || len(c.SignIn.TrustedProxies) != 2 || c.RateLimit.Requests != 0 {
		t.Errorf("parsed %+v %+v", c.SignIn, c.RateLimit)
	}

	for _, c := range []struct{ key, value, names string }{
		{"TENANTATLAS_SIGNIN_MEMORY_BUDGET", "lots", "TENANTATLAS_SIGNIN_MEMORY_BUDGET"},
		{"TENANTATLAS_SIGNIN_MEMORY_BUDGET", "64MiB", "TENANTATLAS_SIGNIN_MEMORY_BUDGET"}, // 16 MiB each for 4
		{"TENANTATLAS_SIGNIN_CONCURRENCY", "0", "TENANTATLAS_SIGNIN_CONCURRENCY"},
		{"TENANTATLAS_SIGNIN_QUEUE_WAIT", "soon", "TENANTATLAS_SIGNIN_QUEUE_WAIT"},
		{"TENANTATLAS_TRUSTED_PROXIES", "10.0.0.1", "TENANTATLAS_TRUSTED_PROXIES"},
		{"TENANTATLAS_RATE_LIMIT", "-1", "TENANTATLAS_RATE_LIMIT"},
		{"TENANTATLAS_RATE_LIMIT_WINDOW", "0s", "TENANTATLAS_RATE_LIMIT_WINDOW"},
	} {
		if _, err := load(env(map[string]string{c.key: c.value})); err == nil || !strings.Contains(err.Error(), c.names) {
			t.Errorf("%s=%s: err %v, want one naming %s", c.key, c.value, err, c.names)
		}
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"134217728": 128 << 20, "128MiB": 128 << 20, "128M": 128 << 20, "1GiB": 1 << 30, "512 KiB": 512 << 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1MiB", "1.5GiB", "2TiB", "99999GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}
