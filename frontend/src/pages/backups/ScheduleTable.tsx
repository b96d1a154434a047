import { useId } from 'react';
import type { BackupSchedule } from '../../api/types';
import { Badge } from '../../components/Badge';
import { DataTable, type Column, type TableQuery } from '../../components/DataTable';
import type { Pages } from '../../components/Paging';
import { formatDateTime, formatDateTimeShort, formatNumber, formatRelative } from '../../format';
import { ScheduleRowActions, type LifecycleAction, type ScheduleAccess, type ScheduleActions } from './ScheduleActions';
import { describeTiming } from './search';

// ScheduleTable: the tenant's schedules — name (which shows its history), the enabled switch,
// timing, next and last run, and each schedule's actions.
export function ScheduleTable({
  rows,
  query,
  includeArchived,
  onIncludeArchived,
  selectedId,
  onSelect,
  access,
  actions,
  onEdit,
  onConfirm,
}: {
  rows: readonly BackupSchedule[];
  query: TableQuery & Pages;
  includeArchived: boolean;
  onIncludeArchived: (include: boolean) => void;
  selectedId: number | undefined;
  onSelect: (s: BackupSchedule) => void;
  access: ScheduleAccess;
  actions: ScheduleActions;
  onEdit: (s: BackupSchedule) => void;
  onConfirm: (c: LifecycleAction) => void;
}) {
  const id = useId();
  const { toggle } = actions;
  const columns: Column<BackupSchedule>[] = [
    {
      key: 'name',
      header: 'Name',
      className: 'strong wrap',
      cell: (s) => (
        <>
          <button
            type="button"
            className="link-button row-link"
            aria-pressed={selectedId === s.id}
            onClick={() => onSelect(s)}
            title="Show its runs and backup sets"
          >
            {s.name}
          </button>
          <span className="muted small-block">
            {s.policy_types.length} polic{s.policy_types.length === 1 ? 'y type' : 'y types'}
            {s.include_foundations ? ' + foundations' : ''} · keeps {formatNumber(s.retention_keep_last)}
          </span>
        </>
      ),
    },
    {
      key: 'state',
      header: 'State',
      cell: (s) =>
        s.archived_at ? (
          <Badge kind="schedule" value="archived" title={`Archived ${formatDateTime(s.archived_at)}`} />
        ) : (
          <label className="switch">
            <input
              type="checkbox"
              role="switch"
              checked={s.is_enabled}
              disabled={!access.canManage || (toggle.isPending && toggle.variables?.id === s.id)}
              aria-describedby={access.manageReason}
              aria-label={`Enabled: ${s.name}`}
              onChange={() => toggle.mutate(s)}
            />
            <span className="switch-track" aria-hidden="true" />
            <span className="switch-text">{s.is_enabled ? 'Enabled' : 'Disabled'}</span>
          </label>
        ),
    },
    {
      key: 'timing',
      header: 'Schedule',
      cell: (s) => (
        <>
          {describeTiming(s)}
          <span className="muted small-block">{s.timezone}</span>
        </>
      ),
    },
    {
      key: 'next-run',
      header: 'Next run',
      cell: (s) =>
        s.next_run_at ? (
          <time dateTime={s.next_run_at} title={formatDateTime(s.next_run_at)}>
            {formatDateTimeShort(s.next_run_at)}
          </time>
        ) : (
          <span className="muted">{s.archived_at || !s.is_enabled ? 'Not scheduled' : '—'}</span>
        ),
    },
    {
      key: 'last-run',
      header: 'Last run',
      cell: (s) =>
        s.last_run_status ? (
          <span className="inline-badge">
            <Badge kind="outcome" value={s.last_run_status} />
            <span className="muted" title={formatDateTime(s.last_run_at)}>
              {formatRelative(s.last_run_at)}
            </span>
          </span>
        ) : (
          <span className="muted">Never run</span>
        ),
    },
    {
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      className: 'actions',
      cell: (s) => <ScheduleRowActions schedule={s} access={access} actions={actions} onEdit={onEdit} onConfirm={onConfirm} />,
    },
  ];

  return (
    <section className="stack-tight" aria-labelledby={`${id}-list`}>
      <div className="section-head">
        <h2 id={`${id}-list`}>Schedules</h2>
        <label className="choice">
          <input type="checkbox" checked={includeArchived} onChange={(e) => onIncludeArchived(e.target.checked)} />
          Show archived schedules
        </label>
      </div>
      <DataTable
        label="Backup schedules"
        testId="schedules-table"
        columns={columns}
        rows={rows}
        rowKey={(s) => s.id}
        rowProps={(s) => ({
          'data-testid': 'schedule-row',
          'data-schedule-id': s.id,
          className: selectedId === s.id ? 'is-selected' : undefined,
        })}
        query={query}
        loadingText="Loading schedules…"
        empty={includeArchived ? 'No backup schedules.' : 'No backup schedules yet. Create one to back up the tenant regularly.'}
        // Only a list with more pages has a footer: "Load more".
        paging={query.hasNextPage ? { pages: query } : undefined}
      />
    </section>
  );
}
