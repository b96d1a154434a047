package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/redact"
)

// Problem is an RFC 9457 problem details body. Code is stable and meant for scripts; Title and
// Detail are for people.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Code     string       `json:"code"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
	// Capability names the capability a 403 lacks.
	Capability string `json:"capability,omitempty"`
	// Count is the number to confirm of a findings.confirm_required 409.
	Count *int64 `json:"count,omitempty"`
	// RetryAfter, when set, is sent as the Retry-After header (whole seconds, at least 1).
	RetryAfter time.Duration `json:"-"`

	// header holds response headers that belong to the problem (Retry-After, WWW-Authenticate).
	header http.Header
}

// withHeader returns p with a response header set. p must be a problem of its own, never one of
// the shared values such as ErrNotFound.
func (p *Problem) withHeader(key, value string) *Problem {
	if p.header == nil {
		p.header = http.Header{}
	}
	p.header.Set(key, value)
	return p
}

// bearerChallenge is the WWW-Authenticate of a 401 (RFC 9110 §11.6.1, RFC 6750 §3) when no token
// was presented; invalidTokenChallenge when one was, but it is malformed, unknown, expired or
// revoked.
const (
	bearerChallenge       = `Bearer realm="tenantatlas"`
	invalidTokenChallenge = `Bearer realm="tenantatlas", error="invalid_token"`
)

// setHeaders writes the problem's own headers, and a Bearer challenge on every 401 that has none.
func (p *Problem) setHeaders(h http.Header) {
	for k, v := range p.header {
		h[k] = v
	}
	if p.Status == http.StatusUnauthorized && h.Get(echo.HeaderWWWAuthenticate) == "" {
		h.Set(echo.HeaderWWWAuthenticate, bearerChallenge)
	}
}

// FieldError says what is wrong with one field or parameter.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error makes a Problem an error value that handlers can return.
func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Detail) }

// NewProblem builds a problem with a title taken from the status.
func NewProblem(status int, code, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
}

// Common problems.
var (
	// ErrNotFound is the one body for "no such thing" and "not yours": they must not differ.
	ErrNotFound = NewProblem(http.StatusNotFound, "not_found", "The requested resource was not found.")
)

// BadRequest is a 400 with field errors.
func BadRequest(code, detail string, fields ...FieldError) *Problem {
	p := NewProblem(http.StatusBadRequest, code, detail)
	p.Errors = fields
	return p
}

// Unprocessable is a 422 with field errors.
func Unprocessable(detail string, fields ...FieldError) *Problem {
	p := NewProblem(http.StatusUnprocessableEntity, "validation_failed", detail)
	p.Errors = fields
	return p
}

// Forbidden is a 403 naming the missing capability.
func Forbidden(capability string) *Problem {
	p := NewProblem(http.StatusForbidden, "capability_missing", "You lack the capability "+capability+".")
	p.Capability = capability
	return p
}

// writeProblem renders p as application/problem+json.
func writeProblem(c echo.Context, p *Problem) error {
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().Header().Del(echo.HeaderLocation)
	setRetryAfter(c, p)
	p.setHeaders(c.Response().Header())
	c.Response().WriteHeader(p.Status)
	_, err = c.Response().Write(body)
	return err
}

// setRetryAfter sends the problem's Retry-After, if it has one.
func setRetryAfter(c echo.Context, p *Problem) {
	if p.RetryAfter > 0 {
		secs := int64((p.RetryAfter + time.Second - 1) / time.Second)
		c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
}

// errorHandler maps every error a handler returns to a problem. Domain errors are mapped in
// toProblem; anything unknown is a 500 whose detail reveals nothing. An unavailable database is
// a 503 that the outage logs once, not once per request.
func errorHandler(log *slog.Logger, down *outage) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := toProblem(err)
		switch {
		case p.Code == "database_unavailable":
			down.note(c.Request().Context(), err)
		case p.Status >= 500:
			log.ErrorContext(c.Request().Context(), "request failed",
				"method", c.Request().Method, "route", c.Path(), "request_id", requestID(c), "error", redact.String(err.Error()))
		}
		if c.Request().Method == http.MethodHead {
			c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
			setRetryAfter(c, p)
			p.setHeaders(c.Response().Header())
			_ = c.NoContent(p.Status)
			return
		}
		_ = writeProblem(c, p)
	}
}

func toProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if dp := domainProblem(err); dp != nil {
		return dp
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			// An unknown path and a known path with another method both simply do not exist.
			return ErrNotFound
		case http.StatusRequestEntityTooLarge:
			return NewProblem(he.Code, "body_too_large", "The request body is larger than 1 MiB.")
		case http.StatusUnsupportedMediaType:
			return NewProblem(he.Code, "unsupported_media_type", "Send the body as application/json.")
		case http.StatusUnauthorized:
			return NewProblem(he.Code, "unauthenticated", "Sign in or send a valid API token.")
		case http.StatusTooManyRequests:
			return NewProblem(he.Code, "rate_limited", "Too many requests.")
		}
		if he.Code >= 400 && he.Code < 500 {
			return NewProblem(he.Code, "bad_request", fmt.Sprint(he.Message))
		}
	}
	return NewProblem(http.StatusInternalServerError, "internal", "Something went wrong on our side; the request id identifies it.")
}
