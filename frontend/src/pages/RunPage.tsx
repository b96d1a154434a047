import { useQuery } from '@tanstack/react-query';
import { useRunStream } from '../hooks/useRunStream';
import { getRouteApi, Link } from '@tanstack/react-router';
import { isApiError } from '../api/errors';
import { queryKeys } from '../api/queryKeys';
import type { OperationRunDetail } from '../api/types';
import { Badge } from '../components/Badge';
import { RunActions } from '../components/RunActions';
import { RunAuditSteps } from '../components/RunAudit';
import { useApi } from '../context';
import { formatDateTime, formatDuration, formatNumber, humanizeKey } from '../format';
import { useMe } from '../hooks/useMe';
import { parseId } from '../routing/params';
import { ErrorState, ForbiddenPage, NotFoundPage } from './StatusPages';

const route = getRouteApi('/admin/operations/$run');

export default function RunPage() {
  const id = parseId(route.useParams().run);
  if (id === null) return <NotFoundPage title="Run not found" />;
  return <Run id={id} />;
}

function Run({ id }: { id: number }) {
  const api = useApi();
  const { live } = useRunStream();
  const q = useQuery({
    queryKey: queryKeys.run(id),
    queryFn: () => api.getRun(id),
    // The run stream keeps the run current; without it, look again every 1.5 s while the run is
    // queued or running (paused while the tab is hidden).
    refetchInterval: (query) => (!live && query.state.data && query.state.data.status !== 'completed' ? 1500 : false),
  });
  if (q.isError) {
    const e = q.error;
    if (isApiError(e) && e.status === 404)
      return (
        <NotFoundPage
          title="Run not found"
          detail={`There is no run #${id}, or it belongs to a workspace or tenant you are not a member of.`}
        />
      );
    if (isApiError(e) && e.status === 403) return <ForbiddenPage capability={e.capability} what="viewing this run" />;
    return <ErrorState error={e} onRetry={() => q.refetch()} />;
  }
  if (!q.data) return <div className="page-loading" aria-busy="true">Loading run #{id}…</div>;
  return <RunView run={q.data} />;
}

export function RunView({ run }: { run: OperationRunDetail }) {
  const me = useMe();
  const tenant = run.tenant_id == null ? null : me.tenant(run.tenant_id);
  const counts = Object.entries(run.summary_counts ?? {});
  const related = run.links.related ?? [];
  return (
    <div className="stack" data-testid="run-detail">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/admin/operations">Operations</Link>
        <span aria-hidden="true">/</span>
        <span>Run #{run.id}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>
            {run.type_label} <span className="muted id-large">#{run.id}</span>
          </h1>
          <p className="muted">
            {tenant ? (
              <Link to="/admin/t/$tenant/inventory" params={{ tenant: String(tenant.id) }}>
                {tenant.name}
              </Link>
            ) : run.tenant_id ? (
              `Tenant #${run.tenant_id}`
            ) : (
              'Workspace-wide'
            )}{' '}
            · started by {run.initiator.name}
            {!run.known_type && (
              <>
                {' '}
                · stored type <code>{run.type}</code>
              </>
            )}
          </p>
        </div>
        <div className="header-badges" aria-label="Status and outcome">
          <Badge kind="status" value={run.status} />
          <Badge kind="outcome" value={run.outcome} />
        </div>
      </div>
      <RunActions run={run} />
      {run.status === 'running' && <RunProgressBar run={run} />}

      <div className="grid-2">
        <section className="card" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          <ol className="timeline">
            <TimelineStep label="Created" at={run.created_at} done />
            <TimelineStep label="Started" at={run.started_at} done={!!run.started_at} />
            <TimelineStep label="Finished" at={run.completed_at} done={!!run.completed_at} />
            <RunAuditSteps runId={run.id} refreshKey={`${run.status}|${run.cancel_requested_at ?? ''}`} />
          </ol>
          <p className="muted">
            Duration: <strong>{run.duration_ms != null ? formatDuration(run.duration_ms) : run.status === 'completed' ? '—' : 'still running'}</strong>
          </p>
        </section>

        <section className="card" aria-labelledby="counts-title">
          <h2 id="counts-title">Summary</h2>
          {counts.length === 0 ? (
            <p className="muted">{run.status === 'completed' ? 'This run recorded no counts.' : 'Counts appear when the run finishes.'}</p>
          ) : (
            <dl className="counts">
              {counts.map(([k, v]) => (
                <div key={k}>
                  <dt>{humanizeKey(k)}</dt>
                  <dd>{formatNumber(v)}</dd>
                </div>
              ))}
            </dl>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="failures-title">
        <h2 id="failures-title">Failures</h2>
        {run.failures.length === 0 ? (
          <p className="muted">No failures.</p>
        ) : (
          <table className="table compact" aria-labelledby="failures-title">
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Message</th>
                <th scope="col" className="num">
                  Count
                </th>
              </tr>
            </thead>
            <tbody>
              {run.failures.map((f, i) => (
                <tr key={`${f.code}-${i}`}>
                  <td>
                    <code>{f.code}</code>
                  </td>
                  <td className="wrap">{f.message}</td>
                  <td className="num">{formatNumber(f.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {related.length > 0 && (
        <section className="card" aria-labelledby="related-title">
          <h2 id="related-title">Related</h2>
          <ul className="related">
            {related.map((l) => (
              <li key={`${l.rel}-${l.href}`}>
                {l.ui ? <Link to={l.ui}>{l.title}</Link> : <span>{l.title}</span>}
                <span className="muted"> · {humanizeKey(l.rel)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="card">
        <details>
          <summary>
            <h2 className="inline-h2">Context</h2> <span className="muted">(JSON)</span>
          </summary>
          <pre className="json" tabIndex={0} aria-label="Run context as JSON">
            {JSON.stringify(run.context ?? {}, null, 2)}
          </pre>
        </details>
      </section>
    </div>
  );
}

// RunProgressBar: how far a running run got (its worker reports at most once a second) and how
// long it has been running.
function RunProgressBar({ run }: { run: OperationRunDetail }) {
  const p = run.progress;
  const elapsed = run.started_at ? Date.now() - Date.parse(run.started_at) : null;
  return (
    <section className="card" aria-label="Progress" data-testid="run-progress">
      {p && p.total != null && p.total > 0 ? (
        <progress max={p.total} value={Math.min(p.processed, p.total)} aria-label="Progress">
          {formatNumber(p.processed)} of {formatNumber(p.total)}
        </progress>
      ) : (
        <progress aria-label="Progress" />
      )}
      <p className="muted">
        {p ? (p.total != null ? `${formatNumber(p.processed)} of ${formatNumber(p.total)}` : `${formatNumber(p.processed)} processed so far`) : 'Working…'}
        {elapsed != null && elapsed >= 0 && <> · running for {formatDuration(elapsed)}</>}
      </p>
    </section>
  );
}

function TimelineStep({ label, at, done }: { label: string; at: string | null | undefined; done: boolean }) {
  return (
    <li className={done ? 'done' : 'todo'}>
      <span className="timeline-dot" aria-hidden="true" />
      <span className="timeline-label">{label}</span>
      <time dateTime={at ?? undefined}>{at ? formatDateTime(at) : 'not yet'}</time>
    </li>
  );
}
