import { Link } from '@tanstack/react-router';
import { errorMessage } from '../api/errors';

// NotFoundPage is the one "not found" page: unknown routes, the removed legacy run pages, and
// anything the API answers 404 for (which is also what a run of another workspace looks like).
export function NotFoundPage({ title = 'Page not found', detail }: { title?: string; detail?: string }) {
  return (
    <section className="status-page" data-testid="not-found">
      <p className="status-code">404</p>
      <h1>{title}</h1>
      <p className="muted">
        {detail ??
          'There is nothing at this address. It may have been removed, or you may not have access to it.'}
      </p>
      <p>
        <Link to="/admin/operations" className="button">
          Go to Operations
        </Link>
      </p>
    </section>
  );
}

// ForbiddenPage: the caller may see that the thing exists but lacks the capability it needs.
export function ForbiddenPage({ capability, what = 'this page' }: { capability?: string; what?: string }) {
  return (
    <section className="status-page" data-testid="forbidden">
      <p className="status-code">403</p>
      <h1>{capability ? `You lack capability ${capability}` : 'You lack the capability to view this'}</h1>
      <p className="muted">
        Your role in this tenant does not grant {capability ? <code>{capability}</code> : 'the capability'}, which{' '}
        {what} needs. Ask a workspace owner for access.
      </p>
      <p>
        <Link to="/admin/operations" className="button">
          Go to Operations
        </Link>
      </p>
    </section>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="error-state" role="alert">
      <strong>Something went wrong.</strong> <span>{errorMessage(error)}</span>
      {onRetry && (
        <button type="button" className="button button-secondary small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
