import { useQueryClient } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { isApiError } from '../api/errors';
import { useServices } from '../context';

const route = getRouteApi('/login');

// tooManyAttempts is what the page says about a 429: throttled after failed attempts, or every
// password check busy, with the wait the server asked for.
function tooManyAttempts(code: string, retryAfter?: number): string {
  const wait =
    retryAfter === undefined
      ? 'a little while'
      : retryAfter < 60
        ? `${retryAfter} second${retryAfter === 1 ? '' : 's'}`
        : `${Math.ceil(retryAfter / 60)} minute${Math.ceil(retryAfter / 60) === 1 ? '' : 's'}`;
  if (code === 'signin_busy') return `Many people are signing in right now. Try again in ${wait}.`;
  return `Too many failed sign-in attempts. Try again in ${wait}.`;
}

export default function LoginPage() {
  const { api, session } = useServices();
  const qc = useQueryClient();
  const navigate = route.useNavigate();
  const search = route.useSearch();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api.login(email.trim(), password);
      qc.clear();
      session.set({ token: res.token, user: res.user, expiresAt: res.expires_at ?? null });
      await navigate({ to: search.redirect ?? '/admin/operations' });
    } catch (err) {
      if (isApiError(err) && err.status === 429) {
        setError(tooManyAttempts(err.code, err.retryAfter));
      } else if (isApiError(err) && (err.status === 401 || err.status === 422)) {
        setError('The email or password is not right.');
      } else if (isApiError(err) && err.status === 0) {
        setError('The API cannot be reached. Check that it is running and allows this origin.');
      } else {
        setError(err instanceof Error ? err.message : 'Signing in failed.');
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand brand-dark">
          <span className="brand-mark" aria-hidden="true">
            TA
          </span>
          <span>
            TenantAtlas
            <small>Operations</small>
          </span>
        </div>
        <h1 id="login-title">Sign in</h1>
        <p className="muted">The history of background work across your Intune and Entra tenants.</p>
        {error && (
          <div className="form-error" role="alert">
            {error}
          </div>
        )}
        <label className="field">
          <span>Email</span>
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button type="submit" className="button button-primary block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
