package operations

import (
	"maps"
	"regexp"
	"slices"
	"time"
)

// CapabilityOperationsView is the capability that viewing a run of a type the registry does not
// know requires. Every role holds it.
const CapabilityOperationsView = "tenant.operations.view"

// UnknownLabel labels runs of a type the registry does not know.
const UnknownLabel = "Unknown operation"

// TypeKeyPattern is the shape of a run type key, registered or not.
var TypeKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,63}$`)

// ValidTypeKey reports whether s looks like a run type key. A well-formed key need not be
// registered: older stored types stay findable.
func ValidTypeKey(s string) bool { return TypeKeyPattern.MatchString(s) }

// IdentityRule says how Ensure derives a run's identity and when it reuses an existing run.
type IdentityRule string

// Identity rules.
const (
	// IdentityReuseActive: an active (queued or running) run with the same identity is reused.
	IdentityReuseActive IdentityRule = "reuse_active"
	// IdentityAlwaysNew: a random nonce joins the identity, so every call creates a new run
	// ("run now", "retry").
	IdentityAlwaysNew IdentityRule = "always_new"
	// IdentitySlot: the identity inputs fully determine the run (a schedule's slot, the
	// retention or purge of one backup); a duplicate while the run is active is reused. The
	// inputs are required. As for every rule, a finished run frees its identity: that a slot
	// runs at most once after that is the scheduler's guarantee (River's unique options).
	IdentitySlot IdentityRule = "slot"
)

// Valid reports whether r is one of the identity rules.
func (r IdentityRule) Valid() bool {
	switch r {
	case IdentityReuseActive, IdentityAlwaysNew, IdentitySlot:
		return true
	}
	return false
}

// Canonical run type keys.
const (
	TypeInventorySync         = "inventory_sync"
	TypeEntraGroupSync        = "entra_group_sync"
	TypeDriftGenerateFindings = "drift_generate_findings"
	TypeBackupRun             = "backup_schedule_run"
	TypeBackupRetention       = "backup_schedule_retention"
	TypeBackupPurge           = "backup_schedule_purge"
)

// Type is one registered run type: the whole story of a type is declared once, here.
// Authorisation (the capability of its start route and of viewing its runs), validation, the
// job kind its runs are queued as (the key), the related links of its runs, the SPA's labels and
// the guard tests read the registry. The type's worker is the entry for its key in pkg/jobs'
// work table; a test fails for a type without one, and for a type that users start without a
// start route declaring the type's capability.
type Type struct {
	Key        string // also the River job kind of its runs' jobs
	Label      string
	Capability string // needed to start a run of this type and to view one
	// StartedBySystem: runs of this type are only ever created by other work (retention after a
	// backup, the daily purge), so the type has no start route.
	StartedBySystem bool
	// Related are the pages of the run's tenant that a run of this type relates to.
	Related []Related
	// SummaryKeys are the summary_counts keys a run of this type may carry: the common keys
	// first, then the type's own.
	SummaryKeys []string
	// IdentityRule is the type's default rule; EnsureInput.IdentityRule may override it for
	// one call (a backup "run now" or "retry" is IdentityAlwaysNew).
	IdentityRule IdentityRule
	// TimeLimit is how long a run may stay queued or running before it is stale.
	TimeLimit time.Duration
	// RetryContext is merged into the context of a retry of a run of this type (besides
	// retry_of): a retried scheduled backup is no longer the schedule's slot.
	RetryContext map[string]any
	// NoActions: runs of this type cannot be cancelled or retried by users.
	NoActions bool
}

// AllowsSummaryKey reports whether k may appear in the summary_counts of a run of type t.
func (t Type) AllowsSummaryKey(k string) bool { return slices.Contains(t.SummaryKeys, k) }

// commonSummaryKeys are allowed for every type, registered or not.
func commonSummaryKeys() []string {
	return []string{"total", "processed", "succeeded", "failed", "skipped"}
}

// CommonSummaryKeys returns the summary_counts keys every run type allows.
func CommonSummaryKeys() []string { return commonSummaryKeys() }

// registry builds the table of run types, in their stable order. It is built on every call so
// that no caller can change it for another.
func registry() []Type {
	keys := func(own ...string) []string { return append(commonSummaryKeys(), own...) }
	return []Type{
		{
			Key:          TypeInventorySync,
			Label:        "Inventory sync",
			Capability:   "tenant.inventory.sync",
			SummaryKeys:  keys("created", "updated", "unchanged"),
			IdentityRule: IdentityReuseActive,
			TimeLimit:    30 * time.Minute,
			Related:      []Related{{Rel: "inventory", Title: "Inventory", API: "inventory/items", UI: "inventory"}},
		},
		{
			Key:          TypeEntraGroupSync,
			Label:        "Entra group sync",
			Capability:   "tenant.directory.sync",
			SummaryKeys:  keys("observed", "upserted", "errors", "created", "updated", "unchanged"),
			IdentityRule: IdentityReuseActive,
			TimeLimit:    30 * time.Minute,
			Related:      []Related{{Rel: "directory_groups", Title: "Entra groups", API: "directory/groups", UI: "directory/groups"}},
		},
		{
			Key:          TypeDriftGenerateFindings,
			Label:        "Drift findings generation",
			Capability:   "tenant.drift.view",
			SummaryKeys:  keys("created", "unchanged", "added", "removed", "modified"),
			IdentityRule: IdentityReuseActive,
			TimeLimit:    15 * time.Minute,
			Related:      []Related{{Rel: "drift", Title: "Drift", API: "drift", UI: "drift"}},
		},
		{
			Key:          TypeBackupRun,
			Label:        "Backup schedule run",
			Capability:   "tenant.backups.manage",
			SummaryKeys:  keys("items", "policy_types"),
			IdentityRule: IdentitySlot,
			TimeLimit:    60 * time.Minute,
			RetryContext: map[string]any{"trigger": "retry"},
		},
		{
			Key:             TypeBackupRetention,
			Label:           "Backup retention",
			Capability:      "tenant.backups.manage",
			SummaryKeys:     keys("kept", "retired"),
			IdentityRule:    IdentitySlot,
			TimeLimit:       15 * time.Minute,
			StartedBySystem: true,
		},
		{
			Key:             TypeBackupPurge,
			Label:           "Backup purge",
			Capability:      "tenant.backups.manage",
			SummaryKeys:     keys("deleted", "items_deleted"),
			IdentityRule:    IdentitySlot,
			TimeLimit:       60 * time.Minute,
			StartedBySystem: true,
		},
	}
}

// declared is the registry, built once and never changed; callers get copies.
var (
	declared = registry()
	byKey    = func() map[string]Type {
		m := make(map[string]Type, len(declared))
		for _, t := range declared {
			m[t.Key] = t
		}
		return m
	}()
	declaredKeys = func() []string {
		keys := make([]string, len(declared))
		for i, t := range declared {
			keys[i] = t.Key
		}
		return keys
	}()
)

// Types lists the registered run types in a stable order.
func Types() []Type {
	out := make([]Type, len(declared))
	for i, t := range declared {
		out[i] = t.clone()
	}
	return out
}

func (t Type) clone() Type {
	t.SummaryKeys = slices.Clone(t.SummaryKeys)
	t.Related = slices.Clone(t.Related)
	t.RetryContext = maps.Clone(t.RetryContext)
	return t
}

// Keys lists the registered type keys in the order of Types.
func Keys() []string { return slices.Clone(declaredKeys) }

// Lookup finds a registered type by key.
func Lookup(key string) (Type, bool) {
	t, ok := byKey[key]
	return t.clone(), ok
}

// Known reports whether key is a registered type (without copying its declaration).
func Known(key string) bool {
	_, ok := byKey[key]
	return ok
}

// CapabilityFor is the capability that starting, and viewing, a run of the type needs;
// tenant.operations.view for a type the registry does not know.
func CapabilityFor(key string) string {
	if t, ok := byKey[key]; ok {
		return t.Capability
	}
	return CapabilityOperationsView
}

// LabelFor returns the type's label; for a type the registry does not know, UnknownLabel.
func LabelFor(key string) string {
	if t, ok := byKey[key]; ok {
		return t.Label
	}
	return UnknownLabel
}

// allowedSummaryKeys returns the summary_counts keys for a type key; for an unknown type only the
// common keys.
func allowedSummaryKeys(key string) []string {
	if t, ok := Lookup(key); ok {
		return t.SummaryKeys
	}
	return commonSummaryKeys()
}
