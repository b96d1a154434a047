import { Link } from '@tanstack/react-router';

// The part of a TanStack infinite query that paging needs.
export interface Pages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/** "Load more" for a keyset-paged list; nothing once the last page is in. */
export function LoadMoreButton({ pages }: { pages: Pages }) {
  if (!pages.hasNextPage) return null;
  return (
    <button
      type="button"
      className="button button-secondary"
      onClick={() => pages.fetchNextPage()}
      disabled={pages.isFetchingNextPage}
    >
      {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
    </button>
  );
}

/** A link to a run's page, or a muted placeholder when the reference is empty (pruned runs). */
export function RunLink({ id, missing = '—' }: { id: number | null | undefined; missing?: string }) {
  if (!id) return <span className="muted">{missing}</span>;
  return (
    <Link to="/admin/operations/$run" params={{ run: String(id) }}>
      Run #{id}
    </Link>
  );
}
