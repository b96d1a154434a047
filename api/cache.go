package api

import (
	"sync"
	"time"
)

// ttlCache keeps computed values for a short time, so that many requests for the same expensive
// answer (run counts) share one computation: concurrent misses of one key wait for a single
// computation instead of each running it. It holds at most max entries.
type ttlCache[V any] struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[string]*ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	err     error
	expires time.Time
	ready   chan struct{} // closed once v and err are set
}

func newTTLCache[V any](ttl time.Duration, max int) *ttlCache[V] {
	return &ttlCache[V]{ttl: ttl, max: max, m: map[string]*ttlEntry[V]{}}
}

// get returns the cached value for key, or computes, stores and returns it. Errors are not kept.
func (c *ttlCache[V]) get(key string, compute func() (V, error)) (V, error) {
	if c.ttl <= 0 {
		return compute()
	}
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.m[key]; ok {
		select {
		case <-e.ready:
			if now.Before(e.expires) && e.err == nil {
				c.mu.Unlock()
				return e.v, nil
			}
		default: // being computed: wait for it
			c.mu.Unlock()
			<-e.ready
			return e.v, e.err
		}
	}
	if len(c.m) >= c.max {
		for k, e := range c.m {
			select {
			case <-e.ready:
				if now.After(e.expires) || len(c.m) >= c.max {
					delete(c.m, k)
				}
			default:
			}
		}
	}
	e := &ttlEntry[V]{ready: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()

	e.v, e.err = compute()
	e.expires = time.Now().Add(c.ttl)
	close(e.ready)
	if e.err != nil {
		c.mu.Lock()
		if c.m[key] == e {
			delete(c.m, key)
		}
		c.mu.Unlock()
	}
	return e.v, e.err
}
