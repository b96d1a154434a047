import { describe, expect, it, vi } from 'vitest';
import { createHttpApi } from './client';
import { ApiError } from './errors';
import { Session } from './session';

function json(status: number, body: unknown, type = 'application/json') {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

describe('http api', () => {
  it('sends the bearer token and turns problem+json into ApiError with the capability', async () => {
    const session = new Session(sessionStorage);
    session.set({ token: 'ta_abc', user: { id: 1, email: 'a@b', name: 'A', is_platform_admin: false }, expiresAt: null });
    const fetchImpl = vi.fn(async (req: Request) => {
      expect(req.headers.get('Authorization')).toBe('Bearer ta_abc');
      expect(req.url).toBe('http://api.test/api/v1/operation-runs/5');
      return json(
        403,
        { type: 'about:blank', title: 'Forbidden', status: 403, code: 'capability_missing', capability: 'tenant.inventory.sync' },
        'application/problem+json',
      );
    });
    const api = createHttpApi('http://api.test', session, fetchImpl as unknown as typeof fetch);
    const err = await api.getRun(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, code: 'capability_missing', capability: 'tenant.inventory.sync' });
    expect(session.token()).toBe('ta_abc');
  });

  it('a 401 ends the session', async () => {
    const session = new Session(sessionStorage);
    session.set({ token: 'ta_old', user: { id: 1, email: 'a@b', name: 'A', is_platform_admin: false }, expiresAt: null });
    const fetchImpl = vi.fn(async () => json(401, { type: 'about:blank', title: 'Unauthorized', status: 401, code: 'unauthenticated' }));
    const api = createHttpApi('http://api.test', session, fetchImpl as unknown as typeof fetch);
    await expect(api.me()).rejects.toMatchObject({ status: 401 });
    expect(session.token()).toBeNull();
    expect(sessionStorage.getItem('tenantatlas.session')).toBeNull();
  });

  it('a 429 carries its Retry-After and does not end the session', async () => {
    const session = new Session(sessionStorage);
    const fetchImpl = vi.fn(
      async () =>
        new Response(JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429, code: 'signin_throttled' }), {
          status: 429,
          headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '8' },
        }),
    );
    const api = createHttpApi('http://api.test', session, fetchImpl as unknown as typeof fetch);
    await expect(api.login('a@b.c', 'pw')).rejects.toMatchObject({ status: 429, code: 'signin_throttled', retryAfter: 8 });
  });

  it('serialises run filters as the contract says (repeatable, tab "all" left out)', async () => {
    const session = new Session(sessionStorage);
    const urls: string[] = [];
    const fetchImpl = vi.fn(async (req: Request) => {
      urls.push(req.url);
      return json(200, { data: [], next_cursor: null });
    });
    const api = createHttpApi('http://api.test', session, fetchImpl as unknown as typeof fetch);
    await api.listRuns({ tab: 'all', type: ['inventory_sync', 'entra_group_sync'], initiator: 'system', tenantId: 2 }, 'c1', 200);
    const u = new URL(urls[0]);
    expect(u.pathname).toBe('/api/v1/operation-runs');
    expect(u.searchParams.getAll('type')).toEqual(['inventory_sync', 'entra_group_sync']);
    expect(u.searchParams.get('tab')).toBeNull();
    expect(u.searchParams.get('initiator')).toBe('system');
    expect(u.searchParams.get('tenant_id')).toBe('2');
    expect(u.searchParams.get('cursor')).toBe('c1');
    expect(u.searchParams.get('limit')).toBe('200');
  });

  it('tells a started run from a reused one (202 / 200)', async () => {
    const session = new Session(sessionStorage);
    const run = { id: 9, status: 'queued' };
    let status = 202;
    const fetchImpl = vi.fn(async (req: Request) => {
      expect(req.method).toBe('POST');
      expect(req.url).toBe('http://api.test/api/v1/tenants/3/inventory/sync');
      return json(status, run);
    });
    const api = createHttpApi('http://api.test', session, fetchImpl as unknown as typeof fetch);
    expect(await api.startInventorySync(3)).toMatchObject({ reused: false, run: { id: 9 } });
    status = 200;
    expect(await api.startInventorySync(3)).toMatchObject({ reused: true });
  });

  it('a network failure is ApiError status 0', async () => {
    const session = new Session(sessionStorage);
    const fetchImpl = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const api = createHttpApi('http://api.test', session, fetchImpl as unknown as typeof fetch);
    await expect(api.me()).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('serialises the findings, schedule-history and backup queries, and the acknowledge body', async () => {
    const session = new Session(sessionStorage);
    const calls: { method: string; url: URL; body: string }[] = [];
    const fetchImpl = vi.fn(async (req: Request) => {
      calls.push({ method: req.method, url: new URL(req.url), body: await req.text() });
      return json(200, { data: [], next_cursor: null, matched: 0, acknowledged: 0, not_found: [] });
    });
    const api = createHttpApi('http://api.test', session, fetchImpl as unknown as typeof fetch);
    await api.findings(3, { status: 'all', severity: ['high', 'low'], subjectType: ['deviceConfiguration'], scopeKey: 'a'.repeat(64), baselineRunId: 4, currentRunId: 5 });
    let u = calls[0].url;
    expect(u.pathname).toBe('/api/v1/tenants/3/findings');
    expect(u.searchParams.getAll('severity')).toEqual(['high', 'low']);
    expect(u.searchParams.getAll('subject_type')).toEqual(['deviceConfiguration']);
    expect(u.searchParams.get('baseline_run_id')).toBe('4');
    expect(u.searchParams.get('current_run_id')).toBe('5');
    await api.acknowledgeFindings(3, { filter: { status: 'new', scope_key: 'a'.repeat(64) }, confirm: 150 });
    expect(calls[1].method).toBe('POST');
    expect(calls[1].url.pathname).toBe('/api/v1/tenants/3/findings/acknowledge');
    expect(JSON.parse(calls[1].body)).toEqual({ filter: { status: 'new', scope_key: 'a'.repeat(64) }, confirm: 150 });
    await api.listRuns({ backupScheduleId: 7 }, null, 20);
    expect(calls[2].url.searchParams.get('backup_schedule_id')).toBe('7');
    await api.backupSchedules(3, { includeArchived: true });
    u = calls[3].url;
    expect(u.pathname).toBe('/api/v1/tenants/3/backup-schedules');
    expect(u.searchParams.get('include_archived')).toBe('true');
    await api.backupSchedules(3, { includeArchived: false });
    expect(calls[4].url.searchParams.has('include_archived')).toBe(false);
    await api.backupSets(3, { backupScheduleId: 7, includeRetired: true });
    u = calls[5].url;
    expect(u.pathname).toBe('/api/v1/tenants/3/backup-sets');
    expect(u.searchParams.get('backup_schedule_id')).toBe('7');
    expect(u.searchParams.get('include_retired')).toBe('true');
    await api.updateBackupSchedule(3, 7, { is_enabled: false });
    expect(calls[6].method).toBe('PATCH');
    expect(calls[6].url.pathname).toBe('/api/v1/tenants/3/backup-schedules/7');
    expect(JSON.parse(calls[6].body)).toEqual({ is_enabled: false });
  });
});
