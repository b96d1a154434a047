DROP INDEX IF EXISTS operation_runs_workspace_scoped_idx;
