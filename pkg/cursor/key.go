package cursor

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"

	"github.com/tenantatlas/operations/pkg/secrets"
)

// serverKeyName is the server_keys row whose key seals cursors when no secret key is configured.
const serverKeyName = "cursor"

// Load returns the codec every API process on one database agrees on. With secretKey
// (TENANTATLAS_SECRET_KEY, parsed as pkg/secrets parses it) the keys derive from it; without it,
// from a random key stored once in server_keys: the first process inserts it, every other one
// reads the same row. The key is never logged or returned.
func Load(ctx context.Context, db *sql.DB, secretKey string) (*Codec, error) {
	if secretKey != "" {
		raw, err := secrets.ParseKey(secretKey)
		if err != nil {
			return nil, err
		}
		return New(raw)
	}
	raw, err := serverKey(ctx, db, serverKeyName, MinSecret)
	if err != nil {
		return nil, err
	}
	return New(raw)
}

// serverKey returns the random key stored under name, storing size fresh random bytes first when
// there is none yet. Concurrent callers all get the one key that was stored first.
func serverKey(ctx context.Context, db *sql.DB, name string, size int) ([]byte, error) {
	fresh := make([]byte, size)
	_, _ = rand.Read(fresh) // crypto/rand.Read never fails (it crashes the program instead)
	if _, err := db.ExecContext(ctx,
		`INSERT INTO server_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("store the %s server key: %w", name, err)
	}
	var key []byte
	if err := db.QueryRowContext(ctx, `SELECT key FROM server_keys WHERE name = $1`, name).Scan(&key); err != nil {
		return nil, fmt.Errorf("read the %s server key: %w", name, err)
	}
	if len(key) < size {
		return nil, fmt.Errorf("the %s server key has %d bytes, want at least %d", name, len(key), size)
	}
	return key, nil
}
