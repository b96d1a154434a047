import { useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useApi } from '../context';
import { queryKeys } from '../api/queryKeys';
import { BackoffPoller } from '../hooks/backoffPoller';
import { useMe } from '../hooks/useMe';
import { useRunStream } from '../hooks/useRunStream';
import { listItem } from '../api/runCache';
import type { OperationRun, OperationRunList } from '../api/types';
import { formatRelative } from '../format';
import { Badge } from './Badge';

export const ACTIVE_RUNS_SHOWN = 5;

interface ActiveRunsState {
  runs: OperationRun[];
  hasMore: boolean; // more active runs than one page
  polling: boolean;
  // restart polls now, from the shortest delay; a run id passed is watched until it is seen to
  // finish, even if it finished before the first look.
  restart(watchRunId?: number): void;
}

const ActiveRunsContext = createContext<ActiveRunsState | null>(null);

export function useActiveRuns(): ActiveRunsState {
  const v = useContext(ActiveRunsContext);
  if (!v) throw new Error('useActiveRuns outside ActiveRunsProvider');
  return v;
}

const signature = (l: OperationRunList) => l.data.map((r) => `${r.id}:${r.status}`).join(',');

// ActiveRunsProvider watches the caller's queued and running runs (GET /operation-runs?tab=active)
// with a BackoffPoller: 1 s, 2 s, 4 s … capped at 30 s, paused while the tab is hidden, stopped
// when nothing is active, restarted when work is started. When runs finish, the pages that show
// them are refreshed.
export function ActiveRunsProvider({ children, initialDelayMs = 1000, maxDelayMs = 30_000 }: {
  children: ReactNode;
  initialDelayMs?: number;
  maxDelayMs?: number;
}) {
  const api = useApi();
  const qc = useQueryClient();
  const [list, setList] = useState<OperationRunList | null>(null);
  const [polling, setPolling] = useState(false);
  const pollerRef = useRef<BackoffPoller<OperationRunList> | null>(null);
  const watched = useRef(new Set<number>());
  const { live, subscribe } = useRunStream();
  const liveRef = useRef(live);
  liveRef.current = live;

  useEffect(() => {
    const poller = new BackoffPoller<OperationRunList>({
      fetch: () => api.listRuns({ tab: 'active' }, null, 100),
      shouldContinue: (l) => l.data.length > 0,
      changed: (a, b) => signature(a) !== signature(b),
      initialDelayMs,
      maxDelayMs,
      onData: (next, prev) => {
        setList(next);
        const still = new Set(next.data.map((r) => r.id));
        const finished = new Set([...(prev?.data.map((r) => r.id) ?? []), ...watched.current].filter((id) => !still.has(id)));
        for (const id of finished) watched.current.delete(id);
        if (finished.size > 0) {
          // Some work ended: refresh what shows runs, counts, items and notifications.
          for (const id of finished) void qc.invalidateQueries({ queryKey: queryKeys.run(id) });
          for (const queryKey of [
            queryKeys.runs.all(),
            queryKeys.runCounts.all(),
            queryKeys.inventory.all(),
            queryKeys.groups.all(),
            queryKeys.drift.all(),
            queryKeys.findings.all(),
            queryKeys.backupSchedules.all(),
            queryKeys.backupSets.all(),
            queryKeys.notifications(),
          ]) {
            void qc.invalidateQueries({ queryKey });
          }
        }
        // With the run stream, one look is enough: the stream says what starts and ends.
        if (liveRef.current) poller.stop();
        setPolling(poller.state === 'polling');
      },
    });
    pollerRef.current = poller;
    poller.start();
    setPolling(true);
    const t = setInterval(() => setPolling(poller.state === 'polling'), 1000);
    return () => {
      clearInterval(t);
      poller.dispose();
      pollerRef.current = null;
    };
  }, [api, qc, initialDelayMs, maxDelayMs]);

  // Following the stream: a queued or running run joins the list, a completed one leaves it.
  useEffect(
    () =>
      subscribe((ev) => {
        const r = listItem(ev.run);
        setList((prev) => {
          const data = prev?.data ?? [];
          const rest = data.filter((x) => x.id !== r.id);
          if (r.status === 'completed') {
            watched.current.delete(r.id);
            return rest.length === data.length ? prev : { data: rest, next_cursor: prev?.next_cursor ?? null };
          }
          const i = data.findIndex((x) => x.id === r.id);
          const next = i >= 0 ? data.map((x) => (x.id === r.id ? r : x)) : [r, ...data];
          return { data: next, next_cursor: prev?.next_cursor ?? null };
        });
      }),
    [subscribe],
  );
  // When the stream comes up or goes down, look once (or start polling again).
  useEffect(() => {
    pollerRef.current?.restart();
  }, [live]);

  const value = useMemo<ActiveRunsState>(
    () => ({
      runs: list?.data ?? [],
      hasMore: !!list?.next_cursor,
      polling,
      restart: (watchRunId?: number) => {
        if (watchRunId) watched.current.add(watchRunId);
        pollerRef.current?.restart();
        setPolling(true);
      },
    }),
    [list, polling],
  );
  return <ActiveRunsContext.Provider value={value}>{children}</ActiveRunsContext.Provider>;
}

// ActiveRunsWidget: at most five active runs, then "+N more" linking to the Active tab.
export function ActiveRunsWidget() {
  const { runs, hasMore } = useActiveRuns();
  const me = useMe();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, open, () => setOpen(false));
  const shown = runs.slice(0, ACTIVE_RUNS_SHOWN);
  const more = runs.length - shown.length;
  return (
    <div className="menu" ref={ref}>
      <button
        type="button"
        className={`topbar-button ${runs.length > 0 ? 'is-active' : ''}`}
        aria-expanded={open}
        aria-haspopup="true"
        onClick={() => setOpen((o) => !o)}
      >
        <span className={`pulse ${runs.length > 0 ? 'on' : ''}`} aria-hidden="true" />
        {runs.length > 0 ? `${runs.length}${hasMore ? '+' : ''} active` : 'No active runs'}
      </button>
      {open && (
        <div className="menu-panel" role="dialog" aria-label="Active runs">
          <div className="menu-head">
            <strong>Active runs</strong>
            <Link to="/admin/operations" search={{ tab: 'active' }} onClick={() => setOpen(false)}>
              Open list
            </Link>
          </div>
          {shown.length === 0 ? (
            <p className="muted menu-empty">Nothing is queued or running.</p>
          ) : (
            <ul className="menu-list" data-testid="active-runs">
              {shown.map((r) => (
                <li key={r.id}>
                  <Link to="/admin/operations/$run" params={{ run: String(r.id) }} onClick={() => setOpen(false)}>
                    <span className="menu-item-title">{r.type_label}</span>
                    <span className="muted">
                      {me.tenant(r.tenant_id)?.name ?? (r.tenant_id ? `Tenant #${r.tenant_id}` : 'Workspace')} ·{' '}
                      {formatRelative(r.created_at)}
                    </span>
                  </Link>
                  <Badge kind="status" value={r.status} />
                </li>
              ))}
            </ul>
          )}
          {(more > 0 || hasMore) && (
            <Link className="menu-more" to="/admin/operations" search={{ tab: 'active' }} onClick={() => setOpen(false)}>
              +{more}
              {hasMore ? '+' : ''} more
            </Link>
          )}
        </div>
      )}
    </div>
  );
}

// useDismiss closes a popover on Escape or a click outside it.
export function useDismiss(ref: React.RefObject<HTMLElement | null>, open: boolean, close: () => void) {
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
    const onClick = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) close();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [ref, open, close]);
}
