import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import { badgeFor } from '../../badges';
import {
  fakeApi,
  makeDrift,
  makeFinding,
  makeMe,
  makeRun,
  makeScope,
  POLICY_TYPES,
  READONLY_CAPS,
  SCOPE_A,
  SCOPE_B,
} from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';
import { cleanDriftSearch, defaultScope, findingQuery, parseDriftSearch } from './search';

const scopes = () => ({
  data: [
    makeScope({ scope_key: SCOPE_B, latest_run: { ...makeScope().latest_run, id: 5, created_at: '2026-11-20T10:00:00Z' } }),
    makeScope({ scope_key: SCOPE_A }),
  ],
});

describe('drift search', () => {
  it('keeps valid values and drops the rest', () => {
    expect(parseDriftSearch({ scope: SCOPE_A, status: 'all', severity: 'high', subject_type: 'deviceConfiguration', comparison: 'all' })).toEqual({
      scope: SCOPE_A,
      status: 'all',
      severity: 'high',
      subject_type: 'deviceConfiguration',
      comparison: 'all',
    });
    expect(parseDriftSearch({ scope: 'xyz', status: 'new', severity: 'critical', subject_type: '1bad', comparison: 'current' })).toEqual({});
    expect(cleanDriftSearch({ scope: SCOPE_A, status: undefined })).toEqual({ scope: SCOPE_A });
  });

  it('defaults to the scope with the newest run', () => {
    expect(defaultScope(scopes().data)).toBe(SCOPE_A);
    expect(defaultScope([])).toBeUndefined();
  });

  it('lists the current comparison unless all comparisons are asked for', () => {
    const d = makeDrift();
    expect(findingQuery({}, SCOPE_A, d)).toEqual({ scopeKey: SCOPE_A, status: 'new', severity: undefined, subjectType: undefined, baselineRunId: 11, currentRunId: 12 });
    const all = findingQuery({ comparison: 'all', severity: 'low' }, SCOPE_A, d);
    expect(all).toMatchObject({ severity: ['low'] });
    expect(all).not.toHaveProperty('baselineRunId');
    expect(findingQuery({}, SCOPE_A, makeDrift({ state: 'blocked', baseline_run: null }))).toBeNull();
  });
});

describe('drift page', () => {
  it('defaults to the newest scope and shows the comparison and its findings with severity badges', async () => {
    const findings = vi.fn(async () => ({
      data: [
        makeFinding({ id: 1, severity: 'high', subject_display_name: 'Windows baseline' }),
        makeFinding({ id: 2, severity: 'low', subject_type: 'roleScopeTag', subject_display_name: 'Tag A' }),
      ],
      next_cursor: null,
    }));
    const api = fakeApi({
      driftScopes: vi.fn(async () => scopes()),
      policyTypes: vi.fn(async () => POLICY_TYPES),
      drift: vi.fn(async () => makeDrift({ counts: { total: 2, by_severity: { low: 1, medium: 0, high: 1 }, by_status: { new: 2, acknowledged: 0 } } })),
      findings,
    });
    renderApp('/admin/t/1/drift', { api });
    expect(await screen.findByText('Windows baseline')).toBeInTheDocument();
    expect(api.drift).toHaveBeenCalledWith(1, SCOPE_A);
    expect(findings).toHaveBeenCalledWith(1, expect.objectContaining({ scopeKey: SCOPE_A, status: 'new', baselineRunId: 11, currentRunId: 12 }), null, 50);
    expect((screen.getByTestId('scope-picker') as HTMLSelectElement).value).toBe(SCOPE_A);
    // The baseline and current runs link to their run pages.
    expect(within(screen.getByTestId('baseline-run')).getByRole('link')).toHaveAttribute('href', '/admin/operations/11');
    expect(within(screen.getByTestId('current-run')).getByRole('link')).toHaveAttribute('href', '/admin/operations/12');
    // Severity badges come from the catalogue.
    const table = screen.getByTestId('findings-table');
    expect(within(table).getByText('High')).toHaveAttribute('data-tone', badgeFor('severity', 'high').tone);
    expect(within(table).getByText('Low')).toHaveAttribute('data-kind', 'severity');
    expect(within(table).getByText('Scope tag')).toBeInTheDocument();
    // Nothing was generated: the comparison was generated already.
    expect(api.generateDrift).not.toHaveBeenCalled();
  });

  it('keeps the filters in the URL', async () => {
    const api = fakeApi({ driftScopes: vi.fn(async () => scopes()), policyTypes: vi.fn(async () => POLICY_TYPES) });
    const { router } = renderApp(`/admin/t/1/drift?status=all&severity=high`, { api });
    await screen.findByTestId('findings-table');
    await waitFor(() =>
      expect(api.findings).toHaveBeenCalledWith(1, expect.objectContaining({ status: 'all', severity: ['high'] }), null, 50),
    );
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'acknowledged');
    await waitFor(() => expect(router.state.location.search).toEqual({ status: 'acknowledged', severity: 'high' }));
    await userEvent.selectOptions(screen.getByLabelText('Subject type'), 'deviceConfiguration');
    await waitFor(() => expect(router.state.location.search).toMatchObject({ subject_type: 'deviceConfiguration' }));
    await userEvent.selectOptions(screen.getByTestId('scope-picker'), SCOPE_B);
    await waitFor(() => expect(router.state.location.search).toMatchObject({ scope: SCOPE_B }));
    await waitFor(() => expect(api.drift).toHaveBeenCalledWith(1, SCOPE_B));
  });

  it('shows the blocked state with "run unavailable" for the missing baseline, and never generates', async () => {
    const api = fakeApi({
      driftScopes: vi.fn(async () => ({ data: [makeScope({ successful_runs: 1 })] })),
      drift: vi.fn(async () =>
        makeDrift({
          state: 'blocked',
          message: 'Need at least 2 successful runs for this scope to calculate drift',
          baseline_run: null,
          generation_run: null,
        }),
      ),
    });
    renderApp('/admin/t/1/drift', { api });
    const blocked = await screen.findByTestId('drift-blocked');
    expect(blocked).toHaveTextContent('Need at least 2 successful runs for this scope to calculate drift');
    expect(within(screen.getByTestId('baseline-run')).getByText('Run unavailable')).toBeInTheDocument();
    expect(within(screen.getByTestId('current-run')).getByRole('link')).toHaveAttribute('href', '/admin/operations/12');
    expect(await screen.findByTestId('findings-empty')).toHaveTextContent('No comparison yet');
    expect(api.findings).not.toHaveBeenCalled();
    expect(api.generateDrift).not.toHaveBeenCalled();
  });

  it('with no inventory syncs at all, says drift needs two successful runs', async () => {
    renderApp('/admin/t/1/drift');
    expect(await screen.findByTestId('drift-blocked')).toHaveTextContent('Need at least 2 successful runs for this scope to calculate drift');
  });

  it('asks for generation once when the comparison is ready, shows the queued toast, and polls until generated', async () => {
    let state: 'ready' | 'generating' | 'generated' = 'ready';
    const gen = makeRun({ id: 77, type: 'drift_generate_findings', type_label: 'Drift findings generation', status: 'queued', outcome: 'pending' });
    const drift = vi.fn(async () => {
      if (state === 'ready') return makeDrift({ state, generation_run: null });
      if (state === 'generating') {
        state = 'generated'; // the next look finds it done
        return makeDrift({ state: 'generating', generation_run: { ...makeDrift().generation_run!, id: 77, status: 'running', outcome: 'pending', completed_at: null } });
      }
      return makeDrift({ state: 'generated', generation_run: { ...makeDrift().generation_run!, id: 77 } });
    });
    const generateDrift = vi.fn(async () => {
      state = 'generating';
      return { run: gen, reused: false };
    });
    const api = fakeApi({ driftScopes: vi.fn(async () => scopes()), drift, generateDrift });
    renderApp('/admin/t/1/drift', { api });
    const toast = await screen.findByText('Drift findings generation queued — running in the background');
    expect(within(toast.closest('.toast') as HTMLElement).getByRole('link', { name: 'View run' })).toHaveAttribute('href', '/admin/operations/77');
    expect(generateDrift).toHaveBeenCalledWith(1, SCOPE_A);
    await waitFor(() => expect(screen.getByTestId('generation')).toHaveAttribute('data-state', 'generated'), { timeout: 4000 });
    expect(generateDrift).toHaveBeenCalledTimes(1);
  });

  it('a failed generation is not retried by itself: "Generate again" starts it by hand', async () => {
    const failed = { ...makeDrift().generation_run!, outcome: 'failed' as const, failures: [{ code: 'drift.failed', message: 'the inventory was gone', count: 1 }] };
    const api = fakeApi({
      driftScopes: vi.fn(async () => scopes()),
      drift: vi.fn(async () => makeDrift({ state: 'ready', generation_run: failed })),
    });
    renderApp('/admin/t/1/drift', { api });
    expect(await screen.findByText('the inventory was gone')).toBeInTheDocument();
    expect(api.generateDrift).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Generate again' }));
    await waitFor(() => expect(api.generateDrift).toHaveBeenCalledTimes(1));
  });

  it('shows "Run unavailable" for a finding whose runs are gone', async () => {
    const api = fakeApi({
      driftScopes: vi.fn(async () => scopes()),
      findings: vi.fn(async () => ({
        data: [
          makeFinding({
            id: 9,
            subject_display_name: 'Old policy',
            baseline_run: { id: null, completed_at: null, run_unavailable: true },
            current_run: { id: null, completed_at: null, run_unavailable: true },
            links: { baseline_run: null, current_run: null },
          }),
        ],
        next_cursor: null,
      })),
    });
    renderApp(`/admin/t/1/drift?comparison=all`, { api });
    const row = (await screen.findByText('Old policy')).closest('tr') as HTMLElement;
    expect(within(row).getAllByTestId('run-unavailable')).toHaveLength(2);
    expect(within(row).getAllByText('Run unavailable')).toHaveLength(2);
    expect(within(row).queryByRole('link')).toBeNull();
    expect(api.findings).toHaveBeenCalledWith(1, expect.not.objectContaining({ baselineRunId: expect.anything() }), null, 50);
  });

  it('acknowledges one finding from its row', async () => {
    const api = fakeApi({
      driftScopes: vi.fn(async () => scopes()),
      findings: vi.fn(async () => ({ data: [makeFinding({ id: 31, subject_display_name: 'Edge policy' })], next_cursor: null })),
    });
    renderApp('/admin/t/1/drift', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Acknowledge Edge policy' }));
    await waitFor(() => expect(api.acknowledgeFinding).toHaveBeenCalledWith(1, 31));
    expect(await screen.findByText(/Finding acknowledged/)).toBeInTheDocument();
  });

  it('bulk-acknowledges the selected findings by id', async () => {
    const api = fakeApi({
      driftScopes: vi.fn(async () => scopes()),
      findings: vi.fn(async () => ({ data: [makeFinding({ id: 41 }), makeFinding({ id: 42 }), makeFinding({ id: 43 })], next_cursor: null })),
      acknowledgeFindings: vi.fn(async () => ({ matched: 2, acknowledged: 2, not_found: [] })),
    });
    renderApp('/admin/t/1/drift', { api });
    await userEvent.click(await screen.findByRole('checkbox', { name: 'Select Policy 41' }));
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select Policy 43' }));
    expect(screen.getByTestId('selected-count')).toHaveTextContent('2 findings selected');
    await userEvent.click(screen.getByRole('button', { name: 'Acknowledge selected' }));
    await waitFor(() => expect(api.acknowledgeFindings).toHaveBeenCalledWith(1, { ids: [41, 43] }));
    expect(await screen.findByText('2 findings acknowledged')).toBeInTheDocument();
  });

  it('asks "Acknowledge N findings?" when the API wants a confirmation, and resends with the count', async () => {
    const acknowledgeFindings = vi.fn(async (_t: number, req: unknown) => {
      if (!(req as { confirm?: number }).confirm) {
        throw new ApiError(409, {
          type: 'about:blank',
          title: 'Conflict',
          status: 409,
          code: 'findings.confirm_required',
          detail: 'Confirm with the count.',
          count: 250,
        } as never);
      }
      return { matched: 250, acknowledged: 250, not_found: [] };
    });
    const api = fakeApi({
      driftScopes: vi.fn(async () => scopes()),
      findings: vi.fn(async () => ({ data: [makeFinding({ id: 51 })], next_cursor: 'more' })),
      acknowledgeFindings,
    });
    renderApp('/admin/t/1/drift?severity=high', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Acknowledge all matching' }));
    const dialog = await screen.findByRole('dialog', { name: 'Acknowledge 250 findings?' });
    expect(acknowledgeFindings).toHaveBeenCalledTimes(1);
    expect(acknowledgeFindings.mock.calls[0][1]).toEqual({
      filter: { scope_key: SCOPE_A, status: 'new', severity: ['high'], baseline_run_id: 11, current_run_id: 12 },
    });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Acknowledge 250' }));
    await waitFor(() => expect(acknowledgeFindings).toHaveBeenCalledTimes(2));
    expect(acknowledgeFindings.mock.calls[1][1]).toEqual({
      filter: { scope_key: SCOPE_A, status: 'new', severity: ['high'], baseline_run_id: 11, current_run_id: 12 },
      confirm: 250,
    });
    expect(await screen.findByText('250 findings acknowledged')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('asks again with the new count when the matching findings changed meanwhile', async () => {
    const conflict = (count: number) =>
      new ApiError(409, { type: 'about:blank', title: 'Conflict', status: 409, code: 'findings.confirm_required', count } as never);
    const acknowledgeFindings = vi
      .fn()
      .mockRejectedValueOnce(conflict(120))
      .mockRejectedValueOnce(conflict(121))
      .mockResolvedValueOnce({ matched: 121, acknowledged: 121, not_found: [] });
    const api = fakeApi({
      driftScopes: vi.fn(async () => scopes()),
      findings: vi.fn(async () => ({ data: [makeFinding()], next_cursor: null })),
      acknowledgeFindings,
    });
    renderApp('/admin/t/1/drift', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Acknowledge all matching' }));
    await userEvent.click(within(await screen.findByRole('dialog', { name: 'Acknowledge 120 findings?' })).getByRole('button', { name: 'Acknowledge 120' }));
    const again = await screen.findByRole('dialog', { name: 'Acknowledge 121 findings?' });
    expect(within(again).getByText('The number of matching findings changed meanwhile.')).toBeInTheDocument();
    await userEvent.click(within(again).getByRole('button', { name: 'Acknowledge 121' }));
    await waitFor(() => expect(acknowledgeFindings).toHaveBeenCalledTimes(3));
    expect(acknowledgeFindings.mock.calls[2][1]).toMatchObject({ confirm: 121 });
    expect(await screen.findByText('121 findings acknowledged')).toBeInTheDocument();
  });

  it('cancelling the confirmation acknowledges nothing', async () => {
    const acknowledgeFindings = vi.fn(async () => {
      throw new ApiError(409, { type: 'about:blank', title: 'Conflict', status: 409, code: 'findings.confirm_required', count: 101 } as never);
    });
    const api = fakeApi({
      driftScopes: vi.fn(async () => scopes()),
      findings: vi.fn(async () => ({ data: [makeFinding()], next_cursor: null })),
      acknowledgeFindings,
    });
    renderApp('/admin/t/1/drift', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Acknowledge all matching' }));
    const dialog = await screen.findByRole('dialog', { name: 'Acknowledge 101 findings?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(acknowledgeFindings).toHaveBeenCalledTimes(1);
  });

  it('disables every acknowledge control, saying why, without tenant.drift.ack', async () => {
    const api = fakeApi(
      {
        driftScopes: vi.fn(async () => scopes()),
        findings: vi.fn(async () => ({ data: [makeFinding({ id: 61, subject_display_name: 'Kiosk' })], next_cursor: null })),
      },
      makeMe(READONLY_CAPS),
    );
    renderApp('/admin/t/1/drift', { api });
    const row = (await screen.findByText('Kiosk')).closest('tr') as HTMLElement;
    const reason = await screen.findByTestId('capability-reason');
    expect(reason).toHaveTextContent(/you lack the capability tenant\.drift\.ack on this tenant\./);
    const rowButton = within(row).getByRole('button', { name: 'Acknowledge Kiosk' });
    for (const el of [
      rowButton,
      within(row).getByRole('checkbox'),
      screen.getByRole('button', { name: 'Acknowledge selected' }),
      screen.getByRole('button', { name: 'Acknowledge all matching' }),
      screen.getByRole('checkbox', { name: 'Select all new findings on this page' }),
    ]) {
      expect(el).toBeDisabled();
      expect(el).toHaveAttribute('aria-describedby', reason.id);
    }
  });

  it('a tenant the caller is not entitled to is not found', async () => {
    const api = fakeApi({
      driftScopes: vi.fn(async () => {
        throw new ApiError(404, { code: 'not_found', status: 404, title: 'Not Found', type: 'about:blank' });
      }),
    });
    renderApp('/admin/t/99/drift', { api });
    expect(await screen.findByTestId('not-found')).toBeInTheDocument();
  });
});
