package tenancy

import (
	"slices"
	"strings"
)

// Scope limits what a token may do, whatever its user's roles allow: ScopeRead covers reading
// (GET and HEAD), ScopeWrite everything that changes state. A token needs both to act as its
// user in full; sign-in tokens and tokens issued before scopes existed hold both.
type Scope string

// The scopes a token can hold.
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
)

// AllScopes is every scope, in their canonical order: a token with all of them has its user's
// full access.
var AllScopes = []Scope{ScopeRead, ScopeWrite}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(AllScopes, s) }

// normalizeScopes validates scopes and returns them deduplicated in canonical order. Empty means
// every scope.
func normalizeScopes(in []Scope) ([]string, bool) {
	if len(in) == 0 {
		in = AllScopes
	}
	out := make([]string, 0, len(AllScopes))
	for _, known := range AllScopes {
		for _, s := range in {
			if s == known {
				out = append(out, string(known))
				break
			}
		}
	}
	for _, s := range in {
		if !s.Valid() {
			return nil, false
		}
	}
	return out, true
}

// ParseScopes reads a comma-separated list such as "read,write" (for the CLI).
func ParseScopes(list string) ([]Scope, bool) {
	var out []Scope
	for _, part := range strings.Split(list, ",") {
		s := Scope(strings.TrimSpace(part))
		if !s.Valid() {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// HasScope reports whether the principal's token holds s.
func (p Principal) HasScope(s Scope) bool { return slices.Contains(p.Scopes, s) }

func scopesOf(stored []string) []Scope {
	out := make([]Scope, len(stored))
	for i, s := range stored {
		out[i] = Scope(s)
	}
	return out
}
