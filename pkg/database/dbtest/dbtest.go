// Package dbtest gives tests their own real PostgreSQL database.
//
// The first caller on a machine migrates a template database (named after a hash of the embedded
// migration chain, so a changed chain builds a new one); every test database after that is a
// CREATE DATABASE … TEMPLATE copy of it, which takes milliseconds. Each database is dropped when
// its test ends.
//
// The server comes from TEST_DATABASE_URL (set by `make test`), falling back to DATABASE_URL and
// then to postgres://postgres@127.0.0.1:5432/postgres. The role needs CREATEDB.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/db"
	"github.com/tenantatlas/operations/pkg/database"
)

// DB is one test's database.
type DB struct {
	Name string
	URL  string
	Gorm *gorm.DB
	SQL  *sql.DB
}

// ServerURL is the URL of the server tests create their databases on.
func ServerURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// New returns a fresh database at the newest schema version.
func New(tb testing.TB) *DB {
	tb.Helper()
	ctx := context.Background()
	tpl, err := ensureTemplate(ctx)
	if err != nil {
		tb.Fatalf("dbtest: template database: %v", err)
	}
	return create(tb, tpl)
}

// NewEmpty returns a fresh database with no schema at all, for migration tests.
func NewEmpty(tb testing.TB) *DB {
	tb.Helper()
	return create(tb, "template0")
}

func create(tb testing.TB, template string) *DB {
	tb.Helper()
	ctx := context.Background()
	name := "ta_test_" + randomSuffix()
	err := withAdmin(ctx, func(conn *pgx.Conn) error {
		return createDatabase(ctx, conn, name, template)
	})
	if err != nil {
		tb.Fatalf("dbtest: create database: %v", err)
	}
	url, err := database.WithDatabase(ServerURL(), name)
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	gdb, err := database.Open(ctx, url)
	if err != nil {
		tb.Fatalf("dbtest: open %s: %v", name, err)
	}
	sqlDB, _ := gdb.DB()
	tb.Cleanup(func() {
		_ = sqlDB.Close()
		_ = withAdmin(context.Background(), func(conn *pgx.Conn) error {
			_, err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			return err
		})
	})
	return &DB{Name: name, URL: url, Gorm: gdb, SQL: sqlDB}
}

// templateName is derived from the chain's contents and the role that owns the template, so
// editing or adding a migration gives a new template instead of a stale one, and two roles on one
// server never share (or fight over) one.
func templateName(role string) (string, error) {
	h := sha256.New()
	h.Write([]byte(role))
	err := fs.WalkDir(db.Migrations, db.MigrationsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.Migrations, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return "ta_tpl_" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// ensureTemplate builds the template once per chain, under an advisory lock so that test
// packages running in parallel processes wait for one builder.
func ensureTemplate(ctx context.Context) (string, error) {
	var name string
	err := withAdmin(ctx, func(conn *pgx.Conn) error {
		var role string
		if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&role); err != nil {
			return err
		}
		var err error
		if name, err = templateName(role); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(872087)"); err != nil {
			return err
		}
		defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(872087)") //nolint:errcheck

		var ready bool
		err = conn.QueryRow(ctx, `SELECT coalesce(shobj_description(oid, 'pg_database') = 'ready', false)
			FROM pg_database WHERE datname = $1`, name).Scan(&ready)
		if err == nil && ready {
			return nil
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		ident := pgx.Identifier{name}.Sanitize()
		if err := dropTemplate(ctx, conn, name); err != nil {
			return err
		}
		if err := createDatabase(ctx, conn, name, "template0"); err != nil {
			return err
		}
		url, err := database.WithDatabase(ServerURL(), name)
		if err != nil {
			return err
		}
		mg, err := database.NewMigrator(ctx, url)
		if err != nil {
			return err
		}
		upErr := mg.Up()
		closeErr := mg.Close()
		if err := errors.Join(upErr, closeErr); err != nil {
			return fmt.Errorf("migrate template: %w", err)
		}
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" IS_TEMPLATE true"); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, "COMMENT ON DATABASE "+ident+" IS 'ready'"); err != nil {
			return err
		}
		// Templates of older chains are of little use: keep this role's newest few (checkouts of
		// other branches on this machine use them) and drop the rest.
		rows, err := conn.Query(ctx, `SELECT datname FROM pg_database
			WHERE datname LIKE 'ta\_tpl\_%' AND datname <> $1 AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user)
			ORDER BY oid DESC OFFSET $2`, name, keptTemplates-1)
		if err != nil {
			return err
		}
		old, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, o := range old {
			_ = dropTemplate(ctx, conn, o)
		}
		return nil
	})
	return name, err
}

// keptTemplates is how many templates of one role survive a new chain's build.
const keptTemplates = 8

func dropTemplate(ctx context.Context, conn *pgx.Conn, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil || !exists {
		return err
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" IS_TEMPLATE false"); err != nil {
		return err
	}
	_, err := conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)")
	return err
}

// createDatabase retries while another session briefly holds the template open.
func createDatabase(ctx context.Context, conn *pgx.Conn, name, template string) error {
	stmt := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize())
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		_, err = conn.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" { // object_in_use
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func withAdmin(ctx context.Context, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", database.Describe(ServerURL()), err)
	}
	defer conn.Close(context.Background())
	return fn(conn)
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
