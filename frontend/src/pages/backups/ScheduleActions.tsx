import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { StartedRun } from '../../api/client';
import { errorMessage } from '../../api/errors';
import { queryKeys } from '../../api/queryKeys';
import type { BackupSchedule } from '../../api/types';
import { useActiveRuns } from '../../components/ActiveRuns';
import { ConfirmDialog } from '../../components/Dialog';
import { queuedToast, useToasts } from '../../components/Toasts';
import { useApi } from '../../context';

export const RUN_CAPABILITY = 'tenant.backups.manage';
export const MANAGE_CAPABILITY = 'tenant.backups.schedules.manage';

// What the caller may do with the tenant's schedules; a reason is the id of the note that says
// why the controls are disabled (none while /me loads, or when allowed).
export interface ScheduleAccess {
  canRun: boolean;
  canManage: boolean;
  runReason: string | undefined;
  manageReason: string | undefined;
}

export type LifecycleAction = { kind: 'archive' | 'restore' | 'delete'; schedule: BackupSchedule };

// useScheduleActions: run now, retry, enable or disable, and archive, restore or delete — each
// with its toast, and the lists refreshed. onStarted follows a started run, onLifecycle an
// archive, restore or delete that went through.
export function useScheduleActions(
  tenantId: number,
  { onStarted, onLifecycle }: { onStarted: (s: BackupSchedule) => void; onLifecycle: (c: LifecycleAction) => void },
) {
  const api = useApi();
  const qc = useQueryClient();
  const toasts = useToasts();
  const active = useActiveRuns();
  const refresh = () => void qc.invalidateQueries({ queryKey: queryKeys.backupSchedules.tenant(tenantId) });

  const started = (what: string) => ({
    onSuccess: ({ run, reused }: StartedRun, s: BackupSchedule) => {
      toasts.show(queuedToast(run.type_label, run.id, reused));
      active.restart(run.id);
      void qc.invalidateQueries({ queryKey: queryKeys.runs.all() });
      void qc.invalidateQueries({ queryKey: queryKeys.runCounts.all() });
      refresh();
      onStarted(s);
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
    mutationFn: async (c: LifecycleAction) => {
      if (c.kind === 'archive') await api.archiveBackupSchedule(tenantId, c.schedule.id);
      else if (c.kind === 'restore') await api.restoreBackupSchedule(tenantId, c.schedule.id);
      else await api.deleteBackupSchedule(tenantId, c.schedule.id);
      return c;
    },
    onSuccess: (c) => {
      onLifecycle(c);
      toasts.show({ title: `${c.schedule.name} ${c.kind === 'archive' ? 'archived' : c.kind === 'restore' ? 'restored' : 'deleted'}` });
      refresh();
    },
  });
  return { runNow, retry, toggle, lifecycle, refresh };
}

export type ScheduleActions = ReturnType<typeof useScheduleActions>;

// ScheduleRowActions: a schedule's buttons — Run now, Retry, Edit and Archive while it is
// active; Restore and Delete once it is archived.
export function ScheduleRowActions({
  schedule: s,
  access,
  actions,
  onEdit,
  onConfirm,
}: {
  schedule: BackupSchedule;
  access: ScheduleAccess;
  actions: Pick<ScheduleActions, 'runNow' | 'retry'>;
  onEdit: (s: BackupSchedule) => void;
  onConfirm: (c: LifecycleAction) => void;
}) {
  const { canRun, canManage, runReason, manageReason } = access;
  const { runNow, retry } = actions;
  const lifecycle = (kind: LifecycleAction['kind'], text: string, destructive = false) => (
    <RowButton
      text={text}
      name={s.name}
      disabled={!canManage}
      reason={manageReason}
      destructive={destructive}
      onClick={() => onConfirm({ kind, schedule: s })}
    />
  );
  return (
    <div className="row-actions">
      {!s.archived_at && (
        <>
          <RowButton
            text="Run now"
            name={s.name}
            disabled={!canRun || (runNow.isPending && runNow.variables?.id === s.id)}
            reason={runReason}
            onClick={() => runNow.mutate(s)}
          />
          <RowButton
            text="Retry"
            name={s.name}
            disabled={!canRun || !s.last_run_at || (retry.isPending && retry.variables?.id === s.id)}
            reason={runReason}
            title={s.last_run_at ? 'Run again, as a retry of the last run' : 'No finished run to retry yet'}
            onClick={() => retry.mutate(s)}
          />
          <RowButton text="Edit" name={s.name} disabled={!canManage} reason={manageReason} onClick={() => onEdit(s)} />
          {lifecycle('archive', 'Archive')}
        </>
      )}
      {s.archived_at && (
        <>
          {lifecycle('restore', 'Restore')}
          {lifecycle('delete', 'Delete', true)}
        </>
      )}
    </div>
  );
}

/** One action of a schedule's row: its accessible name says which schedule it acts on. */
function RowButton({
  text,
  name,
  disabled,
  reason,
  title,
  destructive = false,
  onClick,
}: {
  text: string;
  name: string;
  disabled: boolean;
  reason?: string;
  title?: string;
  destructive?: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className={`button button-secondary small${destructive ? ' button-destructive-quiet' : ''}`}
      disabled={disabled}
      aria-describedby={reason}
      aria-label={`${text}: ${name}`}
      title={title}
      onClick={onClick}
    >
      {text}
    </button>
  );
}

const LIFECYCLE_TEXT = {
  archive: {
    title: (name: string) => `Archive ${name}?`,
    confirm: 'Archive',
    body: 'An archived schedule never runs. Its runs and backup sets are kept; you can restore it later.',
  },
  restore: {
    title: (name: string) => `Restore ${name}?`,
    confirm: 'Restore',
    body: 'The schedule comes back as it was and runs again at its times if it is enabled.',
  },
  delete: {
    title: (name: string) => `Delete ${name} permanently?`,
    confirm: 'Delete permanently',
    body: 'The schedule is deleted for good. This is refused while operation runs of it still exist in the history.',
  },
} as const;

// LifecycleDialog asks before a schedule is archived, restored or deleted; a refusal (such as the
// 409 of a delete while runs of it exist) is shown in the dialog.
export function LifecycleDialog({
  action,
  pending,
  error,
  onCancel,
  onConfirm,
}: {
  action: LifecycleAction;
  pending: boolean;
  error: unknown;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const text = LIFECYCLE_TEXT[action.kind];
  return (
    <ConfirmDialog
      title={text.title(action.schedule.name)}
      confirmLabel={text.confirm}
      destructive={action.kind !== 'restore'}
      pending={pending}
      error={error}
      onCancel={onCancel}
      onConfirm={onConfirm}
    >
      <p>{text.body}</p>
    </ConfirmDialog>
  );
}
