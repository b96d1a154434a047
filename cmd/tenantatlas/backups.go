package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/jobs"
)

// backupsCmd: `tenantatlas backups purge [--tenant T] [--older-than 720h]` deletes for good the
// backup sets retired longer ago than --older-than, through the same code as the daily purge job,
// as System backup_schedule_purge runs it creates and completes itself, and prints what it
// deleted.
func backupsCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "purge" {
		return fmt.Errorf("%w: backups takes a subcommand: purge", errUsage)
	}
	fs := flag.NewFlagSet("backups purge", flag.ContinueOnError)
	tenant := fs.Int64("tenant", 0, "purge this tenant only (default: every workspace with retired sets)")
	olderThan := fs.Duration("older-than", backup.DefaultPurgeGrace, "grace period: sets retired longer ago than this are deleted")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: backups purge: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *olderThan <= 0 {
		return fmt.Errorf("%w: backups purge: --older-than must be positive", errUsage)
	}
	var tenantID *int64
	if *tenant != 0 {
		if *tenant < 0 {
			return fmt.Errorf("%w: backups purge: --tenant must be a tenant id", errUsage)
		}
		tenantID = tenant
	}
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	db, err := database.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("backups purge: %w", err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	runs, err := jobs.NewRunService(db)
	if err != nil {
		return err
	}
	svc, err := backup.New(db, runs, nil, backup.WithLogger(e.log))
	if err != nil {
		return fmt.Errorf("backups purge: %w", err)
	}
	reports, err := svc.PurgeNow(ctx, backup.PurgeRequest{TenantID: tenantID, Grace: *olderThan})
	for _, r := range reports {
		scope := fmt.Sprintf("workspace %d", r.WorkspaceID)
		if r.TenantID != nil {
			scope = fmt.Sprintf("tenant %d", *r.TenantID)
		}
		fmt.Fprintf(e.stdout, "run %d (%s, %s): deleted %d backup sets, %d items retired before %s\n",
			r.Run.ID, scope, r.Run.Outcome, r.Sets, r.Items, r.RetiredBefore.Format(time.RFC3339))
	}
	if errors.Is(err, backup.ErrNotFound) {
		return fmt.Errorf("backups purge: tenant %d does not exist", *tenant)
	}
	if err != nil {
		return fmt.Errorf("backups purge: %w", err)
	}
	if len(reports) == 0 {
		fmt.Fprintf(e.stdout, "nothing to purge: no backup set was retired before %s\n",
			time.Now().UTC().Add(-*olderThan).Format(time.RFC3339))
	}
	return nil
}
