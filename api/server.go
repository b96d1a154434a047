// Package api is the HTTP face of TenantAtlas Operations: an Echo server, its middleware and one
// file per resource. It knows HTTP; the domain lives in pkg/.
package api

import (
	"database/sql"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/config"
	"github.com/tenantatlas/operations/pkg/cursor"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/runevents"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// Deps are what the server needs from the rest of the program.
type Deps struct {
	DB      *gorm.DB
	Log     *slog.Logger
	Config  config.Config
	Tenancy *tenancy.Service
	Auth    *tenancy.Authenticator
	Authz   *authz.Authorizer
	Runs    *operations.Service // starts runs (with their jobs): built with the work queue
	// Cursors seals the lists' cursors; every API process on one database must share its key
	// (cursor.Load). Nil gives a key of this process alone.
	Cursors *cursor.Codec
	// Events fans out this process's run events to its streams (GET /operation-runs/events);
	// nil answers that route with 503.
	Events *runevents.Hub
	// StreamHeartbeat is how often an idle event stream sends a comment; 0 means
	// DefaultStreamHeartbeat.
	StreamHeartbeat time.Duration
}

// Server holds the Echo instance and the dependencies its handlers use.
type Server struct {
	e       *echo.Echo
	db      *gorm.DB
	sql     *sql.DB
	log     *slog.Logger
	cfg     config.Config
	metrics *metrics
	tenancy *tenancy.Service
	auth    *tenancy.Authenticator
	authz   *authz.Authorizer
	runs    *operations.Service
	counts  *ttlCache[runCountsJSON]
	access  map[string]access // "METHOD /path" -> declared access
	cursors *cursor.Codec
	events  *runevents.Hub
	// heartbeat paces idle event streams; closing ends them all (CloseStreams).
	heartbeat time.Duration
	closing   chan struct{}
	closeOnce sync.Once
	limiter   *rateLimiter               // per-token request limit; nil: none
	client    func(*http.Request) string // the client address that sign-in throttling counts
}

// New builds the server with every route registered.
func New(d Deps) *Server {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	sqlDB, err := d.DB.DB()
	if err != nil {
		panic("api: the GORM handle has no database/sql pool: " + err.Error())
	}
	s := &Server{e: e, db: d.DB, sql: sqlDB, log: d.Log, cfg: d.Config, metrics: newMetrics(),
		tenancy: d.Tenancy, auth: d.Auth, authz: d.Authz, runs: d.Runs,
		counts: newTTLCache[runCountsJSON](d.Config.CountsCacheTTL, d.Config.CountsStale, 10000), access: map[string]access{},
		events: d.Events, heartbeat: d.StreamHeartbeat, closing: make(chan struct{})}
	if s.heartbeat <= 0 {
		s.heartbeat = DefaultStreamHeartbeat
	}
	s.limiter = newRateLimiter(d.Config.RateLimit.Requests, d.Config.RateLimit.Window, nil)
	s.client = clientAddress(d.Config.SignIn.TrustedProxies)
	if s.cursors = d.Cursors; s.cursors == nil {
		s.cursors = cursor.NewRandom()
	}
	s.metrics.Register(newRunCollector(sqlDB))
	e.HTTPErrorHandler = errorHandler(d.Log, newOutage(d.Log, sqlDB))

	e.Pre(assignRequestID)
	e.Use(s.recoverPanics)
	e.Use(s.accessLog)
	e.Use(s.metrics.middleware)
	e.Use(s.securityHeaders)
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		// A path that is gone has no preflight either: it answers 404 like every other method.
		Skipper:       func(c echo.Context) bool { return s.access[c.Request().Method+" "+c.Path()].kind == accessGone },
		AllowOrigins:  d.Config.CORSOrigins,
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, "Idempotency-Key", "If-None-Match", "Last-Event-ID"},
		ExposeHeaders: []string{"Link", "ETag", echo.HeaderLocation, echo.HeaderXRequestID, echo.HeaderRetryAfter, "RateLimit", "RateLimit-Policy"},
		MaxAge:        int((10 * time.Minute).Seconds()),
	}))

	e.Use(middleware.BodyLimit("1M"))
	e.Use(s.checkInput)
	s.routes()
	return s
}

// MetricsHandler serves /metrics on an address of its own (TENANTATLAS_METRICS_LISTEN), with
// the bearer token of TENANTATLAS_METRICS_TOKEN if one is set.
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		if !s.metricsAuthorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		s.metrics.httpHandler().ServeHTTP(w, r)
	})
}

// ServeHTTP lets the server be mounted or tested with httptest.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// CloseStreams ends every open event stream (they never go idle by themselves): register it with
// http.Server.RegisterOnShutdown so that a graceful shutdown does not wait for them.
func (s *Server) CloseStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// HTTPServer is the http.Server for this API on addr, with the timeouts every API process uses.
// Event streams lift the read and write deadlines for themselves and bound each write instead.
func (s *Server) HTTPServer(addr string) *http.Server {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	srv.RegisterOnShutdown(s.CloseStreams)
	return srv
}

// Echo exposes the Echo instance for route listing.
func (s *Server) Echo() *echo.Echo { return s.e }
