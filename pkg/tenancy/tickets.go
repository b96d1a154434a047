package tenancy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Stream tickets open one event stream. A browser's EventSource cannot send an Authorization
// header, and a token must never travel in a URL (it is long-lived and URLs are logged), so the
// client trades its token for a ticket that is good for one stream, once, for a minute.
const (
	// TicketPrefix starts every stream ticket.
	TicketPrefix = "tas_"
	// StreamTicketTTL is how long a ticket can be redeemed.
	StreamTicketTTL = 60 * time.Second
)

const ticketLength = len(TicketPrefix) + 43

// IssueStreamTicket returns a new ticket that speaks for p's token, and when it expires. Only its
// hash is stored. Expired tickets are cleared on the way.
func (a *Authenticator) IssueStreamTicket(ctx context.Context, p Principal) (string, time.Time, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, fmt.Errorf("issue stream ticket: %w", err)
	}
	ticket := TicketPrefix + base64.RawURLEncoding.EncodeToString(b)
	now := a.now().UTC().Truncate(time.Microsecond)
	expires := now.Add(StreamTicketTTL)
	db := a.db.WithContext(ctx)
	if err := db.Exec(`DELETE FROM stream_tickets WHERE expires_at <= ?`, now).Error; err != nil {
		return "", time.Time{}, fmt.Errorf("issue stream ticket: %w", err)
	}
	if err := db.Exec(`INSERT INTO stream_tickets (ticket_hash, token_hash, expires_at) VALUES (?, ?, ?)`,
		HashToken(ticket), p.TokenHash, expires).Error; err != nil {
		return "", time.Time{}, fmt.Errorf("issue stream ticket: %w", err)
	}
	return ticket, expires, nil
}

// RedeemStreamTicket uses up a ticket and returns the principal of the token it speaks for. An
// unknown, used or expired ticket, or one whose token is no longer valid, is
// ErrInvalidCredentials.
func (a *Authenticator) RedeemStreamTicket(ctx context.Context, ticket string) (Principal, error) {
	if len(ticket) != ticketLength || !strings.HasPrefix(ticket, TicketPrefix) {
		return Principal{}, fmt.Errorf("malformed stream ticket: %w", ErrInvalidCredentials)
	}
	var rows []struct {
		TokenHash string
		ExpiresAt time.Time
	}
	if err := a.db.WithContext(ctx).Raw(`DELETE FROM stream_tickets WHERE ticket_hash = ? RETURNING token_hash, expires_at`,
		HashToken(ticket)).Scan(&rows).Error; err != nil {
		return Principal{}, fmt.Errorf("redeem stream ticket: %w", err)
	}
	if len(rows) == 0 {
		return Principal{}, fmt.Errorf("unknown stream ticket: %w", ErrInvalidCredentials)
	}
	if !a.now().Before(rows[0].ExpiresAt) {
		return Principal{}, fmt.Errorf("stream ticket expired: %w", ErrInvalidCredentials)
	}
	return a.VerifyHash(ctx, rows[0].TokenHash)
}
