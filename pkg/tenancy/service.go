package tenancy

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/alexedwards/argon2id"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Service manages users, API tokens, workspaces, tenants and memberships. It is safe for
// concurrent use. Every change that affects who may do what is announced with NOTIFY in the
// transaction that makes it (see ChannelTokens and ChannelMemberships).
type Service struct {
	db     *gorm.DB
	now    func() time.Time
	signIn *signInGuard
}

// Option configures a Service or an Authenticator.
type Option func(*options)

type options struct {
	now       func() time.Time
	cacheSize int
	cacheTTL  time.Duration
	password  *argon2id.Params
	limiter   *VerifyLimiter
	signIn    SignInLimits
}

func defaultOptions() options {
	return options{now: time.Now, cacheSize: DefaultCacheSize, cacheTTL: DefaultCacheTTL,
		password: DefaultPasswordParams, signIn: DefaultSignInLimits}
}

func applyOptions(opts []Option) options {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// NewService returns a Service over db. Options: WithClock, WithPasswordParams,
// WithVerifyLimiter, WithSignInLimits.
func NewService(db *gorm.DB, opts ...Option) *Service {
	o := applyOptions(opts)
	if o.limiter == nil {
		o.limiter = NewVerifyLimiter(4, 2*time.Second)
	}
	return &Service{db: db, now: o.now, signIn: newSignInGuard(o)}
}

// clockNow is the service's time, at PostgreSQL's precision.
func (s *Service) clockNow() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Notification channels. Payloads: ChannelTokens carries the hex SHA-256 of a revoked token
// (see HashToken); ChannelMemberships carries a MembershipChange as JSON.
const (
	ChannelTokens      = "tenantatlas_tokens"
	ChannelMemberships = "tenantatlas_memberships"
)

// Membership change scopes.
const (
	ScopeWorkspace = "workspace"
	ScopeTenant    = "tenant"
)

// MembershipChange is the payload of ChannelMemberships. UserID is 0 when the change is not about
// one user: a new tenant (whose workspace owners and managers are entitled to it at once).
type MembershipChange struct {
	Scope   string `json:"scope"`
	ScopeID int64  `json:"scope_id"`
	UserID  int64  `json:"user_id"`
}

// ParseMembershipChange decodes a ChannelMemberships payload.
func ParseMembershipChange(payload string) (MembershipChange, error) {
	var c MembershipChange
	if err := json.Unmarshal([]byte(payload), &c); err != nil {
		return c, fmt.Errorf("membership change payload: %w", err)
	}
	if c.Scope != ScopeWorkspace && c.Scope != ScopeTenant {
		return c, fmt.Errorf("membership change payload: unknown scope %q", c.Scope)
	}
	return c, nil
}

// notify queues a notification that PostgreSQL delivers when tx commits (and drops if it rolls
// back).
func notify(tx *gorm.DB, channel, payload string) error {
	if err := tx.Exec("SELECT pg_notify(?, ?)", channel, payload).Error; err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

func notifyMembership(tx *gorm.DB, scope string, scopeID, userID int64) error {
	b, err := json.Marshal(MembershipChange{Scope: scope, ScopeID: scopeID, UserID: userID})
	if err != nil {
		return err
	}
	return notify(tx, ChannelMemberships, string(b))
}

// lockWorkspace reads a workspace and locks its row until tx ends. Every membership change in a
// workspace takes this lock first, so they serialise and the last-owner count cannot race.
// FOR NO KEY UPDATE conflicts with itself but not with the KEY SHARE locks of foreign-key
// checks, so inserting runs or tenants elsewhere in the workspace is not held up.
func lockWorkspace(tx *gorm.DB, id int64) (Workspace, error) {
	var ws Workspace
	err := tx.Clauses(clause.Locking{Strength: "NO KEY UPDATE"}).Where("id = ?", id).Take(&ws).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ws, fmt.Errorf("workspace %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return ws, fmt.Errorf("lock workspace %d: %w", id, err)
	}
	return ws, nil
}

// notFound turns gorm's "no row" into ErrNotFound naming what was looked for.
func notFound(err error, what string, args ...any) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(what, args...), ErrNotFound)
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(what, args...), err)
}
