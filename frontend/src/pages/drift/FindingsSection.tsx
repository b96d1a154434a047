import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import { findingFilter, type AcknowledgeRequest } from '../../api/client';
import { errorMessage, isApiError, problemMember } from '../../api/errors';
import { queryKeys } from '../../api/queryKeys';
import { FINDING_SEVERITIES, type Drift, type Finding, type FindingFilter, type FindingRunRef } from '../../api/types';
import { badgeFor } from '../../badges';
import { Badge } from '../../components/Badge';
import { DataTable, type Column } from '../../components/DataTable';
import { CapabilityReason, ConfirmDialog } from '../../components/Dialog';
import { useToasts } from '../../components/Toasts';
import { useApi } from '../../context';
import { formatDateTime, formatNumber, formatRelative, humanizeKey } from '../../format';
import { useMe } from '../../hooks/useMe';
import { usePolicyTypes } from '../../hooks/usePolicyTypes';
import { findingQuery, type DriftSearch } from './search';

export const ACK_CAPABILITY = 'tenant.drift.ack';

interface ConfirmState {
  count: number;
  filter: FindingFilter;
  changed: boolean; // the count changed since the last ask
}

const plural = (n: number, one: string, many = `${one}s`) => `${formatNumber(n)} ${n === 1 ? one : many}`;

export function FindingsSection({
  tenantId,
  scopeKey,
  drift,
  search,
  setSearch,
}: {
  tenantId: number;
  scopeKey: string;
  drift: Drift;
  search: DriftSearch;
  setSearch: (patch: Partial<DriftSearch>) => void;
}) {
  const api = useApi();
  const me = useMe();
  const qc = useQueryClient();
  const toasts = useToasts();
  const id = useId();
  const { types, label } = usePolicyTypes();
  const canAck = me.can(tenantId, ACK_CAPABILITY);
  const reasonId = `${id}-ack-reason`;
  const ackDisabledBy = !canAck && !me.isLoading ? reasonId : undefined;

  const query = findingQuery(search, scopeKey, drift);
  const findings = useInfiniteQuery({
    queryKey: queryKeys.findings.list(tenantId, query, drift.state),
    queryFn: ({ pageParam }) => api.findings(tenantId, query!, pageParam, 50),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: query !== null,
  });
  const rows = useMemo(() => findings.data?.pages.flatMap((p) => p.data) ?? [], [findings.data]);
  const selectable = rows.filter((f) => f.status === 'new');

  const [selected, setSelected] = useState<Set<number>>(() => new Set());
  const queryKey = JSON.stringify(query);
  useEffect(() => setSelected(new Set()), [queryKey]);
  const selectedIds = selectable.filter((f) => selected.has(f.id)).map((f) => f.id);

  const refresh = () => {
    void qc.invalidateQueries({ queryKey: queryKeys.findings.tenant(tenantId) });
    void qc.invalidateQueries({ queryKey: queryKeys.drift.tenant(tenantId) });
  };

  const ackOne = useMutation({
    mutationFn: (findingId: number) => api.acknowledgeFinding(tenantId, findingId),
    onSuccess: (f) => {
      toasts.show({ title: `Finding acknowledged: ${f.subject_display_name ?? f.subject_external_id}` });
      setSelected((s) => {
        const n = new Set(s);
        n.delete(f.id);
        return n;
      });
      refresh();
    },
    onError: (err) => toasts.show({ title: 'The finding could not be acknowledged', body: errorMessage(err), kind: 'error' }),
  });

  const [confirm, setConfirm] = useState<ConfirmState | null>(null);
  const ackMany = useMutation({
    mutationFn: (req: AcknowledgeRequest) => api.acknowledgeFindings(tenantId, req),
    onSuccess: (r) => {
      setConfirm(null);
      setSelected(new Set());
      toasts.show({
        title: r.acknowledged > 0 ? `${plural(r.acknowledged, 'finding')} acknowledged` : 'Nothing new to acknowledge',
        body: r.matched > r.acknowledged ? `${plural(r.matched - r.acknowledged, 'finding was', 'findings were')} acknowledged before.` : undefined,
      });
      refresh();
    },
    onError: (err, req) => {
      // More than 100 by filter (or a count that changed meanwhile): ask, then send the count back.
      const count = problemMember(err, 'count');
      if (isApiError(err) && err.status === 409 && err.code === 'findings.confirm_required' && 'filter' in req && typeof count === 'number') {
        setConfirm({ count, filter: req.filter, changed: req.confirm !== undefined });
        return;
      }
      setConfirm(null);
      toasts.show({ title: 'The findings could not be acknowledged', body: errorMessage(err), kind: 'error' });
    },
  });

  const allSelected = selectable.length > 0 && selectable.every((f) => selected.has(f.id));
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(selectable.map((f) => f.id)));
  const toggle = (fid: number) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(fid)) n.delete(fid);
      else n.add(fid);
      return n;
    });

  const filtered = !!(search.severity || search.subject_type);
  const status = search.status ?? 'new';
  const subjectTypes = types ?? [];
  const knownSubject = !search.subject_type || subjectTypes.some((t) => t.key === search.subject_type);
  const busy = ackMany.isPending || ackOne.isPending;
  const columns = findingColumns({
    label,
    isSelected: (f) => selected.has(f.id),
    onToggle: (f) => toggle(f.id),
    canAck,
    ackDisabledBy,
    isPending: (f) => ackOne.isPending && ackOne.variables === f.id,
    onAck: (f) => ackOne.mutate(f.id),
    selectAll: (
      <input
        type="checkbox"
        aria-label="Select all new findings on this page"
        checked={allSelected}
        disabled={!canAck || selectable.length === 0}
        aria-describedby={ackDisabledBy}
        onChange={toggleAll}
      />
    ),
  });

  return (
    <section className="stack-tight" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Findings</h2>
      <form className="filters" aria-label="Finding filters" onSubmit={(e) => e.preventDefault()}>
        <label className="field" htmlFor={`${id}-status`}>
          <span>Status</span>
          <select
            id={`${id}-status`}
            value={status}
            onChange={(e) => setSearch({ status: e.target.value === 'new' ? undefined : (e.target.value as DriftSearch['status']) })}
            data-testid="filter-status"
          >
            <option value="new">New</option>
            <option value="acknowledged">Acknowledged</option>
            <option value="all">All</option>
          </select>
        </label>
        <label className="field" htmlFor={`${id}-severity`}>
          <span>Severity</span>
          <select
            id={`${id}-severity`}
            value={search.severity ?? ''}
            onChange={(e) => setSearch({ severity: (e.target.value || undefined) as DriftSearch['severity'] })}
          >
            <option value="">Any severity</option>
            {FINDING_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {badgeFor('severity', s).label}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={`${id}-subject`}>
          <span>Subject type</span>
          <select id={`${id}-subject`} value={search.subject_type ?? ''} onChange={(e) => setSearch({ subject_type: e.target.value || undefined })}>
            <option value="">All policy types</option>
            {subjectTypes.map((t) => (
              <option key={t.key} value={t.key}>
                {t.label}
              </option>
            ))}
            {!knownSubject && <option value={search.subject_type}>{search.subject_type}</option>}
          </select>
        </label>
        <label className="field" htmlFor={`${id}-cmp`}>
          <span>Comparison</span>
          <select
            id={`${id}-cmp`}
            value={search.comparison ?? 'current'}
            onChange={(e) => setSearch({ comparison: e.target.value === 'all' ? 'all' : undefined })}
          >
            <option value="current">Current comparison</option>
            <option value="all">All comparisons of this scope</option>
          </select>
        </label>
      </form>

      <div className="bulk-bar" aria-label="Acknowledge findings" role="group">
        <span className="muted" data-testid="selected-count">
          {selectedIds.length > 0 ? `${plural(selectedIds.length, 'finding')} selected` : 'Select new findings to acknowledge them'}
        </span>
        <div className="bulk-bar-actions">
          <button
            type="button"
            className="button small"
            disabled={!canAck || selectedIds.length === 0 || busy}
            aria-describedby={ackDisabledBy}
            onClick={() => ackMany.mutate({ ids: selectedIds })}
          >
            Acknowledge selected
          </button>
          <button
            type="button"
            className="button button-secondary small"
            disabled={!canAck || status === 'acknowledged' || query === null || busy}
            aria-describedby={ackDisabledBy}
            title="Acknowledge every new finding that matches the filters, on all pages"
            onClick={() => query && ackMany.mutate({ filter: findingFilter(query) })}
          >
            Acknowledge all matching
          </button>
        </div>
        {ackDisabledBy && <CapabilityReason id={reasonId} capability={ACK_CAPABILITY} what="Acknowledging is disabled" />}
      </div>

      <DataTable
        label="Drift findings"
        testId="findings-table"
        columns={columns}
        rows={rows}
        rowKey={(f) => f.id}
        rowProps={(f) => ({ 'data-testid': 'finding-row', 'data-finding-id': f.id, className: selected.has(f.id) ? 'is-selected' : undefined })}
        query={findings}
        loadingText="Loading findings…"
        empty={emptyMessage(drift, query === null, status, filtered)}
        emptyTestId="findings-empty"
        paging={{ pages: findings, summary: rows.length > 0 ? `Showing ${plural(rows.length, 'finding')}` : '' }}
      />

      {confirm && (
        <ConfirmDialog
          title={`Acknowledge ${formatNumber(confirm.count)} findings?`}
          confirmLabel={`Acknowledge ${formatNumber(confirm.count)}`}
          pending={ackMany.isPending}
          onCancel={() => setConfirm(null)}
          onConfirm={() => ackMany.mutate({ filter: confirm.filter, confirm: confirm.count })}
        >
          {confirm.changed && (
            <p className="notice notice-inline" role="status">
              The number of matching findings changed meanwhile.
            </p>
          )}
          <p>
            {formatNumber(confirm.count)} new findings match the filters, on all pages. Acknowledging tells everyone that they were
            looked at; it cannot be undone here.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function emptyMessage(drift: Drift, noQuery: boolean, status: string, filtered: boolean): string {
  if (noQuery) {
    return drift.state === 'blocked'
      ? 'No comparison yet. Choose “All comparisons of this scope” to see earlier findings.'
      : 'Loading the comparison…';
  }
  if (drift.state === 'generating') return 'Findings appear when the generation finishes.';
  if (drift.state === 'ready') return 'This comparison has no findings yet: generate them.';
  if (filtered) return 'No findings match these filters.';
  if (status === 'new') return 'No new findings. Everything in this comparison has been acknowledged, or nothing changed.';
  if (status === 'acknowledged') return 'No acknowledged findings.';
  return 'No findings: nothing changed between these runs.';
}

// findingColumns: a checkbox to select a new finding, what changed and how badly, the two runs
// compared and the acknowledge button.
function findingColumns({
  label,
  isSelected,
  onToggle,
  canAck,
  ackDisabledBy,
  isPending,
  onAck,
  selectAll,
}: {
  label: (policyType: string) => string;
  isSelected: (f: Finding) => boolean;
  onToggle: (f: Finding) => void;
  canAck: boolean;
  ackDisabledBy: string | undefined;
  isPending: (f: Finding) => boolean;
  onAck: (f: Finding) => void;
  selectAll: ReactNode;
}): Column<Finding>[] {
  const name = (f: Finding) => f.subject_display_name ?? f.subject_external_id;
  return [
    {
      key: 'select',
      header: selectAll,
      headerClassName: 'check',
      className: 'check',
      cell: (f) => (
        <input
          type="checkbox"
          aria-label={`Select ${name(f)}`}
          checked={isSelected(f)}
          disabled={!canAck || f.status !== 'new'}
          aria-describedby={ackDisabledBy}
          onChange={() => onToggle(f)}
        />
      ),
    },
    {
      key: 'subject',
      header: 'Subject',
      className: 'strong wrap',
      cell: (f) => (
        <>
          {f.subject_display_name ?? <span className="muted">Not in the inventory</span>}
          <span className="muted mono small-block">{f.subject_external_id}</span>
        </>
      ),
    },
    { key: 'policy-type', header: 'Policy type', cell: (f) => label(f.subject_type) },
    { key: 'change', header: 'Change', cell: (f) => <span className="chip">{humanizeKey(f.change_type)}</span> },
    { key: 'severity', header: 'Severity', cell: (f) => <Badge kind="severity" value={f.severity} /> },
    {
      key: 'status',
      header: 'Status',
      cell: (f) => (
        <Badge kind="finding" value={f.status} title={f.acknowledged_at ? `Acknowledged ${formatDateTime(f.acknowledged_at)}` : undefined} />
      ),
    },
    {
      key: 'runs',
      header: 'Compared runs',
      title: (f) => `Detected ${formatDateTime(f.created_at)}`,
      cell: (f) => (
        <span className="run-pair">
          <RunRef run={f.baseline_run} label="Baseline" />
          <span aria-hidden="true" className="muted">
            →
          </span>
          <RunRef run={f.current_run} label="Current" />
        </span>
      ),
    },
    {
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      className: 'actions',
      cell: (f) =>
        f.status === 'new' ? (
          <button
            type="button"
            className="button button-secondary small"
            disabled={!canAck || isPending(f)}
            aria-describedby={ackDisabledBy}
            aria-label={`Acknowledge ${name(f)}`}
            onClick={() => onAck(f)}
          >
            {isPending(f) ? 'Acknowledging…' : 'Acknowledge'}
          </button>
        ) : (
          <span className="muted small">{f.acknowledged_at ? `Acknowledged ${formatRelative(f.acknowledged_at)}` : 'Acknowledged'}</span>
        ),
    },
  ];
}

// RunRef links a finding's baseline or current run; a run that is gone reads "Run unavailable".
export function RunRef({ run, label }: { run: FindingRunRef; label: string }) {
  if (run.run_unavailable || run.id == null) {
    return (
      <span className="muted" data-testid="run-unavailable" title={`${label} run: pruned, or the history has no record of it`}>
        Run unavailable
      </span>
    );
  }
  return (
    <Link
      to="/admin/operations/$run"
      params={{ run: String(run.id) }}
      title={`${label} run${run.completed_at ? `, finished ${formatDateTime(run.completed_at)}` : ''}`}
      aria-label={`${label} run #${run.id}`}
    >
      #{run.id}
    </Link>
  );
}
