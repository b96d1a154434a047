package tenancy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tenantatlas/operations/pkg/validation"
)

// TokenPrefix starts every API token, so that a leaked one is easy to recognise and scan for.
const TokenPrefix = "ta_"

// tokenBytes is the token's entropy; tokenLength the length of its plaintext.
const (
	tokenBytes  = 32
	tokenLength = len(TokenPrefix) + 43 // base64url of 32 bytes, unpadded
)

// newToken returns a fresh random token: "ta_" and 43 base64url characters.
func newToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// wellFormedToken reports whether plaintext has the shape newToken gives.
func wellFormedToken(plaintext string) bool {
	if len(plaintext) != tokenLength || !strings.HasPrefix(plaintext, TokenPrefix) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(plaintext[len(TokenPrefix):])
	return err == nil && len(b) == tokenBytes
}

// HashToken is what is stored of a token: the hex SHA-256 of its whole plaintext. A token has 256
// random bits, so a fast hash is enough (there is nothing to brute-force).
func HashToken(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// displayedPrefixLength is how much of a token's plaintext is kept to tell tokens apart: "ta_"
// and five random characters (30 bits), far too few to guess the rest from.
const displayedPrefixLength = len(TokenPrefix) + 5

// TokenInput is a token to issue. Scopes empty means every scope; TTL 0 means it never expires.
type TokenInput struct {
	Name   string
	TTL    time.Duration
	Scopes []Scope
}

// IssueToken creates an API token with every scope for a user and returns its plaintext, which
// is not stored and cannot be shown again. ttl 0 means the token never expires.
func (s *Service) IssueToken(ctx context.Context, userID int64, name string, ttl time.Duration) (string, APIToken, error) {
	return s.CreateToken(ctx, userID, TokenInput{Name: name, TTL: ttl})
}

// CreateToken creates an API token for a user and returns its plaintext, which is not stored and
// cannot be shown again. Invalid input is a *validation.Error (fields name, ttl, scopes); a
// missing user is ErrNotFound.
func (s *Service) CreateToken(ctx context.Context, userID int64, in TokenInput) (string, APIToken, error) {
	var fe validation.Fields
	name := strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(name) > MaxNameLength {
		fe.Add("name", fmt.Sprintf("must be at most %d characters", MaxNameLength))
	} else if !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		fe.Add("name", "must be valid UTF-8 without NUL characters")
	}
	if in.TTL < 0 {
		fe.Add("ttl", "must not be negative")
	}
	scopes, ok := normalizeScopes(in.Scopes)
	if !ok {
		fe.Add("scopes", "must be read, write or both")
	}
	if err := fe.Invalid(invalidSummary); err != nil {
		return "", APIToken{}, fmt.Errorf("issue token: %w", err)
	}
	plaintext, err := newToken()
	if err != nil {
		return "", APIToken{}, fmt.Errorf("issue token: %w", err)
	}
	now := s.clockNow()
	prefix := plaintext[:displayedPrefixLength]
	tok := APIToken{UserID: userID, Name: name, TokenHash: HashToken(plaintext), TokenPrefix: &prefix,
		Scopes: scopes, CreatedAt: now}
	if in.TTL > 0 {
		exp := now.Add(in.TTL)
		tok.ExpiresAt = &exp
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := userExists(tx, userID); err != nil {
			return err
		}
		return tx.Create(&tok).Error
	})
	if err != nil {
		return "", APIToken{}, fmt.Errorf("issue token: %w", err)
	}
	return plaintext, tok, nil
}

// MaxListedTokens bounds ActiveTokens.
const MaxListedTokens = 200

// ActiveTokens returns a user's tokens that still sign in (neither revoked nor expired), newest
// first, at most MaxListedTokens.
func (s *Service) ActiveTokens(ctx context.Context, userID int64) ([]APIToken, error) {
	toks := []APIToken{}
	err := s.db.WithContext(ctx).
		Where("user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", userID, s.clockNow()).
		Order("created_at DESC, id DESC").Limit(MaxListedTokens).Find(&toks).Error
	if err != nil {
		return nil, fmt.Errorf("active tokens: %w", err)
	}
	return toks, nil
}

// ListTokens returns a user's tokens, newest first, revoked and expired ones included.
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]APIToken, error) {
	toks := []APIToken{}
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at DESC, id DESC").Find(&toks).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return toks, nil
}

// RevokeToken revokes one of a user's tokens; a token of another user is ErrNotFound. Revoking a
// revoked token changes nothing. Other API processes learn of it through ChannelTokens; the
// caller's own Authenticator should also be told with Invalidate.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	_, err := s.RevokeUserToken(ctx, userID, tokenID)
	return err
}

// RevokeUserToken is RevokeToken returning the token, whose TokenHash is what Invalidate takes.
func (s *Service) RevokeUserToken(ctx context.Context, userID, tokenID int64) (APIToken, error) {
	tok, err := s.revoke(ctx, func(tx *gorm.DB) *gorm.DB {
		return tx.Where("id = ? AND user_id = ?", tokenID, userID)
	})
	if err != nil {
		return APIToken{}, fmt.Errorf("revoke token %d: %w", tokenID, err)
	}
	return tok, nil
}

// RevokeTokenByPlaintext revokes the token presented (sign-out). A malformed or unknown token is
// ErrInvalidCredentials; an already revoked one changes nothing.
func (s *Service) RevokeTokenByPlaintext(ctx context.Context, plaintext string) error {
	if !wellFormedToken(plaintext) {
		return fmt.Errorf("revoke token: malformed token: %w", ErrInvalidCredentials)
	}
	hash := HashToken(plaintext)
	_, err := s.revoke(ctx, func(tx *gorm.DB) *gorm.DB { return tx.Where("token_hash = ?", hash) })
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("revoke token: unknown token: %w", ErrInvalidCredentials)
	}
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// revoke sets revoked_at on the token where selects and announces it, in one transaction.
func (s *Service) revoke(ctx context.Context, where func(*gorm.DB) *gorm.DB) (APIToken, error) {
	var tok APIToken
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := where(tx.Clauses(clause.Locking{Strength: "UPDATE"})).Take(&tok).Error
		if err != nil {
			return notFound(err, "token")
		}
		if tok.RevokedAt != nil {
			return nil
		}
		now := s.clockNow()
		if err := tx.Model(&APIToken{}).Where("id = ?", tok.ID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		tok.RevokedAt = &now
		return notify(tx, ChannelTokens, tok.TokenHash)
	})
	return tok, err
}
