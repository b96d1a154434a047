import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useId } from 'react';
import { BACKUP_SCHEDULE_RUN_TYPE } from '../../api/operationTypes';
import { queryKeys } from '../../api/queryKeys';
import type { BackupSchedule, BackupSet, OperationRun } from '../../api/types';
import { Badge } from '../../components/Badge';
import { DataTable, type Column } from '../../components/DataTable';
import { RunLink } from '../../components/Paging';
import { useApi } from '../../context';
import { formatDateTime, formatDuration, formatNumber, formatRelative } from '../../format';

const RUN_COLUMNS: readonly Column<OperationRun>[] = [
  {
    key: 'run',
    header: 'Run',
    cell: (r) => (
      <Link to="/admin/operations/$run" params={{ run: String(r.id) }}>
        {r.type_label} <span className="muted">#{r.id}</span>
      </Link>
    ),
  },
  { key: 'status', header: 'Status', cell: (r) => <Badge kind="status" value={r.status} /> },
  { key: 'outcome', header: 'Outcome', cell: (r) => <Badge kind="outcome" value={r.outcome} /> },
  { key: 'initiator', header: 'Started by', cell: (r) => r.initiator.name },
  {
    key: 'created',
    header: 'Created',
    cell: (r) => (
      <time dateTime={r.created_at} title={formatDateTime(r.created_at)}>
        {formatRelative(r.created_at)}
      </time>
    ),
  },
  { key: 'duration', header: 'Duration', headerClassName: 'num', className: 'num', cell: (r) => formatDuration(r.duration_ms) },
];
const runRowProps = (r: OperationRun) => ({ 'data-testid': 'schedule-run-row', 'data-run-id': r.id });

const SET_COLUMNS: readonly Column<BackupSet>[] = [
  {
    key: 'name',
    header: 'Backup set',
    className: 'wrap',
    cell: (b) => (
      <>
        {b.name}
        {b.retired_at && <span className="muted small-block">Retired {formatDateTime(b.retired_at)}</span>}
      </>
    ),
  },
  { key: 'status', header: 'Status', cell: (b) => <Badge kind="backupSet" value={b.status} /> },
  { key: 'items', header: 'Items', headerClassName: 'num', className: 'num', cell: (b) => formatNumber(b.item_count) },
  { key: 'run', header: 'Run', cell: (b) => <RunLink id={b.operation_run_id} missing="Run unavailable" /> },
  {
    key: 'completed',
    header: 'Completed',
    cell: (b) => <time dateTime={b.completed_at ?? undefined}>{formatDateTime(b.completed_at)}</time>,
  },
];
const setRowProps = (b: BackupSet) => ({ 'data-testid': 'backup-set-row', 'data-run-id': b.operation_run_id ?? undefined });

// ScheduleHistory: the schedule's runs (GET /operation-runs?backup_schedule_id=N) and the backup
// sets they made. Both look again every 2 s while a run of the schedule is active.
export function ScheduleHistory({ tenantId, schedule }: { tenantId: number; schedule: BackupSchedule }) {
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
  return (
    <section className="card stack-tight" aria-labelledby={`${id}-title`} data-testid="schedule-history">
      <div className="section-head">
        <h2 id={`${id}-title`}>
          {schedule.name} <span className="muted id-large">history</span>
        </h2>
        <Link to="/admin/operations" search={{ type: BACKUP_SCHEDULE_RUN_TYPE, tenant: tenantId }} className="small-link">
          All backup runs of this tenant
        </Link>
      </div>
      <div className="stack">
        <div className="stack-tight">
          <h3 id={`${id}-runs`}>Runs</h3>
          <DataTable
            compact
            labelledBy={`${id}-runs`}
            testId="schedule-runs"
            columns={RUN_COLUMNS}
            rows={runs.data?.data ?? []}
            rowKey={(r) => r.id}
            rowProps={runRowProps}
            query={runs}
            loadingText="Loading runs…"
            empty="No runs yet."
          />
        </div>
        <div className="stack-tight">
          <h3 id={`${id}-sets`}>Backup sets</h3>
          <DataTable
            compact
            labelledBy={`${id}-sets`}
            testId="schedule-sets"
            columns={SET_COLUMNS}
            rows={sets.data?.data ?? []}
            rowKey={(b) => b.id}
            rowProps={setRowProps}
            query={sets}
            loadingText="Loading backup sets…"
            empty="No backup sets yet."
          />
        </div>
      </div>
    </section>
  );
}
