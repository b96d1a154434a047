package api

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTTLCacheSharesOneComputation(t *testing.T) {
	c := newTTLCache[int](time.Minute, 10)
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

func TestTTLCacheForgetsErrorsAndExpires(t *testing.T) {
	c := newTTLCache[int](10*time.Millisecond, 10)
	if _, err := c.get("k", func() (int, error) { return 0, errors.New("boom") }); err == nil {
		t.Fatal("error lost")
	}
	if v, err := c.get("k", func() (int, error) { return 1, nil }); v != 1 || err != nil {
		t.Fatalf("error was cached: %d %v", v, err)
	}
	time.Sleep(20 * time.Millisecond)
	if v, _ := c.get("k", func() (int, error) { return 2, nil }); v != 2 {
		t.Fatalf("expired value served: %d", v)
	}
}
