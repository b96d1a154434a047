// applyRunEvent writes a run event into TanStack Query's cache, through the keys of queryKeys.ts:
// the run's detail is replaced, every cached run list that holds the run gets the new row in
// place, and counts and notifications are refreshed (debounced) when runs appear or finish. New
// runs are added to lists by the list itself (useLiveRunList), which knows where its reader is.
import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import type { RunQuery } from './client';
import { queryKeys } from './queryKeys';
import type { OperationRun, OperationRunDetail, OperationRunList } from './types';
import type { RunEvent } from './runStream';

// listItem is the run as the list shows it: no context, no related links.
export function listItem(run: OperationRunDetail): OperationRun {
  const { context: _context, ...rest } = run;
  void _context;
  return { ...rest, links: { self: run.links.self, ui: run.links.ui } };
}

type Lists = InfiniteData<OperationRunList> | OperationRunList;

function replaceIn(list: OperationRunList, item: OperationRun): OperationRunList {
  const i = list.data.findIndex((r) => r.id === item.id);
  if (i < 0) return list;
  const data = list.data.slice();
  data[i] = item;
  return { ...list, data };
}

// replaceRun returns data with the run replaced wherever it appears (the same object if nowhere).
export function replaceRun<T extends Lists>(data: T, item: OperationRun): T {
  if ('pages' in data) {
    let changed = false;
    const pages = data.pages.map((p) => {
      const q = replaceIn(p, item);
      changed ||= q !== p;
      return q;
    });
    return changed ? ({ ...data, pages } as T) : data;
  }
  return replaceIn(data, item) as T;
}

// holds says whether cached list data contains the run.
export function holds(data: Lists, id: number): boolean {
  const pages = 'pages' in data ? data.pages : [data];
  return pages.some((p) => p.data.some((r) => r.id === id));
}

// prepend puts a new run at the top of an infinite list's first page.
export function prepend(data: InfiniteData<OperationRunList>, item: OperationRun): InfiniteData<OperationRunList> {
  if (data.pages.length === 0 || holds(data, item.id)) return data;
  const [first, ...rest] = data.pages;
  return { ...data, pages: [{ ...first, data: [item, ...first.data] }, ...rest] };
}

// matchesRunQuery says whether a run belongs in the list of q, as the server filters it.
export function matchesRunQuery(q: RunQuery, run: OperationRun): boolean {
  if (q.tenantId !== undefined && run.tenant_id !== q.tenantId) return false;
  if (q.type?.length && !q.type.includes(run.type)) return false;
  if (q.outcome?.length && !q.outcome.includes(run.outcome)) return false;
  if (q.initiator === 'system' && run.initiator.kind !== 'system') return false;
  if (q.initiator && q.initiator !== 'system' && String(run.initiator.user_id) !== q.initiator) return false;
  if (q.createdAfter && run.created_at < q.createdAfter) return false;
  if (q.createdBefore && run.created_at >= q.createdBefore) return false;
  if (q.backupScheduleId !== undefined) return false; // a schedule's history is refreshed, not patched
  switch (q.tab) {
    case 'active':
      return run.status !== 'completed';
    case 'succeeded':
      return run.outcome === 'succeeded';
    case 'partial':
      return run.outcome === 'partially_succeeded';
    case 'failed':
      return run.outcome === 'failed';
  }
  return true;
}

const refreshDelayMs = 300;
const pendingRefresh = new WeakMap<QueryClient, ReturnType<typeof setTimeout>>();
const pendingKeys = new WeakMap<QueryClient, Set<string>>();

// refreshSoon invalidates the keys once, shortly, however many events asked for it.
function refreshSoon(qc: QueryClient, keys: readonly (readonly unknown[])[]) {
  const set = pendingKeys.get(qc) ?? new Set<string>();
  for (const k of keys) set.add(JSON.stringify(k));
  pendingKeys.set(qc, set);
  if (pendingRefresh.has(qc)) return;
  pendingRefresh.set(
    qc,
    setTimeout(() => {
      pendingRefresh.delete(qc);
      const all = pendingKeys.get(qc) ?? new Set<string>();
      pendingKeys.delete(qc);
      for (const k of all) void qc.invalidateQueries({ queryKey: JSON.parse(k) as unknown[] });
    }, refreshDelayMs),
  );
}

// afterFetch calls fn again once a fetch of the query that is under way has landed: an answer the
// server gave before the event must not overwrite what the event says.
export function afterFetch(qc: QueryClient, key: readonly unknown[], fn: () => void): void {
  const cache = qc.getQueryCache();
  const q = cache.find({ queryKey: key, exact: true });
  if (!q || q.state.fetchStatus !== 'fetching') return;
  const unsubscribe = cache.subscribe((e) => {
    if (e.query === q && q.state.fetchStatus !== 'fetching') {
      unsubscribe();
      fn();
    }
  });
}

export function applyRunEvent(qc: QueryClient, ev: RunEvent): void {
  const run = ev.run;
  const detail = queryKeys.run(run.id);
  qc.setQueryData(detail, run);
  afterFetch(qc, detail, () => qc.setQueryData(detail, run));
  const item = listItem(run);
  for (const [key, data] of qc.getQueriesData<Lists>({ queryKey: queryKeys.runs.all() })) {
    if (!data) continue;
    const patch = () => {
      const cur = qc.getQueryData<Lists>(key);
      const next = cur && replaceRun(cur, item);
      if (next && next !== cur) qc.setQueryData(key, next);
    };
    patch();
    afterFetch(qc, key, patch);
  }
  if (ev.change === 'created' || ev.change === 'completed') {
    const keys: (readonly unknown[])[] = [queryKeys.runCounts.all()];
    if (run.context && 'backup_schedule_id' in run.context) keys.push(queryKeys.runs.all());
    if (ev.change === 'completed') {
      // What a finished run changed: its results and the initiator's notification.
      keys.push(
        queryKeys.notifications(),
        queryKeys.inventory.all(),
        queryKeys.groups.all(),
        queryKeys.drift.all(),
        queryKeys.findings.all(),
        queryKeys.backupSchedules.all(),
        queryKeys.backupSets.all(),
      );
    }
    refreshSoon(qc, keys);
  }
}

// resyncRuns reads everything about runs again (the stream could not say what was missed).
export function resyncRuns(qc: QueryClient): void {
  for (const queryKey of [queryKeys.runs.all(), queryKeys.runCounts.all(), queryKeys.runDetails(), queryKeys.notifications()]) {
    void qc.invalidateQueries({ queryKey });
  }
}
