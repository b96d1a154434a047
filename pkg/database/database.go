// Package database opens the PostgreSQL connections of TenantAtlas Operations and runs its
// migration chain.
package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrUnreachable wraps every failure to connect to the database server.
const ErrUnreachable Error = "database unreachable"

// Setting is a PostgreSQL session setting applied to every connection of a pool.
type Setting struct{ Name, Value string }

// ForRequests are the settings of a pool that serves API requests: short queries that must not
// start parallel workers (a LIMIT-50 page spends more on launching them than on the page).
func ForRequests() []Setting {
	return []Setting{{"max_parallel_workers_per_gather", "0"}}
}

// OpenSQL opens a database/sql pool on the pgx driver and checks that the server answers.
func OpenSQL(ctx context.Context, databaseURL string, settings ...Setting) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", sanitizeParseError(err))
	}
	for _, st := range settings {
		cfg.RuntimeParams[st.Name] = st.Value
	}
	db := stdlib.OpenDB(*cfg)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, Describe(databaseURL), err)
	}
	return db, nil
}

// Open opens a GORM handle over a pgx database/sql pool. GORM never changes the schema: the
// migration chain owns it.
func Open(ctx context.Context, databaseURL string, settings ...Setting) (*gorm.DB, error) {
	sqlDB, err := OpenSQL(ctx, databaseURL, settings...)
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(20)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                                   logger.Discard,
		SkipDefaultTransaction:                   true,
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           true,
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open gorm: %w", err)
	}
	return gdb, nil
}

// Describe names the server and database of a URL without its credentials, for messages.
func Describe(databaseURL string) string {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return "the configured database"
	}
	return fmt.Sprintf("database %q on %s", cfg.Database, net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)))
}

// WithDatabase returns databaseURL pointing at another database on the same server.
func WithDatabase(databaseURL, name string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("DATABASE_URL must be a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

// IsUniqueViolation reports whether err is a PostgreSQL unique violation, optionally on the named
// constraint or index.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}

// sanitizeParseError keeps a password that sits in a malformed URL out of the message.
func sanitizeParseError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "://"); i >= 0 {
		return errors.New("invalid connection string")
	}
	return errors.New(msg)
}

// IsUnavailable reports whether err says the database server cannot be reached or used right
// now: a failed connect, a connection lost mid-query, or the server refusing work while it starts,
// stops or runs out of connections. Such an error is worth retrying later; it says nothing about
// the request.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnreachable) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var connectErr *pgconn.ConnectError
	var netErr *net.OpError
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, crash, cannot connect now
			return true
		case pgErr.Code == "53300": // too many connections
			return true
		}
		return false
	}
	// pgx reports a connection it has closed after a failure in plain words.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "failed to connect to") ||
		strings.Contains(msg, "connection reset by peer") || strings.Contains(msg, "broken pipe")
}
