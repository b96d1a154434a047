// Package cursor makes the cursors of paged lists opaque and tamper-evident.
//
// A cursor is the position of a list's last row (for example its created_at and id), which the
// list's next page starts after. Codec seals that value with AES-256-GCM, so a client sees
// neither its contents (an inventory cursor carries an item's display name) nor can change it
// without the cursor being refused, and binds it to its list: the list's name is authenticated
// with it, so a cursor of one list does not open in another.
//
// A sealed cursor is base64url (no padding) of
//
//	version (1 byte, 0x01) | nonce (12 bytes) | ciphertext of the value's JSON and GCM tag (16 bytes)
//
// The nonce is derived from the key, the list and the value (HMAC-SHA256), so the same position
// of the same list always gives the same cursor: a page's body, and with it its ETag, stays the
// same from one request to the next. Equal cursors reveal only that they are the same position.
package cursor

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"sync"
)

// Version is the first byte of every sealed cursor.
const Version byte = 1

const (
	nonceSize = 12
	tagSize   = 16
	overhead  = 1 + nonceSize + tagSize
	// MaxLength bounds an encoded cursor: far longer than any cursor this package makes.
	MaxLength = 1024
	// info separates the cursor keys from anything else derived from the same secret.
	info = "tenantatlas/cursor/v1"
	// MinSecret is the shortest secret New accepts, in bytes.
	MinSecret = 32
)

// encoding is unpadded base64url that refuses stray bits in the last character, so that a cursor
// has exactly one spelling.
var encoding = base64.RawURLEncoding.Strict()

// ErrInvalid reports a cursor that does not open: malformed, altered, issued for another list or
// under another key.
var ErrInvalid = errors.New("cursor: not a cursor of this list")

// Codec seals and opens cursors under one key. It is safe for concurrent use.
type Codec struct {
	aead cipher.AEAD
	macs sync.Pool // of hash.Hash: HMAC-SHA256 under the nonce key
}

// New derives the codec's keys from secret (at least MinSecret bytes) with HKDF-SHA256: one
// for AES-256-GCM, one for the nonces.
func New(secret []byte) (*Codec, error) {
	if len(secret) < MinSecret {
		return nil, fmt.Errorf("cursor: the secret has %d bytes, want at least %d", len(secret), MinSecret)
	}
	keys, err := hkdf.Key(sha256.New, secret, nil, info, 64)
	if err != nil {
		return nil, fmt.Errorf("cursor: derive keys: %w", err)
	}
	block, err := aes.NewCipher(keys[:32])
	if err != nil {
		return nil, fmt.Errorf("cursor: %w", err)
	}
	aead, err := cipher.NewGCMWithNonceSize(block, nonceSize)
	if err != nil {
		return nil, fmt.Errorf("cursor: %w", err)
	}
	nonceKey := keys[32:]
	c := &Codec{aead: aead}
	c.macs.New = func() any { return hmac.New(sha256.New, nonceKey) }
	return c, nil
}

// NewRandom is a codec under a fresh random key: its cursors open only in this process.
func NewRandom() *Codec {
	secret := make([]byte, MinSecret)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails (it crashes the program instead)
	c, err := New(secret)
	if err != nil {
		panic(err) // unreachable: the secret has the right size
	}
	return c
}

// Encode seals v (anything encoding/json marshals) as a cursor of list.
func (c *Codec) Encode(list string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("cursor: encode %s cursor: %w", list, err)
	}
	ad := additional(list)
	sealed := make([]byte, 1+nonceSize, len(plain)+overhead)
	sealed[0] = Version
	mac := c.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(ad)
	mac.Write(plain)
	sum := mac.Sum(make([]byte, 0, sha256.Size))
	c.macs.Put(mac)
	copy(sealed[1:], sum[:nonceSize])
	sealed = c.aead.Seal(sealed, sealed[1:1+nonceSize], plain, ad)
	return encoding.EncodeToString(sealed), nil
}

// Decode opens a cursor Encode made for list into v. Anything else is ErrInvalid.
func (c *Codec) Decode(list, cursor string, v any) error {
	if len(cursor) > MaxLength || len(cursor) < encoding.EncodedLen(overhead) {
		return ErrInvalid
	}
	sealed, err := encoding.DecodeString(cursor)
	if err != nil || len(sealed) < overhead || sealed[0] != Version {
		return ErrInvalid
	}
	plain, err := c.aead.Open(sealed[1+nonceSize:1+nonceSize], sealed[1:1+nonceSize], sealed[1+nonceSize:], additional(list))
	if err != nil {
		return ErrInvalid
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return ErrInvalid
	}
	return nil
}

// additional is the authenticated data of a list's cursors: the format and the list's name,
// length-prefixed so that it ends unambiguously where the value starts in the nonce's input
// (two different values never get the same nonce).
func additional(list string) []byte {
	if len(list) > math.MaxUint16 {
		panic("cursor: list name longer than 65535 bytes")
	}
	ad := make([]byte, 0, 3+len(list))
	ad = append(ad, Version)
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(list)))
	return append(ad, list...)
}
