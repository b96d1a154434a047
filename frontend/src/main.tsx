import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, createQueryClient } from './App';
import { createHttpApi } from './api/client';
import { Session } from './api/session';
import { loadConfig } from './config';
import { createAppRouter } from './router';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

loadConfig()
  .then((config) => {
    const session = new Session();
    const api = createHttpApi(config.apiBaseUrl, session);
    const queryClient = createQueryClient();
    const router = createAppRouter({ session, queryClient });
    root.render(
      <StrictMode>
        <App services={{ api, session }} router={router} queryClient={queryClient} />
      </StrictMode>,
    );
  })
  .catch((err: unknown) => {
    root.render(
      <main className="bare-page">
        <section className="status-page" role="alert">
          <h1>TenantAtlas cannot start</h1>
          <p className="muted">The runtime configuration (/config.json) could not be read: {String(err)}</p>
        </section>
      </main>,
    );
  });
