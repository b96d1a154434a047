package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

func tokensCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: tokens takes a subcommand: list, create, revoke", errUsage)
	}
	switch args[0] {
	case "create":
		return tokensCreate(ctx, e, args[1:])
	case "list":
		return tokensList(ctx, e, args[1:])
	case "revoke":
		return tokensRevoke(ctx, e, args[1:])
	}
	return fmt.Errorf("%w: tokens takes a subcommand: list, create, revoke", errUsage)
}

// tokenUser opens the database and finds the user of --email.
func tokenUser(ctx context.Context, e env, cmd, email string) (*tenancy.Service, tenancy.User, func(), error) {
	if err := e.cfg.RequireDatabase(); err != nil {
		return nil, tenancy.User{}, nil, err
	}
	db, err := database.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return nil, tenancy.User{}, nil, fmt.Errorf("%s: %w", cmd, err)
	}
	closeDB := func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	}
	svc := tenancy.NewService(db)
	u, err := svc.UserByEmail(ctx, email)
	if errors.Is(err, tenancy.ErrNotFound) {
		closeDB()
		return nil, tenancy.User{}, nil, fmt.Errorf("%s: %w: there is no user with email %s", cmd, tenancy.ErrNotFound, tenancy.NormalizeEmail(email))
	}
	if err != nil {
		closeDB()
		return nil, tenancy.User{}, nil, fmt.Errorf("%s: %w", cmd, err)
	}
	return svc, u, closeDB, nil
}

func tokensCreate(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("tokens create", flag.ContinueOnError)
	email := fs.String("email", "", "the email of the user the token signs in as (required)")
	name := fs.String("name", "cli", "a label for the token")
	// A string, not flag.Duration: a bad value is a clear error (exit 1), not a usage dump.
	ttlFlag := fs.String("ttl", "720h", "lifetime, e.g. 12h or 720h; 0 never expires")
	scopesFlag := fs.String("scopes", "read,write", "what the token may do: read, write or read,write")
	if err := parseFlags(fs, args); err != nil {
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
	scopes, ok := tenancy.ParseScopes(*scopesFlag)
	if !ok {
		return fmt.Errorf("%w: tokens create: --scopes %q: use read, write or read,write", errUsage, *scopesFlag)
	}
	svc, u, closeDB, err := tokenUser(ctx, e, "tokens create", *email)
	if err != nil {
		return err
	}
	defer closeDB()
	plaintext, tok, err := svc.CreateToken(ctx, u.ID, tenancy.TokenInput{Name: *name, TTL: ttl, Scopes: scopes})
	if err != nil {
		return fmt.Errorf("tokens create: %w", err)
	}
	// The token alone on stdout, so that scripts can capture it; everything else on stderr.
	fmt.Fprintln(e.stdout, plaintext)
	expires := "never expires"
	if tok.ExpiresAt != nil {
		expires = "expires " + tok.ExpiresAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(e.stderr, "token %d %q for %s; scopes %s; %s; it is shown only now\n", tok.ID, tok.Name, u.Email,
		strings.Join(tok.Scopes, ","), expires)
	return nil
}

// tokensList prints a user's tokens that still sign in, one a line, tab-separated: id, name,
// prefix, scopes, created, last used, expires.
func tokensList(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("tokens list", flag.ContinueOnError)
	email := fs.String("email", "", "the email of the user whose tokens to list (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: tokens list: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *email == "" {
		return fmt.Errorf("%w: tokens list needs --email", errUsage)
	}
	svc, u, closeDB, err := tokenUser(ctx, e, "tokens list", *email)
	if err != nil {
		return err
	}
	defer closeDB()
	toks, err := svc.ActiveTokens(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("tokens list: %w", err)
	}
	when := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return t.UTC().Format(time.RFC3339)
	}
	fmt.Fprintln(e.stdout, "ID\tNAME\tPREFIX\tSCOPES\tCREATED\tLAST USED\tEXPIRES")
	for _, t := range toks {
		prefix := "-"
		if t.TokenPrefix != nil {
			prefix = *t.TokenPrefix
		}
		fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, prefix, strings.Join(t.Scopes, ","),
			t.CreatedAt.UTC().Format(time.RFC3339), when(t.LastUsedAt, "never"), when(t.ExpiresAt, "never"))
	}
	return nil
}

// tokensRevoke revokes one of a user's tokens; every API process refuses it at once.
func tokensRevoke(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("tokens revoke", flag.ContinueOnError)
	email := fs.String("email", "", "the email of the token's user (required)")
	idFlag := fs.String("id", "", "the token's id, from tokens list (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: tokens revoke: unexpected argument %q", errUsage, fs.Arg(0))
	}
	id, err := strconv.ParseInt(*idFlag, 10, 64)
	if *email == "" || err != nil || id < 1 {
		return fmt.Errorf("%w: tokens revoke needs --email and a positive --id", errUsage)
	}
	svc, u, closeDB, err := tokenUser(ctx, e, "tokens revoke", *email)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := svc.RevokeToken(ctx, u.ID, id); err != nil {
		if errors.Is(err, tenancy.ErrNotFound) {
			return fmt.Errorf("tokens revoke: %w: %s has no token %d", tenancy.ErrNotFound, u.Email, id)
		}
		return fmt.Errorf("tokens revoke: %w", err)
	}
	fmt.Fprintf(e.stderr, "token %d of %s revoked\n", id, u.Email)
	return nil
}
