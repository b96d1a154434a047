package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

func usersCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%w: users takes a subcommand: create", errUsage)
	}
	fs := flag.NewFlagSet("users create", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address (required)")
	name := fs.String("name", "", "the user's display name (required)")
	platformAdmin := fs.Bool("platform-admin", false, "allow the user to create workspaces")
	passwordStdin := fs.Bool("password-stdin", false, "read a password from the first line of stdin")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: users create: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *email == "" || *name == "" {
		return fmt.Errorf("%w: users create needs --email and --name", errUsage)
	}
	in := tenancy.CreateUserInput{Email: *email, Name: *name, PlatformAdmin: *platformAdmin}
	if *passwordStdin {
		pw, err := readPasswordLine(e.stdin)
		if err != nil {
			return fmt.Errorf("users create: %w", err)
		}
		in.Password = &pw
	}
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	db, err := database.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("users create: %w", err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	u, err := tenancy.NewService(db, tenancyOptions(e.cfg)...).CreateUser(ctx, in)
	if errors.Is(err, tenancy.ErrConflict) {
		return fmt.Errorf("users create: %w: a user with email %s already exists", tenancy.ErrConflict, tenancy.NormalizeEmail(*email))
	}
	if err != nil {
		return fmt.Errorf("users create: %w", err)
	}
	fmt.Fprintf(e.stdout, "created user %d %s\n", u.ID, u.Email)
	return nil
}

// readPasswordLine reads the first line of r, without its line ending.
func readPasswordLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("--password-stdin: nothing on stdin")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("--password-stdin: read stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("--password-stdin: the first line of stdin is empty")
	}
	return line, nil
}
