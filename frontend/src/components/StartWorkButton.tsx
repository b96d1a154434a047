import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useId } from 'react';
import type { StartedRun } from '../api/client';
import { errorMessage } from '../api/errors';
import { queryKeys } from '../api/queryKeys';
import { useMe } from '../hooks/useMe';
import { useActiveRuns } from './ActiveRuns';
import { queuedToast, useToasts } from './Toasts';

// StartWorkButton starts background work on a tenant ("Sync now", "Sync groups"). The caller's
// capability on the tenant (from /me) decides whether it is enabled; without it the button is
// disabled and says why. After starting: the "queued" toast, and the active-runs widget restarts.
export function StartWorkButton({
  tenantId,
  capability,
  children,
  start,
  invalidate,
}: {
  tenantId: number;
  capability: string;
  children: string;
  start: () => Promise<StartedRun>;
  invalidate: readonly QueryKey[];
}) {
  const me = useMe();
  const toasts = useToasts();
  const active = useActiveRuns();
  const qc = useQueryClient();
  const hintId = useId();
  const allowed = me.can(tenantId, capability);
  const m = useMutation({
    mutationFn: start,
    onSuccess: ({ run, reused }) => {
      toasts.show(queuedToast(run.type_label, run.id, reused));
      active.restart(run.id);
      for (const key of invalidate) void qc.invalidateQueries({ queryKey: key });
      void qc.invalidateQueries({ queryKey: queryKeys.runs.all() });
      void qc.invalidateQueries({ queryKey: queryKeys.runCounts.all() });
    },
    onError: (err) => toasts.show({ title: `${children} could not start`, body: errorMessage(err), kind: 'error' }),
  });
  const disabled = !allowed || m.isPending || me.isLoading;
  return (
    <div className="start-work">
      <button
        type="button"
        className="button button-primary"
        disabled={disabled}
        aria-describedby={!allowed && !me.isLoading ? hintId : undefined}
        onClick={() => m.mutate()}
      >
        {m.isPending ? 'Starting…' : children}
      </button>
      {!allowed && !me.isLoading && (
        <p id={hintId} className="hint" data-testid="start-disabled-reason">
          You lack the capability <code>{capability}</code> on this tenant.
        </p>
      )}
    </div>
  );
}
