package api

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTTLCacheSharesOneComputation(t *testing.T) {
	c := newTTLCache[int](time.Minute, 0, 10)
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.get("k", func() (int, error) {
				calls.Add(1)
				<-release
				return 42, nil
			})
			if v != 42 || err != nil {
				t.Errorf("got %d %v", v, err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d computations for 20 concurrent misses", n)
	}
	if v, _ := c.get("k", func() (int, error) { return 0, errors.New("recomputed") }); v != 42 {
		t.Fatalf("cached value lost: %d", v)
	}
}

// fakeClock is a cache clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time      { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) add(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }

func newTestCache(ttl, stale time.Duration) (*ttlCache[int], *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}
	c := newTTLCache[int](ttl, stale, 10)
	c.now = clock.now
	return c, clock
}

func TestTTLCacheForgetsErrorsAndExpires(t *testing.T) {
	c, clock := newTestCache(10*time.Second, 0)
	if _, err := c.get("k", func() (int, error) { return 0, errors.New("boom") }); err == nil {
		t.Fatal("error lost")
	}
	if v, err := c.get("k", func() (int, error) { return 1, nil }); v != 1 || err != nil {
		t.Fatalf("error was cached: %d %v", v, err)
	}
	clock.add(9 * time.Second)
	if v, _ := c.get("k", func() (int, error) { return 2, nil }); v != 1 {
		t.Fatalf("fresh value recomputed: %d", v)
	}
	clock.add(2 * time.Second)
	if v, _ := c.get("k", func() (int, error) { return 2, nil }); v != 2 {
		t.Fatalf("expired value served: %d", v)
	}
}

func TestTTLCacheServesStaleWhileOneRefreshRuns(t *testing.T) {
	c, clock := newTestCache(5*time.Second, 25*time.Second)
	if v, _ := c.get("k", func() (int, error) { return 1, nil }); v != 1 {
		t.Fatalf("first computation: %d", v)
	}
	clock.add(6 * time.Second)

	release := make(chan struct{})
	refreshed := make(chan struct{})
	var calls atomic.Int32
	refresh := func() (int, error) {
		calls.Add(1)
		<-release
		defer close(refreshed)
		return 2, nil
	}
	// Stale: every caller gets the old value at once while a single refresh is blocked.
	for range 5 {
		if v, err := c.get("k", refresh); v != 1 || err != nil {
			t.Fatalf("stale read: %d %v", v, err)
		}
	}
	close(release)
	<-refreshed
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d refreshes for 5 stale reads", n)
	}
	// The refresh's result replaces the value once it is stored.
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, _ := c.get("k", func() (int, error) { return 3, nil })
		if v == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("refreshed value never served, still %d", v)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTTLCacheKeepsStaleValueWhenRefreshFailsAndBlocksWhenTooOld(t *testing.T) {
	c, clock := newTestCache(5*time.Second, 25*time.Second)
	c.get("k", func() (int, error) { return 1, nil })
	clock.add(10 * time.Second)
	failed := make(chan struct{})
	if v, _ := c.get("k", func() (int, error) { defer close(failed); return 0, errors.New("down") }); v != 1 {
		t.Fatalf("stale read: %d", v)
	}
	<-failed
	clock.add(10 * time.Second) // 20 s old: still within the stale window
	if v, _ := c.get("k", func() (int, error) { return 0, errors.New("still down") }); v != 1 {
		t.Fatalf("a failed refresh dropped the value: %d", v)
	}
	clock.add(15 * time.Second) // 35 s old: too old to serve; the caller waits for a computation
	if _, err := c.get("k", func() (int, error) { return 0, errors.New("down again") }); err == nil {
		t.Fatal("a value older than ttl+stale was served")
	}
	if v, err := c.get("k", func() (int, error) { return 4, nil }); v != 4 || err != nil {
		t.Fatalf("recovery: %d %v", v, err)
	}
}
