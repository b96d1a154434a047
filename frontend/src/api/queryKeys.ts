// The query keys of everything the SPA caches, in one place. Keys are hierarchical: a resource's
// keys start with its name, then the tenant (where there is one), then what narrows the query.
// Invalidating a shorter key refreshes every query below it: queryKeys.runs.all() refreshes the
// run list and every schedule's history; queryKeys.drift.tenant(1) the drift scopes and states
// of tenant 1.
import type { FindingQuery, GroupQuery, ItemQuery, RunQuery } from './client';
import type { DriftState } from './types';

export const queryKeys = {
  me: () => ['me'] as const,
  operationTypes: () => ['operation-types'] as const,
  policyTypes: () => ['policy-types'] as const,
  notifications: () => ['notifications'] as const,

  runs: {
    all: () => ['runs'] as const,
    list: (q: RunQuery, size: number) => [...queryKeys.runs.all(), q, size] as const,
    // A backup schedule's history (GET /operation-runs?backup_schedule_id=N).
    ofSchedule: (scheduleId: number) => [...queryKeys.runs.all(), 'backup-schedule', scheduleId] as const,
    // listQuery is the query of a key made by runs.list, or null for any other key.
    listQuery: (key: readonly unknown[]): RunQuery | null =>
      key.length === 3 && key[0] === 'runs' && typeof key[1] === 'object' && key[1] !== null && typeof key[2] === 'number'
        ? (key[1] as RunQuery)
        : null,
  },
  runCounts: {
    all: () => ['run-counts'] as const,
    of: (q: RunQuery) => [...queryKeys.runCounts.all(), q] as const,
  },
  // One run's detail; runDetails() is every run's.
  runDetails: () => ['run'] as const,
  run: (id: number) => [...queryKeys.runDetails(), id] as const,
  // A run's audit trail sits under its run: invalidating the run refreshes it too.
  runAudit: (id: number) => [...queryKeys.run(id), 'audit'] as const,

  inventory: {
    all: () => ['inventory'] as const,
    tenant: (tenantId: number) => [...queryKeys.inventory.all(), tenantId] as const,
    kpis: (tenantId: number) => [...queryKeys.inventory.tenant(tenantId), 'kpis'] as const,
    items: (tenantId: number, q: ItemQuery) => [...queryKeys.inventory.tenant(tenantId), 'items', q] as const,
  },
  groups: {
    all: () => ['groups'] as const,
    tenant: (tenantId: number) => [...queryKeys.groups.all(), tenantId] as const,
    list: (tenantId: number, q: GroupQuery) => [...queryKeys.groups.tenant(tenantId), q] as const,
  },
  drift: {
    all: () => ['drift'] as const,
    tenant: (tenantId: number) => [...queryKeys.drift.all(), tenantId] as const,
    scopes: (tenantId: number) => [...queryKeys.drift.tenant(tenantId), 'scopes'] as const,
    state: (tenantId: number, scopeKey: string | undefined) => [...queryKeys.drift.tenant(tenantId), 'state', scopeKey] as const,
  },
  findings: {
    all: () => ['findings'] as const,
    tenant: (tenantId: number) => [...queryKeys.findings.all(), tenantId] as const,
    // state: the drift state the list was asked in, so that a finished generation asks again.
    list: (tenantId: number, q: FindingQuery | null, state: DriftState) => [...queryKeys.findings.tenant(tenantId), q, state] as const,
  },
  backupSchedules: {
    all: () => ['backup-schedules'] as const,
    tenant: (tenantId: number) => [...queryKeys.backupSchedules.all(), tenantId] as const,
    list: (tenantId: number, q: { includeArchived: boolean }) => [...queryKeys.backupSchedules.tenant(tenantId), q] as const,
  },
  backupSets: {
    all: () => ['backup-sets'] as const,
    // runsSignature: the ids and statuses of the schedule's runs, so that the sets are asked again
    // whenever one of them changes state.
    ofSchedule: (tenantId: number, scheduleId: number, runsSignature: string) =>
      [...queryKeys.backupSets.all(), tenantId, scheduleId, runsSignature] as const,
  },
};
