package tenancy

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/validation"
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	db    *dbtest.DB
	svc   *Service
	clock *fakeClock
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	tdb := dbtest.New(t)
	clock := newFakeClock()
	return fixture{db: tdb, svc: NewService(tdb.Gorm, WithClock(clock.Now)), clock: clock}
}

func (f fixture) authenticator(opts ...Option) *Authenticator {
	return NewAuthenticator(f.db.Gorm, append([]Option{WithClock(f.clock.Now)}, opts...)...)
}

// user creates a user without a password (hashing is slow; only the password tests need one).
func (f fixture) user(t *testing.T, email string, platformAdmin bool) User {
	t.Helper()
	u, err := f.svc.CreateUser(context.Background(), CreateUserInput{Email: email, Name: "User " + email, PlatformAdmin: platformAdmin})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// workspace creates a workspace owned by a new platform admin.
func (f fixture) workspace(t *testing.T, slug string) (Workspace, User) {
	t.Helper()
	owner := f.user(t, "owner-"+slug+"@example.com", true)
	ws, err := f.svc.CreateWorkspace(context.Background(), owner, "Workspace "+slug, slug)
	if err != nil {
		t.Fatalf("create workspace %s: %v", slug, err)
	}
	return ws, owner
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// wantInvalid checks err is invalid input: a *validation.Error for a 422.
func wantInvalid(t *testing.T, err error) {
	t.Helper()
	if v, ok := validation.As(err); !ok || v.Malformed || v.Summary != invalidSummary {
		t.Fatalf("error = %v, want invalid input", err)
	}
}

// wantFields checks the fields an invalid input or a conflict names.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	var named []validation.Field
	var conflict *ConflictError
	if v, ok := validation.As(err); ok {
		named = v.Fields
	} else if errors.As(err, &conflict) {
		named = conflict.Fields
	}
	var got []string
	for _, f := range named {
		got = append(got, f.Field)
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("field errors of %v = %v, want %v", err, got, fields)
	}
}
