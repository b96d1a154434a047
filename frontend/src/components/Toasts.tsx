import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { queryKeys } from '../api/queryKeys';
import { useServices } from '../context';
import { useRunStream } from '../hooks/useRunStream';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';

export interface ToastInput {
  title: string;
  body?: string;
  action?: { label: string; to: string };
  kind?: 'info' | 'error';
  timeoutMs?: number;
  // runId: the toast follows this run to its end (queued → running → its outcome) while the run
  // stream is up, and goes a while after the run finished.
  runId?: number;
}

interface Toast extends ToastInput {
  id: number;
}

interface ToastApi {
  show(t: ToastInput): number;
  dismiss(id: number): void;
}

const ToastContext = createContext<ToastApi | null>(null);

export function useToasts(): ToastApi {
  const t = useContext(ToastContext);
  if (!t) throw new Error('useToasts outside ToastProvider');
  return t;
}

// queuedToast is the one "work started" message: "{Label} queued — running in the background".
export function queuedToast(label: string, runId: number, reused = false): ToastInput {
  return {
    title: reused ? `${label} already queued — running in the background` : `${label} queued — running in the background`,
    action: { label: 'View run', to: `/admin/operations/${runId}` },
    runId,
  };
}

// How long a run's toast stays after the run finished.
const settledToastMs = 8_000;

const outcomeWords: Record<string, string> = {
  succeeded: 'succeeded',
  partially_succeeded: 'partially succeeded',
  failed: 'failed',
  cancelled: 'was cancelled',
  blocked: 'was blocked',
};

// RunToastText is the text of a run's toast, from the run as the query cache holds it (the run
// stream keeps it current; when the stream is down, it is polled).
function RunToastText({ runId, title, body, onSettled }: { runId: number; title: string; body?: string; onSettled: () => void }) {
  const { api } = useServices();
  const { status } = useRunStream();
  const q = useQuery({
    queryKey: queryKeys.run(runId),
    queryFn: () => api.getRun(runId),
    enabled: status === 'fallback',
    refetchInterval: (query) => (query.state.data?.status === 'completed' ? false : 3000),
  });
  const run = q.data;
  const done = run?.status === 'completed';
  useEffect(() => {
    if (done) onSettled();
  }, [done, onSettled]);
  const text = !run || run.status === 'queued' ? title : run.status === 'running' ? `${run.type_label} running` : `${run.type_label} ${outcomeWords[run.outcome] ?? run.outcome}`;
  return (
    <div className="toast-text" data-testid={`run-toast-${runId}`}>
      <strong>{text}</strong>
      {body && <span>{body}</span>}
    </div>
  );
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    setToasts((ts) => ts.filter((t) => t.id !== id));
    const timer = timers.current.get(id);
    if (timer) clearTimeout(timer);
    timers.current.delete(id);
  }, []);

  const { status } = useRunStream();
  const following = status !== 'off';
  const show = useCallback(
    (input: ToastInput) => {
      const id = next.current++;
      setToasts((ts) => [...ts.slice(-3), { ...input, id }]);
      // A run's toast stays until its run finished, when something tells (the stream or polling).
      const ms = input.runId !== undefined && following ? 0 : (input.timeoutMs ?? 10_000);
      if (ms > 0) timers.current.set(id, setTimeout(() => dismiss(id), ms));
      return id;
    },
    [dismiss, following],
  );
  const settle = useCallback(
    (id: number) => {
      if (!timers.current.has(id)) timers.current.set(id, setTimeout(() => dismiss(id), settledToastMs));
    },
    [dismiss],
  );

  useEffect(() => {
    const all = timers.current;
    return () => all.forEach((t) => clearTimeout(t));
  }, []);

  const api = useMemo(() => ({ show, dismiss }), [show, dismiss]);
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toasts" role="region" aria-label="Notifications about your work">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind ?? 'info'}`} role={t.kind === 'error' ? 'alert' : 'status'}>
            {t.runId !== undefined ? (
              <RunToastText runId={t.runId} title={t.title} body={t.body} onSettled={() => settle(t.id)} />
            ) : (
              <div className="toast-text">
                <strong>{t.title}</strong>
                {t.body && <span>{t.body}</span>}
              </div>
            )}
            {t.action && (
              <Link to={t.action.to} className="toast-action" onClick={() => dismiss(t.id)}>
                {t.action.label}
              </Link>
            )}
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
