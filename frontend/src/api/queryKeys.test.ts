import { QueryClient, type QueryKey } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { queryKeys } from './queryKeys';

const startsWith = (key: QueryKey, prefix: QueryKey) => prefix.every((part, i) => JSON.stringify(key[i]) === JSON.stringify(part));

// invalidated: which of the keys a real QueryClient marks stale when the prefix is invalidated.
async function invalidated(keys: QueryKey[], prefix: QueryKey): Promise<QueryKey[]> {
  const qc = new QueryClient();
  for (const k of keys) qc.setQueryData(k, 'cached');
  await qc.invalidateQueries({ queryKey: prefix, refetchType: 'none' });
  return keys.filter((k) => qc.getQueryState(k)?.isInvalidated);
}

describe('query keys', () => {
  it('every key of a resource starts with the key that invalidates it all', () => {
    const q = { includeArchived: false };
    const groups: [QueryKey, QueryKey[]][] = [
      [queryKeys.runs.all(), [queryKeys.runs.list({ tab: 'failed' }, 50), queryKeys.runs.ofSchedule(7)]],
      [queryKeys.runCounts.all(), [queryKeys.runCounts.of({ tenantId: 1 })]],
      [queryKeys.inventory.tenant(1), [queryKeys.inventory.kpis(1), queryKeys.inventory.items(1, { q: 'x' })]],
      [queryKeys.inventory.all(), [queryKeys.inventory.tenant(1)]],
      [queryKeys.groups.tenant(1), [queryKeys.groups.list(1, { q: 'x' })]],
      [queryKeys.groups.all(), [queryKeys.groups.tenant(1)]],
      [queryKeys.drift.tenant(1), [queryKeys.drift.scopes(1), queryKeys.drift.state(1, 'scope')]],
      [queryKeys.drift.all(), [queryKeys.drift.tenant(1)]],
      [queryKeys.findings.tenant(1), [queryKeys.findings.list(1, { status: 'new' }, 'generated'), queryKeys.findings.list(1, null, 'blocked')]],
      [queryKeys.findings.all(), [queryKeys.findings.tenant(1)]],
      [queryKeys.backupSchedules.tenant(1), [queryKeys.backupSchedules.list(1, q)]],
      [queryKeys.backupSchedules.all(), [queryKeys.backupSchedules.tenant(1)]],
      [queryKeys.backupSets.all(), [queryKeys.backupSets.ofSchedule(1, 7, '150:completed')]],
    ];
    for (const [prefix, keys] of groups) {
      for (const k of keys) expect(startsWith(k, prefix), `${JSON.stringify(k)} under ${JSON.stringify(prefix)}`).toBe(true);
    }
  });

  it('resources do not share a prefix', () => {
    const roots = [
      queryKeys.me(),
      queryKeys.operationTypes(),
      queryKeys.policyTypes(),
      queryKeys.notifications(),
      queryKeys.runs.all(),
      queryKeys.runCounts.all(),
      queryKeys.run(1).slice(0, 1),
      queryKeys.inventory.all(),
      queryKeys.groups.all(),
      queryKeys.drift.all(),
      queryKeys.findings.all(),
      queryKeys.backupSchedules.all(),
      queryKeys.backupSets.all(),
    ].map((k) => k[0]);
    expect(new Set(roots).size).toBe(roots.length);
  });

  it('invalidating the run list refreshes every list of runs, not a single run or the counts', async () => {
    const list = queryKeys.runs.list({ tab: 'active' }, 100);
    const history = queryKeys.runs.ofSchedule(7);
    const one = queryKeys.run(5);
    const counts = queryKeys.runCounts.of({});
    expect(await invalidated([list, history, one, counts], queryKeys.runs.all())).toEqual([list, history]);
    expect(await invalidated([list, one, queryKeys.run(6)], queryKeys.run(5))).toEqual([one]);
  });

  it("invalidating a tenant's drift refreshes its scopes and states, not another tenant's", async () => {
    const scopes = queryKeys.drift.scopes(1);
    const state = queryKeys.drift.state(1, 'a'.repeat(64));
    const other = queryKeys.drift.state(2, 'a'.repeat(64));
    const findings = queryKeys.findings.list(1, { scopeKey: 'a'.repeat(64) }, 'generated');
    expect(await invalidated([scopes, state, other, findings], queryKeys.drift.tenant(1))).toEqual([scopes, state]);
    expect(await invalidated([scopes, state, other, findings], queryKeys.findings.tenant(1))).toEqual([findings]);
  });

  it('the keys are the ones the cache has always used', () => {
    expect(queryKeys.runs.ofSchedule(7)).toEqual(['runs', 'backup-schedule', 7]);
    expect(queryKeys.inventory.items(1, { q: 'x' })).toEqual(['inventory', 1, 'items', { q: 'x' }]);
    expect(queryKeys.backupSets.ofSchedule(1, 7, 's')).toEqual(['backup-sets', 1, 7, 's']);
  });
});
