import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { queryKeys } from '../api/queryKeys';
import type { OperationRun } from '../api/types';
import { useApi } from '../context';
import { useMe, useOperationTypes } from '../hooks/useMe';
import { CapabilityReason, ConfirmDialog } from './Dialog';

const RETRYABLE = new Set(['failed', 'partially_succeeded', 'cancelled', 'blocked']);

export function canCancel(run: OperationRun): boolean {
  return run.known_type && run.status !== 'completed' && !run.cancel_requested_at;
}

export function canRetry(run: OperationRun): boolean {
  return run.known_type && run.status === 'completed' && RETRYABLE.has(run.outcome);
}

// useRunCapability is the capability acting on the run needs (the one starting its type needs,
// from the server's registry) and whether the caller holds it on the run's tenant.
export function useRunCapability(run: OperationRun): { capability: string | undefined; allowed: boolean } {
  const me = useMe();
  const types = useOperationTypes();
  const capability = types.data?.data.find((t) => t.key === run.type)?.capability;
  if (!capability) return { capability, allowed: false };
  // A workspace-wide run: the server decides (the SPA knows tenant capabilities only).
  return { capability, allowed: run.tenant_id == null ? true : me.can(run.tenant_id, capability) };
}

// RunActions are the Cancel and Retry buttons of one run: shown when the run can take the action,
// disabled with the reason when the caller lacks the capability, each behind a confirmation.
export function RunActions({ run, compact }: { run: OperationRun; compact?: boolean }) {
  const api = useApi();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const reasonId = useId();
  const { capability, allowed } = useRunCapability(run);
  const [asking, setAsking] = useState<'cancel' | 'retry' | null>(null);
  const refresh = async () => {
    await Promise.all([
      qc.invalidateQueries({ queryKey: queryKeys.run(run.id) }),
      qc.invalidateQueries({ queryKey: queryKeys.runs.all() }),
      qc.invalidateQueries({ queryKey: queryKeys.runCounts.all() }),
    ]);
  };
  const cancel = useMutation({
    mutationFn: () => api.cancelRun(run.id),
    onSuccess: async (updated) => {
      qc.setQueryData(queryKeys.run(run.id), updated);
      setAsking(null);
      await refresh();
    },
  });
  const retry = useMutation({
    mutationFn: () => api.retryRun(run.id),
    onSuccess: async ({ run: next }) => {
      setAsking(null);
      await refresh();
      void navigate({ to: '/admin/operations/$run', params: { run: String(next.id) } });
    },
  });
  const showCancel = canCancel(run);
  const showRetry = canRetry(run);
  if (!showCancel && !showRetry) {
    return run.cancel_requested_at && run.status !== 'completed' ? (
      <span className="muted" data-testid="cancel-pending">
        Cancelling…
      </span>
    ) : null;
  }
  const disabled = !allowed;
  const size = compact ? 'button-small' : '';
  return (
    <div className="run-actions" data-testid={`run-actions-${run.id}`}>
      {showCancel && (
        <button
          type="button"
          className={`button button-secondary ${size}`}
          disabled={disabled}
          aria-describedby={disabled ? reasonId : undefined}
          onClick={() => setAsking('cancel')}
        >
          Cancel run
        </button>
      )}
      {showRetry && (
        <button
          type="button"
          className={`button ${size}`}
          disabled={disabled}
          aria-describedby={disabled ? reasonId : undefined}
          onClick={() => setAsking('retry')}
        >
          Retry
        </button>
      )}
      {disabled && capability && !compact && <CapabilityReason id={reasonId} capability={capability} what="Cancel or retry" />}
      {asking === 'cancel' && (
        <ConfirmDialog
          title={`Cancel run #${run.id}?`}
          confirmLabel="Yes, cancel the run"
          destructive
          pending={cancel.isPending}
          error={cancel.error}
          onConfirm={() => cancel.mutate()}
          onCancel={() => setAsking(null)}
        >
          {run.status === 'queued'
            ? `${run.type_label} #${run.id} has not started yet: it completes as cancelled at once.`
            : `${run.type_label} #${run.id} is running: it stops at its next step and keeps what it has written so far.`}
        </ConfirmDialog>
      )}
      {asking === 'retry' && (
        <ConfirmDialog
          title={`Retry run #${run.id}?`}
          confirmLabel="Retry"
          pending={retry.isPending}
          error={retry.error}
          onConfirm={() => retry.mutate()}
          onCancel={() => setAsking(null)}
        >
          {`A new ${run.type_label} run starts with the same scope and inputs as #${run.id}.`}
        </ConfirmDialog>
      )}
    </div>
  );
}
