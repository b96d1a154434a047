package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/database"
)

// healthz answers while the process is alive.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database is reachable and its schema is at the newest version of
// the chain this binary carries, and 503 otherwise (database_unavailable with Retry-After while
// the database does not answer).
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	sqlDB, err := s.db.DB()
	if err == nil {
		err = sqlDB.PingContext(ctx)
	}
	if err != nil {
		// Whatever the ping's failure (refused, reset, timed out), the database is not usable.
		return fmt.Errorf("readiness: %w: %w", database.ErrUnreachable, err)
	}
	v, dirty, err := database.SchemaVersion(ctx, sqlDB)
	if err != nil {
		return NewProblem(http.StatusServiceUnavailable, "schema_unknown", "The schema version cannot be read.")
	}
	want := database.LatestVersion()
	if dirty || v != want {
		return NewProblem(http.StatusServiceUnavailable, "schema_not_current",
			fmt.Sprintf("The schema is at version %d (dirty=%v); this build needs %d: run `tenantatlas migrate up`.", v, dirty, want))
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "schema_version": v})
}
