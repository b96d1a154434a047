package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

func tokensCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%w: tokens takes a subcommand: create", errUsage)
	}
	fs := flag.NewFlagSet("tokens create", flag.ContinueOnError)
	email := fs.String("email", "", "the email of the user the token signs in as (required)")
	name := fs.String("name", "cli", "a label for the token")
	// A string, not flag.Duration: a bad value is a clear error (exit 1), not a usage dump.
	ttlFlag := fs.String("ttl", "720h", "lifetime, e.g. 12h or 720h; 0 never expires")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: tokens create: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *email == "" {
		return fmt.Errorf("%w: tokens create needs --email", errUsage)
	}
	ttl, err := time.ParseDuration(*ttlFlag)
	if err != nil || ttl < 0 {
		return fmt.Errorf("tokens create: --ttl %q is not a duration such as 12h or 720h (0 never expires)", *ttlFlag)
	}
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	db, err := database.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("tokens create: %w", err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	svc := tenancy.NewService(db)
	u, err := svc.UserByEmail(ctx, *email)
	if errors.Is(err, tenancy.ErrNotFound) {
		return fmt.Errorf("tokens create: %w: there is no user with email %s", tenancy.ErrNotFound, tenancy.NormalizeEmail(*email))
	}
	if err != nil {
		return fmt.Errorf("tokens create: %w", err)
	}
	plaintext, tok, err := svc.IssueToken(ctx, u.ID, *name, ttl)
	if err != nil {
		return fmt.Errorf("tokens create: %w", err)
	}
	// The token alone on stdout, so that scripts can capture it; everything else on stderr.
	fmt.Fprintln(e.stdout, plaintext)
	expires := "never expires"
	if tok.ExpiresAt != nil {
		expires = "expires " + tok.ExpiresAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(e.stderr, "token %d %q for %s; %s; it is shown only now\n", tok.ID, tok.Name, u.Email, expires)
	return nil
}
