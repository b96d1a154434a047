package api

import (
	"sync"
	"time"
)

// ttlCache keeps computed values for a short time, so that many requests for the same expensive
// answer (run counts) share one computation. It holds at most max entries.
type ttlCache[V any] struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[V any](ttl time.Duration, max int) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, max: max, m: map[string]ttlEntry[V]{}}
}

// get returns the cached value for key, or computes, stores and returns it. Errors are not cached.
func (c *ttlCache[V]) get(key string, compute func() (V, error)) (V, error) {
	now := time.Now()
	if c.ttl > 0 {
		c.mu.Lock()
		e, ok := c.m[key]
		c.mu.Unlock()
		if ok && now.Before(e.expires) {
			return e.v, nil
		}
	}
	v, err := compute()
	if err != nil || c.ttl <= 0 {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if now.After(e.expires) || len(c.m) >= c.max {
				delete(c.m, k)
			}
		}
	}
	c.m[key] = ttlEntry[V]{v: v, expires: now.Add(c.ttl)}
	return v, nil
}
