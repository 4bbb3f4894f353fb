// Client-side routes: path → page. Pure, so that it is tested without a browser. Filters live in the query
// string (see filters.ts); paths name pages only.

export type PageName =
  'overview' | 'reports' | 'report' | 'sources' | 'upload' | 'tasks' | 'users' | 'keys' | 'login' | 'not-found';

export interface Route {
  page: PageName;
  params: Record<string, string>;
}

export function matchRoute(pathname: string): Route {
  const p = pathname.replace(/\/+$/, '') || '/';
  if (p === '/') return { page: 'overview', params: {} };
  const report = /^\/reports\/(\d{1,15})$/.exec(p);
  if (report) return { page: 'report', params: { id: report[1]! } };
  const simple: Record<string, PageName> = {
    '/reports': 'reports',
    '/sources': 'sources',
    '/upload': 'upload',
    '/tasks': 'tasks',
    // Not /users: that path is an alias of the API's /api/users.
    '/settings/users': 'users',
    '/settings/keys': 'keys',
    '/login': 'login',
  };
  const page = simple[p];
  return page ? { page, params: {} } : { page: 'not-found', params: {} };
}

/** Where to go after login: only same-origin paths of the app (never //host or a scheme). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next.startsWith('/login')) return '/';
  return next;
}
