package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// The per-token request limit: a token bucket per API token, in this process's memory (each API
// process limits on its own, so N processes behind a balancer allow up to N times the quota).
// Every authenticated response carries the limit as the IETF httpapi RateLimit header fields
// (draft-ietf-httpapi-ratelimit-headers-10):
//
//	RateLimit-Policy: "token";q=1200;w=60     the quota: q requests per w seconds
//	RateLimit: "token";r=1187;t=11            r requests left now; the bucket is full in t seconds
//
// A request with the bucket empty is 429 rate_limited with Retry-After: the seconds until the
// next request is allowed.

// rateLimitPolicy names the policy in the header fields.
const rateLimitPolicy = `"token"`

// maxBuckets bounds the buckets kept; full ones (idle tokens) are dropped first.
const maxBuckets = 100_000

type tokenBucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

// rateLimiter is a set of token buckets, one per API token. A nil *rateLimiter limits nothing.
type rateLimiter struct {
	quota  float64       // requests per window, also the bucket's size
	window time.Duration // the time to refill an empty bucket
	policy string        // the RateLimit-Policy value
	now    func() time.Time

	mu      sync.Mutex
	buckets map[int64]*tokenBucket
}

// newRateLimiter allows quota requests per window per token; quota < 1 or window ≤ 0 turns the
// limit off (nil).
func newRateLimiter(quota int, window time.Duration, now func() time.Time) *rateLimiter {
	if quota < 1 || window <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	w := int64(math.Ceil(window.Seconds()))
	return &rateLimiter{quota: float64(quota), window: window, now: now, buckets: map[int64]*tokenBucket{},
		policy: rateLimitPolicy + ";q=" + strconv.Itoa(quota) + ";w=" + strconv.FormatInt(w, 10)}
}

// take spends one request of a token's bucket. It reports whether the request is allowed, the
// requests left, the seconds until the bucket is full and, when refused, until one is allowed.
func (l *rateLimiter) take(tokenID int64) (ok bool, remaining int, full, retry time.Duration) {
	now := l.now()
	rate := l.quota / l.window.Seconds() // requests per second
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.buckets[tokenID]
	if !found {
		l.makeRoomLocked(now, rate)
		b = &tokenBucket{tokens: l.quota, at: now}
		l.buckets[tokenID] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.quota, b.tokens+elapsed*rate)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		ok = true
	} else {
		retry = seconds((1 - b.tokens) / rate)
	}
	return ok, int(math.Floor(b.tokens)), seconds((l.quota - b.tokens) / rate), retry
}

// makeRoomLocked drops the buckets that have refilled (a token idle for a window) when the map
// is full, and arbitrary ones if that is not enough.
func (l *rateLimiter) makeRoomLocked(now time.Time, rate float64) {
	if len(l.buckets) < maxBuckets {
		return
	}
	for id, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*rate >= l.quota {
			delete(l.buckets, id)
		}
	}
	for id := range l.buckets {
		if len(l.buckets) < maxBuckets*9/10 {
			break
		}
		delete(l.buckets, id)
	}
}

func seconds(s float64) time.Duration { return time.Duration(math.Ceil(s)) * time.Second }

// allow spends one request of the token's quota and sets the RateLimit header fields; an empty
// bucket is the 429 problem.
func (l *rateLimiter) allow(c echo.Context, tokenID int64) error {
	if l == nil {
		return nil
	}
	ok, remaining, full, retry := l.take(tokenID)
	h := c.Response().Header()
	h.Set("RateLimit-Policy", l.policy)
	h.Set("RateLimit", rateLimitPolicy+";r="+strconv.Itoa(remaining)+";t="+strconv.FormatInt(int64(full/time.Second), 10))
	if ok {
		return nil
	}
	return tooManyRequests("rate_limited",
		"This token has made more requests than its quota allows (see the RateLimit-Policy header); try again after Retry-After seconds.",
		retry)
}

// tooManyRequests is a 429 problem with its Retry-After (whole seconds, at least one).
func tooManyRequests(code, detail string, retryAfter time.Duration) *Problem {
	secs := max(int64(math.Ceil(retryAfter.Seconds())), 1)
	return NewProblem(http.StatusTooManyRequests, code, detail).withHeader(echo.HeaderRetryAfter, strconv.FormatInt(secs, 10))
}
