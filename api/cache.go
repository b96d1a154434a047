package api

import (
	"sync"
	"time"
)

// ttlCache keeps computed values for a short time, so that many requests for the same expensive
// answer (run counts) share one computation, and serves them stale while it recomputes them, so
// that a busy caller never waits for the computation:
//
//   - a value younger than ttl is served as it is;
//   - a value older than ttl but younger than ttl+stale is served as it is, and one background
//     computation of its key starts (stale-while-revalidate); its result replaces the value;
//   - a missing or older value is computed while the caller waits; concurrent callers of one key
//     wait for that single computation.
//
// Errors are never kept: a failed refresh leaves the old value until it is too old to serve. The
// cache holds at most max entries.
type ttlCache[V any] struct {
	ttl   time.Duration
	stale time.Duration
	max   int
	now   func() time.Time
	mu    sync.Mutex
	m     map[string]*ttlEntry[V]
}

type ttlEntry[V any] struct {
	v          V
	err        error
	computed   time.Time
	ready      chan struct{} // closed once v and err are set
	refreshing bool          // a background computation of this key is under way
}

func newTTLCache[V any](ttl, stale time.Duration, max int) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, stale: stale, max: max, now: time.Now, m: map[string]*ttlEntry[V]{}}
}

// maxAge is the oldest a served value can be (ignoring how long a refresh takes).
func (c *ttlCache[V]) maxAge() time.Duration { return c.ttl + c.stale }

// get returns the value for key: cached, cached while it is being refreshed, or computed now.
// compute runs on the caller's goroutine when the caller waits for it and on its own goroutine
// when it refreshes a stale value, so it must not depend on the caller's request staying open.
func (c *ttlCache[V]) get(key string, compute func() (V, error)) (V, error) {
	if c.ttl <= 0 {
		return compute()
	}
	now := c.now()
	c.mu.Lock()
	if e, ok := c.m[key]; ok {
		select {
		case <-e.ready:
			age := now.Sub(e.computed)
			switch {
			case e.err != nil:
			case age < c.ttl:
				c.mu.Unlock()
				return e.v, nil
			case age < c.ttl+c.stale:
				if !e.refreshing {
					e.refreshing = true
					go c.refresh(key, e, compute)
				}
				c.mu.Unlock()
				return e.v, nil
			}
		default: // being computed: wait for it
			c.mu.Unlock()
			<-e.ready
			return e.v, e.err
		}
	}
	c.evict(now)
	e := &ttlEntry[V]{ready: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()

	v, err := compute()
	c.mu.Lock()
	e.v, e.err, e.computed = v, err, c.now()
	close(e.ready)
	if err != nil && c.m[key] == e {
		delete(c.m, key)
	}
	c.mu.Unlock()
	return v, err
}

// refresh recomputes a stale entry in the background and replaces it when the computation
// succeeds.
func (c *ttlCache[V]) refresh(key string, old *ttlEntry[V], compute func() (V, error)) {
	v, err := compute()
	c.mu.Lock()
	defer c.mu.Unlock()
	old.refreshing = false
	if err != nil || c.m[key] != old {
		return
	}
	e := &ttlEntry[V]{v: v, computed: c.now(), ready: make(chan struct{})}
	close(e.ready)
	c.m[key] = e
}

// evict makes room for one entry, dropping values too old to serve first. c.mu is held.
func (c *ttlCache[V]) evict(now time.Time) {
	if len(c.m) < c.max {
		return
	}
	for k, e := range c.m {
		select {
		case <-e.ready:
			if now.Sub(e.computed) >= c.ttl+c.stale || len(c.m) >= c.max {
				delete(c.m, k)
			}
		default:
		}
	}
}
