package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/redact"
)

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// maxRequestID bounds a client's X-Request-Id.
const maxRequestID = 64

// validRequestID: 1 to 64 characters of [A-Za-z0-9._-].
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}

// assignRequestID keeps a client's X-Request-Id only when it is at most 64 characters of
// [A-Za-z0-9._-], and gives the request a new one otherwise; it is echoed and logged.
func assignRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID(id) {
			id = newRequestID()
			c.Request().Header.Set(echo.HeaderXRequestID, id)
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// hsts is the Strict-Transport-Security of a server told it is reached over HTTPS.
const hsts = "max-age=31536000; includeSubDomains"

// securityHeaders sets the headers every JSON API response should carry.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		if s.cfg.BehindTLS {
			h.Set("Strict-Transport-Security", hsts)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cross-Origin-Resource-Policy", "same-site")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// recoverPanics turns a panic into a 500 problem and a log line with the stack.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.ErrorContext(c.Request().Context(), "panic", "request_id", requestID(c), "panic", redact.String(fmt.Sprint(r)), "stack", string(debug.Stack()))
				err = NewProblem(500, "internal", "Something went wrong on our side; the request id identifies it.")
			}
		}()
		return next(c)
	}
}

// accessLog writes one structured line per request. It never logs headers or bodies, so no
// token or secret reaches the log.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		level := slog.LevelInfo
		if c.Response().Status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(c.Request().Context(), level, "request",
			"method", c.Request().Method,
			"route", c.Path(),
			"status", c.Response().Status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000,
			"bytes", c.Response().Size,
			"request_id", requestID(c),
		)
		return nil
	}
}
