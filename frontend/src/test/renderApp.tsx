import { render } from '@testing-library/react';
import { createMemoryHistory } from '@tanstack/react-router';
import { App, createQueryClient } from '../App';
import type { Api } from '../api/client';
import { Session } from '../api/session';
import { createAppRouter } from '../router';
import { fakeApi } from './fixtures';

// renderApp mounts the whole app (real routes, real providers) at a path, with a fake API.
export function renderApp(path: string, opts: { api?: Api; signedIn?: boolean } = {}) {
  const api = opts.api ?? fakeApi();
  const session = new Session(sessionStorage);
  if (opts.signedIn !== false) {
    session.set({
      token: 'ta_test',
      user: { id: 1, email: 'owner@demo.tenantatlas.test', name: 'Olivia Owner', is_platform_admin: false },
      expiresAt: null,
    });
  }
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { ...queryClient.getDefaultOptions().queries, retry: false } });
  const history = createMemoryHistory({ initialEntries: [path] });
  const router = createAppRouter({ session, queryClient }, history);
  const utils = render(<App services={{ api, session }} router={router} queryClient={queryClient} />);
  return { ...utils, api, session, router, queryClient };
}
