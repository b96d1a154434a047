package drift

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

// GenerationKey names the unique index that keeps one drift generation per comparison: among the
// tenant's drift_generate_findings runs, at most one queued, running or succeeded run per
// identity. A start of a comparison that already has a succeeded generation fails on it (a unique
// violation), and the caller answers with that generation instead (FindGeneration).
const GenerationKey = operations.DriftGenerationKey

// GenerationInputs are the identity inputs, and the context, of the drift_generate_findings run
// of a comparison: scope_key, baseline_run_id and current_run_id. With the tenant and the type
// they make the run's identity (operations.IdentityHash), so there is one generation per
// comparison; the run detail derives its baseline and current run links from the context.
func GenerationInputs(cmp Comparison) map[string]any {
	return map[string]any{
		"scope_key":       cmp.ScopeKey,
		"baseline_run_id": cmp.Baseline.ID,
		"current_run_id":  cmp.Current.ID,
	}
}

// GenerationIdentity is the run_identity_hash of a comparison's generation run.
func GenerationIdentity(cmp Comparison) (string, error) {
	return operations.IdentityHash(cmp.TenantID, operations.TypeDriftGenerateFindings, GenerationInputs(cmp))
}

// FindGeneration returns the comparison's generation that a start must answer with instead of
// starting another: the active one, else the one that succeeded. A failed, cancelled or blocked
// generation does not count, so the comparison can be generated again after one.
func FindGeneration(ctx context.Context, db *gorm.DB, cmp Comparison) (operations.Run, bool, error) {
	return findGeneration(ctx, db, cmp, operations.ActiveOrSucceededByIdentity)
}

// latestGeneration returns the comparison's newest generation, whatever its outcome.
func latestGeneration(ctx context.Context, db *gorm.DB, cmp Comparison) (operations.Run, bool, error) {
	return findGeneration(ctx, db, cmp, operations.NewestByIdentity)
}

type identityLookup func(ctx context.Context, db *gorm.DB, tenantID int64, runType, identityHash string) (operations.Run, bool, error)

func findGeneration(ctx context.Context, db *gorm.DB, cmp Comparison, lookup identityLookup) (operations.Run, bool, error) {
	hash, err := GenerationIdentity(cmp)
	if err != nil {
		return operations.Run{}, false, err
	}
	run, ok, err := lookup(ctx, db, cmp.TenantID, operations.TypeDriftGenerateFindings, hash)
	if err != nil {
		return operations.Run{}, false, fmt.Errorf("drift: find generation: %w", err)
	}
	return run, ok, nil
}

// State is where drift of a scope stands.
type State string

// Drift states.
const (
	// StateBlocked: fewer than two successful inventory syncs of the scope.
	StateBlocked State = "blocked"
	// StateReady: a comparison exists and has no generation that is active or succeeded.
	StateReady State = "ready"
	// StateGenerating: the comparison's generation is queued or running.
	StateGenerating State = "generating"
	// StateGenerated: the comparison's generation succeeded; its findings are written.
	StateGenerated State = "generated"
)

// Counts tally findings by severity (low, medium, high) and by status (new, acknowledged); every
// key is present.
type Counts struct {
	Total      int64
	BySeverity map[string]int64
	ByStatus   map[string]int64
}

func emptyCounts() Counts {
	return Counts{
		BySeverity: map[string]int64{SeverityLow: 0, SeverityMedium: 0, SeverityHigh: 0},
		ByStatus:   map[string]int64{StatusNew: 0, StatusAcknowledged: 0},
	}
}

// Overview is the drift page of one scope.
type Overview struct {
	ScopeKey string
	State    State
	Message  string
	// Current is the latest successful inventory sync of the scope and Baseline the one before
	// it; when blocked, Current is the only successful run (if any) and Baseline is nil.
	Baseline, Current *RunRef
	// Generation is the comparison's newest generation run, whatever its outcome; nil if none.
	Generation *operations.Run
	// Counts cover the findings of the current comparison (its scope, baseline and current run).
	Counts Counts
}

// Describe tells where drift of a tenant's scope stands: blocked, ready, generating or generated,
// with the comparison's runs, its latest generation and its findings counted.
func Describe(ctx context.Context, db *gorm.DB, tenantID int64, scopeKey string) (Overview, error) {
	ov := Overview{ScopeKey: scopeKey, Counts: emptyCounts()}
	refs, err := latestRuns(ctx, db, tenantID, scopeKey)
	if err != nil {
		return ov, err
	}
	if len(refs) < 2 {
		ov.State, ov.Message = StateBlocked, BlockedMessage
		if len(refs) == 1 {
			ov.Current = &refs[0]
		}
		return ov, nil
	}
	cmp := Comparison{TenantID: tenantID, ScopeKey: scopeKey, Current: refs[0], Baseline: refs[1]}
	ov.Current, ov.Baseline = &cmp.Current, &cmp.Baseline
	gen, ok, err := latestGeneration(ctx, db, cmp)
	if err != nil {
		return ov, err
	}
	if ok {
		ov.Generation = &gen
	}
	switch {
	case !ok:
		ov.State, ov.Message = StateReady, fmt.Sprintf("Ready to compare inventory sync run %d with run %d.", cmp.Baseline.ID, cmp.Current.ID)
	case gen.Status.Active():
		ov.State, ov.Message = StateGenerating, "Drift findings are being generated."
	case gen.Outcome == operations.OutcomeSucceeded:
		ov.State, ov.Message = StateGenerated, fmt.Sprintf("Findings generated comparing inventory sync run %d with run %d.", cmp.Baseline.ID, cmp.Current.ID)
	default:
		ov.State, ov.Message = StateReady, fmt.Sprintf("The last generation ended %s; generate again to compare inventory sync run %d with run %d.",
			gen.Outcome, cmp.Baseline.ID, cmp.Current.ID)
	}
	if ov.Counts, err = countComparison(ctx, db, cmp); err != nil {
		return ov, err
	}
	return ov, nil
}

// countComparison counts the findings of one comparison.
func countComparison(ctx context.Context, db *gorm.DB, cmp Comparison) (Counts, error) {
	c := emptyCounts()
	var rows []struct {
		Severity string
		Status   string
		N        int64
	}
	err := db.WithContext(ctx).Raw(`SELECT severity, status, count(*) AS n FROM findings
		WHERE tenant_id = ? AND scope_key = ? AND baseline_operation_run_id = ? AND current_operation_run_id = ?
		GROUP BY severity, status`, cmp.TenantID, cmp.ScopeKey, cmp.Baseline.ID, cmp.Current.ID).Scan(&rows).Error
	if err != nil {
		return c, fmt.Errorf("drift: count findings: %w", err)
	}
	for _, r := range rows {
		c.Total += r.N
		c.BySeverity[r.Severity] += r.N
		c.ByStatus[r.Status] += r.N
	}
	return c, nil
}
