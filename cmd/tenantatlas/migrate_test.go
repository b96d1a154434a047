package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
)

func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestMigrateCommands(t *testing.T) {
	tdb := dbtest.NewEmpty(t)
	t.Setenv("DATABASE_URL", tdb.URL)

	if _, _, err := runCLI(t, "migrate", "goto", "20260211000000"); err != nil {
		t.Fatalf("goto baseline: %v", err)
	}
	out, _, err := runCLI(t, "migrate", "version")
	if err != nil || !strings.HasPrefix(out, "20260211000000 (clean") {
		t.Fatalf("version = %q, %v", out, err)
	}
	if _, _, err := runCLI(t, "migrate", "up"); err != nil {
		t.Fatalf("up: %v", err)
	}
	out, _, _ = runCLI(t, "migrate", "version")
	if want := strconv.FormatUint(uint64(database.LatestVersion()), 10) + " (clean"; !strings.HasPrefix(out, want) {
		t.Fatalf("version after up = %q, want prefix %q", out, want)
	}
	if _, _, err := runCLI(t, "migrate", "down", "1"); err != nil {
		t.Fatalf("down 1: %v", err)
	}
	if _, _, err := runCLI(t, "migrate", "up"); err != nil {
		t.Fatalf("up again: %v", err)
	}

	// A migration that failed half-way leaves the database dirty: one line saying how to recover.
	if _, err := tdb.SQL.Exec(`UPDATE schema_migrations SET dirty = true`); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCLI(t, "migrate", "up")
	if err == nil || !strings.Contains(err.Error(), "dirty") || !strings.Contains(err.Error(), "migrate force") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("dirty database: %v", err)
	}
	latest := database.LatestVersion()
	if _, _, err := runCLI(t, "migrate", "force", strconv.FormatUint(uint64(latest), 10)); err != nil {
		t.Fatalf("force: %v", err)
	}
	if _, _, err := runCLI(t, "migrate", "up"); err != nil {
		t.Fatalf("up after force: %v", err)
	}
}

func TestMigrateErrorsAreOneClearLine(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://nobody:secret-pw@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2")
	_, _, err := runCLI(t, "migrate", "up")
	if err == nil {
		t.Fatal("migrate up against a closed port succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "cannot reach") || !strings.Contains(msg, "127.0.0.1:1") {
		t.Fatalf("unclear message: %q", msg)
	}
	if strings.Contains(msg, "secret-pw") {
		t.Fatalf("message leaks the password: %q", msg)
	}

	for _, args := range [][]string{{"migrate"}, {"migrate", "sideways"}, {"migrate", "down"}, {"migrate", "down", "x"}, {"migrate", "goto", "-3"}} {
		if _, _, err := runCLI(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	t.Setenv("DATABASE_URL", "")
	if _, _, err := runCLI(t, "migrate", "up"); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("missing DATABASE_URL: %v", err)
	}
}
