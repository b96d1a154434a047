// Command tenantatlas is the single binary of TenantAtlas Operations: the API server, the
// workers, migrations and the administration commands scripts rely on.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/tenantatlas/operations/pkg/config"
)

const usage = `usage: tenantatlas <command> [arguments]

commands:
  serve [--with-worker]       run the API server (on TENANTATLAS_LISTEN, default :8080)
  worker                      run the background workers only
  migrate up                  apply every pending migration
  migrate down N              revert the newest N migrations
  migrate goto V              move up or down to version V
  migrate force V             mark version V as applied and clean (after a manual repair)
  migrate version             print the applied version
  migrate versions            list the versions of the chain
  seed demo                   create the demo workspace (idempotent)
  web [--dir D] [--listen A] [--api-url U]  serve the built SPA (frontend/dist, :5173, API http://localhost:8080)
  connections set --tenant ID [--kind graph|simulated] [--client-id X] [--secret-stdin | --certificate-file PEM]
                              store a tenant's Microsoft Graph connection (secret or certificate encrypted)
  runs reconcile              complete stale queued or running runs as failed (run.stale)
  backups purge [--tenant T] [--older-than 720h]
                              delete backup sets retired longer ago than --older-than, as System purge runs
  users create --email E --name N [--platform-admin] [--password-stdin]
                              create a user (the password is stdin's first line)
  users add-member --email E --workspace ID --role R
                              add a user to a workspace directly (as a platform admin may; in
                              the API everyone else invites)
  tokens create --email E [--name N] [--ttl 720h] [--scopes read,write]
                              issue an API token (0 never expires); prints only the token
  tokens list --email E       a user's tokens that still sign in (never their secrets)
  tokens revoke --email E --id N
                              revoke a token, at once on every API process

Configuration comes from the environment; see README.md.`

// errUsage marks a command-line mistake; it exits with status 2.
const errUsage Error = "usage"

// Error is the type of this command's sentinel errors: constants, so no code can replace them,
// and comparable, so errors.Is finds them through %w wrapping.
type Error string

func (e Error) Error() string { return string(e) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err == nil {
		return
	}
	if errors.Is(err, errUsage) {
		fmt.Fprintf(os.Stderr, "tenantatlas: %v\n\n%s\n", err, usage)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "tenantatlas: %v\n", err)
	os.Exit(1)
}

// env is what every command gets.
type env struct {
	cfg    config.Config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	e := env{cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))}
	commands := map[string]func(context.Context, env, []string) error{
		"serve":       serveCmd,
		"worker":      workerCmd,
		"migrate":     migrateCmd,
		"seed":        seedCmd,
		"users":       usersCmd,
		"tokens":      tokensCmd,
		"runs":        runsCmd,
		"connections": connectionsCmd,
		"backups":     backupsCmd,
		"web":         webCmd,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	return cmd(ctx, e, args[1:])
}

// parseFlags parses a command's flags, turning mistakes into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
	}
	return nil
}
