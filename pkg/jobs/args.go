// Package jobs runs the background work of TenantAtlas Operations on River: the job kinds, the
// insert-only client the API enqueues with (inside its own transaction), the working client, the
// run tracker every worker goes through, and the periodic maintenance jobs.
package jobs

// RunArgs carry the one thing a run's job needs: the id of the run that was created before the
// job was queued. A job never creates a run.
type RunArgs struct {
	RunID int64 `json:"run_id"`
}

// InventorySyncArgs start the work of an inventory_sync run.
type InventorySyncArgs RunArgs

// Kind names the job kind.
func (InventorySyncArgs) Kind() string { return "inventory_sync" }

// GroupSyncArgs start the work of an entra_group_sync run.
type GroupSyncArgs RunArgs

// Kind names the job kind.
func (GroupSyncArgs) Kind() string { return "entra_group_sync" }

// ReconcileArgs: complete stale runs (periodic).
type ReconcileArgs struct{}

// Kind names the job kind.
func (ReconcileArgs) Kind() string { return "reconcile_runs" }

// PruneArgs: delete runs past the retention window and groups unseen for 90 days (periodic, daily).
type PruneArgs struct{}

// Kind names the job kind.
func (PruneArgs) Kind() string { return "prune_history" }
