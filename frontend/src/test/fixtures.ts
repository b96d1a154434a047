// Test data shaped exactly like the API's (the generated contract types check it).
import { vi } from 'vitest';
import type { Api } from '../api/client';
import type { Me, OperationRun, OperationRunDetail, OperationTypeList } from '../api/types';

export const ALL_TENANT_CAPS = [
  'tenant.core.view',
  'tenant.directory.sync',
  'tenant.directory.view',
  'tenant.inventory.sync',
  'tenant.inventory.view',
  'tenant.operations.view',
];
export const READONLY_CAPS = ['tenant.core.view', 'tenant.directory.view', 'tenant.inventory.view', 'tenant.operations.view'];

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
  };
  return { ...base, ...overrides };
}
