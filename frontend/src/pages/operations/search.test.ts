import { describe, expect, it } from 'vitest';
import { localDayStart, parseRunSearch, toRunQuery } from './search';

describe('run list URL state', () => {
  it('keeps valid values and drops the rest', () => {
    expect(
      parseRunSearch({ tab: 'failed', type: 'inventory_sync', outcome: 'blocked', initiator: 'me', from: '2026-11-01', to: '2026-11-20', tenant: 2, size: 200 }),
    ).toEqual({ tab: 'failed', type: 'inventory_sync', outcome: 'blocked', initiator: 'me', from: '2026-11-01', to: '2026-11-20', tenant: 2, size: 200 });
    expect(
      parseRunSearch({ tab: 'bogus', type: 'Bad Type!', outcome: 'exploded', initiator: 'root', from: '11/01/2026', tenant: -1, size: 7 }),
    ).toEqual({});
    expect(parseRunSearch({ tab: 'all', size: 50, tenant: '3' })).toEqual({ tenant: 3 });
  });

  it('turns the URL state into API filters (end date inclusive, default 30-day window)', () => {
    const windowStart = new Date('2026-10-27T16:09:00Z');
    expect(toRunQuery({}, 1, windowStart)).toEqual({
      tab: undefined,
      type: undefined,
      outcome: undefined,
      initiator: undefined,
      tenantId: undefined,
      createdAfter: windowStart.toISOString(),
      createdBefore: undefined,
    });
    const q = toRunQuery({ initiator: 'me', from: '2026-11-01', to: '2026-11-20', type: 'entra_group_sync' }, 42, windowStart);
    expect(q.initiator).toBe('42');
    expect(q.type).toEqual(['entra_group_sync']);
    expect(q.createdAfter).toBe(localDayStart('2026-11-01').toISOString());
    expect(q.createdBefore).toBe(localDayStart('2026-11-21').toISOString());
    expect(toRunQuery({ initiator: 'system' }, 42, windowStart).initiator).toBe('system');
  });
});
