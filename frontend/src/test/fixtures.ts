// Test data shaped exactly like the API's (the generated contract types check it).
import { vi } from 'vitest';
import type { Api } from '../api/client';
import type {
  BackupSchedule,
  BackupSet,
  Drift,
  DriftScope,
  Finding,
  Me,
  OperationRun,
  OperationRunDetail,
  OperationTypeList,
  PolicyType,
} from '../api/types';

export const ALL_TENANT_CAPS = [
  'tenant.backups.manage',
  'tenant.backups.schedules.manage',
  'tenant.backups.view',
  'tenant.core.view',
  'tenant.directory.sync',
  'tenant.directory.view',
  'tenant.drift.ack',
  'tenant.drift.view',
  'tenant.inventory.sync',
  'tenant.inventory.view',
  'tenant.operations.view',
];
export const READONLY_CAPS = [
  'tenant.backups.view',
  'tenant.core.view',
  'tenant.directory.view',
  'tenant.drift.view',
  'tenant.inventory.view',
  'tenant.operations.view',
];
// An operator: starts syncs and backups, acknowledges findings, but does not manage schedules.
export const OPERATOR_CAPS = [...READONLY_CAPS, 'tenant.backups.manage', 'tenant.directory.sync', 'tenant.drift.ack', 'tenant.inventory.sync'];

export function makeMe(tenantCaps: string[] = ALL_TENANT_CAPS): Me {
  return {
    user: { id: 1, email: 'owner@demo.tenantatlas.test', name: 'Olivia Owner', is_platform_admin: false },
    workspaces: [
      {
        id: 1,
        name: 'Contoso MSP (demo)',
        slug: 'demo',
        role: 'owner',
        capabilities: ['workspace.view'],
        tenants: [
          { id: 1, name: 'Fabrikam', role: 'owner', capabilities: tenantCaps },
          { id: 2, name: 'Northwind Traders', role: 'owner', capabilities: tenantCaps },
        ],
      },
    ],
  };
}

let nextId = 100;
export function makeRun(p: Partial<OperationRunDetail> = {}): OperationRunDetail {
  const id = p.id ?? nextId++;
  return {
    id,
    workspace_id: 1,
    tenant_id: 1,
    type: 'inventory_sync',
    type_label: 'Inventory sync',
    known_type: true,
    status: 'completed',
    outcome: 'succeeded',
    initiator: { kind: 'user', user_id: 1, name: 'Olivia Owner' },
    summary_counts: { total: 3, succeeded: 3 },
    failures: [],
    context: {},
    created_at: '2026-11-20T10:00:00Z',
    started_at: '2026-11-20T10:00:02Z',
    completed_at: '2026-11-20T10:00:30Z',
    duration_ms: 28000,
    links: { self: `/api/v1/operation-runs/${id}`, ui: `/admin/operations/${id}` },
    ...p,
  };
}

export const OPERATION_TYPES: OperationTypeList = {
  data: [
    { key: 'inventory_sync', label: 'Inventory sync', capability: 'tenant.inventory.sync', summary_keys: ['total'] },
    { key: 'entra_group_sync', label: 'Entra group sync', capability: 'tenant.directory.sync', summary_keys: ['total'] },
  ],
  unknown: { key: '', label: 'Unknown operation', capability: 'tenant.operations.view', summary_keys: [] },
};

// makeUnknownRun: a run of a type the server's registry does not know, labelled as the server
// labels it (OPERATION_TYPES.unknown).
export function makeUnknownRun(type: string, p: Partial<OperationRunDetail> = {}): OperationRunDetail {
  return makeRun({ type, type_label: OPERATION_TYPES.unknown.label, known_type: false, ...p });
}

// fakeApi answers every call with harmless defaults; pass overrides for what a test is about.
export function fakeApi(overrides: Partial<Api> = {}, me: Me = makeMe()): Api {
  const emptyRuns = { data: [] as OperationRun[], next_cursor: null };
  const base: Api = {
    login: vi.fn(async () => ({ token: 'ta_test', expires_at: null, user: me.user })),
    logout: vi.fn(async () => {}),
    me: vi.fn(async () => me),
    operationTypes: vi.fn(async () => OPERATION_TYPES),
    listRuns: vi.fn(async () => emptyRuns),
    runCounts: vi.fn(async () => ({
      tabs: { all: 0, active: 0, succeeded: 0, partial: 0, failed: 0 },
      kpis: { total: 0, active: 0, failed_or_partial_7d: 0, average_duration_7d_secs: null },
      window_start: '2026-10-27T00:00:00Z',
      as_of: '2026-11-26T00:00:00Z',
      max_staleness_seconds: 5,
    })),
    getRun: vi.fn(async (id: number) => makeRun({ id })),
    cancelRun: vi.fn(async (id: number) => makeRun({ id, status: 'completed', outcome: 'cancelled' })),
    retryRun: vi.fn(async () => ({ run: makeRun({ status: 'queued', outcome: 'pending' }), reused: false })),
    runAudit: vi.fn(async () => ({ data: [] })),
    policyTypes: vi.fn(async () => []),
    inventoryKpis: vi.fn(async () => ({
      total_items: 0,
      by_category: {},
      restorable_items: 0,
      coverage: null,
      last_inventory_sync: null,
      active_runs: 0,
      active_inventory_syncs: 0,
    })),
    inventoryItems: vi.fn(async () => ({ data: [], next_cursor: null })),
    startInventorySync: vi.fn(async () => ({ run: makeRun({ status: 'queued', outcome: 'pending' }), reused: false })),
    groups: vi.fn(async () => ({ data: [], next_cursor: null })),
    startGroupSync: vi.fn(async () => ({
      run: makeRun({ type: 'entra_group_sync', type_label: 'Entra group sync', status: 'queued', outcome: 'pending' }),
      reused: false,
    })),
    notifications: vi.fn(async () => ({ data: [], unread: 0, next_cursor: null })),
    readNotification: vi.fn(),
    readAllNotifications: vi.fn(async () => 0),
    driftScopes: vi.fn(async () => ({ data: [] })),
    drift: vi.fn(async (_t: number, scopeKey: string) => makeDrift({ scope_key: scopeKey })),
    generateDrift: vi.fn(async () => ({
      run: makeRun({ type: 'drift_generate_findings', type_label: 'Drift findings generation', status: 'queued', outcome: 'pending' }),
      reused: false,
    })),
    findings: vi.fn(async () => ({ data: [], next_cursor: null })),
    acknowledgeFinding: vi.fn(async (_t: number, id: number) => makeFinding({ id, status: 'acknowledged' })),
    acknowledgeFindings: vi.fn(async () => ({ matched: 0, acknowledged: 0, not_found: [] })),
    backupSchedules: vi.fn(async () => ({ data: [], next_cursor: null })),
    createBackupSchedule: vi.fn(async (_t: number, input) => makeSchedule({ ...input, id: 900 } as Partial<BackupSchedule>)),
    updateBackupSchedule: vi.fn(async (_t: number, id: number, input) => makeSchedule({ ...input, id } as Partial<BackupSchedule>)),
    archiveBackupSchedule: vi.fn(async (_t: number, id: number) => makeSchedule({ id, archived_at: '2026-11-26T10:00:00Z' })),
    restoreBackupSchedule: vi.fn(async (_t: number, id: number) => makeSchedule({ id })),
    deleteBackupSchedule: vi.fn(async () => {}),
    runBackupScheduleNow: vi.fn(async () => ({ run: makeBackupRun(), reused: false })),
    retryBackupSchedule: vi.fn(async () => ({ run: makeBackupRun(), reused: false })),
    backupSets: vi.fn(async () => ({ data: [], next_cursor: null })),
  };
  return { ...base, ...overrides };
}

export const SCOPE_A = 'a'.repeat(64);
export const SCOPE_B = 'b'.repeat(64);

export function makeScope(p: Partial<DriftScope> = {}): DriftScope {
  return {
    scope_key: SCOPE_A,
    selection: { policy_types: null, include_foundations: true },
    runs: 3,
    successful_runs: 2,
    latest_run: {
      id: 12,
      status: 'completed',
      outcome: 'succeeded',
      created_at: '2026-11-26T10:00:00Z',
      completed_at: '2026-11-26T10:00:30Z',
      links: { self: '/api/v1/operation-runs/12', ui: '/admin/operations/12' },
    },
    ...p,
  };
}

const runLinks = (id: number) => ({ self: `/api/v1/operation-runs/${id}`, ui: `/admin/operations/${id}` });

export function makeDrift(p: Partial<Drift> = {}): Drift {
  return {
    scope_key: SCOPE_A,
    state: 'generated',
    message: '',
    baseline_run: { id: 11, completed_at: '2026-11-25T10:00:30Z', links: runLinks(11) },
    current_run: { id: 12, completed_at: '2026-11-26T10:00:30Z', links: runLinks(12) },
    generation_run: {
      id: 13,
      status: 'completed',
      outcome: 'succeeded',
      created_at: '2026-11-26T10:01:00Z',
      started_at: '2026-11-26T10:01:01Z',
      completed_at: '2026-11-26T10:01:05Z',
      failures: [],
      links: runLinks(13),
    },
    counts: { total: 0, by_severity: { low: 0, medium: 0, high: 0 }, by_status: { new: 0, acknowledged: 0 } },
    ...p,
  };
}

let nextFinding = 500;
export function makeFinding(p: Partial<Finding> = {}): Finding {
  const id = p.id ?? nextFinding++;
  return {
    id,
    tenant_id: 1,
    finding_type: 'drift',
    scope_key: SCOPE_A,
    fingerprint: 'f'.repeat(64),
    subject_type: 'deviceConfiguration',
    subject_external_id: `ext-${id}`,
    subject_display_name: `Policy ${id}`,
    change_type: 'modified',
    severity: 'medium',
    status: 'new',
    acknowledged_at: null,
    acknowledged_by_user_id: null,
    evidence: { change_type: 'modified', baseline: null, current: null },
    baseline_run: { id: 11, completed_at: '2026-11-25T10:00:30Z', run_unavailable: false },
    current_run: { id: 12, completed_at: '2026-11-26T10:00:30Z', run_unavailable: false },
    links: { baseline_run: runLinks(11), current_run: runLinks(12) },
    created_at: '2026-11-26T10:01:05Z',
    updated_at: '2026-11-26T10:01:05Z',
    ...p,
  };
}

export const POLICY_TYPES: PolicyType[] = [
  { key: 'deviceConfiguration', label: 'Device configuration', category: 'Configuration', graph_collection: 'deviceManagement/deviceConfigurations', foundation: false, restorable: true },
  { key: 'deviceCompliancePolicy', label: 'Compliance policy', category: 'Compliance', graph_collection: 'deviceManagement/deviceCompliancePolicies', foundation: false, restorable: true },
  { key: 'roleScopeTag', label: 'Scope tag', category: 'Foundations', graph_collection: 'deviceManagement/roleScopeTags', foundation: true, restorable: true },
];

let nextSchedule = 700;
export function makeSchedule(p: Partial<BackupSchedule> = {}): BackupSchedule {
  const id = p.id ?? nextSchedule++;
  return {
    id,
    tenant_id: 1,
    name: `Nightly ${id}`,
    is_enabled: true,
    timezone: 'Europe/Berlin',
    frequency: 'daily',
    time_of_day: '02:00',
    days_of_week: [],
    policy_types: ['deviceConfiguration'],
    include_foundations: true,
    retention_keep_last: 30,
    last_run_at: null,
    last_run_status: null,
    next_run_at: '2026-11-27T01:00:00Z',
    archived_at: null,
    created_at: '2026-11-20T10:00:00Z',
    updated_at: '2026-11-20T10:00:00Z',
    links: {
      self: `/api/v1/tenants/1/backup-schedules/${id}`,
      runs: `/api/v1/operation-runs?backup_schedule_id=${id}`,
      backup_sets: `/api/v1/tenants/1/backup-sets?backup_schedule_id=${id}`,
      ui: '/admin/t/1/backup-schedules',
    },
    ...p,
  };
}

export function makeBackupRun(p: Partial<OperationRunDetail> = {}): OperationRunDetail {
  return makeRun({ type: 'backup_schedule_run', type_label: 'Backup schedule run', status: 'queued', outcome: 'pending', ...p });
}

export function makeBackupSet(p: Partial<BackupSet> = {}): BackupSet {
  const id = p.id ?? 800;
  return {
    id,
    tenant_id: 1,
    backup_schedule_id: 700,
    operation_run_id: 150,
    name: `Backup ${id}`,
    status: 'completed',
    item_count: 12,
    created_by: 'Olivia Owner',
    completed_at: '2026-11-26T02:00:40Z',
    retired_at: null,
    created_at: '2026-11-26T02:00:00Z',
    updated_at: '2026-11-26T02:00:40Z',
    links: { self: `/api/v1/tenants/1/backup-sets/${id}`, backup_schedule: null, operation_run: null },
    ...p,
  };
}
