package drift

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

// BlockedMessage says why drift cannot be calculated for a scope yet.
const BlockedMessage = "Need at least 2 successful runs for this scope to calculate drift"

// ErrBlocked is returned when a scope has fewer than two successful inventory sync runs; its
// message is BlockedMessage, shown to people as it is.
const ErrBlocked Error = BlockedMessage

// Error is the type of this package's sentinel errors: constants, so no code can replace them,
// and comparable, so errors.Is finds them through %w wrapping.
type Error string

func (e Error) Error() string { return string(e) }

// RunRef is one inventory_sync run a comparison is made of.
type RunRef struct {
	ID          int64
	CompletedAt time.Time
}

// Comparison is what drift compares: the baseline and the current inventory_sync run of one
// scope of a tenant.
type Comparison struct {
	TenantID int64
	ScopeKey string
	Baseline RunRef
	Current  RunRef
}

// latestRuns returns up to the two newest successful inventory_sync runs of the scope, newest
// first.
func latestRuns(ctx context.Context, db *gorm.DB, tenantID int64, scopeKey string) ([]RunRef, error) {
	runs, err := operations.LatestSucceeded(ctx, db, tenantID, operations.TypeInventorySync, scopeKey, 2)
	if err != nil {
		return nil, fmt.Errorf("drift: select runs of scope %s: %w", scopeKey, err)
	}
	refs := make([]RunRef, len(runs))
	for i, r := range runs {
		refs[i] = RunRef{ID: r.ID, CompletedAt: r.CompletedAt.UTC()}
	}
	return refs, nil
}

// SelectComparison is the drift run selector. Of the tenant's inventory_sync runs whose context
// has this scope_key, current is the latest one (by completed_at, then id) that completed with
// outcome succeeded, and baseline is the one before it. With fewer than two such runs the scope is
// blocked: ErrBlocked, whose message is BlockedMessage.
//
// Only outcome succeeded counts. A partially_succeeded run is NOT used, as baseline or as current:
// some of its policy types failed to sync, so its observations are incomplete, and comparing with
// it would report every item of a failed type as "removed" (or, as baseline, as "added"). Failed,
// cancelled, blocked and still active runs are not used either, nor runs of other scopes or
// tenants.
func SelectComparison(ctx context.Context, db *gorm.DB, tenantID int64, scopeKey string) (Comparison, error) {
	refs, err := latestRuns(ctx, db, tenantID, scopeKey)
	if err != nil {
		return Comparison{}, err
	}
	if len(refs) < 2 {
		return Comparison{}, ErrBlocked
	}
	return Comparison{TenantID: tenantID, ScopeKey: scopeKey, Current: refs[0], Baseline: refs[1]}, nil
}
