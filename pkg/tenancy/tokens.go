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

// IssueToken creates an API token for a user and returns its plaintext, which is not stored and
// cannot be shown again. ttl 0 means the token never expires.
func (s *Service) IssueToken(ctx context.Context, userID int64, name string, ttl time.Duration) (string, APIToken, error) {
	var fe validation.Fields
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > MaxNameLength {
		fe.Add("name", fmt.Sprintf("must be at most %d characters", MaxNameLength))
	}
	if ttl < 0 {
		fe.Add("ttl", "must not be negative")
	}
	if err := fe.Invalid(invalidSummary); err != nil {
		return "", APIToken{}, fmt.Errorf("issue token: %w", err)
	}
	plaintext, err := newToken()
	if err != nil {
		return "", APIToken{}, fmt.Errorf("issue token: %w", err)
	}
	now := s.clockNow()
	tok := APIToken{UserID: userID, Name: name, TokenHash: HashToken(plaintext), CreatedAt: now}
	if ttl > 0 {
		exp := now.Add(ttl)
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
	err := s.revoke(ctx, func(tx *gorm.DB) *gorm.DB {
		return tx.Where("id = ? AND user_id = ?", tokenID, userID)
	})
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", tokenID, err)
	}
	return nil
}

// RevokeTokenByPlaintext revokes the token presented (sign-out). A malformed or unknown token is
// ErrInvalidCredentials; an already revoked one changes nothing.
func (s *Service) RevokeTokenByPlaintext(ctx context.Context, plaintext string) error {
	if !wellFormedToken(plaintext) {
		return fmt.Errorf("revoke token: malformed token: %w", ErrInvalidCredentials)
	}
	hash := HashToken(plaintext)
	err := s.revoke(ctx, func(tx *gorm.DB) *gorm.DB { return tx.Where("token_hash = ?", hash) })
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("revoke token: unknown token: %w", ErrInvalidCredentials)
	}
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// revoke sets revoked_at on the token where selects and announces it, in one transaction.
func (s *Service) revoke(ctx context.Context, where func(*gorm.DB) *gorm.DB) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var tok APIToken
		err := where(tx.Clauses(clause.Locking{Strength: "UPDATE"})).Take(&tok).Error
		if err != nil {
			return notFound(err, "token")
		}
		if tok.RevokedAt != nil {
			return nil
		}
		if err := tx.Model(&APIToken{}).Where("id = ?", tok.ID).Update("revoked_at", s.clockNow()).Error; err != nil {
			return err
		}
		return notify(tx, ChannelTokens, tok.TokenHash)
	})
}
