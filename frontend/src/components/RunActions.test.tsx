import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { fakeApi, makeMe, makeRun, READONLY_CAPS } from '../test/fixtures';
import { renderApp } from '../test/renderApp';

describe('run actions on the run page', () => {
  it('cancels a running run after a confirmation that names it, and shows progress and the audit trail', async () => {
    const running = makeRun({
      id: 7,
      status: 'running',
      outcome: 'pending',
      completed_at: null,
      duration_ms: null,
      progress: { processed: 30, total: 120 },
    });
    const asked = { ...running, cancel_requested_at: '2026-11-26T10:00:00Z', cancel_requested_by: { kind: 'user' as const, user_id: 1, name: 'Olivia Owner' } };
    const api = fakeApi({
      getRun: vi.fn(async () => running),
      cancelRun: vi.fn(async () => asked),
      runAudit: vi.fn(async () => ({
        data: [
          {
            id: 1,
            run_id: 7,
            action: 'started' as const,
            actor: { kind: 'user' as const, user_id: 1, name: 'Olivia Owner', via: 'session' as const, token_id: 3 },
            related_run_id: null,
            created_at: '2026-11-26T09:59:00Z',
          },
        ],
      })),
    });
    renderApp('/admin/operations/7', { api });
    const detail = await screen.findByTestId('run-detail');
    expect(within(detail).getByTestId('run-progress')).toHaveTextContent('30 of 120');
    expect(await within(detail).findByText(/Started by Olivia Owner/)).toBeInTheDocument();
    await userEvent.click(within(detail).getByRole('button', { name: 'Cancel run' }));
    const dialog = await screen.findByTestId('confirm-dialog');
    expect(within(dialog).getByRole('heading')).toHaveTextContent('Cancel run #7?');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Yes, cancel the run' }));
    await waitFor(() => expect(api.cancelRun).toHaveBeenCalledWith(7));
    await waitFor(() => expect(screen.queryByTestId('confirm-dialog')).toBeNull());
  });

  it('a refused cancel (409) stays in the dialog with the server\'s reason', async () => {
    const api = fakeApi({
      getRun: vi.fn(async () => makeRun({ id: 8, status: 'queued', outcome: 'pending', started_at: null, completed_at: null, duration_ms: null })),
      cancelRun: vi.fn(async () => {
        throw new ApiError(409, { type: 'about:blank', title: 'Conflict', status: 409, code: 'run.completed', detail: 'The run has completed.' });
      }),
    });
    renderApp('/admin/operations/8', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Cancel run' }));
    await userEvent.click(within(await screen.findByTestId('confirm-dialog')).getByRole('button', { name: 'Yes, cancel the run' }));
    expect(await screen.findByTestId('confirm-error')).toHaveTextContent('The run has completed.');
  });

  it('retries a failed run and goes to the new run', async () => {
    const api = fakeApi({
      getRun: vi.fn(async (id: number) => (id === 9 ? makeRun({ id: 9, outcome: 'failed' }) : makeRun({ id, status: 'queued', outcome: 'pending' }))),
      retryRun: vi.fn(async () => ({ run: makeRun({ id: 10, status: 'queued', outcome: 'pending' }), reused: false })),
    });
    renderApp('/admin/operations/9', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Retry' }));
    await userEvent.click(within(await screen.findByTestId('confirm-dialog')).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(api.retryRun).toHaveBeenCalledWith(9));
    expect(await screen.findByText('#10')).toBeInTheDocument();
  });

  it('a readonly member sees the buttons disabled, with the capability they lack', async () => {
    const api = fakeApi({ getRun: vi.fn(async () => makeRun({ id: 11, outcome: 'failed' })) }, makeMe(READONLY_CAPS));
    renderApp('/admin/operations/11', { api });
    const retry = await screen.findByRole('button', { name: 'Retry' });
    await waitFor(() => expect(retry).toBeDisabled());
    expect(screen.getByTestId('capability-reason')).toHaveAttribute('data-capability', 'tenant.inventory.sync');
  });

  it('a succeeded run offers neither action', async () => {
    const api = fakeApi({ getRun: vi.fn(async () => makeRun({ id: 12, outcome: 'succeeded' })) });
    renderApp('/admin/operations/12', { api });
    await screen.findByTestId('run-detail');
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
  });
});
