package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/database"
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
	db, err := database.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := api.New(api.Deps{DB: db, Log: e.log, Config: e.cfg})
	httpSrv := &http.Server{
		Addr:              e.cfg.Listen,
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.ListenAndServe() }()
	e.log.Info("api listening", "addr", e.cfg.Listen, "with_worker", *withWorker)
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
	return nil
}

func workerCmd(ctx context.Context, e env, args []string) error {
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	e.log.Info("worker: no job kinds are registered in this build; waiting for shutdown")
	<-ctx.Done()
	return nil
}
