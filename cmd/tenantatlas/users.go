package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

func usersCmd(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "add-member" {
		return usersAddMember(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%w: users takes a subcommand: create, add-member", errUsage)
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

// usersAddMember adds a user to a workspace with a role directly, without an invitation: what a
// platform admin may do, for operators with access to the database.
func usersAddMember(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("users add-member", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address (required)")
	workspace := fs.String("workspace", "", "the workspace id (required)")
	role := fs.String("role", "", "owner, manager, operator or readonly (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: users add-member: unexpected argument %q", errUsage, fs.Arg(0))
	}
	wsID, err := strconv.ParseInt(*workspace, 10, 64)
	if *email == "" || err != nil || wsID < 1 || !tenancy.Role(*role).Valid() {
		return fmt.Errorf("%w: users add-member needs --email, a positive --workspace and --role owner|manager|operator|readonly", errUsage)
	}
	svc, u, closeDB, err := tokenUser(ctx, e, "users add-member", *email)
	if err != nil {
		return err
	}
	defer closeDB()
	m, err := svc.SetWorkspaceMember(ctx, wsID, u.ID, tenancy.Role(*role))
	if err != nil {
		return fmt.Errorf("users add-member: %w", err)
	}
	fmt.Fprintf(e.stdout, "%s is %s of workspace %d\n", u.Email, m.Role, m.WorkspaceID)
	return nil
}
