// The run stream in React: RunStreamProvider keeps the one RunStream of a signed-in tab, writes
// its events into the query cache (applyRunEvent) and passes them to the components that follow
// runs (useRunStream().subscribe). useLiveRunList adds new runs to an open run list, or counts
// them for an "N new runs" bar when the reader is not at its top. When the stream is down, pages
// fall back to polling (useRunStream().live is false) and LiveStatus says so.
import { useQueryClient, type InfiniteData, type QueryKey } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { RunQuery } from '../api/client';
import { afterFetch, applyRunEvent, holds, listItem, matchesRunQuery, prepend, resyncRuns } from '../api/runCache';
import { RunStream, type RunEvent, type StreamStatus } from '../api/runStream';
import type { OperationRunList } from '../api/types';
import { useServices, useSessionData } from '../context';

type Listener = (ev: RunEvent) => void;

interface RunStreamState {
  status: StreamStatus;
  live: boolean;
  subscribe(fn: Listener): () => void;
}

const noop: RunStreamState = { status: 'off', live: false, subscribe: () => () => {} };
const RunStreamContext = createContext<RunStreamState>(noop);

export function useRunStream(): RunStreamState {
  return useContext(RunStreamContext);
}

export function RunStreamProvider({ children }: { children: ReactNode }) {
  const { api } = useServices();
  const session = useSessionData();
  const qc = useQueryClient();
  const [status, setStatus] = useState<StreamStatus>('off');
  const listeners = useRef(new Set<Listener>());
  const token = session?.token;
  useEffect(() => {
    if (!token || !api.runEvents || typeof EventSource === 'undefined') return;
    const stream = new RunStream({
      source: api.runEvents,
      onEvent: (ev) => {
        applyRunEvent(qc, ev);
        for (const fn of listeners.current) fn(ev);
      },
      onResync: () => resyncRuns(qc),
      onStatus: setStatus,
    });
    stream.start();
    return () => stream.stop();
  }, [api, qc, token]);
  const subscribe = useCallback((fn: Listener) => {
    listeners.current.add(fn);
    return () => void listeners.current.delete(fn);
  }, []);
  const value = useMemo(() => ({ status, live: status === 'live', subscribe }), [status, subscribe]);
  return <RunStreamContext.Provider value={value}>{children}</RunStreamContext.Provider>;
}

// atTopOfPage: the reader sees the top of the list (not scrolled down, only the first page).
function atTopOfPage(pages: number): boolean {
  return pages <= 1 && (globalThis.scrollY ?? 0) < 80;
}

// useLiveRunList keeps an open run list (an infinite query under queryKey) current: a new run that
// belongs to it is added at the top while the reader is there, and otherwise counted (newCount)
// until showNew() brings the reader back to the top of a fresh first page.
export function useLiveRunList(queryKey: QueryKey, query: RunQuery) {
  const { subscribe, live } = useRunStream();
  const qc = useQueryClient();
  const [pending, setPending] = useState<number[]>([]);
  const keyHash = JSON.stringify(queryKey);
  const current = useRef({ queryKey, query });
  current.current = { queryKey, query };
  useEffect(() => setPending([]), [keyHash]);
  useEffect(
    () =>
      subscribe((ev) => {
        const { queryKey, query } = current.current;
        if (ev.change !== 'created' || !matchesRunQuery(query, ev.run)) return;
        const data = qc.getQueryData<InfiniteData<OperationRunList>>(queryKey);
        if (!data || holds(data, ev.run.id)) return;
        if (atTopOfPage(data.pages.length)) {
          const insert = () => {
            const cur = qc.getQueryData<InfiniteData<OperationRunList>>(queryKey);
            if (cur && !holds(cur, ev.run.id)) qc.setQueryData(queryKey, prepend(cur, listItem(ev.run)));
          };
          insert();
          afterFetch(qc, queryKey, insert);
        } else {
          setPending((p) => (p.includes(ev.run.id) ? p : [...p, ev.run.id]));
        }
      }),
    [subscribe, qc],
  );
  const showNew = useCallback(() => {
    setPending([]);
    globalThis.scrollTo?.({ top: 0 });
    void qc.resetQueries({ queryKey: current.current.queryKey });
  }, [qc]);
  return { newCount: pending.length, showNew, live };
}

// NewRunsBar: "N new runs" — shown when runs arrived while the reader was away from the top.
export function NewRunsBar({ count, onShow }: { count: number; onShow: () => void }) {
  if (count === 0) return null;
  return (
    <div className="new-runs-bar" role="status">
      <button type="button" className="link-button" onClick={onShow} data-testid="new-runs">
        {count === 1 ? '1 new run' : `${count} new runs`} — show
      </button>
    </div>
  );
}

// LiveStatus: a discreet word when live updates are down and pages poll instead. data-stream
// carries the stream's state (off, connecting, live, fallback).
export function LiveStatus() {
  const { status } = useRunStream();
  return (
    <span className="live-status muted" data-stream={status} data-testid="live-stream">
      {status === 'fallback' && (
        <span role="status" data-testid="live-status" title="The live connection failed; pages refresh every few seconds until it is back.">
          Live updates paused — refreshing periodically
        </span>
      )}
    </span>
  );
}
