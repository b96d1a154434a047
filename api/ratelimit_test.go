package api

import (
	"testing"
	"time"
)

// The bucket holds a window's quota, refills continuously, and says how long to wait.
func TestTokenBucket(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newRateLimiter(60, time.Minute, func() time.Time { return now })
	for i := 59; i >= 0; i-- {
		ok, remaining, _, _ := l.take(1)
		if !ok || remaining != i {
			t.Fatalf("request with %d left: ok %v, remaining %d", i, ok, remaining)
		}
	}
	ok, remaining, full, retry := l.take(1)
	if ok || remaining != 0 || retry != time.Second || full != time.Minute {
		t.Fatalf("over the quota: ok %v, remaining %d, full in %s, retry in %s", ok, remaining, full, retry)
	}
	if ok, _, _, _ := l.take(2); !ok {
		t.Fatal("another token was limited")
	}
	now = now.Add(time.Second)
	if ok, _, _, _ := l.take(1); !ok {
		t.Fatal("a second later one request is allowed again")
	}
	if ok, _, _, _ := l.take(1); ok {
		t.Fatal("but only one")
	}
	now = now.Add(time.Hour)
	ok, remaining, full, _ = l.take(1)
	if !ok || remaining != 59 || full != time.Second {
		t.Fatalf("after an idle hour: ok %v, remaining %d, full in %s", ok, remaining, full)
	}
	if newRateLimiter(0, time.Minute, nil) != nil {
		t.Fatal("quota 0 should turn the limit off")
	}
}
