import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { fakeApi } from '../test/fixtures';
import { renderApp } from '../test/renderApp';

describe('sign-in', () => {
  it('keeps the token in sessionStorage and goes where the visitor was going', async () => {
    const api = fakeApi();
    const { router } = renderApp('/admin/t/1/inventory', { api, signedIn: false });
    await userEvent.type(await screen.findByLabelText('Email'), 'owner@demo.tenantatlas.test');
    await userEvent.type(screen.getByLabelText('Password'), 'demo-owner-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/admin/t/1/inventory'));
    expect(api.login).toHaveBeenCalledWith('owner@demo.tenantatlas.test', 'demo-owner-password');
    expect(JSON.parse(sessionStorage.getItem('tenantatlas.session')!).token).toBe('ta_test');
    expect(localStorage.getItem('tenantatlas.session')).toBeNull();
  });

  it('says so when the credentials are wrong', async () => {
    const api = fakeApi({
      login: vi.fn(async () => {
        throw new ApiError(401, { code: 'invalid_credentials', status: 401, title: 'Unauthorized', type: 'about:blank' });
      }),
    });
    renderApp('/login', { api, signedIn: false });
    await userEvent.type(await screen.findByLabelText('Email'), 'x@y.z');
    await userEvent.type(screen.getByLabelText('Password'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The email or password is not right.');
    expect(sessionStorage.getItem('tenantatlas.session')).toBeNull();
  });

  it('says how long to wait when sign-in is throttled', async () => {
    const api = fakeApi({
      login: vi.fn(async () => {
        throw new ApiError(
          429,
          { code: 'signin_throttled', status: 429, title: 'Too Many Requests', type: 'about:blank' },
          undefined,
          120,
        );
      }),
    });
    renderApp('/login', { api, signedIn: false });
    await userEvent.type(await screen.findByLabelText('Email'), 'x@y.z');
    await userEvent.type(screen.getByLabelText('Password'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many failed sign-in attempts. Try again in 2 minutes.');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    expect(sessionStorage.getItem('tenantatlas.session')).toBeNull();
  });

  it('signing out revokes the token and returns to sign-in', async () => {
    const api = fakeApi();
    const { router } = renderApp('/admin/operations', { api });
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
    expect(api.logout).toHaveBeenCalled();
    expect(sessionStorage.getItem('tenantatlas.session')).toBeNull();
  });
});
