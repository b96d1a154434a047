package tenancy

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database"
)

// Authenticator defaults.
const (
	// DefaultCacheSize bounds the verified tokens an Authenticator keeps in memory.
	DefaultCacheSize = 10_000
	// DefaultCacheTTL is how long a verified token is trusted from memory before it is checked
	// against the database again: a safety net behind the NOTIFY-driven invalidation.
	DefaultCacheTTL = 5 * time.Minute
	// LastUsedInterval is the granularity of api_tokens.last_used_at: it is written at most once
	// per interval per token.
	LastUsedInterval = time.Minute
)

// WithCacheSize bounds an Authenticator's cache (entries; n < 1 disables caching).
func WithCacheSize(n int) Option { return func(o *options) { o.cacheSize = n } }

// WithCacheTTL sets how long a verified token is trusted from an Authenticator's memory.
func WithCacheTTL(d time.Duration) Option { return func(o *options) { o.cacheTTL = d } }

// Principal is who a verified token speaks for.
type Principal struct {
	User      User
	TokenID   int64
	TokenHash string
	// Session: the token is a sign-in's (named SessionTokenName), not an API token.
	Session bool
	// Scopes are what the token may do (see Scope); the user's roles still decide where.
	Scopes []Scope
}

// SessionTokenName is the name of the tokens that sign-ins issue.
const SessionTokenName = "session"

// Authenticator verifies API tokens for the HTTP layer. Verified tokens are kept in memory, so a
// request with a known token does not touch the database; Invalidate drops one when it is
// revoked (feed it ChannelTokens through Listen) and InvalidateAll drops them all (after a LISTEN
// reconnect, when notifications may have been missed). Safe for concurrent use.
type Authenticator struct {
	db        *gorm.DB
	now       func() time.Time
	cacheSize int
	cacheTTL  time.Duration

	mu    sync.Mutex
	cache map[string]*cachedToken // by token hash
	// gen counts invalidations. A lookup caches its result only if no invalidation happened while
	// it read the database, so a revocation racing with the lookup cannot be cached over.
	gen uint64
}

type cachedToken struct {
	principal  Principal
	expiresAt  *time.Time
	verifiedAt time.Time // when the database last said the token is valid
	touchedAt  time.Time // last_used_at as last written or read
}

// NewAuthenticator returns an Authenticator over db. Options: WithClock, WithCacheSize,
// WithCacheTTL.
func NewAuthenticator(db *gorm.DB, opts ...Option) *Authenticator {
	o := applyOptions(opts)
	return &Authenticator{db: db, now: o.now, cacheSize: o.cacheSize, cacheTTL: o.cacheTTL,
		cache: make(map[string]*cachedToken)}
}

// Verify returns the principal of a bearer token. A malformed, unknown, expired or revoked token,
// or one whose user is gone, is ErrInvalidCredentials; other errors are the database's.
func (a *Authenticator) Verify(ctx context.Context, plaintext string) (Principal, error) {
	if !wellFormedToken(plaintext) {
		return Principal{}, fmt.Errorf("malformed token: %w", ErrInvalidCredentials)
	}
	return a.VerifyHash(ctx, HashToken(plaintext))
}

// VerifyHash is Verify for a token known by its hash (HashToken): a long-lived response, such as
// an event stream, checks with it that the token it was opened with is still valid.
func (a *Authenticator) VerifyHash(ctx context.Context, hash string) (Principal, error) {
	now := a.now()

	a.mu.Lock()
	p, hit, touch, expired := a.lookupLocked(hash, now)
	gen := a.gen
	a.mu.Unlock()
	if expired {
		return Principal{}, fmt.Errorf("token expired: %w", ErrInvalidCredentials)
	}
	if hit {
		if touch {
			a.touch(ctx, p.TokenID, now)
		}
		return p, nil
	}
	return a.load(ctx, hash, now, gen)
}

// lookupLocked consults the cache. It claims the last_used_at write (touch) for the caller when
// the interval has passed, so that concurrent requests do not all write it.
func (a *Authenticator) lookupLocked(hash string, now time.Time) (p Principal, hit, touch, expired bool) {
	e, ok := a.cache[hash]
	if !ok {
		return p, false, false, false
	}
	if e.expiresAt != nil && !now.Before(*e.expiresAt) {
		delete(a.cache, hash)
		return p, false, false, true
	}
	if now.Sub(e.verifiedAt) >= a.cacheTTL || now.Before(e.verifiedAt) {
		delete(a.cache, hash)
		return p, false, false, false
	}
	if now.Sub(e.touchedAt) >= LastUsedInterval {
		e.touchedAt = now
		touch = true
	}
	return e.principal, true, touch, false
}

// tokenRow is a token joined with its user.
type tokenRow struct {
	TokenID         int64
	TokenName       string
	ExpiresAt       *time.Time
	RevokedAt       *time.Time
	LastUsedAt      *time.Time
	Scopes          database.StringArray
	UserID          int64
	Email           string
	Name            string
	IsPlatformAdmin bool
	UserCreatedAt   time.Time
	UserUpdatedAt   time.Time
}

// load verifies a token against the database and caches it.
func (a *Authenticator) load(ctx context.Context, hash string, now time.Time, gen uint64) (Principal, error) {
	var row tokenRow
	res := a.db.WithContext(ctx).Raw(`SELECT t.id AS token_id, t.name AS token_name, t.expires_at, t.revoked_at, t.last_used_at, t.scopes,
			u.id AS user_id, u.email, u.name, u.is_platform_admin, u.created_at AS user_created_at, u.updated_at AS user_updated_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ?`, hash).Scan(&row)
	if res.Error != nil {
		return Principal{}, fmt.Errorf("verify token: %w", res.Error)
	}
	switch {
	case res.RowsAffected == 0:
		return Principal{}, fmt.Errorf("unknown token: %w", ErrInvalidCredentials)
	case row.RevokedAt != nil:
		return Principal{}, fmt.Errorf("token revoked: %w", ErrInvalidCredentials)
	case row.ExpiresAt != nil && !now.Before(*row.ExpiresAt):
		return Principal{}, fmt.Errorf("token expired: %w", ErrInvalidCredentials)
	}
	p := Principal{
		User: User{ID: row.UserID, Email: row.Email, Name: row.Name, IsPlatformAdmin: row.IsPlatformAdmin,
			CreatedAt: row.UserCreatedAt, UpdatedAt: row.UserUpdatedAt},
		TokenID:   row.TokenID,
		TokenHash: hash,
		Session:   row.TokenName == SessionTokenName,
		Scopes:    scopesOf(row.Scopes),
	}
	touchedAt := time.Time{}
	if row.LastUsedAt != nil {
		touchedAt = *row.LastUsedAt
	}
	if now.Sub(touchedAt) >= LastUsedInterval {
		a.touch(ctx, row.TokenID, now)
		touchedAt = now
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen == gen && a.cacheSize > 0 {
		a.makeRoomLocked(now)
		a.cache[hash] = &cachedToken{principal: p, expiresAt: row.ExpiresAt, verifiedAt: now, touchedAt: touchedAt}
	}
	return p, nil
}

// makeRoomLocked keeps the cache under its bound: expired and stale entries go first, then
// arbitrary ones (a tenth of the cache at once, so that a full cache is not swept on every miss).
func (a *Authenticator) makeRoomLocked(now time.Time) {
	if len(a.cache) < a.cacheSize {
		return
	}
	for h, e := range a.cache {
		if (e.expiresAt != nil && !now.Before(*e.expiresAt)) || now.Sub(e.verifiedAt) >= a.cacheTTL {
			delete(a.cache, h)
		}
	}
	target := a.cacheSize - max(1, a.cacheSize/10)
	for h := range a.cache {
		if len(a.cache) <= target {
			break
		}
		delete(a.cache, h)
	}
}

// touch records that a token was used. It is best-effort: a failure is retried an interval later
// and never fails the request. It runs at most once per LastUsedInterval per token and process,
// and the WHERE clause keeps several processes from writing it more often than that.
func (a *Authenticator) touch(ctx context.Context, tokenID int64, now time.Time) {
	_ = a.db.WithContext(ctx).Exec(`UPDATE api_tokens SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
		now, tokenID, now.Add(-LastUsedInterval)).Error
}

// Invalidate drops a token from the cache, by its hash (the ChannelTokens payload).
func (a *Authenticator) Invalidate(tokenHash string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.cache, tokenHash)
	a.gen++
}

// InvalidateAll empties the cache.
func (a *Authenticator) InvalidateAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.cache)
	a.gen++
}

// cached is the number of tokens in the cache.
func (a *Authenticator) cached() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.cache)
}
