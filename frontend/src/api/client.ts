// The HTTP client: openapi-fetch typed by the generated contract, with the bearer token of the
// session, problem+json errors turned into ApiError, and a 401 ending the session.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, retryAfterSeconds } from './errors';
import type { RunEventsSource } from './runStream';
import type { Session } from './session';
import type {
  AcknowledgeFindingsResult,
  BackupSchedule,
  BackupScheduleInput,
  BackupScheduleList,
  BackupSetList,
  Drift,
  DriftScopeList,
  EntraGroupList,
  Finding,
  FindingFilter,
  FindingList,
  FindingSeverity,
  FindingStatusFilter,
  GroupType,
  InventoryItemList,
  InventoryKPIs,
  LoginResponse,
  Me,
  Notification,
  NotificationList,
  OperationRun,
  OperationRunCounts,
  OperationRunDetail,
  OperationRunList,
  OperationTypeList,
  PolicyType,
  RunAuditList,
  RunOutcome,
  RunTab,
} from './types';

export interface RunQuery {
  tab?: RunTab;
  type?: string[];
  outcome?: RunOutcome[];
  initiator?: string; // "system" or a user id
  tenantId?: number;
  createdAfter?: string;
  createdBefore?: string;
  backupScheduleId?: number;
}

export interface ItemQuery {
  policyType?: string;
  category?: string;
  q?: string;
}

export interface GroupQuery {
  q?: string;
  groupType?: GroupType;
  stale?: boolean;
}

export interface FindingQuery {
  status?: FindingStatusFilter;
  severity?: FindingSeverity[];
  subjectType?: string[];
  scopeKey?: string;
  baselineRunId?: number;
  currentRunId?: number;
}

// AcknowledgeRequest: exactly one of ids and filter; confirm (the exact count) only with filter.
export type AcknowledgeRequest = { ids: number[] } | { filter: FindingFilter; confirm?: number };

export interface ScheduleQuery {
  includeArchived?: boolean;
}

export interface BackupSetQuery {
  backupScheduleId?: number;
  includeRetired?: boolean;
}

export interface StartedRun {
  run: OperationRunDetail;
  reused: boolean; // 200: an active run with the same identity was reused
}

// Api is everything the SPA asks the server; components get it from context, tests fake it.
export interface Api {
  login(email: string, password: string): Promise<LoginResponse>;
  logout(): Promise<void>;
  me(): Promise<Me>;
  operationTypes(): Promise<OperationTypeList>;
  listRuns(q: RunQuery, cursor?: string | null, limit?: number): Promise<OperationRunList>;
  runCounts(q: RunQuery): Promise<OperationRunCounts>;
  getRun(id: number): Promise<OperationRunDetail>;
  // cancelRun: reused is false once the run is cancelled (200) and true while its worker stops (202).
  cancelRun(id: number): Promise<OperationRunDetail>;
  retryRun(id: number): Promise<StartedRun>;
  runAudit(id: number): Promise<RunAuditList>;
  policyTypes(): Promise<PolicyType[]>;
  inventoryKpis(tenant: number): Promise<InventoryKPIs>;
  inventoryItems(tenant: number, q: ItemQuery, cursor?: string | null, limit?: number): Promise<InventoryItemList>;
  startInventorySync(tenant: number): Promise<StartedRun>;
  groups(tenant: number, q: GroupQuery, cursor?: string | null, limit?: number): Promise<EntraGroupList>;
  startGroupSync(tenant: number): Promise<StartedRun>;
  notifications(): Promise<NotificationList>;
  readNotification(id: number): Promise<Notification>;
  readAllNotifications(): Promise<number>;
  driftScopes(tenant: number): Promise<DriftScopeList>;
  drift(tenant: number, scopeKey: string): Promise<Drift>;
  generateDrift(tenant: number, scopeKey: string): Promise<StartedRun>;
  findings(tenant: number, q: FindingQuery, cursor?: string | null, limit?: number): Promise<FindingList>;
  acknowledgeFinding(tenant: number, id: number): Promise<Finding>;
  acknowledgeFindings(tenant: number, req: AcknowledgeRequest): Promise<AcknowledgeFindingsResult>;
  backupSchedules(tenant: number, q: ScheduleQuery, cursor?: string | null, limit?: number): Promise<BackupScheduleList>;
  createBackupSchedule(tenant: number, input: BackupScheduleInput): Promise<BackupSchedule>;
  updateBackupSchedule(tenant: number, id: number, input: BackupScheduleInput): Promise<BackupSchedule>;
  archiveBackupSchedule(tenant: number, id: number): Promise<BackupSchedule>;
  restoreBackupSchedule(tenant: number, id: number): Promise<BackupSchedule>;
  deleteBackupSchedule(tenant: number, id: number): Promise<void>;
  runBackupScheduleNow(tenant: number, id: number): Promise<StartedRun>;
  retryBackupSchedule(tenant: number, id: number): Promise<StartedRun>;
  backupSets(tenant: number, q: BackupSetQuery, cursor?: string | null, limit?: number): Promise<BackupSetList>;
  // runEvents opens the live run stream; without it pages poll.
  runEvents?: RunEventsSource;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

async function unwrap<T>(p: Promise<Result<T>>): Promise<T> {
  let r: Result<T>;
  try {
    r = await p;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, undefined, e instanceof Error ? e.message : 'network error');
  }
  if (r.response.ok) return r.data as T;
  const problem = r.error && typeof r.error === 'object' ? (r.error as Record<string, unknown>) : undefined;
  throw new ApiError(
    r.response.status,
    problem as ConstructorParameters<typeof ApiError>[1],
    undefined,
    retryAfterSeconds(r.response.headers.get('Retry-After')),
  );
}

function runParams(q: RunQuery) {
  return {
    tab: q.tab && q.tab !== 'all' ? q.tab : undefined,
    type: q.type?.length ? q.type : undefined,
    outcome: q.outcome?.length ? q.outcome : undefined,
    initiator: q.initiator,
    tenant_id: q.tenantId,
    created_after: q.createdAfter,
    created_before: q.createdBefore,
    backup_schedule_id: q.backupScheduleId,
  };
}

// findingFilter turns the page's finding query into the API's filter (list query and acknowledge body).
export function findingFilter(q: FindingQuery): FindingFilter {
  const f: FindingFilter = {};
  if (q.status) f.status = q.status;
  if (q.severity?.length) f.severity = q.severity;
  if (q.subjectType?.length) f.subject_type = q.subjectType;
  if (q.scopeKey) f.scope_key = q.scopeKey;
  if (q.baselineRunId) f.baseline_run_id = q.baselineRunId;
  if (q.currentRunId) f.current_run_id = q.currentRunId;
  return f;
}

export function createHttpApi(baseUrl: string, session: Session, fetchImpl?: typeof fetch): Api {
  const client = createClient<paths>({ baseUrl, fetch: fetchImpl });
  const auth: Middleware = {
    onRequest({ request }) {
      const token = session.token();
      if (token && !request.url.endsWith('/api/v1/auth/login')) {
        request.headers.set('Authorization', `Bearer ${token}`);
      }
      return request;
    },
    onResponse({ request, response }) {
      // A token that expired or was revoked: the session is over.
      if (response.status === 401 && !request.url.endsWith('/api/v1/auth/login')) session.clear();
      return response;
    },
  };
  client.use(auth);

  const started = async (p: Promise<Result<OperationRun>>): Promise<StartedRun> => {
    const r = await p.catch((e) => {
      throw new ApiError(0, undefined, e instanceof Error ? e.message : 'network error');
    });
    const run = await unwrap(Promise.resolve(r));
    return { run: run as OperationRunDetail, reused: r.response.status === 200 };
  };

  const sched = (tenant: number, id: number) => ({ params: { path: { tenant, id } } });

  return {
    login: (email, password) => unwrap(client.POST('/api/v1/auth/login', { body: { email, password } })),
    logout: async () => {
      await unwrap(client.POST('/api/v1/auth/logout'));
    },
    me: () => unwrap(client.GET('/api/v1/me')),
    operationTypes: () => unwrap(client.GET('/api/v1/operation-types')),
    listRuns: (q, cursor, limit = 50) =>
      unwrap(
        client.GET('/api/v1/operation-runs', {
          params: { query: { ...runParams(q), limit, cursor: cursor ?? undefined } },
        }),
      ),
    runCounts: (q) => unwrap(client.GET('/api/v1/operation-runs/counts', { params: { query: runParams(q) } })),
    getRun: (id) => unwrap(client.GET('/api/v1/operation-runs/{id}', { params: { path: { id } } })),
    runEvents: {
      ticket: async () => (await unwrap(client.POST('/api/v1/operation-runs/events/tickets'))).ticket,
      url: (ticket, lastEventId) => {
        const u = new URL(`${baseUrl}/api/v1/operation-runs/events`, globalThis.location?.href);
        u.searchParams.set('ticket', ticket);
        if (lastEventId) u.searchParams.set('last_event_id', lastEventId);
        return u.toString();
      },
    },
    cancelRun: (id) => unwrap(client.POST('/api/v1/operation-runs/{id}/cancel', { params: { path: { id } } })),
    retryRun: (id) => started(client.POST('/api/v1/operation-runs/{id}/retry', { params: { path: { id } } })),
    runAudit: (id) => unwrap(client.GET('/api/v1/operation-runs/{id}/audit', { params: { path: { id } } })),
    policyTypes: async () => (await unwrap(client.GET('/api/v1/policy-types'))).data,
    inventoryKpis: (tenant) =>
      unwrap(client.GET('/api/v1/tenants/{tenant}/inventory/kpis', { params: { path: { tenant } } })),
    inventoryItems: (tenant, q, cursor, limit = 50) =>
      unwrap(
        client.GET('/api/v1/tenants/{tenant}/inventory/items', {
          params: {
            path: { tenant },
            query: {
              policy_type: q.policyType || undefined,
              category: q.category || undefined,
              q: q.q || undefined,
              limit,
              cursor: cursor ?? undefined,
            },
          },
        }),
      ),
    startInventorySync: (tenant) =>
      started(client.POST('/api/v1/tenants/{tenant}/inventory/sync', { params: { path: { tenant } } })),
    groups: (tenant, q, cursor, limit = 50) =>
      unwrap(
        client.GET('/api/v1/tenants/{tenant}/directory/groups', {
          params: {
            path: { tenant },
            query: {
              q: q.q || undefined,
              group_type: q.groupType,
              stale: q.stale === undefined ? undefined : q.stale ? 'true' : 'false',
              limit,
              cursor: cursor ?? undefined,
            },
          },
        }),
      ),
    startGroupSync: (tenant) =>
      started(client.POST('/api/v1/tenants/{tenant}/directory/groups/sync', { params: { path: { tenant } } })),
    notifications: () => unwrap(client.GET('/api/v1/notifications', { params: { query: { limit: 20 } } })),
    readNotification: (id) =>
      unwrap(client.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })),
    readAllNotifications: async () => (await unwrap(client.POST('/api/v1/notifications/read-all'))).marked_read,
    driftScopes: (tenant) => unwrap(client.GET('/api/v1/tenants/{tenant}/drift/scopes', { params: { path: { tenant } } })),
    drift: (tenant, scopeKey) =>
      unwrap(client.GET('/api/v1/tenants/{tenant}/drift', { params: { path: { tenant }, query: { scope_key: scopeKey } } })),
    generateDrift: (tenant, scopeKey) =>
      started(client.POST('/api/v1/tenants/{tenant}/drift/generate', { params: { path: { tenant } }, body: { scope_key: scopeKey } })),
    findings: (tenant, q, cursor, limit = 50) =>
      unwrap(
        client.GET('/api/v1/tenants/{tenant}/findings', {
          params: { path: { tenant }, query: { ...findingFilter(q), limit, cursor: cursor ?? undefined } },
        }),
      ),
    acknowledgeFinding: (tenant, id) =>
      unwrap(client.POST('/api/v1/tenants/{tenant}/findings/{id}/acknowledge', { params: { path: { tenant, id } } })),
    acknowledgeFindings: (tenant, req) =>
      unwrap(client.POST('/api/v1/tenants/{tenant}/findings/acknowledge', { params: { path: { tenant } }, body: req })),
    backupSchedules: (tenant, q, cursor, limit = 50) =>
      unwrap(
        client.GET('/api/v1/tenants/{tenant}/backup-schedules', {
          params: { path: { tenant }, query: { include_archived: q.includeArchived || undefined, limit, cursor: cursor ?? undefined } },
        }),
      ),
    createBackupSchedule: (tenant, input) =>
      unwrap(client.POST('/api/v1/tenants/{tenant}/backup-schedules', { params: { path: { tenant } }, body: input })),
    updateBackupSchedule: (tenant, id, input) =>
      unwrap(client.PATCH('/api/v1/tenants/{tenant}/backup-schedules/{id}', { ...sched(tenant, id), body: input })),
    archiveBackupSchedule: (tenant, id) => unwrap(client.POST('/api/v1/tenants/{tenant}/backup-schedules/{id}/archive', sched(tenant, id))),
    restoreBackupSchedule: (tenant, id) => unwrap(client.POST('/api/v1/tenants/{tenant}/backup-schedules/{id}/restore', sched(tenant, id))),
    deleteBackupSchedule: async (tenant, id) => {
      await unwrap(client.DELETE('/api/v1/tenants/{tenant}/backup-schedules/{id}', sched(tenant, id)));
    },
    runBackupScheduleNow: (tenant, id) => started(client.POST('/api/v1/tenants/{tenant}/backup-schedules/{id}/run-now', sched(tenant, id))),
    retryBackupSchedule: (tenant, id) => started(client.POST('/api/v1/tenants/{tenant}/backup-schedules/{id}/retry', sched(tenant, id))),
    backupSets: (tenant, q, cursor, limit = 50) =>
      unwrap(
        client.GET('/api/v1/tenants/{tenant}/backup-sets', {
          params: {
            path: { tenant },
            query: {
              backup_schedule_id: q.backupScheduleId,
              include_retired: q.includeRetired || undefined,
              limit,
              cursor: cursor ?? undefined,
            },
          },
        }),
      ),
  };
}
