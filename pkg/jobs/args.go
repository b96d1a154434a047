// Package jobs runs the background work of TenantAtlas Operations on River: the queue the run
// service puts runs' jobs on (inside its own transaction), the working client with one worker per
// run type, the run tracker every worker goes through, and the periodic maintenance jobs.
package jobs

// RunArgs are the arguments of every run's job: the id of the run that was created before the
// job was queued (a job never creates a run). The job's kind is the run's type.
type RunArgs struct {
	RunID int64 `json:"run_id"`
	kind  string
}

// Kind is the run type the job works.
func (a RunArgs) Kind() string { return a.kind }

// ArgsFor are the job arguments of a run of the given type.
func ArgsFor(runType string, runID int64) RunArgs { return RunArgs{RunID: runID, kind: runType} }

// ReconcileArgs: complete stale runs (periodic).
type ReconcileArgs struct{}

// Kind names the job kind.
func (ReconcileArgs) Kind() string { return "reconcile_runs" }

// PruneArgs: delete runs past the retention window and groups unseen for 90 days (periodic, daily).
type PruneArgs struct{}

// Kind names the job kind.
func (PruneArgs) Kind() string { return "prune_history" }

// BackupDispatchArgs: the backup schedule dispatcher's tick (periodic, every minute).
type BackupDispatchArgs struct{}

// Kind names the job kind.
func (BackupDispatchArgs) Kind() string { return "backup_dispatch" }

// BackupPurgeDispatchArgs: create the day's purge runs (periodic, daily).
type BackupPurgeDispatchArgs struct{}

// Kind names the job kind.
func (BackupPurgeDispatchArgs) Kind() string { return "backup_purge_dispatch" }
