package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantatlas/operations/db"
)

// Migrator runs the embedded migration chain against one database.
type Migrator struct {
	m   *migrate.Migrate
	url string
}

// ErrDirty says that a migration failed half-way and the schema needs a look by hand.
const ErrDirty Error = "database is dirty"

// NewMigrator connects to databaseURL and prepares the embedded chain.
func NewMigrator(ctx context.Context, databaseURL string) (*Migrator, error) {
	sqlDB, err := OpenSQL(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	driver, err := pgxmigrate.WithInstance(sqlDB, &pgxmigrate.Config{})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, Describe(databaseURL), err)
	}
	src, err := iofs.New(db.Migrations, db.MigrationsDir)
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		return nil, fmt.Errorf("prepare migrations: %w", err)
	}
	return &Migrator{m: m, url: databaseURL}, nil
}

// Close releases the migrator's connection.
func (mg *Migrator) Close() error {
	srcErr, dbErr := mg.m.Close()
	return errors.Join(srcErr, dbErr)
}

// Up applies every pending migration.
func (mg *Migrator) Up() error { return mg.wrap(mg.m.Up()) }

// Down reverts the newest n applied migrations.
func (mg *Migrator) Down(n int) error {
	if n < 1 {
		return fmt.Errorf("down needs a positive number of steps, got %d", n)
	}
	return mg.wrap(mg.m.Steps(-n))
}

// Goto migrates up or down to version v.
func (mg *Migrator) Goto(v uint) error {
	if !HasVersion(v) {
		return fmt.Errorf("no migration has version %d (see `tenantatlas migrate versions`)", v)
	}
	return mg.wrap(mg.m.Migrate(v))
}

// Force records version v as applied and clean, without running anything. It is the way out of
// a dirty state once the schema has been repaired by hand. v = -1 means no version.
func (mg *Migrator) Force(v int) error {
	if v != -1 && (v < 0 || !HasVersion(uint(v))) {
		return fmt.Errorf("no migration has version %d", v)
	}
	return mg.wrap(mg.m.Force(v))
}

// Version reports the applied version (0 when none) and whether the database is dirty.
func (mg *Migrator) Version() (uint, bool, error) {
	v, dirty, err := mg.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, dirty, mg.wrap(err)
}

func (mg *Migrator) wrap(err error) error {
	if err == nil || errors.Is(err, migrate.ErrNoChange) {
		return nil
	}
	var dirty migrate.ErrDirty
	if errors.As(err, &dirty) {
		return fmt.Errorf("%w at version %d: a migration failed half-way; repair the schema by hand, then run `tenantatlas migrate force %d` (or the version before it) and migrate again",
			ErrDirty, dirty.Version, dirty.Version)
	}
	var short migrate.ErrShortLimit
	if errors.As(err, &short) {
		return fmt.Errorf("only %d migrations could be reverted", int(short.Short))
	}
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no migration to move to: %w", err)
	}
	return err
}

// Versions lists every version of the embedded chain, oldest first.
func Versions() []uint {
	entries, err := fs.ReadDir(db.Migrations, db.MigrationsDir)
	if err != nil {
		panic(fmt.Sprintf("embedded migrations unreadable: %v", err))
	}
	seen := map[uint]bool{}
	var out []uint
	for _, e := range entries {
		head, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".up.sql") {
			continue
		}
		v, err := strconv.ParseUint(head, 10, 64)
		if err != nil || seen[uint(v)] {
			continue
		}
		seen[uint(v)] = true
		out = append(out, uint(v))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// LatestVersion is the newest version of the embedded chain.
func LatestVersion() uint {
	vs := Versions()
	return vs[len(vs)-1]
}

// HasVersion reports whether v is a version of the embedded chain.
func HasVersion(v uint) bool {
	for _, x := range Versions() {
		if x == v {
			return true
		}
	}
	return false
}

// SchemaVersion reads the applied version and dirty flag straight from golang-migrate's table,
// cheaply enough for a readiness probe. A database that was never migrated reports version 0.
func SchemaVersion(ctx context.Context, sqlDB *sql.DB) (uint, bool, error) {
	var v int64
	var dirty bool
	err := sqlDB.QueryRowContext(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&v, &dirty)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read schema version: %w", err)
	}
	return uint(v), dirty, nil
}
