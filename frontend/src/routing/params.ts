// Reading the URL: path parameters and the search of the sign-in page. The route tree
// (src/router.tsx) and the pages both import from here, so neither imports the other.

// parseId reads a positive integer path parameter; anything else is "not found".
export function parseId(v: string | undefined): number | null {
  if (!v || !/^[1-9][0-9]{0,17}$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

// safeRedirect keeps a sign-in redirect only when it stays inside the app's /admin pages.
export function safeRedirect(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith('/admin') && !v.startsWith('//') ? v : undefined;
}

// The sign-in page's state in the URL: where to go once signed in.
export interface LoginSearch {
  redirect?: string;
}

export function parseLoginSearch(raw: Record<string, unknown>): LoginSearch {
  const r = safeRedirect(raw.redirect);
  return r ? { redirect: r } : {};
}
