package drift

import (
	"regexp"

	"github.com/tenantatlas/operations/pkg/inventory"
)

// scopeKeyPattern is the shape of a scope key: a lowercase hex SHA-256.
var scopeKeyPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidScopeKey reports whether s looks like a scope key (64 lowercase hex characters).
func ValidScopeKey(s string) bool { return scopeKeyPattern.MatchString(s) }

// ScopeKey is the drift scope of an inventory selection. It is inventory.Selection.ScopeKey, the
// very function the inventory sync stores in its run's context (context.scope_key), so that the
// runs of one selection are found by it: sha256 of the selection's canonical JSON (sorted keys and
// arrays), in lowercase hex.
func ScopeKey(sel inventory.Selection) string { return sel.ScopeKey() }
