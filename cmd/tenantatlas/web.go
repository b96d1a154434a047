package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/tenantatlas/operations/api/spa"
)

// webCmd serves the built SPA (frontend/dist) on its own origin, with /config.json pointing the
// app at the API. The API must allow this origin (TENANTATLAS_CORS_ORIGINS).
func webCmd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	dir := fs.String("dir", "frontend/dist", "the built SPA (cd frontend && npm run build)")
	listen := fs.String("listen", ":5173", "address to listen on")
	apiURL := fs.String("api-url", "http://localhost:8080", "the API's base URL, written to /config.json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: web takes no arguments besides its flags", errUsage)
	}
	h, err := spa.New(spa.Options{Dir: *dir, APIURL: *apiURL, BehindTLS: e.cfg.BehindTLS})
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	srv := &http.Server{
		Addr:              *listen,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	e.log.Info("web listening", "addr", *listen, "dir", *dir, "api_url", *apiURL)
	select {
	case err := <-errc:
		return fmt.Errorf("web: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	return nil
}
