import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useEffect, useId, useRef } from 'react';
import { errorMessage, isApiError } from '../../api/errors';
import { queryKeys } from '../../api/queryKeys';
import type { Drift, DriftRun, DriftScope, DriftSelection } from '../../api/types';
import { Badge } from '../../components/Badge';
import { useActiveRuns } from '../../components/ActiveRuns';
import { queuedToast, useToasts } from '../../components/Toasts';
import { useApi } from '../../context';
import { formatDateTime, formatNumber, formatRelative } from '../../format';
import { BackoffPoller } from '../../hooks/backoffPoller';
import { useMe } from '../../hooks/useMe';
import { usePolicyTypes } from '../../hooks/usePolicyTypes';
import { parseId } from '../../routing/params';
import { ErrorState, ForbiddenPage, NotFoundPage } from '../StatusPages';
import { FindingsSection } from './FindingsSection';
import { cleanDriftSearch, defaultScope, type DriftSearch } from './search';

export const BLOCKED_MESSAGE = 'Need at least 2 successful runs for this scope to calculate drift';

const route = getRouteApi('/admin/t/$tenant/drift');

export default function DriftPage() {
  const id = parseId(route.useParams().tenant);
  if (id === null) return <NotFoundPage title="Tenant not found" />;
  return <DriftView tenantId={id} key={id} />;
}

function DriftView({ tenantId }: { tenantId: number }) {
  const api = useApi();
  const me = useMe();
  const qc = useQueryClient();
  const toasts = useToasts();
  const active = useActiveRuns();
  const navigate = route.useNavigate();
  const id = useId();
  const search = route.useSearch();
  const tenant = me.tenant(tenantId);
  const { label } = usePolicyTypes();

  const scopes = useQuery({ queryKey: queryKeys.drift.scopes(tenantId), queryFn: () => api.driftScopes(tenantId) });
  const scopeKey = search.scope ?? defaultScope(scopes.data?.data);
  const drift = useQuery({
    queryKey: queryKeys.drift.state(tenantId, scopeKey),
    queryFn: () => api.drift(tenantId, scopeKey as string),
    enabled: !!scopeKey,
  });
  const d = drift.data;

  const setSearch = (patch: Partial<DriftSearch>) =>
    navigate({
      to: '/admin/t/$tenant/drift',
      params: { tenant: String(tenantId) },
      search: (prev) => cleanDriftSearch({ ...prev, ...patch }),
    });

  // Generation: started automatically, once, when the comparison is ready and was never generated;
  // by hand after a failed generation.
  const generate = useMutation({
    mutationFn: (key: string) => api.generateDrift(tenantId, key),
    onSuccess: ({ run, reused }) => {
      if (run.status === 'completed')
        toasts.show({ title: `${run.type_label} already finished`, action: { label: 'View run', to: `/admin/operations/${run.id}` } });
      else toasts.show(queuedToast(run.type_label, run.id, reused));
      active.restart(run.id);
      void qc.invalidateQueries({ queryKey: queryKeys.drift.tenant(tenantId) });
      void qc.invalidateQueries({ queryKey: queryKeys.runs.all() });
    },
    onError: (err) => toasts.show({ title: 'Drift generation could not start', body: errorMessage(err), kind: 'error' }),
  });
  const asked = useRef(new Set<string>());
  const startGeneration = generate.mutate;
  useEffect(() => {
    if (!d || d.state !== 'ready' || d.generation_run || !d.baseline_run || !d.current_run) return;
    const comparison = `${d.scope_key}:${d.baseline_run.id}:${d.current_run.id}`;
    if (asked.current.has(comparison)) return;
    asked.current.add(comparison);
    startGeneration(d.scope_key);
  }, [d, startGeneration]);

  // While the generation is queued or running, look again with the back-off poller until it ends.
  const generating = d?.state === 'generating';
  useEffect(() => {
    if (!generating || !scopeKey) return;
    const poller = new BackoffPoller<Drift>({
      fetch: () => api.drift(tenantId, scopeKey),
      shouldContinue: (x) => x.state === 'generating',
      changed: (a, b) => a.generation_run?.status !== b.generation_run?.status,
      onData: (x) => {
        qc.setQueryData(queryKeys.drift.state(tenantId, scopeKey), x);
        if (x.state !== 'generating') {
          void qc.invalidateQueries({ queryKey: queryKeys.findings.tenant(tenantId) });
          void qc.invalidateQueries({ queryKey: queryKeys.drift.scopes(tenantId) });
        }
      },
    });
    poller.start();
    return () => poller.dispose();
  }, [generating, scopeKey, tenantId, api, qc]);

  const err = scopes.error ?? drift.error;
  if (err && isApiError(err) && err.status === 404)
    return <NotFoundPage title="Tenant not found" detail="There is no such tenant, or you are not entitled to it." />;
  if (err && isApiError(err) && err.status === 403) return <ForbiddenPage capability={err.capability} what="drift" />;

  const list = scopes.data?.data ?? [];
  const known = list.some((s) => s.scope_key === scopeKey);
  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <p className="eyebrow">{tenant?.name ?? `Tenant #${tenantId}`}</p>
          <h1>Drift</h1>
          <p className="muted">What changed in the tenant's Intune policies between the two latest successful inventory syncs of a scope.</p>
        </div>
      </div>

      <form className="filters" aria-label="Drift scope" onSubmit={(e) => e.preventDefault()}>
        <label className="field field-grow" htmlFor={`${id}-scope`}>
          <span>Scope</span>
          <select
            id={`${id}-scope`}
            value={scopeKey ?? ''}
            disabled={list.length === 0}
            onChange={(e) => setSearch({ scope: e.target.value || undefined })}
            data-testid="scope-picker"
          >
            {list.length === 0 && <option value="">{scopes.isLoading ? 'Loading…' : 'No scopes yet'}</option>}
            {list.map((s) => (
              <option key={s.scope_key} value={s.scope_key}>
                {scopeLabel(s, label)}
              </option>
            ))}
            {scopeKey && !known && !scopes.isLoading && <option value={scopeKey}>Scope {scopeKey.slice(0, 12)}…</option>}
          </select>
        </label>
        <ScopeFacts scope={list.find((s) => s.scope_key === scopeKey)} />
      </form>

      {scopes.isError ? (
        <ErrorState error={scopes.error} onRetry={() => scopes.refetch()} />
      ) : !scopes.isLoading && list.length === 0 && !search.scope ? (
        <section className="notice" data-testid="drift-blocked">
          <strong>No inventory syncs yet.</strong>{' '}
          <span>
            {BLOCKED_MESSAGE}. Drift compares two successful inventory syncs of the same scope:{' '}
            <Link to="/admin/t/$tenant/inventory" params={{ tenant: String(tenantId) }}>
              sync the inventory
            </Link>
            .
          </span>
        </section>
      ) : drift.isError ? (
        <ErrorState error={drift.error} onRetry={() => drift.refetch()} />
      ) : (
        <Comparison
          tenantId={tenantId}
          drift={d}
          onGenerate={() => scopeKey && generate.mutate(scopeKey)}
          generatePending={generate.isPending}
        />
      )}

      {scopeKey && d && <FindingsSection tenantId={tenantId} scopeKey={scopeKey} drift={d} search={search} setSearch={setSearch} />}
    </div>
  );
}

export function describeSelection(sel: DriftSelection | null, label: (k: string) => string): string {
  if (!sel) return 'Unknown selection';
  const types = sel.policy_types ?? [];
  const what =
    types.length === 0
      ? 'All policy types'
      : types.length <= 3
        ? types.map(label).join(', ')
        : `${types.slice(0, 2).map(label).join(', ')} and ${types.length - 2} more`;
  const foundations = sel.include_foundations === false ? 'without foundations' : 'with foundations';
  return `${what}, ${foundations}`;
}

function scopeLabel(s: DriftScope, label: (k: string) => string): string {
  return `${describeSelection(s.selection, label)} · ${formatNumber(s.successful_runs)} successful of ${formatNumber(s.runs)} run${s.runs === 1 ? '' : 's'}`;
}

function ScopeFacts({ scope }: { scope: DriftScope | undefined }) {
  if (!scope) return null;
  const r = scope.latest_run;
  return (
    <div className="scope-facts">
      <span className="field-caption">Latest sync of this scope</span>
      <span className="scope-facts-run">
        <Link to="/admin/operations/$run" params={{ run: String(r.id) }}>
          Run #{r.id}
        </Link>
        <Badge kind={r.status === 'completed' ? 'outcome' : 'status'} value={r.status === 'completed' ? r.outcome : r.status} />
        <span className="muted" title={formatDateTime(r.created_at)}>
          {formatRelative(r.created_at)}
        </span>
      </span>
    </div>
  );
}

function Comparison({
  tenantId,
  drift,
  onGenerate,
  generatePending,
}: {
  tenantId: number;
  drift: Drift | undefined;
  onGenerate: () => void;
  generatePending: boolean;
}) {
  const blocked = drift?.state === 'blocked';
  return (
    <div className="stack-tight">
      {blocked && (
        <section className="notice" role="status" data-testid="drift-blocked">
          <strong>Drift cannot be calculated yet.</strong> <span>{drift.message || BLOCKED_MESSAGE}</span>{' '}
          <Link to="/admin/t/$tenant/inventory" params={{ tenant: String(tenantId) }}>
            Go to the inventory
          </Link>
        </section>
      )}
      <section className="kpis" aria-label="Comparison" data-testid="comparison">
        <RunCard title="Baseline run" run={drift?.baseline_run} loading={!drift} testId="baseline-run" />
        <RunCard title="Current run" run={drift?.current_run} loading={!drift} testId="current-run" />
        <GenerationCard drift={drift} onGenerate={onGenerate} pending={generatePending} />
        <div className="kpi" data-testid="drift-counts">
          <span className="kpi-label">Findings in this comparison</span>
          <span className="kpi-value">{drift ? formatNumber(drift.counts.total) : '…'}</span>
          {drift && (
            <span className="kpi-sub">
              <span className="chip">
                New <strong>{formatNumber(drift.counts.by_status.new)}</strong>
              </span>
              <span className="chip">
                Acknowledged <strong>{formatNumber(drift.counts.by_status.acknowledged)}</strong>
              </span>
              <span className="chip">
                High <strong>{formatNumber(drift.counts.by_severity.high)}</strong>
              </span>
              <span className="chip">
                Medium <strong>{formatNumber(drift.counts.by_severity.medium)}</strong>
              </span>
              <span className="chip">
                Low <strong>{formatNumber(drift.counts.by_severity.low)}</strong>
              </span>
            </span>
          )}
        </div>
      </section>
    </div>
  );
}

// RunCard shows the baseline or the current run of the comparison, linking to its run page; a
// missing run reads "Run unavailable".
function RunCard({ title, run, loading, testId }: { title: string; run: DriftRun | null | undefined; loading: boolean; testId: string }) {
  return (
    <div className="kpi" data-testid={testId}>
      <span className="kpi-label">{title}</span>
      {loading ? (
        <span className="kpi-value kpi-value-small muted">…</span>
      ) : run ? (
        <>
          <span className="kpi-value kpi-value-small">
            <Link to="/admin/operations/$run" params={{ run: String(run.id) }}>
              Inventory sync #{run.id}
            </Link>
          </span>
          <span className="kpi-sub muted" title={formatDateTime(run.completed_at)}>
            finished {formatRelative(run.completed_at)}
          </span>
        </>
      ) : (
        <>
          <span className="kpi-value kpi-value-small muted">Run unavailable</span>
          <span className="kpi-sub muted">No successful run to compare</span>
        </>
      )}
    </div>
  );
}

function GenerationCard({ drift, onGenerate, pending }: { drift: Drift | undefined; onGenerate: () => void; pending: boolean }) {
  const g = drift?.generation_run;
  const state = drift?.state;
  return (
    <div className="kpi" data-testid="generation" data-state={state} aria-live="polite">
      <span className="kpi-label">Findings generation</span>
      {!drift ? (
        <span className="kpi-value kpi-value-small muted">…</span>
      ) : state === 'blocked' ? (
        <>
          <span className="kpi-value kpi-value-small muted">Not possible yet</span>
          <span className="kpi-sub muted">Needs two successful runs</span>
        </>
      ) : state === 'generating' && g ? (
        <>
          <span className="kpi-value kpi-value-small">
            <span className="spinner" aria-hidden="true" />
            Generating…
            <Badge kind="status" value={g.status} />
          </span>
          <span className="kpi-sub">
            <Link to="/admin/operations/$run" params={{ run: String(g.id) }}>
              Run #{g.id}
            </Link>
            <span className="muted">started {formatRelative(g.started_at ?? g.created_at)}</span>
          </span>
        </>
      ) : state === 'generated' && g ? (
        <>
          <span className="kpi-value kpi-value-small">
            <Badge kind="outcome" value={g.outcome} />
            <Link to="/admin/operations/$run" params={{ run: String(g.id) }}>
              Run #{g.id}
            </Link>
          </span>
          <span className="kpi-sub muted" title={formatDateTime(g.completed_at)}>
            generated {formatRelative(g.completed_at)}
          </span>
        </>
      ) : (
        <>
          <span className="kpi-value kpi-value-small">
            {g ? (
              <>
                <Badge kind="outcome" value={g.outcome} />
                <Link to="/admin/operations/$run" params={{ run: String(g.id) }}>
                  Run #{g.id}
                </Link>
              </>
            ) : (
              <span className="muted">{pending ? 'Requesting…' : 'Not generated yet'}</span>
            )}
          </span>
          {g && g.failures.length > 0 && <span className="kpi-sub error-text">{g.failures[0].message}</span>}
          <span className="kpi-sub">
            <button type="button" className="button button-secondary small" onClick={onGenerate} disabled={pending}>
              {pending ? 'Starting…' : g ? 'Generate again' : 'Generate findings'}
            </button>
          </span>
        </>
      )}
    </div>
  );
}
