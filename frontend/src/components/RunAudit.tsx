import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { queryKeys } from '../api/queryKeys';
import type { RunAuditEntry } from '../api/types';
import { useApi } from '../context';
import { formatDateTime } from '../format';

const ACTION: Record<RunAuditEntry['action'], string> = {
  started: 'Started by',
  cancel_requested: 'Cancel requested by',
  cancelled: 'Cancelled by',
  retried: 'Retried by',
};

const VIA: Record<string, string> = { session: 'signed in', token: 'API token', system: 'system' };

// RunAuditSteps are a run's audit entries as timeline steps: who started, cancelled or retried it.
export function RunAuditSteps({ runId, refreshKey }: { runId: number; refreshKey: string }) {
  const api = useApi();
  const q = useQuery({ queryKey: [...queryKeys.runAudit(runId), refreshKey], queryFn: () => api.runAudit(runId) });
  return (
    <>
      {(q.data?.data ?? []).map((e) => (
        <li key={e.id} className="done" data-testid="audit-entry">
          <span className="timeline-dot" aria-hidden="true" />
          <span className="timeline-label">
            {ACTION[e.action]} {e.actor.name}
            {e.actor.via && <span className="muted"> ({VIA[e.actor.via] ?? e.actor.via})</span>}
            {e.related_run_id != null && (
              <>
                {' → '}
                <Link to="/admin/operations/$run" params={{ run: String(e.related_run_id) }}>
                  #{e.related_run_id}
                </Link>
              </>
            )}
          </span>
          <time dateTime={e.created_at}>{formatDateTime(e.created_at)}</time>
        </li>
      ))}
    </>
  );
}
