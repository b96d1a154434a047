import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useId, useMemo, useState } from 'react';
import type { StartedRun } from '../../api/client';
import { errorMessage, isApiError } from '../../api/errors';
import { queryKeys } from '../../api/queryKeys';
import type { BackupSchedule } from '../../api/types';
import { Badge } from '../../components/Badge';
import { useActiveRuns } from '../../components/ActiveRuns';
import { CapabilityReason, ConfirmDialog } from '../../components/Dialog';
import { queuedToast, useToasts } from '../../components/Toasts';
import { useApi } from '../../context';
import { formatDateTime, formatDateTimeShort, formatDuration, formatNumber, formatRelative } from '../../format';
import { useMe } from '../../hooks/useMe';
import { usePolicyTypes } from '../../hooks/usePolicyTypes';
import { parseId } from '../../routing/params';
import { ErrorState, ForbiddenPage, NotFoundPage } from '../StatusPages';
import { ScheduleForm } from './ScheduleForm';
import { describeTiming, type ScheduleSearch } from './search';
import { LoadMoreButton, RunLink } from '../../components/Paging';

export const RUN_CAPABILITY = 'tenant.backups.manage';
export const MANAGE_CAPABILITY = 'tenant.backups.schedules.manage';

type Confirm = { kind: 'archive' | 'restore' | 'delete'; schedule: BackupSchedule };
type FormTarget = { mode: 'create' } | { mode: 'edit'; schedule: BackupSchedule };

const route = getRouteApi('/admin/t/$tenant/backup-schedules');

export default function BackupSchedulesPage() {
  const id = parseId(route.useParams().tenant);
  if (id === null) return <NotFoundPage title="Tenant not found" />;
  return <Schedules tenantId={id} key={id} />;
}

function Schedules({ tenantId }: { tenantId: number }) {
  const api = useApi();
  const me = useMe();
  const qc = useQueryClient();
  const toasts = useToasts();
  const active = useActiveRuns();
  const navigate = route.useNavigate();
  const search = route.useSearch();
  const id = useId();
  const tenant = me.tenant(tenantId);
  const policyTypes = usePolicyTypes();
  const canRun = me.can(tenantId, RUN_CAPABILITY);
  const canManage = me.can(tenantId, MANAGE_CAPABILITY);
  const runReason = !canRun && !me.isLoading ? `${id}-run-reason` : undefined;
  const manageReason = !canManage && !me.isLoading ? `${id}-manage-reason` : undefined;

  const setSearch = (patch: Partial<ScheduleSearch>) =>
    navigate({
      to: '/admin/t/$tenant/backup-schedules',
      params: { tenant: String(tenantId) },
      search: (prev) => {
        const next = { ...prev, ...patch };
        return { ...(next.schedule ? { schedule: next.schedule } : {}), ...(next.archived ? { archived: true as const } : {}) };
      },
    });

  const includeArchived = !!search.archived;
  const schedules = useInfiniteQuery({
    queryKey: queryKeys.backupSchedules.list(tenantId, { includeArchived }),
    queryFn: ({ pageParam }) => api.backupSchedules(tenantId, { includeArchived }, pageParam, 50),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = useMemo(() => schedules.data?.pages.flatMap((p) => p.data) ?? [], [schedules.data]);
  const selected = rows.find((s) => s.id === search.schedule) ?? (search.schedule ? undefined : rows[0]);

  const refresh = () => void qc.invalidateQueries({ queryKey: queryKeys.backupSchedules.tenant(tenantId) });

  const [form, setForm] = useState<FormTarget | null>(null);
  const [confirm, setConfirm] = useState<Confirm | null>(null);

  const started = (what: string) => ({
    onSuccess: ({ run, reused }: StartedRun, s: BackupSchedule) => {
      toasts.show(queuedToast(run.known_type ? run.type_label : 'Unknown operation', run.id, reused));
      active.restart(run.id);
      void qc.invalidateQueries({ queryKey: queryKeys.runs.all() });
      void qc.invalidateQueries({ queryKey: queryKeys.runCounts.all() });
      refresh();
      if (search.schedule !== s.id) void setSearch({ schedule: s.id });
    },
    onError: (err: unknown) => toasts.show({ title: `${what} could not start`, body: errorMessage(err), kind: 'error' }),
  });
  const runNow = useMutation({ mutationFn: (s: BackupSchedule) => api.runBackupScheduleNow(tenantId, s.id), ...started('Run now') });
  const retry = useMutation({ mutationFn: (s: BackupSchedule) => api.retryBackupSchedule(tenantId, s.id), ...started('Retry') });
  const toggle = useMutation({
    mutationFn: (s: BackupSchedule) => api.updateBackupSchedule(tenantId, s.id, { is_enabled: !s.is_enabled }),
    onSuccess: (s) => {
      toasts.show({ title: `${s.name} ${s.is_enabled ? 'enabled' : 'disabled'}` });
      refresh();
    },
    onError: (err) => toasts.show({ title: 'The schedule could not be changed', body: errorMessage(err), kind: 'error' }),
  });
  const lifecycle = useMutation({
    mutationFn: async (c: Confirm) => {
      if (c.kind === 'archive') await api.archiveBackupSchedule(tenantId, c.schedule.id);
      else if (c.kind === 'restore') await api.restoreBackupSchedule(tenantId, c.schedule.id);
      else await api.deleteBackupSchedule(tenantId, c.schedule.id);
      return c;
    },
    onSuccess: (c) => {
      setConfirm(null);
      toasts.show({ title: `${c.schedule.name} ${c.kind === 'archive' ? 'archived' : c.kind === 'restore' ? 'restored' : 'deleted'}` });
      if (c.kind === 'delete' && search.schedule === c.schedule.id) void setSearch({ schedule: undefined });
      refresh();
    },
  });

  const err = schedules.error;
  if (err && isApiError(err) && err.status === 404)
    return <NotFoundPage title="Tenant not found" detail="There is no such tenant, or you are not entitled to it." />;
  if (err && isApiError(err) && err.status === 403) return <ForbiddenPage capability={err.capability} what="backup schedules" />;

  const openConfirm = (c: Confirm) => {
    lifecycle.reset();
    setConfirm(c);
  };

  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <p className="eyebrow">{tenant?.name ?? `Tenant #${tenantId}`}</p>
          <h1>Backup schedules</h1>
          <p className="muted">Recurring backups of the tenant's Intune policies. Every run is an operation run; retention keeps the newest backup sets.</p>
        </div>
        <div className="start-work">
          <button
            type="button"
            className="button button-primary"
            disabled={!canManage || me.isLoading}
            aria-describedby={manageReason}
            onClick={() => setForm({ mode: 'create' })}
          >
            New schedule
          </button>
        </div>
      </div>

      {(runReason || manageReason) && (
        <div className="notice notice-quiet" data-testid="capability-notes">
          {manageReason && <CapabilityReason id={manageReason} capability={MANAGE_CAPABILITY} what="Creating, editing, archiving, restoring and deleting schedules is disabled" />}
          {runReason && <CapabilityReason id={runReason} capability={RUN_CAPABILITY} what="Run now and Retry are disabled" />}
        </div>
      )}

      <section className="stack-tight" aria-labelledby={`${id}-list`}>
        <div className="section-head">
          <h2 id={`${id}-list`}>Schedules</h2>
          <label className="choice">
            <input type="checkbox" checked={includeArchived} onChange={(e) => setSearch({ archived: e.target.checked ? true : undefined })} />
            Show archived schedules
          </label>
        </div>
        {schedules.isError ? (
          <ErrorState error={schedules.error} onRetry={() => schedules.refetch()} />
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Backup schedules" data-testid="schedules-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">State</th>
                  <th scope="col">Schedule</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Last run</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {schedules.isLoading && (
                  <tr>
                    <td colSpan={6} className="table-empty">
                      Loading schedules…
                    </td>
                  </tr>
                )}
                {!schedules.isLoading && rows.length === 0 && (
                  <tr>
                    <td colSpan={6} className="table-empty">
                      {includeArchived ? 'No backup schedules.' : 'No backup schedules yet. Create one to back up the tenant regularly.'}
                    </td>
                  </tr>
                )}
                {rows.map((s) => {
                  const archived = !!s.archived_at;
                  const isSelected = selected?.id === s.id;
                  return (
                    <tr key={s.id} data-testid="schedule-row" data-schedule-id={s.id} className={isSelected ? 'is-selected' : undefined}>
                      <td className="strong wrap">
                        <button
                          type="button"
                          className="link-button row-link"
                          aria-pressed={isSelected}
                          onClick={() => setSearch({ schedule: s.id })}
                          title="Show its runs and backup sets"
                        >
                          {s.name}
                        </button>
                        <span className="muted small-block">
                          {s.policy_types.length} polic{s.policy_types.length === 1 ? 'y type' : 'y types'}
                          {s.include_foundations ? ' + foundations' : ''} · keeps {formatNumber(s.retention_keep_last)}
                        </span>
                      </td>
                      <td>
                        {archived ? (
                          <Badge kind="schedule" value="archived" title={`Archived ${formatDateTime(s.archived_at)}`} />
                        ) : (
                          <label className="switch">
                            <input
                              type="checkbox"
                              role="switch"
                              checked={s.is_enabled}
                              disabled={!canManage || (toggle.isPending && toggle.variables?.id === s.id)}
                              aria-describedby={manageReason}
                              aria-label={`Enabled: ${s.name}`}
                              onChange={() => toggle.mutate(s)}
                            />
                            <span className="switch-track" aria-hidden="true" />
                            <span className="switch-text">{s.is_enabled ? 'Enabled' : 'Disabled'}</span>
                          </label>
                        )}
                      </td>
                      <td>
                        {describeTiming(s)}
                        <span className="muted small-block">{s.timezone}</span>
                      </td>
                      <td>
                        {s.next_run_at ? (
                          <time dateTime={s.next_run_at} title={formatDateTime(s.next_run_at)}>
                            {formatDateTimeShort(s.next_run_at)}
                          </time>
                        ) : (
                          <span className="muted">{archived || !s.is_enabled ? 'Not scheduled' : '—'}</span>
                        )}
                      </td>
                      <td>
                        {s.last_run_status ? (
                          <span className="inline-badge">
                            <Badge kind="outcome" value={s.last_run_status} />
                            <span className="muted" title={formatDateTime(s.last_run_at)}>
                              {formatRelative(s.last_run_at)}
                            </span>
                          </span>
                        ) : (
                          <span className="muted">Never run</span>
                        )}
                      </td>
                      <td className="actions">
                        <div className="row-actions">
                          {!archived && (
                            <>
                              <button
                                type="button"
                                className="button button-secondary small"
                                disabled={!canRun || (runNow.isPending && runNow.variables?.id === s.id)}
                                aria-describedby={runReason}
                                aria-label={`Run now: ${s.name}`}
                                onClick={() => runNow.mutate(s)}
                              >
                                Run now
                              </button>
                              <button
                                type="button"
                                className="button button-secondary small"
                                disabled={!canRun || !s.last_run_at || (retry.isPending && retry.variables?.id === s.id)}
                                aria-describedby={runReason}
                                aria-label={`Retry: ${s.name}`}
                                title={s.last_run_at ? 'Run again, as a retry of the last run' : 'No finished run to retry yet'}
                                onClick={() => retry.mutate(s)}
                              >
                                Retry
                              </button>
                              <button
                                type="button"
                                className="button button-secondary small"
                                disabled={!canManage}
                                aria-describedby={manageReason}
                                aria-label={`Edit: ${s.name}`}
                                onClick={() => setForm({ mode: 'edit', schedule: s })}
                              >
                                Edit
                              </button>
                              <button
                                type="button"
                                className="button button-secondary small"
                                disabled={!canManage}
                                aria-describedby={manageReason}
                                aria-label={`Archive: ${s.name}`}
                                onClick={() => openConfirm({ kind: 'archive', schedule: s })}
                              >
                                Archive
                              </button>
                            </>
                          )}
                          {archived && (
                            <>
                              <button
                                type="button"
                                className="button button-secondary small"
                                disabled={!canManage}
                                aria-describedby={manageReason}
                                aria-label={`Restore: ${s.name}`}
                                onClick={() => openConfirm({ kind: 'restore', schedule: s })}
                              >
                                Restore
                              </button>
                              <button
                                type="button"
                                className="button button-secondary small button-destructive-quiet"
                                disabled={!canManage}
                                aria-describedby={manageReason}
                                aria-label={`Delete: ${s.name}`}
                                onClick={() => openConfirm({ kind: 'delete', schedule: s })}
                              >
                                Delete
                              </button>
                            </>
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {schedules.hasNextPage && (
          <div className="list-footer">
            <span />
            <LoadMoreButton pages={schedules} />
          </div>
        )}
      </section>

      {selected && <ScheduleHistory tenantId={tenantId} schedule={selected} key={selected.id} />}

      {form && (
        <ScheduleForm
          tenantId={tenantId}
          schedule={form.mode === 'edit' ? form.schedule : undefined}
          policyTypes={policyTypes.types}
          onClose={() => setForm(null)}
          onSaved={(s) => {
            toasts.show({ title: form.mode === 'create' ? `Schedule ${s.name} created` : `Schedule ${s.name} saved` });
            setForm(null);
            refresh();
            if (form.mode === 'create') void setSearch({ schedule: s.id });
          }}
        />
      )}

      {confirm && (
        <ConfirmDialog
          title={
            confirm.kind === 'archive'
              ? `Archive ${confirm.schedule.name}?`
              : confirm.kind === 'restore'
                ? `Restore ${confirm.schedule.name}?`
                : `Delete ${confirm.schedule.name} permanently?`
          }
          confirmLabel={confirm.kind === 'archive' ? 'Archive' : confirm.kind === 'restore' ? 'Restore' : 'Delete permanently'}
          destructive={confirm.kind !== 'restore'}
          pending={lifecycle.isPending}
          error={lifecycle.isError ? lifecycle.error : undefined}
          onCancel={() => setConfirm(null)}
          onConfirm={() => lifecycle.mutate(confirm)}
        >
          <p>
            {confirm.kind === 'archive'
              ? 'An archived schedule never runs. Its runs and backup sets are kept; you can restore it later.'
              : confirm.kind === 'restore'
                ? 'The schedule comes back as it was and runs again at its times if it is enabled.'
                : 'The schedule is deleted for good. This is refused while operation runs of it still exist in the history.'}
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

// ScheduleHistory: the schedule's runs (GET /operation-runs?backup_schedule_id=N) and the backup
// sets they made. Both look again every 2 s while a run of the schedule is active.
function ScheduleHistory({ tenantId, schedule }: { tenantId: number; schedule: BackupSchedule }) {
  const api = useApi();
  const id = useId();
  const runs = useQuery({
    queryKey: queryKeys.runs.ofSchedule(schedule.id),
    queryFn: () => api.listRuns({ backupScheduleId: schedule.id }, null, 20),
    refetchInterval: (q) => (q.state.data?.data.some((r) => r.status !== 'completed') ? 2000 : false),
  });
  const anyActive = runs.data?.data.some((r) => r.status !== 'completed') ?? false;
  // The sets are asked again whenever a run of the schedule changes state.
  const runsSignature = runs.data?.data.map((r) => `${r.id}:${r.status}`).join(',') ?? '';
  const sets = useQuery({
    queryKey: queryKeys.backupSets.ofSchedule(tenantId, schedule.id, runsSignature),
    queryFn: () => api.backupSets(tenantId, { backupScheduleId: schedule.id, includeRetired: true }, null, 20),
    refetchInterval: (q) => (anyActive || q.state.data?.data.some((s) => s.status === 'pending') ? 2000 : false),
    placeholderData: (prev) => prev,
  });
  const runRows = runs.data?.data ?? [];
  const setRows = sets.data?.data ?? [];
  return (
    <section className="card stack-tight" aria-labelledby={`${id}-title`} data-testid="schedule-history">
      <div className="section-head">
        <h2 id={`${id}-title`}>
          {schedule.name} <span className="muted id-large">history</span>
        </h2>
        <Link to="/admin/operations" search={{ type: 'backup_schedule_run', tenant: tenantId }} className="small-link">
          All backup runs of this tenant
        </Link>
      </div>
      <div className="stack">
        <div className="stack-tight">
          <h3 id={`${id}-runs`}>Runs</h3>
          {runs.isError ? (
            <ErrorState error={runs.error} onRetry={() => runs.refetch()} />
          ) : (
            <div className="table-scroll">
              <table className="table compact" aria-labelledby={`${id}-runs`} data-testid="schedule-runs">
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Status</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Started by</th>
                    <th scope="col">Created</th>
                    <th scope="col" className="num">
                      Duration
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {runs.isLoading && (
                    <tr>
                      <td colSpan={6} className="table-empty">
                        Loading runs…
                      </td>
                    </tr>
                  )}
                  {!runs.isLoading && runRows.length === 0 && (
                    <tr>
                      <td colSpan={6} className="table-empty">
                        No runs yet.
                      </td>
                    </tr>
                  )}
                  {runRows.map((r) => (
                    <tr key={r.id} data-testid="schedule-run-row" data-run-id={r.id}>
                      <td>
                        <Link to="/admin/operations/$run" params={{ run: String(r.id) }}>
                          {r.known_type ? r.type_label : 'Unknown operation'} <span className="muted">#{r.id}</span>
                        </Link>
                      </td>
                      <td>
                        <Badge kind="status" value={r.status} />
                      </td>
                      <td>
                        <Badge kind="outcome" value={r.outcome} />
                      </td>
                      <td>{r.initiator.name}</td>
                      <td>
                        <time dateTime={r.created_at} title={formatDateTime(r.created_at)}>
                          {formatRelative(r.created_at)}
                        </time>
                      </td>
                      <td className="num">{formatDuration(r.duration_ms)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        <div className="stack-tight">
          <h3 id={`${id}-sets`}>Backup sets</h3>
          {sets.isError ? (
            <ErrorState error={sets.error} onRetry={() => sets.refetch()} />
          ) : (
            <div className="table-scroll">
              <table className="table compact" aria-labelledby={`${id}-sets`} data-testid="schedule-sets">
                <thead>
                  <tr>
                    <th scope="col">Backup set</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Items
                    </th>
                    <th scope="col">Run</th>
                    <th scope="col">Completed</th>
                  </tr>
                </thead>
                <tbody>
                  {sets.isLoading && (
                    <tr>
                      <td colSpan={5} className="table-empty">
                        Loading backup sets…
                      </td>
                    </tr>
                  )}
                  {!sets.isLoading && setRows.length === 0 && (
                    <tr>
                      <td colSpan={5} className="table-empty">
                        No backup sets yet.
                      </td>
                    </tr>
                  )}
                  {setRows.map((b) => (
                    <tr key={b.id} data-testid="backup-set-row" data-run-id={b.operation_run_id ?? undefined}>
                      <td className="wrap">
                        {b.name}
                        {b.retired_at && <span className="muted small-block">Retired {formatDateTime(b.retired_at)}</span>}
                      </td>
                      <td>
                        <Badge kind="backupSet" value={b.status} />
                      </td>
                      <td className="num">{formatNumber(b.item_count)}</td>
                      <td>
                        <RunLink id={b.operation_run_id} missing="Run unavailable" />
                      </td>
                      <td>
                        <time dateTime={b.completed_at ?? undefined}>{formatDateTime(b.completed_at)}</time>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
