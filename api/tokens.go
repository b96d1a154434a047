package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/tenancy"
)

// A caller's own API tokens: list, create (the secret is in the answer once), revoke.

// Token lifetimes through the API: DefaultTokenTTL without "ttl", at most MaxTokenTTL (tokens
// that never expire are for the CLI only).
const (
	DefaultTokenTTL = 30 * 24 * time.Hour
	MaxTokenTTL     = 366 * 24 * time.Hour
)

type tokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     *string    `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	// Current marks the token the request came with.
	Current bool `json:"current"`
}

func presentToken(t tenancy.APIToken, current int64) tokenJSON {
	scopes := []string(t.Scopes)
	if scopes == nil {
		scopes = []string{}
	}
	return tokenJSON{ID: t.ID, Name: t.Name, Prefix: t.TokenPrefix, Scopes: scopes, CreatedAt: t.CreatedAt,
		LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt, Current: t.ID == current}
}

type createTokenRequest struct {
	Name   string          `json:"name"`
	TTL    *string         `json:"ttl"`
	Scopes []tenancy.Scope `json:"scopes"`
}

type createdTokenJSON struct {
	tokenJSON
	// Token is the secret, shown in this answer only.
	Token string `json:"token"`
}

// listMyTokens lists the caller's tokens that still sign in, newest first (never their secrets).
func (s *Server) listMyTokens(c echo.Context) error {
	p := principal(c)
	toks, err := s.tenancy.ActiveTokens(c.Request().Context(), p.User.ID)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(toks))
	for i, t := range toks {
		out[i] = presentToken(t, p.TokenID)
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

// createMyToken issues a token for the caller with the scopes asked for (both if none) and a
// lifetime ("ttl", a duration such as "720h").
func (s *Server) createMyToken(c echo.Context) error {
	var req createTokenRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var fields []FieldError
	if req.Name == "" {
		fields = append(fields, FieldError{Field: "name", Message: "is required"})
	}
	ttl := DefaultTokenTTL
	if req.TTL != nil {
		d, err := time.ParseDuration(*req.TTL)
		switch {
		case err != nil:
			fields = append(fields, FieldError{Field: "ttl", Message: "must be a duration such as 12h or 720h"})
		case d <= 0 || d > MaxTokenTTL:
			fields = append(fields, FieldError{Field: "ttl", Message: "must be more than 0 and at most 8784h (366 days)"})
		default:
			ttl = d
		}
	}
	if req.Scopes != nil && len(req.Scopes) == 0 {
		fields = append(fields, FieldError{Field: "scopes", Message: "must name at least one scope: read, write"})
	}
	if len(fields) > 0 {
		return Unprocessable("Some values are not valid.", fields...)
	}
	p := principal(c)
	plaintext, tok, err := s.tenancy.CreateToken(c.Request().Context(), p.User.ID,
		tenancy.TokenInput{Name: req.Name, TTL: ttl, Scopes: req.Scopes})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, createdTokenJSON{tokenJSON: presentToken(tok, p.TokenID), Token: plaintext})
}

// revokeMyToken revokes one of the caller's tokens, at once in this process and, through
// LISTEN/NOTIFY, in every other. Another user's token is 404.
func (s *Server) revokeMyToken(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	tok, err := s.tenancy.RevokeUserToken(c.Request().Context(), principal(c).User.ID, id)
	if err != nil {
		return err
	}
	s.auth.Invalidate(tok.TokenHash)
	return c.NoContent(http.StatusNoContent)
}
