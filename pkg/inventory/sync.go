package inventory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/connections"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// Providers hands out the Graph provider for one run of a tenant; *connections.Connections is one.
type Providers interface {
	ForRun(ctx context.Context, tenant tenancy.Tenant, runType string, runID int64) (graph.Provider, error)
}

// Syncer does the work of inventory_sync runs.
type Syncer struct {
	db        *gorm.DB
	sql       *sql.DB
	providers Providers
	now       func() time.Time
}

// NewSyncer builds a Syncer.
func NewSyncer(db *gorm.DB, providers Providers) (*Syncer, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	return &Syncer{db: db, sql: sqlDB, providers: providers, now: time.Now}, nil
}

// RunContext is what an inventory_sync run keeps in its context.
type RunContext struct {
	Selection Selection `json:"selection"`
	ScopeKey  string    `json:"scope_key"`
}

// ReadRunContext decodes a run's context.
func ReadRunContext(run operations.Run) (RunContext, error) {
	var rc RunContext
	if err := json.Unmarshal(run.Context, &rc); err != nil {
		return rc, fmt.Errorf("run %d: context: %w", run.ID, err)
	}
	return rc, nil
}

// counts is a sync's tally.
type counts struct {
	total, created, updated, unchanged int64
	failedTypes, skippedTypes          int64
}

// Sync reads every policy type of the run's selection from the tenant's provider and upserts the
// items, recording what this run saw (its observations) for drift. A policy type that fails is
// recorded as a failure and the others go on: some failed → partially_succeeded, all → failed.
// Sync is the last attempt of its run; SyncAttempt says which attempt it is.
func (s *Syncer) Sync(ctx context.Context, run operations.Run) (operations.Transition, error) {
	return s.SyncAttempt(ctx, run, true)
}

// SyncAttempt is Sync as one attempt of its run's job. Before the last attempt, a policy type
// that Graph keeps throttling or refusing as unavailable after the client's own retries returns
// that (transient) error, so the job is tried again later within the same run, which upserts what
// it had already stored once more; on the last attempt it is a failure of the run like any other.
func (s *Syncer) SyncAttempt(ctx context.Context, run operations.Run, lastAttempt bool) (operations.Transition, error) {
	var result operations.Transition
	if run.TenantID == nil {
		return result, errors.New("inventory sync needs a tenant")
	}
	rc, err := ReadRunContext(run)
	if err != nil {
		return result, err
	}
	var tenant tenancy.Tenant
	if err := s.db.WithContext(ctx).First(&tenant, *run.TenantID).Error; err != nil {
		return result, fmt.Errorf("tenant %d: %w", *run.TenantID, err)
	}
	provider, err := s.providers.ForRun(ctx, tenant, run.Type, run.ID)
	if err != nil {
		result.Outcome = operations.OutcomeFailed
		result.Failures = []operations.Failure{{Code: connections.ConnectionFailureCode(err), Message: err.Error(), Count: 1}}
		return result, nil
	}

	var c counts
	types := rc.Selection.Types()
	for _, pt := range types {
		err := provider.ListPolicies(ctx, pt.Key, func(page []graph.Object) error {
			if err := s.upsertPage(ctx, run.ID, tenant.ID, pt, page, &c); err != nil {
				return err
			}
			// Items stored so far; how many there are is known only once Graph has no next page.
			_ = operations.ReportProgress(ctx, c.total, nil)
			return nil
		})
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return result, ctx.Err()
		}
		var dbErr *upsertError
		if errors.As(err, &dbErr) {
			return result, dbErr // not the provider's fault: let the job retry
		}
		if !lastAttempt && graph.IsTransient(err) {
			return result, fmt.Errorf("%s: %w", pt.Collection, err) // Graph is away for now: a later attempt
		}
		c.failedTypes++
		result.Failures = append(result.Failures, operations.Failure{
			Code: graph.FailureCode(err), Message: pt.Collection + ": " + err.Error(), Count: 1})
	}

	result.SummaryCounts = map[string]any{
		"total": c.total, "processed": c.total, "succeeded": c.total,
		"failed": c.failedTypes, "skipped": c.skippedTypes,
		"created": c.created, "updated": c.updated, "unchanged": c.unchanged,
	}
	switch {
	case c.failedTypes == 0:
		result.Outcome = operations.OutcomeSucceeded
	case c.failedTypes < int64(len(types)):
		result.Outcome = operations.OutcomePartiallySucceeded
	default:
		result.Outcome = operations.OutcomeFailed
	}
	return result, nil
}

// upsertError is a database failure while storing a page: transient, worth a retry of the job.
type upsertError struct{ err error }

func (e *upsertError) Error() string   { return "store inventory page: " + e.err.Error() }
func (e *upsertError) Unwrap() error   { return e.err }
func (e *upsertError) Transient() bool { return true }

// upsertSQL stores one page of one policy type in a single statement: the items (created,
// updated or unchanged, judged against their content hash before the statement) and this run's
// observations.
const upsertSQL = `
WITH input AS (
	SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
		AS t(external_id, display_name, platform, meta, content_hash)
),
old AS (
	SELECT i.external_id, i.content_hash FROM inventory_items i
	WHERE i.tenant_id = $1 AND i.policy_type = $2 AND i.external_id = ANY($3::text[])
),
up AS (
	INSERT INTO inventory_items AS i (tenant_id, policy_type, external_id, display_name, category, platform, meta,
		content_hash, last_seen_at, last_seen_operation_run_id)
	SELECT $1, $2, external_id, display_name, $8, platform, meta::jsonb, content_hash, $9, $10 FROM input
	ON CONFLICT (tenant_id, policy_type, external_id) DO UPDATE SET
		display_name = EXCLUDED.display_name, category = EXCLUDED.category, platform = EXCLUDED.platform,
		meta = EXCLUDED.meta, content_hash = EXCLUDED.content_hash, last_seen_at = EXCLUDED.last_seen_at,
		last_seen_operation_run_id = EXCLUDED.last_seen_operation_run_id, updated_at = EXCLUDED.last_seen_at
	RETURNING 1
),
obs AS (
	INSERT INTO inventory_observations (operation_run_id, tenant_id, policy_type, external_id, content_hash)
	SELECT $10, $1, $2, external_id, content_hash FROM input
	ON CONFLICT (operation_run_id, policy_type, external_id) DO UPDATE SET content_hash = EXCLUDED.content_hash
	RETURNING 1
)
SELECT count(*) FILTER (WHERE o.external_id IS NULL),
       count(*) FILTER (WHERE o.content_hash <> input.content_hash),
       count(*) FILTER (WHERE o.content_hash = input.content_hash),
       (SELECT count(*) FROM up), (SELECT count(*) FROM obs)
FROM input LEFT JOIN old o USING (external_id)`

func (s *Syncer) upsertPage(ctx context.Context, runID, tenantID int64, pt graph.PolicyType, page []graph.Object, c *counts) error {
	n := len(page)
	ids, names, platforms, metas, hashes := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	seen := make(map[string]bool, n)
	for _, obj := range page {
		id, _ := obj["id"].(string)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		hash, err := ContentHash(obj)
		if err != nil {
			return err
		}
		meta, err := json.Marshal(Meta(obj))
		if err != nil {
			return err
		}
		ids, names, platforms = append(ids, id), append(names, DisplayName(obj)), append(platforms, Platform(obj))
		metas, hashes = append(metas, string(meta)), append(hashes, hash)
	}
	if len(ids) == 0 {
		return nil
	}
	var created, updated, unchanged, upserted, observed int64
	err := s.sql.QueryRowContext(ctx, upsertSQL, tenantID, pt.Key, ids, names, platforms, metas, hashes,
		pt.Category, s.now().UTC(), runID).Scan(&created, &updated, &unchanged, &upserted, &observed)
	if err != nil {
		return &upsertError{err}
	}
	c.total += int64(len(ids))
	c.created += created
	c.updated += updated
	c.unchanged += unchanged
	return nil
}
