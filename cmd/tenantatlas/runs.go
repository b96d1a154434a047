package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/jobs"
)

// runsCmd: `tenantatlas runs reconcile` completes stale runs once and says how many.
func runsCmd(ctx context.Context, e env, args []string) error {
	if len(args) != 1 || args[0] != "reconcile" {
		return fmt.Errorf("%w: runs takes one argument: reconcile", errUsage)
	}
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	db, err := database.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("runs reconcile: %w", err)
	}
	runs, err := jobs.NewRunService(db)
	if err != nil {
		return err
	}
	n, err := jobs.Reconcile(ctx, db, runs, time.Now(), e.cfg.WorkerLostAfter)
	if err != nil {
		return fmt.Errorf("runs reconcile: %w", err)
	}
	fmt.Fprintf(e.stdout, "%d stale runs completed as failed (run.stale, run.worker_lost)\n", n)
	return nil
}
