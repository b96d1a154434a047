package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/demo"
)

func seedCmd(ctx context.Context, e env, args []string) error {
	if len(args) != 1 || args[0] != "demo" {
		return fmt.Errorf("%w: seed takes one argument: demo", errUsage)
	}
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	db, err := database.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	res, err := demo.Seed(ctx, db, time.Now())
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	fmt.Fprintf(e.stdout, "demo workspace %q (id %d) with %d tenants; %d runs added\n",
		res.Workspace.Name, res.Workspace.ID, len(res.Tenants), res.RunsAdded)
	for _, a := range demo.Accounts {
		fmt.Fprintf(e.stdout, "  sign in as %-34s password %-24s (%s)\n", a.Email, a.Password, a.Role)
	}
	return nil
}
