package backup

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// Providers hands out a tenant's Graph provider (see inventory.Providers); *connections.Connections is
// one.
type Providers interface {
	ForRun(ctx context.Context, tenant tenancy.Tenant, runType string, runID int64) (graph.Provider, error)
}

// Service does the background work of backup schedules: the dispatcher, the backup runs, their
// retention and the purge of retired sets.
type Service struct {
	db        *gorm.DB
	sql       *sql.DB
	runs      *operations.Service // creates, starts and completes this package's runs
	providers Providers
	log       *slog.Logger
	now       func() time.Time
	fetchers  int
	batchSize int
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithFetchConcurrency sets how many policies of one page a backup reads from Graph at once
// (default 8).
func WithFetchConcurrency(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.fetchers = n
		}
	}
}

// New builds the Service. providers may be nil where only purge is needed (the CLI); runs must
// have a queue (operations.WithQueue) where the service dispatches runs.
func New(db *gorm.DB, runs *operations.Service, providers Providers, opts ...Option) (*Service, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, sql: sqlDB, runs: runs, providers: providers,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now, fetchers: 8, batchSize: 500}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// transientError marks a failure worth trying again within the same run (the jobs tracker's
// Transient).
type transientError struct{ err error }

func (e *transientError) Error() string   { return e.err.Error() }
func (e *transientError) Unwrap() error   { return e.err }
func (e *transientError) Transient() bool { return true }

func transient(err error) error {
	if err == nil {
		return nil
	}
	return &transientError{err}
}
