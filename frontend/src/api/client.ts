// The HTTP client: openapi-fetch typed by the generated contract, with the bearer token of the
// session, problem+json errors turned into ApiError, and a 401 ending the session.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError } from './errors';
import type { Session } from './session';
import type {
  EntraGroupList,
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
  policyTypes(): Promise<PolicyType[]>;
  inventoryKpis(tenant: number): Promise<InventoryKPIs>;
  inventoryItems(tenant: number, q: ItemQuery, cursor?: string | null, limit?: number): Promise<InventoryItemList>;
  startInventorySync(tenant: number): Promise<StartedRun>;
  groups(tenant: number, q: GroupQuery, cursor?: string | null, limit?: number): Promise<EntraGroupList>;
  startGroupSync(tenant: number): Promise<StartedRun>;
  notifications(): Promise<NotificationList>;
  readNotification(id: number): Promise<Notification>;
  readAllNotifications(): Promise<number>;
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
  throw new ApiError(r.response.status, problem as ConstructorParameters<typeof ApiError>[1]);
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
  };
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
  };
}
