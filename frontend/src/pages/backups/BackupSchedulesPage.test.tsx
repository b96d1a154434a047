import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { RunQuery } from '../../api/client';
import { ApiError } from '../../api/errors';
import { badgeFor } from '../../badges';
import {
  fakeApi,
  makeBackupRun,
  makeBackupSet,
  makeMe,
  makeSchedule,
  OPERATOR_CAPS,
  POLICY_TYPES,
  READONLY_CAPS,
} from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';
import { describeTiming, parseScheduleSearch } from './search';

const list = (...data: ReturnType<typeof makeSchedule>[]) => vi.fn(async () => ({ data, next_cursor: null }));

describe('backup schedule helpers', () => {
  it('describes the timing', () => {
    expect(describeTiming({ frequency: 'daily', time_of_day: '02:00', days_of_week: [] })).toBe('Daily at 02:00');
    expect(describeTiming({ frequency: 'weekly', time_of_day: '23:30', days_of_week: [4, 1] })).toBe('Weekly on Mon, Thu at 23:30');
  });

  it('parses the URL state', () => {
    expect(parseScheduleSearch({ schedule: '12', archived: 'true' })).toEqual({ schedule: 12, archived: true });
    expect(parseScheduleSearch({ schedule: 'x', archived: 'no' })).toEqual({});
  });
});

describe('backup schedules page', () => {
  it('lists schedules with their timing, next run, last run badge and archived state', async () => {
    const api = fakeApi({
      backupSchedules: list(
        makeSchedule({ id: 1, name: 'Nightly', last_run_status: 'partially_succeeded', last_run_at: '2026-11-26T01:00:00Z' }),
        makeSchedule({
          id: 2,
          name: 'Weekly full',
          frequency: 'weekly',
          days_of_week: [1, 5],
          time_of_day: '22:15',
          timezone: 'UTC',
          is_enabled: false,
          next_run_at: null,
        }),
      ),
    });
    renderApp('/admin/t/1/backup-schedules', { api });
    const nightly = (await screen.findByRole('button', { name: 'Nightly' })).closest('tr') as HTMLElement;
    expect(within(nightly).getByText('Daily at 02:00')).toBeInTheDocument();
    expect(within(nightly).getByText('Europe/Berlin')).toBeInTheDocument();
    expect(within(nightly).getByText('Partially succeeded')).toHaveAttribute('data-tone', badgeFor('outcome', 'partially_succeeded').tone);
    expect(within(nightly).getByRole('switch', { name: 'Enabled: Nightly' })).toBeChecked();
    const weekly = screen.getByRole('button', { name: 'Weekly full' }).closest('tr') as HTMLElement;
    expect(within(weekly).getByText('Weekly on Mon, Fri at 22:15')).toBeInTheDocument();
    expect(within(weekly).getByText('Never run')).toBeInTheDocument();
    expect(within(weekly).getByRole('switch')).not.toBeChecked();
    // Retry needs a finished run.
    expect(within(weekly).getByRole('button', { name: 'Retry: Weekly full' })).toBeDisabled();
    expect(api.backupSchedules).toHaveBeenCalledWith(1, { includeArchived: false }, null, 50);
  });

  it('shows the selected schedule’s run history and backup sets', async () => {
    const api = fakeApi({
      backupSchedules: list(makeSchedule({ id: 7, name: 'Nightly' })),
      listRuns: vi.fn(async (q: RunQuery) => ({
        data: q.backupScheduleId ? [makeBackupRun({ id: 150, status: 'completed', outcome: 'succeeded' })] : [],
        next_cursor: null,
      })),
      backupSets: vi.fn(async () => ({ data: [makeBackupSet({ id: 800, name: 'Nightly 2026-11-26', operation_run_id: 150 })], next_cursor: null })),
    });
    renderApp('/admin/t/1/backup-schedules?schedule=7', { api });
    const history = await screen.findByTestId('schedule-history');
    const runRow = await within(history).findByTestId('schedule-run-row');
    expect(within(runRow).getByRole('link', { name: 'Backup schedule run #150' })).toHaveAttribute('href', '/admin/operations/150');
    expect(api.listRuns).toHaveBeenCalledWith({ backupScheduleId: 7 }, null, 20);
    expect(await within(history).findByText('Nightly 2026-11-26')).toBeInTheDocument();
    expect(api.backupSets).toHaveBeenCalledWith(1, { backupScheduleId: 7, includeRetired: true }, null, 20);
    const setRow = within(screen.getByTestId('schedule-sets')).getByTestId('backup-set-row');
    expect(within(setRow).getByText('Completed')).toHaveAttribute('data-kind', 'backupSet');
    expect(within(setRow).getByRole('link', { name: 'Run #150' })).toHaveAttribute('href', '/admin/operations/150');
  });

  it('"Run now" starts a run, shows the queued toast with "View run" and selects the schedule', async () => {
    const run = makeBackupRun({ id: 321 });
    const api = fakeApi({
      backupSchedules: list(makeSchedule({ id: 1, name: 'A' }), makeSchedule({ id: 2, name: 'B' })),
      runBackupScheduleNow: vi.fn(async () => ({ run, reused: false })),
    });
    const { router } = renderApp('/admin/t/1/backup-schedules', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Run now: B' }));
    const toast = await screen.findByText('Backup schedule run queued — running in the background');
    expect(within(toast.closest('.toast') as HTMLElement).getByRole('link', { name: 'View run' })).toHaveAttribute('href', '/admin/operations/321');
    expect(api.runBackupScheduleNow).toHaveBeenCalledWith(1, 2);
    await waitFor(() => expect(router.state.location.search).toEqual({ schedule: 2 }));
  });

  it('"Retry" starts a retry of a schedule that has run', async () => {
    const api = fakeApi({
      backupSchedules: list(makeSchedule({ id: 3, name: 'C', last_run_at: '2026-11-26T01:00:00Z', last_run_status: 'failed' })),
      retryBackupSchedule: vi.fn(async () => ({ run: makeBackupRun({ id: 400 }), reused: false })),
    });
    renderApp('/admin/t/1/backup-schedules', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Retry: C' }));
    expect(await screen.findByText('Backup schedule run queued — running in the background')).toBeInTheDocument();
    expect(api.retryBackupSchedule).toHaveBeenCalledWith(1, 3);
  });

  it('the switch enables and disables a schedule (PATCH is_enabled)', async () => {
    const api = fakeApi({ backupSchedules: list(makeSchedule({ id: 4, name: 'D', is_enabled: true })) });
    renderApp('/admin/t/1/backup-schedules', { api });
    await userEvent.click(await screen.findByRole('switch', { name: 'Enabled: D' }));
    await waitFor(() => expect(api.updateBackupSchedule).toHaveBeenCalledWith(1, 4, { is_enabled: false }));
  });

  it('creates a schedule through the form, weekly with days', async () => {
    const api = fakeApi({ policyTypes: vi.fn(async () => POLICY_TYPES) });
    const { router } = renderApp('/admin/t/1/backup-schedules', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'New schedule' }));
    const form = await screen.findByRole('dialog', { name: 'New backup schedule' });
    // Only non-foundation types can be picked; all start picked.
    const types = within(form).getByTestId('policy-types');
    await waitFor(() => expect(within(types).getByLabelText('Device configuration')).toBeChecked());
    expect(within(types).queryByLabelText('Scope tag')).toBeNull();
    await userEvent.type(within(form).getByLabelText('Name'), 'Weekly export');
    await userEvent.click(within(form).getByLabelText('Weekly'));
    await userEvent.click(within(form).getByLabelText('Monday'));
    await userEvent.click(within(form).getByLabelText('Thursday'));
    await userEvent.click(within(types).getByLabelText('Compliance policy'));
    const tz = within(form).getByLabelText('Time zone');
    await userEvent.selectOptions(tz, 'UTC');
    const keep = within(form).getByLabelText('Keep the newest backups');
    await userEvent.clear(keep);
    await userEvent.type(keep, '7');
    await userEvent.click(within(form).getByRole('button', { name: 'Create schedule' }));
    await waitFor(() =>
      expect(api.createBackupSchedule).toHaveBeenCalledWith(1, {
        name: 'Weekly export',
        is_enabled: true,
        timezone: 'UTC',
        frequency: 'weekly',
        time_of_day: '02:00',
        days_of_week: [1, 4],
        policy_types: ['deviceConfiguration'],
        include_foundations: true,
        retention_keep_last: 7,
      }),
    );
    expect(await screen.findByText('Schedule Weekly export created')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(router.state.location.search).toEqual({ schedule: 900 }));
  });

  it('shows the server’s 422 field errors next to each field and keeps the form open', async () => {
    const createBackupSchedule = vi.fn(async () => {
      throw new ApiError(422, {
        type: 'about:blank',
        title: 'Unprocessable Entity',
        status: 422,
        code: 'validation_failed',
        detail: 'The backup schedule is not valid.',
        errors: [
          { field: 'name', message: 'must not be empty' },
          { field: 'timezone', message: 'must be an IANA time zone name such as Europe/Berlin or UTC' },
          { field: 'days_of_week', message: 'a weekly schedule needs at least one day of the week (1 = Monday … 7 = Sunday)' },
          { field: 'policy_types', message: 'must name at least one policy type' },
          { field: 'retention_keep_last', message: 'must be from 1 to 10000' },
          { field: '(body)', message: 'something about the whole body' },
        ],
      });
    });
    const api = fakeApi({ policyTypes: vi.fn(async () => POLICY_TYPES), createBackupSchedule });
    renderApp('/admin/t/1/backup-schedules', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'New schedule' }));
    const form = await screen.findByRole('dialog', { name: 'New backup schedule' });
    await userEvent.click(within(form).getByLabelText('Weekly'));
    await userEvent.click(within(form).getByRole('button', { name: 'Create schedule' }));
    const name = within(form).getByLabelText('Name');
    await waitFor(() => expect(name).toHaveAttribute('aria-invalid', 'true'));
    expect(name).toHaveAccessibleDescription('must not be empty');
    expect(within(form).getByLabelText('Time zone')).toHaveAccessibleDescription(
      'must be an IANA time zone name such as Europe/Berlin or UTC',
    );
    expect(within(form).getByLabelText('Keep the newest backups')).toHaveAccessibleDescription(/must be from 1 to 10000/);
    const days = within(form).getByTestId('days-of-week');
    expect(within(days).getByText(/a weekly schedule needs at least one day/)).toBeInTheDocument();
    expect(within(form).getByRole('group', { name: 'Policy types' })).toHaveAccessibleDescription('must name at least one policy type');
    expect(within(form).getByTestId('form-error')).toHaveTextContent('something about the whole body');
    expect(screen.getByRole('dialog', { name: 'New backup schedule' })).toBeInTheDocument();
  });

  it('the form is a modal dialog: focus starts in it and Escape closes it, saving nothing', async () => {
    const api = fakeApi({ policyTypes: vi.fn(async () => POLICY_TYPES) });
    renderApp('/admin/t/1/backup-schedules', { api });
    const open = await screen.findByRole('button', { name: 'New schedule' });
    await waitFor(() => expect(open).toBeEnabled());
    await userEvent.click(open);
    const form = await screen.findByRole('dialog', { name: 'New backup schedule' });
    expect(form).toHaveAttribute('aria-modal', 'true');
    expect(within(form).getByLabelText('Name')).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(open).toHaveFocus();
    expect(api.createBackupSchedule).not.toHaveBeenCalled();
  });

  it('edits a schedule, prefilled, and sends the change', async () => {
    const s = makeSchedule({ id: 5, name: 'Nightly', timezone: 'Mars/Olympus', policy_types: ['deviceCompliancePolicy'] });
    const api = fakeApi({ backupSchedules: list(s), policyTypes: vi.fn(async () => POLICY_TYPES) });
    renderApp('/admin/t/1/backup-schedules', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Edit: Nightly' }));
    const form = await screen.findByRole('dialog', { name: 'Edit Nightly' });
    // A zone the browser does not list is kept in the text fallback.
    const tz = within(form).getByLabelText('Time zone');
    expect(tz.tagName).toBe('INPUT');
    expect(tz).toHaveValue('Mars/Olympus');
    const name = within(form).getByLabelText('Name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Nightly v2');
    await userEvent.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() =>
      expect(api.updateBackupSchedule).toHaveBeenCalledWith(1, 5, expect.objectContaining({ name: 'Nightly v2', timezone: 'Mars/Olympus', policy_types: ['deviceCompliancePolicy'] })),
    );
    expect(api.updateBackupSchedule).toHaveBeenCalledWith(1, 5, expect.not.objectContaining({ is_enabled: expect.anything() }));
  });

  it('archives behind a confirmation dialog', async () => {
    const api = fakeApi({ backupSchedules: list(makeSchedule({ id: 6, name: 'E' })) });
    renderApp('/admin/t/1/backup-schedules', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Archive: E' }));
    const dialog = await screen.findByRole('dialog', { name: 'Archive E?' });
    expect(api.archiveBackupSchedule).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Archive' }));
    await waitFor(() => expect(api.archiveBackupSchedule).toHaveBeenCalledWith(1, 6));
    expect(await screen.findByText('E archived')).toBeInTheDocument();
  });

  it('an archived schedule can be restored, or deleted; a refused delete shows the 409 detail', async () => {
    const deleteBackupSchedule = vi.fn(async () => {
      throw new ApiError(409, {
        type: 'about:blank',
        title: 'Conflict',
        status: 409,
        code: 'schedule_has_runs',
        detail: 'The backup schedule has operation runs (its history); it can be deleted once they are pruned.',
      });
    });
    const api = fakeApi({
      backupSchedules: list(makeSchedule({ id: 8, name: 'Old', archived_at: '2026-11-01T00:00:00Z', is_enabled: false, next_run_at: null })),
      deleteBackupSchedule,
    });
    const { router } = renderApp('/admin/t/1/backup-schedules?archived=true', { api });
    const row = (await screen.findByRole('button', { name: 'Old' })).closest('tr') as HTMLElement;
    expect(within(row).getByText('Archived')).toHaveAttribute('data-kind', 'schedule');
    expect(within(row).queryByRole('button', { name: 'Run now: Old' })).toBeNull();
    expect(within(row).queryByRole('switch')).toBeNull();
    expect(api.backupSchedules).toHaveBeenCalledWith(1, { includeArchived: true }, null, 50);
    expect(router.state.location.search).toEqual({ archived: true });

    await userEvent.click(within(row).getByRole('button', { name: 'Delete: Old' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Old permanently?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete permanently' }));
    expect(await within(dialog).findByTestId('confirm-error')).toHaveTextContent(
      'The backup schedule has operation runs (its history); it can be deleted once they are pruned.',
    );
    expect(screen.getByRole('dialog', { name: 'Delete Old permanently?' })).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    await userEvent.click(within(row).getByRole('button', { name: 'Restore: Old' }));
    const restore = await screen.findByRole('dialog', { name: 'Restore Old?' });
    await userEvent.click(within(restore).getByRole('button', { name: 'Restore' }));
    await waitFor(() => expect(api.restoreBackupSchedule).toHaveBeenCalledWith(1, 8));
  });

  it('readonly: every action is disabled, with the missing capabilities named', async () => {
    const api = fakeApi(
      { backupSchedules: list(makeSchedule({ id: 9, name: 'F', last_run_at: '2026-11-26T01:00:00Z', last_run_status: 'succeeded' })) },
      makeMe(READONLY_CAPS),
    );
    renderApp('/admin/t/1/backup-schedules', { api });
    await screen.findByRole('button', { name: 'F' });
    const reasons = await screen.findAllByTestId('capability-reason');
    const manage = reasons.find((r) => r.dataset.capability === 'tenant.backups.schedules.manage')!;
    const run = reasons.find((r) => r.dataset.capability === 'tenant.backups.manage')!;
    expect(manage).toHaveTextContent('tenant.backups.schedules.manage');
    expect(run).toHaveTextContent('tenant.backups.manage');
    for (const [name, reason] of [
      ['New schedule', manage],
      ['Edit: F', manage],
      ['Archive: F', manage],
      ['Run now: F', run],
      ['Retry: F', run],
    ] as const) {
      const b = screen.getByRole('button', { name });
      expect(b).toBeDisabled();
      expect(b).toHaveAttribute('aria-describedby', reason.id);
    }
    expect(screen.getByRole('switch', { name: 'Enabled: F' })).toBeDisabled();
  });

  it('operator: may run now and retry, but not manage schedules', async () => {
    const api = fakeApi(
      { backupSchedules: list(makeSchedule({ id: 10, name: 'G', last_run_at: '2026-11-26T01:00:00Z', last_run_status: 'succeeded' })) },
      makeMe(OPERATOR_CAPS),
    );
    renderApp('/admin/t/1/backup-schedules', { api });
    await screen.findByRole('button', { name: 'G' });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Run now: G' })).toBeEnabled());
    expect(screen.getByRole('button', { name: 'Retry: G' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'New schedule' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Edit: G' })).toBeDisabled();
    const reasons = screen.getAllByTestId('capability-reason');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toHaveTextContent('tenant.backups.schedules.manage');
  });

  it('a run that is still active keeps the history looking again', async () => {
    let calls = 0;
    const listRuns = vi.fn(async (q: RunQuery) => {
      if (!q.backupScheduleId) return { data: [], next_cursor: null };
      calls++;
      const done = calls > 1;
      return {
        data: [makeBackupRun({ id: 151, status: done ? 'completed' : 'running', outcome: done ? 'succeeded' : 'pending' })],
        next_cursor: null,
      };
    });
    const api = fakeApi({ backupSchedules: list(makeSchedule({ id: 11, name: 'H' })), listRuns });
    renderApp('/admin/t/1/backup-schedules', { api });
    const history = await screen.findByTestId('schedule-history');
    expect(await within(history).findByText('Running')).toBeInTheDocument();
    expect(await within(history).findByText('Succeeded', {}, { timeout: 4000 })).toBeInTheDocument();
  });
});
