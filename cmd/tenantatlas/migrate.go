package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tenantatlas/operations/pkg/database"
)

func migrateCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: migrate needs one of up, down N, goto V, force V, version, versions", errUsage)
	}
	if args[0] == "versions" {
		for _, v := range database.Versions() {
			fmt.Fprintln(e.stdout, v)
		}
		return nil
	}
	want := map[string]int{"up": 1, "down": 2, "goto": 2, "force": 2, "version": 1}
	n, ok := want[args[0]]
	if !ok {
		return fmt.Errorf("%w: unknown migrate command %q", errUsage, args[0])
	}
	if len(args) != n {
		return fmt.Errorf("%w: migrate %s takes %d argument(s)", errUsage, args[0], n-1)
	}
	var num int64
	if n == 2 {
		var err error
		num, err = strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return fmt.Errorf("%w: migrate %s: %q is not a number", errUsage, args[0], args[1])
		}
	}
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	mg, err := database.NewMigrator(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return migrateError(err, e.cfg.DatabaseURL)
	}
	defer mg.Close()

	switch args[0] {
	case "up":
		err = mg.Up()
	case "down":
		err = mg.Down(int(num))
	case "goto":
		if num < 0 {
			return fmt.Errorf("%w: migrate goto needs a version of the chain", errUsage)
		}
		err = mg.Goto(uint(num))
	case "force":
		err = mg.Force(int(num))
	}
	if err != nil {
		return migrateError(err, e.cfg.DatabaseURL)
	}
	v, dirty, err := mg.Version()
	if err != nil {
		return migrateError(err, e.cfg.DatabaseURL)
	}
	state := "clean"
	if dirty {
		state = "dirty"
	}
	if args[0] == "version" {
		fmt.Fprintf(e.stdout, "%d (%s; newest in this build: %d)\n", v, state, database.LatestVersion())
		return nil
	}
	fmt.Fprintf(e.stderr, "migrate %s: %s is at version %d (%s)\n", args[0], database.Describe(e.cfg.DatabaseURL), v, state)
	return nil
}

// migrateError turns a failure into one line that says what failed and how to recover.
func migrateError(err error, url string) error {
	switch {
	case errors.Is(err, database.ErrUnreachable):
		return fmt.Errorf("migrate: cannot reach %s (%s): start PostgreSQL or fix DATABASE_URL", database.Describe(url), lastLine(rootCause(err)))
	case errors.Is(err, database.ErrDirty):
		return fmt.Errorf("migrate: %v", err)
	}
	return fmt.Errorf("migrate: %v", err)
}

// lastLine keeps the most specific line of a multi-line driver error.
func lastLine(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
