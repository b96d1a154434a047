import { useInfiniteQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useId, useMemo, useState } from 'react';
import { isApiError } from '../../api/errors';
import { queryKeys } from '../../api/queryKeys';
import type { BackupSchedule } from '../../api/types';
import { CapabilityReason } from '../../components/Dialog';
import { useToasts } from '../../components/Toasts';
import { useApi } from '../../context';
import { useMe } from '../../hooks/useMe';
import { usePolicyTypes } from '../../hooks/usePolicyTypes';
import { parseId } from '../../routing/params';
import { ForbiddenPage, NotFoundPage } from '../StatusPages';
import {
  LifecycleDialog,
  MANAGE_CAPABILITY,
  RUN_CAPABILITY,
  useScheduleActions,
  type LifecycleAction,
  type ScheduleAccess,
} from './ScheduleActions';
import { ScheduleForm } from './ScheduleForm';
import { ScheduleHistory } from './ScheduleHistory';
import { ScheduleTable } from './ScheduleTable';
import type { ScheduleSearch } from './search';

type FormTarget = { mode: 'create' } | { mode: 'edit'; schedule: BackupSchedule };

const route = getRouteApi('/admin/t/$tenant/backup-schedules');

export default function BackupSchedulesPage() {
  const id = parseId(route.useParams().tenant);
  if (id === null) return <NotFoundPage title="Tenant not found" />;
  return <Schedules tenantId={id} key={id} />;
}

// Schedules: the page — its header, the list, the selected schedule's history, and the form
// and confirmation dialogs. The selected schedule and "show archived" live in the URL.
function Schedules({ tenantId }: { tenantId: number }) {
  const api = useApi();
  const me = useMe();
  const toasts = useToasts();
  const navigate = route.useNavigate();
  const search = route.useSearch();
  const id = useId();
  const tenant = me.tenant(tenantId);
  const policyTypes = usePolicyTypes();
  const canRun = me.can(tenantId, RUN_CAPABILITY);
  const canManage = me.can(tenantId, MANAGE_CAPABILITY);
  const access: ScheduleAccess = {
    canRun,
    canManage,
    runReason: !canRun && !me.isLoading ? `${id}-run-reason` : undefined,
    manageReason: !canManage && !me.isLoading ? `${id}-manage-reason` : undefined,
  };

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

  const [form, setForm] = useState<FormTarget | null>(null);
  const [confirm, setConfirm] = useState<LifecycleAction | null>(null);

  const actions = useScheduleActions(tenantId, {
    // A started run shows in its schedule's history.
    onStarted: (s) => {
      if (search.schedule !== s.id) void setSearch({ schedule: s.id });
    },
    onLifecycle: (c) => {
      setConfirm(null);
      if (c.kind === 'delete' && search.schedule === c.schedule.id) void setSearch({ schedule: undefined });
    },
  });
  const { lifecycle } = actions;

  const err = schedules.error;
  if (err && isApiError(err) && err.status === 404)
    return <NotFoundPage title="Tenant not found" detail="There is no such tenant, or you are not entitled to it." />;
  if (err && isApiError(err) && err.status === 403) return <ForbiddenPage capability={err.capability} what="backup schedules" />;

  const openConfirm = (c: LifecycleAction) => {
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
            aria-describedby={access.manageReason}
            onClick={() => setForm({ mode: 'create' })}
          >
            New schedule
          </button>
        </div>
      </div>

      {(access.runReason || access.manageReason) && (
        <div className="notice notice-quiet" data-testid="capability-notes">
          {access.manageReason && (
            <CapabilityReason
              id={access.manageReason}
              capability={MANAGE_CAPABILITY}
              what="Creating, editing, archiving, restoring and deleting schedules is disabled"
            />
          )}
          {access.runReason && <CapabilityReason id={access.runReason} capability={RUN_CAPABILITY} what="Run now and Retry are disabled" />}
        </div>
      )}

      <ScheduleTable
        rows={rows}
        query={schedules}
        includeArchived={includeArchived}
        onIncludeArchived={(include) => setSearch({ archived: include ? true : undefined })}
        selectedId={selected?.id}
        onSelect={(s) => setSearch({ schedule: s.id })}
        access={access}
        actions={actions}
        onEdit={(s) => setForm({ mode: 'edit', schedule: s })}
        onConfirm={openConfirm}
      />

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
            actions.refresh();
            if (form.mode === 'create') void setSearch({ schedule: s.id });
          }}
        />
      )}

      {confirm && (
        <LifecycleDialog
          action={confirm}
          pending={lifecycle.isPending}
          error={lifecycle.isError ? lifecycle.error : undefined}
          onCancel={() => setConfirm(null)}
          onConfirm={() => lifecycle.mutate(confirm)}
        />
      )}
    </div>
  );
}
