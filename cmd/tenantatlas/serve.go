package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/connections"
	"github.com/tenantatlas/operations/pkg/cursor"
	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/directory"
	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/jobs"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/runevents"
	"github.com/tenantatlas/operations/pkg/secrets"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

func serveCmd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	withWorker := fs.Bool("with-worker", false, "also run the background workers in this process")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	db, err := database.Open(ctx, e.cfg.DatabaseURL, database.ForRequests()...)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Every API process on this database seals and opens the lists' cursors with the same key.
	cursors, err := cursor.Load(ctx, sqlDB, e.cfg.SecretKey)
	if err != nil {
		return fmt.Errorf("serve: the cursor key (is the schema current? tenantatlas migrate up): %w", err)
	}
	ten := tenancy.NewService(db, tenancyOptions(e.cfg)...)
	auth := tenancy.NewAuthenticator(db)
	az, err := authz.New(ctx, db)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hub, err := runevents.New(ctx, sqlDB, runevents.WithLogger(e.log))
	if err != nil {
		return fmt.Errorf("serve: run events (is the schema current? tenantatlas migrate up): %w", err)
	}
	go hub.Run(ctx)
	go watchChanges(ctx, e, az, auth, hub)
	runs, err := jobs.NewRunService(db)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	var workerDone chan error
	if *withWorker {
		w, err := newWorker(ctx, e, db, runs)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		workerDone = make(chan error, 1)
		go func() { workerDone <- w.Run(ctx) }()
	}
	srv := api.New(api.Deps{DB: db, Log: e.log, Config: e.cfg, Tenancy: ten, Auth: auth, Authz: az, Runs: runs, Cursors: cursors, Events: hub})
	httpSrv := srv.HTTPServer(e.cfg.Listen)
	errc := make(chan error, 2)
	go func() { errc <- httpSrv.ListenAndServe() }()
	e.log.Info("api listening", "addr", e.cfg.Listen, "with_worker", *withWorker)
	var metricsSrv *http.Server
	if e.cfg.MetricsListen != "" {
		metricsSrv = &http.Server{Addr: e.cfg.MetricsListen, Handler: srv.MetricsHandler(),
			ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() { errc <- metricsSrv.ListenAndServe() }()
		e.log.Info("metrics listening", "addr", e.cfg.MetricsListen)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	e.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdownCtx)
	}
	if workerDone != nil {
		return <-workerDone
	}
	return nil
}

// tenancyOptions are the sign-in settings of the configuration: argon2id parameters that let the
// configured number of verifications run at once within the memory budget, and the throttling.
func tenancyOptions(cfg config.Config) []tenancy.Option {
	in := cfg.SignIn
	if in.Concurrency < 1 {
		return nil // not configured: the defaults
	}
	return []tenancy.Option{
		tenancy.WithPasswordParams(tenancy.PasswordParamsFor(in.MemoryBudget, in.Concurrency)),
		tenancy.WithVerifyLimiter(tenancy.NewVerifyLimiter(in.Concurrency, in.QueueWait)),
		tenancy.WithSignInLimits(tenancy.SignInLimits{AccountAttempts: in.AccountAttempts, AddressAttempts: in.AddressAttempts,
			MaxDelay: in.MaxDelay, ForgetAfter: in.ForgetAfter}),
	}
}

// watchChanges keeps this process's authorisation state current: memberships reload the
// enforcer, revoked tokens leave the cache at once, a reconnect reloads everything, and a periodic
// full reload is the safety net. Run events go to the hub on the same connection: one LISTEN
// connection per process, and notifications arrive in commit order, so a membership removed
// before a run changed is reloaded before that run's event is judged.
func watchChanges(ctx context.Context, e env, az *authz.Authorizer, auth *tenancy.Authenticator, hub *runevents.Hub) {
	reload := func() {
		if err := az.Reload(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("authz reload failed", "error", err.Error())
		}
	}
	go func() {
		t := time.NewTicker(5 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				reload()
			}
		}
	}()
	err := tenancy.Listen(ctx, e.cfg.DatabaseURL, map[string]func(string){
		tenancy.ChannelMemberships:  func(string) { reload() },
		tenancy.ChannelTokens:       auth.Invalidate,
		operations.ChannelRunEvents: hub.Notify,
	}, func() {
		auth.InvalidateAll()
		reload()
		hub.Resync()
	})
	if err != nil && ctx.Err() == nil {
		e.log.Error("listening for changes stopped", "error", err.Error())
	}
}

func workerCmd(ctx context.Context, e env, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: worker takes no arguments", errUsage)
	}
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	db, err := database.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	runs, err := jobs.NewRunService(db)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	w, err := newWorker(ctx, e, db, runs)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	e.log.Info("workers running")
	return w.Run(ctx)
}

// newWorker wires the River working client with every worker.
func newWorker(ctx context.Context, e env, db *gorm.DB, runs *operations.Service) (*jobs.Worker, error) {
	var sealer *secrets.Sealer
	if e.cfg.SecretKey != "" {
		var err error
		if sealer, err = secrets.NewSealer(e.cfg.SecretKey); err != nil {
			return nil, err
		}
	}
	var opts []connections.ConnectionsOption
	if e.cfg.GraphBaseURL != "" || e.cfg.GraphTokenURL != "" {
		opts = append(opts, connections.WithClientConfig(func(c *graph.ClientConfig) {
			if e.cfg.GraphBaseURL != "" {
				c.BaseURL = e.cfg.GraphBaseURL
			}
			if e.cfg.GraphTokenURL != "" {
				c.TokenURL = e.cfg.GraphTokenURL
			}
		}))
	}
	conns := connections.NewConnections(db, sealer, opts...)
	inv, err := inventory.NewSyncer(db, conns)
	if err != nil {
		return nil, err
	}
	dir, err := directory.NewSyncer(db, conns)
	if err != nil {
		return nil, err
	}
	gen, err := drift.NewGenerator(db, drift.WithSeverityOverrides(e.cfg.DriftSeverity))
	if err != nil {
		return nil, err
	}
	backups, err := backup.New(db, runs, conns, backup.WithLogger(e.log))
	if err != nil {
		return nil, err
	}
	return jobs.NewWorker(ctx, jobs.WorkerConfig{
		DatabaseURL: e.cfg.DatabaseURL, DB: db, Log: e.log, Runs: runs,
		Inventory: inv, Directory: dir, Drift: gen, Backups: backups, RunRetention: e.cfg.RunRetention, RunEventRetention: e.cfg.RunEventRetention, MaxWorkers: e.cfg.WorkerCount,
		WorkerLostAfter: e.cfg.WorkerLostAfter,
	})
}
