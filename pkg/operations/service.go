package operations

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Error is the type of this package's error values; they are constants, wrapped with details
// where they are returned. Test with errors.Is.
type Error string

func (e Error) Error() string { return string(e) }

// Errors of the run lifecycle.
const (
	ErrUnknownType       Error = "unknown run type"
	ErrInvalidInput      Error = "invalid run input"
	ErrNotFound          Error = "run not found"
	ErrTerminal          Error = "run is completed and cannot change"
	ErrInvalidTransition Error = "invalid run transition"
)

// SystemInitiator is the initiator name of runs that no user started.
const SystemInitiator = "System"

// ensureAttempts bounds how often Ensure retries when the active run it conflicted with finished
// before it could be read.
const ensureAttempts = 5

// Service creates runs, starts them (with their jobs) and moves them through their lifecycle. It
// is the one owner of the operation_runs table.
type Service struct {
	db         *gorm.DB
	now        func() time.Time
	queue      Queue
	onComplete CompletionHook
}

// CompletionHook is called by Transition, in the transaction that completes a run, with the
// completed run. The program installs the initiator's notification here (pkg/notify), so that a
// run and its notification commit together whoever completes the run.
type CompletionHook func(ctx context.Context, tx *gorm.DB, run Run) error

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that stamps created_at, updated_at, started_at and completed_at.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// WithQueue sets the work queue that Start and Enqueue put runs' jobs on.
func WithQueue(q Queue) Option {
	return func(s *Service) { s.queue = q }
}

// OnComplete sets the hook that Transition calls when it completes a run.
func OnComplete(h CompletionHook) Option {
	return func(s *Service) { s.onComplete = h }
}

// NewService returns a Service over db.
func NewService(db *gorm.DB, opts ...Option) *Service {
	s := &Service{db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// timestamp is the clock's time as PostgreSQL stores it.
func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// conn is tx when the caller holds a transaction, else the service's pool.
func (s *Service) conn(ctx context.Context, tx *gorm.DB) *gorm.DB {
	if tx == nil {
		tx = s.db
	}
	return tx.WithContext(ctx)
}

// EnsureInput describes the run a caller wants.
type EnsureInput struct {
	WorkspaceID int64
	TenantID    *int64 // nil for a workspace-scoped run
	UserID      *int64 // nil for a system run
	// InitiatorName is the starting user's name; empty for a system run means "System". It is
	// required when UserID is set.
	InitiatorName string
	Type          string // a registered type key
	// IdentityInputs determine the run's identity with the scope and the type (see
	// IdentityHash). Required for IdentitySlot.
	IdentityInputs any
	// IdentityRule overrides the type's rule for this call when set (a backup "run now" or
	// "retry" passes IdentityAlwaysNew).
	IdentityRule IdentityRule
	Context      map[string]any // stored as the run's context; nil means {}
	// Actor, when set, is who asked for the run through which credential: Start records it in the
	// audit trail when it creates the run. Without it Start records the user or the system.
	Actor *Actor
	// identityHash, when set, is the stored identity of the run a retry repeats: it replaces the
	// hash IdentityInputs would give (Retry only).
	identityHash string
}

// Ensure returns the run the input describes: a new queued run (created = true), or the active
// run with the same identity (created = false), which keeps its original initiator and context.
// Under IdentityAlwaysNew every call creates a run.
//
// tx is the caller's transaction, so that the run and its job are created together, or nil.
// Concurrent callers with one identity get one run: the partial unique index on active
// identities decides, and a caller whose insert conflicts reads the run that won. In a caller's
// transaction, use READ COMMITTED (PostgreSQL's default): at a higher isolation level a conflict
// with a run committed after the transaction began fails with a serialization error.
// Validation errors (ErrUnknownType, ErrInvalidInput other than a missing workspace, tenant or
// user) are found before any SQL runs and leave the caller's transaction usable; a database
// error, a missing referenced row included, aborts it.
func (s *Service) Ensure(ctx context.Context, tx *gorm.DB, in EnsureInput) (Run, bool, error) {
	p, err := prepareEnsure(in)
	if err != nil {
		return Run{}, false, err
	}
	if tx != nil {
		return s.ensure(ctx, tx.WithContext(ctx), in, p)
	}
	// A new run and the event announcing it commit together.
	var run Run
	var created bool
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		run, created, err = s.ensure(ctx, tx, in, p)
		return err
	})
	return run, created, err
}

// ensure is Ensure in the transaction db.
func (s *Service) ensure(ctx context.Context, db *gorm.DB, in EnsureInput, p ensurePlan) (Run, bool, error) {
	for range ensureAttempts {
		now := s.timestamp()
		var runs []Run
		res := db.Raw(p.insertSQL(),
			in.WorkspaceID, in.TenantID, in.UserID, p.initiator, in.Type, p.hash, p.context, now, now,
		).Scan(&runs)
		if res.Error != nil {
			if isForeignKeyViolation(res.Error) {
				return Run{}, false, fmt.Errorf("%w: workspace, tenant or user does not exist: %w", ErrInvalidInput, res.Error)
			}
			return Run{}, false, fmt.Errorf("ensure %s run: %w", in.Type, res.Error)
		}
		if len(runs) == 1 {
			if err := s.changed(ctx, db, runs[0].ID, ChangeCreated); err != nil {
				return Run{}, false, err
			}
			return runs[0], true, nil
		}
		// Another run holds the identity. Read it; if it finished in between, try again.
		res = db.Raw(p.activeSQL(), p.scopeID, p.hash).Scan(&runs)
		if res.Error != nil {
			return Run{}, false, fmt.Errorf("ensure %s run: read active run: %w", in.Type, res.Error)
		}
		if len(runs) == 1 {
			return runs[0], false, nil
		}
	}
	return Run{}, false, fmt.Errorf("ensure %s run: identity still contended after %d attempts", in.Type, ensureAttempts)
}

// ensurePlan is a validated EnsureInput, ready for SQL.
type ensurePlan struct {
	tenantScoped bool
	scopeID      int64
	initiator    string
	hash         string
	context      string
}

func prepareEnsure(in EnsureInput) (ensurePlan, error) {
	typ, ok := Lookup(in.Type)
	if !ok {
		return ensurePlan{}, fmt.Errorf("%w: %q", ErrUnknownType, in.Type)
	}
	if in.WorkspaceID <= 0 {
		return ensurePlan{}, fmt.Errorf("%w: workspace id must be positive", ErrInvalidInput)
	}
	if in.TenantID != nil && *in.TenantID <= 0 {
		return ensurePlan{}, fmt.Errorf("%w: tenant id must be positive", ErrInvalidInput)
	}
	if in.UserID != nil && *in.UserID <= 0 {
		return ensurePlan{}, fmt.Errorf("%w: user id must be positive", ErrInvalidInput)
	}
	p := ensurePlan{tenantScoped: in.TenantID != nil, scopeID: in.WorkspaceID}
	if p.tenantScoped {
		p.scopeID = *in.TenantID
	}

	p.initiator = strings.TrimSpace(in.InitiatorName)
	switch {
	case p.initiator == "" && in.UserID != nil:
		return ensurePlan{}, fmt.Errorf("%w: initiator name is required for a run a user starts", ErrInvalidInput)
	case p.initiator == "":
		p.initiator = SystemInitiator
	case !utf8.ValidString(p.initiator) || strings.ContainsRune(p.initiator, 0):
		return ensurePlan{}, fmt.Errorf("%w: initiator name is not valid text", ErrInvalidInput)
	}

	rule := typ.IdentityRule
	if in.IdentityRule != "" {
		if !in.IdentityRule.Valid() {
			return ensurePlan{}, fmt.Errorf("%w: unknown identity rule %q", ErrInvalidInput, in.IdentityRule)
		}
		rule = in.IdentityRule
	}
	inputs := in.IdentityInputs
	switch rule {
	case IdentitySlot:
		if inputs == nil {
			return ensurePlan{}, fmt.Errorf("%w: a %s run needs identity inputs", ErrInvalidInput, in.Type)
		}
	case IdentityAlwaysNew:
		nonce, err := newNonce()
		if err != nil {
			return ensurePlan{}, fmt.Errorf("ensure %s run: %w", in.Type, err)
		}
		inputs = map[string]any{"inputs": inputs, "nonce": nonce}
	}
	if in.identityHash != "" && rule == IdentityReuseActive {
		p.hash = in.identityHash
	} else {
		hash, err := IdentityHash(p.scopeID, in.Type, inputs)
		if err != nil {
			return ensurePlan{}, fmt.Errorf("%w: %w", ErrInvalidInput, err)
		}
		p.hash = hash
	}

	ctxJSON := []byte("{}")
	if in.Context != nil {
		var err error
		if ctxJSON, err = json.Marshal(in.Context); err != nil {
			return ensurePlan{}, fmt.Errorf("%w: context: %w", ErrInvalidInput, err)
		}
		// jsonb cannot hold the NUL character.
		if bytes.Contains(ctxJSON, []byte(`\u0000`)) {
			return ensurePlan{}, fmt.Errorf("%w: context contains a NUL character", ErrInvalidInput)
		}
	}
	p.context = string(ctxJSON)
	return p, nil
}

// isForeignKeyViolation reports whether err says a referenced row does not exist.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, gorm.ErrForeignKeyViolated) || (errors.As(err, &pgErr) && pgErr.Code == "23503")
}

func newNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return hex.EncodeToString(b), nil
}

const insertRunSQL = `INSERT INTO operation_runs
	(workspace_id, tenant_id, user_id, initiator_name, type, status, outcome, run_identity_hash,
	 summary_counts, failure_summary, context, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, 'queued', 'pending', ?, '{}'::jsonb, '[]'::jsonb, ?::jsonb, ?, ?)
`

// The conflict targets name the partial unique indexes operation_runs_active_identity_tenant_key
// and operation_runs_active_identity_workspace_key by their columns and predicates.
const (
	onTenantConflict = `ON CONFLICT (tenant_id, run_identity_hash)
	WHERE tenant_id IS NOT NULL AND status IN ('queued', 'running') DO NOTHING RETURNING *`
	onWorkspaceConflict = `ON CONFLICT (workspace_id, run_identity_hash)
	WHERE tenant_id IS NULL AND status IN ('queued', 'running') DO NOTHING RETURNING *`
	activeTenantRunSQL = `SELECT * FROM operation_runs
	WHERE tenant_id = ? AND run_identity_hash = ? AND status IN ('queued', 'running')`
	activeWorkspaceRunSQL = `SELECT * FROM operation_runs
	WHERE workspace_id = ? AND tenant_id IS NULL AND run_identity_hash = ? AND status IN ('queued', 'running')`
)

func (p ensurePlan) insertSQL() string {
	if p.tenantScoped {
		return insertRunSQL + onTenantConflict
	}
	return insertRunSQL + onWorkspaceConflict
}

func (p ensurePlan) activeSQL() string {
	if p.tenantScoped {
		return activeTenantRunSQL
	}
	return activeWorkspaceRunSQL
}

// Get returns the run with the given id.
func (s *Service) Get(ctx context.Context, id int64) (Run, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return Run{}, fmt.Errorf("get run %d: %w", id, err)
	}
	return Find(ctx, sqlDB, id)
}
