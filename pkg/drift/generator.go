package drift

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

// Failure codes of a drift generation.
const (
	CodeInvalidRun     = "drift.invalid_run"     // the run has no tenant or no valid comparison in its context
	CodeRunUnavailable = "drift.run_unavailable" // the baseline or current run is gone or no longer a successful sync of the scope
)

// Generator does the work of drift_generate_findings runs: it compares the inventory
// observations of a comparison's baseline and current runs and writes the differences as
// findings, in one set-based statement inside PostgreSQL (no inventory is loaded into Go).
type Generator struct {
	sql        *sql.DB
	db         *gorm.DB
	severities Severities
	overrides  map[string]string
	now        func() time.Time
}

// GeneratorOption configures a Generator.
type GeneratorOption func(*Generator)

// WithSeverities sets the severity table (default DefaultSeverities).
func WithSeverities(s Severities) GeneratorOption {
	return func(g *Generator) {
		if s != nil {
			g.severities = s
		}
	}
}

// WithSeverityOverrides applies rules on top of the defaults (see NewSeverities), e.g. those of
// TENANTATLAS_DRIFT_SEVERITY; NewGenerator fails on an invalid rule.
func WithSeverityOverrides(overrides map[string]string) GeneratorOption {
	return func(g *Generator) { g.overrides = overrides }
}

// WithClock sets the clock that stamps the findings' created_at and updated_at.
func WithClock(now func() time.Time) GeneratorOption { return func(g *Generator) { g.now = now } }

// NewGenerator builds a Generator over db.
func NewGenerator(db *gorm.DB, opts ...GeneratorOption) (*Generator, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("drift generator: %w", err)
	}
	g := &Generator{sql: sqlDB, db: db, severities: DefaultSeverities(), now: time.Now}
	for _, o := range opts {
		o(g)
	}
	if len(g.overrides) > 0 {
		merged := maps.Clone(g.severities)
		for k, v := range g.overrides {
			if err := ValidateSeverityRule(k, v); err != nil {
				return nil, fmt.Errorf("drift generator: %w", err)
			}
			merged[k] = v
		}
		g.severities = merged
	}
	return g, nil
}

// Result is what one generation found and wrote. Total = Added + Removed + Modified = Created +
// Unchanged; Unchanged are differences whose finding (same fingerprint) existed already.
type Result struct {
	Total, Created, Unchanged, Added, Removed, Modified int64
}

// Counts are the run's summary counts.
func (r Result) Counts() map[string]any {
	return map[string]any{"total": r.Total, "created": r.Created, "unchanged": r.Unchanged,
		"added": r.Added, "removed": r.Removed, "modified": r.Modified}
}

// generationContext is what a drift_generate_findings run keeps in its context (GenerationInputs).
type generationContext struct {
	ScopeKey      string `json:"scope_key"`
	BaselineRunID int64  `json:"baseline_run_id"`
	CurrentRunID  int64  `json:"current_run_id"`
}

// transientError is a database failure: worth another attempt of the job within the same run.
type transientError struct{ err error }

func (e *transientError) Error() string   { return e.err.Error() }
func (e *transientError) Unwrap() error   { return e.err }
func (e *transientError) Transient() bool { return true }

// Generate is the work of a drift_generate_findings run (a jobs.Work): it reads the comparison
// from the run's context, checks that both runs are still successful inventory syncs of the
// scope, and writes the findings. A run without a valid comparison completes as failed
// (drift.invalid_run); one whose baseline or current run is gone (pruned) or no longer qualifies
// completes as blocked (drift.run_unavailable). A database error is returned as transient, so
// the job is retried within the same run; writing again is harmless (no duplicates).
func (g *Generator) Generate(ctx context.Context, run operations.Run) (operations.Transition, error) {
	fail := func(outcome operations.Outcome, code, msg string) (operations.Transition, error) {
		return operations.Transition{Outcome: outcome,
			Failures: []operations.Failure{{Code: code, Message: msg, Count: 1}}}, nil
	}
	var gc generationContext
	if run.TenantID == nil {
		return fail(operations.OutcomeFailed, CodeInvalidRun, "A drift generation needs a tenant.")
	}
	if err := json.Unmarshal(run.Context, &gc); err != nil || !ValidScopeKey(gc.ScopeKey) || gc.BaselineRunID < 1 ||
		gc.CurrentRunID < 1 || gc.BaselineRunID == gc.CurrentRunID {
		return fail(operations.OutcomeFailed, CodeInvalidRun, "The run's context does not name a scope_key, baseline_run_id and current_run_id.")
	}
	cmp, err := g.comparison(ctx, *run.TenantID, gc)
	if errors.Is(err, errRunUnavailable) {
		return fail(operations.OutcomeBlocked, CodeRunUnavailable, fmt.Sprintf(
			"Inventory sync run %d or %d is no longer available as a successful run of this scope (pruned or removed).",
			gc.BaselineRunID, gc.CurrentRunID))
	}
	if err != nil {
		return operations.Transition{}, &transientError{err}
	}
	res, err := g.Write(ctx, cmp)
	if err != nil {
		if ctx.Err() != nil {
			return operations.Transition{}, err
		}
		return operations.Transition{}, &transientError{err}
	}
	return operations.Transition{Outcome: operations.OutcomeSucceeded, SummaryCounts: res.Counts()}, nil
}

// errRunUnavailable: a run of the generation's context is no longer a successful inventory sync
// of the tenant and scope.
const errRunUnavailable Error = "drift: run unavailable"

// comparison reads the two runs of a generation's context, which must still be successful
// inventory syncs of the tenant and scope.
func (g *Generator) comparison(ctx context.Context, tenantID int64, gc generationContext) (Comparison, error) {
	runs, err := operations.SucceededAmong(ctx, g.db, tenantID, operations.TypeInventorySync, gc.ScopeKey,
		[]int64{gc.BaselineRunID, gc.CurrentRunID})
	if err != nil {
		return Comparison{}, fmt.Errorf("drift: read runs: %w", err)
	}
	cmp := Comparison{TenantID: tenantID, ScopeKey: gc.ScopeKey}
	for _, run := range runs {
		r := RunRef{ID: run.ID, CompletedAt: run.CompletedAt.UTC()}
		switch r.ID {
		case gc.BaselineRunID:
			cmp.Baseline = r
		case gc.CurrentRunID:
			cmp.Current = r
		}
	}
	if cmp.Baseline.ID == 0 || cmp.Current.ID == 0 {
		return Comparison{}, errRunUnavailable
	}
	return cmp, nil
}

// writeSQL compares two runs' observations and writes the differences as findings, in one
// statement.
//
//   - diff: FULL OUTER JOIN of the baseline's and the current run's inventory_observations on
//     (policy_type, external_id): only in current → added, only in baseline → removed, in both
//     with different content_hash → modified. A missing side's hash is the empty string.
//   - kinds/severity: the severity of each (change_type, subject_type) that occurs, by the most
//     specific rule of the table ($7..$9; see Severities), medium when none matches.
//   - fingerprint: lowercase hex sha256 of the UTF-8 string
//     tenant_id|scope_key|subject_type|subject_external_id|change_type|baseline_hash|current_hash
//     (fields joined by '|'; tenant_id in decimal; a missing hash is the empty string). Only
//     subject_external_id can contain '|', and the fields around it cannot, so the string is
//     unambiguous.
//   - evidence (allow-listed): change_type, and the baseline's and current run's id and
//     completed_at. Never a payload: the observations hold only hashes. Changed field names are
//     not recorded, since neither observations nor items keep a run's fields.
//   - ON CONFLICT (tenant_id, fingerprint) DO NOTHING: an existing finding is left as it is
//     (status and acknowledgement included) and counted as unchanged.
const writeSQL = `
WITH base AS (
	SELECT policy_type, external_id, content_hash FROM inventory_observations WHERE operation_run_id = $2
),
cur AS (
	SELECT policy_type, external_id, content_hash FROM inventory_observations WHERE operation_run_id = $3
),
diff AS MATERIALIZED (
	SELECT coalesce(c.policy_type, b.policy_type) AS subject_type,
	       coalesce(c.external_id, b.external_id) AS subject_external_id,
	       CASE WHEN b.external_id IS NULL THEN 'added' WHEN c.external_id IS NULL THEN 'removed' ELSE 'modified' END AS change_type,
	       coalesce(b.content_hash, '') AS baseline_hash,
	       coalesce(c.content_hash, '') AS current_hash
	FROM base b FULL OUTER JOIN cur c ON c.policy_type = b.policy_type AND c.external_id = b.external_id
	WHERE b.external_id IS NULL OR c.external_id IS NULL OR b.content_hash <> c.content_hash
),
rules AS (
	SELECT * FROM unnest($7::text[], $8::text[], $9::text[]) AS r(change_type, subject_type, severity)
),
kinds AS (
	SELECT k.change_type, k.subject_type,
	       coalesce((SELECT r.severity FROM rules r
	                 WHERE r.change_type IN (k.change_type, '*') AND r.subject_type IN (k.subject_type, '*')
	                 ORDER BY r.change_type = '*', r.subject_type = '*' LIMIT 1), 'medium') AS severity
	FROM (SELECT DISTINCT change_type, subject_type FROM diff) k
),
ins AS (
	INSERT INTO findings (tenant_id, finding_type, scope_key, baseline_operation_run_id, current_operation_run_id,
		fingerprint, subject_type, subject_external_id, change_type, severity, status, evidence, created_at, updated_at)
	SELECT $1, 'drift', $4, $2, $3,
	       encode(sha256(convert_to(concat_ws('|', $1::bigint::text, $4::text, d.subject_type, d.subject_external_id,
	           d.change_type, d.baseline_hash, d.current_hash), 'UTF8')), 'hex'),
	       d.subject_type, d.subject_external_id, d.change_type, k.severity, 'new',
	       jsonb_build_object('change_type', d.change_type,
	           'baseline', jsonb_build_object('run_id', $2::bigint, 'completed_at', $5::text),
	           'current', jsonb_build_object('run_id', $3::bigint, 'completed_at', $6::text)),
	       $10, $10
	FROM diff d JOIN kinds k USING (change_type, subject_type)
	ON CONFLICT (tenant_id, fingerprint) DO NOTHING
	RETURNING 1
)
SELECT count(*),
       count(*) FILTER (WHERE change_type = 'added'),
       count(*) FILTER (WHERE change_type = 'removed'),
       count(*) FILTER (WHERE change_type = 'modified'),
       (SELECT count(*) FROM ins)
FROM diff`

// Write compares the comparison's runs and writes its findings (see writeSQL). Running it again
// writes nothing new: every difference then counts as unchanged.
func (g *Generator) Write(ctx context.Context, cmp Comparison) (Result, error) {
	changes, subjects, severities := g.severities.rules()
	now := g.now().UTC().Truncate(time.Microsecond)
	var r Result
	err := g.sql.QueryRowContext(ctx, writeSQL, cmp.TenantID, cmp.Baseline.ID, cmp.Current.ID, cmp.ScopeKey,
		cmp.Baseline.CompletedAt.UTC().Format(time.RFC3339Nano), cmp.Current.CompletedAt.UTC().Format(time.RFC3339Nano),
		changes, subjects, severities, now).Scan(&r.Total, &r.Added, &r.Removed, &r.Modified, &r.Created)
	if err != nil {
		return Result{}, fmt.Errorf("drift: write findings of runs %d and %d: %w", cmp.Baseline.ID, cmp.Current.ID, err)
	}
	r.Unchanged = r.Total - r.Created
	return r, nil
}
