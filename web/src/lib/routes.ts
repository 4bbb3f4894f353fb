// Client-side routes: path → page. Pure, so that it is tested without a browser. Filters live in the query
// string (see filters.ts); paths name pages only.
//
// Every page can also be reached as /o/<organisation slug>/<page...>: the page of that organisation. A plain path
// means the user's default organisation. Users who can enter several organisations always see the /o/ form
// (links can be shared); users of one organisation never do (see canonicalHref).

export type PageName =
  | 'overview'
  | 'reports'
  | 'report'
  | 'tls-reports'
  | 'tls-report'
  | 'failure-reports'
  | 'failure-report'
  | 'sources'
  | 'source'
  | 'domain-dns'
  | 'senders'
  | 'anomalies'
  | 'models'
  | 'domain'
  | 'upload'
  | 'tasks'
  | 'alerts'
  | 'alert'
  | 'alert-rules'
  | 'suppressions'
  | 'channels'
  | 'digests'
  | 'outputs'
  | 'users'
  | 'keys'
  | 'organizations'
  | 'organization'
  | 'login'
  | 'not-found';

export interface Route {
  page: PageName;
  params: Record<string, string>;
}

/** A policy domain in a path (/domains/<domain>): letters, digits, hyphens, underscores and dots. */
export const DOMAIN_PATTERN = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/;

/** The Domain page of a policy domain. */
export function domainHref(domain: string): string {
  return `/domains/${encodeURIComponent(domain)}`;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Organisation slugs as the server allows them. */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface OrgPath {
  /** The organisation named by an /o/<slug> prefix; null for a plain path. */
  org: string | null;
  /** The path of the page, without the prefix ('/' at least). */
  path: string;
}

/** Splits /o/<slug>/rest into the slug and /rest. */
export function splitOrg(pathname: string): OrgPath {
  const m = /^\/o\/([^/]+)(\/.*)?$/.exec(pathname);
  if (!m) return { org: null, path: pathname || '/' };
  let org = m[1]!;
  try {
    org = decodeURIComponent(org);
  } catch {
    // a malformed escape: the slug as written (it names no organisation anyway)
  }
  return { org, path: m[2] ?? '/' };
}

/** An app path (with its query) inside the organisation's prefix; unchanged for org null or a path of another kind. */
export function withOrg(org: string | null, href: string): string {
  if (org === null || !href.startsWith('/') || href.startsWith('//') || href.startsWith('/o/')) return href;
  const cut = href.search(/[?#]/);
  const path = cut === -1 ? href : href.slice(0, cut);
  const rest = cut === -1 ? '' : href.slice(cut);
  const prefix = `/o/${encodeURIComponent(org)}`;
  return `${path === '/' ? prefix : prefix + path}${rest}`;
}

/** The page of a path (an /o/<slug> prefix is ignored: see splitOrg). */
export function matchRoute(pathname: string): Route {
  const p = splitOrg(pathname).path.replace(/\/+$/, '') || '/';
  if (p === '/') return { page: 'overview', params: {} };
  const report = /^\/reports\/(\d{1,15})$/.exec(p);
  if (report) return { page: 'report', params: { id: report[1]! } };
  const tls = /^\/reports\/tls\/(\d{1,15})$/.exec(p);
  if (tls) return { page: 'tls-report', params: { id: tls[1]! } };
  const failure = /^\/reports\/failures\/(\d{1,15})$/.exec(p);
  if (failure) return { page: 'failure-report', params: { id: failure[1]! } };
  const source = /^\/sources\/([0-9A-Fa-f.:]{2,45})$/.exec(p);
  if (source) return { page: 'source', params: { ip: source[1]! } };
  const dns = /^\/domains\/([^/]{1,253})\/dns$/.exec(p);
  if (dns) {
    const name = decodeSegment(dns[1]!).toLowerCase();
    if (DOMAIN_PATTERN.test(name)) return { page: 'domain-dns', params: { domain: name } };
  }
  const domain = /^\/domains\/([^/]{1,253})$/.exec(p);
  if (domain) {
    const name = decodeSegment(domain[1]!).toLowerCase();
    if (DOMAIN_PATTERN.test(name)) return { page: 'domain', params: { domain: name } };
  }
  const alert = /^\/alerting\/(\d{1,15})$/.exec(p);
  if (alert) return { page: 'alert', params: { id: alert[1]! } };
  const org = /^\/settings\/organizations\/([^/]+)$/.exec(p);
  if (org && SLUG_PATTERN.test(org[1]!)) return { page: 'organization', params: { slug: org[1]! } };
  const simple: Record<string, PageName> = {
    '/reports': 'reports',
    // SMTP TLS (RFC 8460) and failure (RFC 6591) reports: tabs of the Reports page
    '/reports/tls': 'tls-reports',
    '/reports/failures': 'failure-reports',
    '/sources': 'sources',
    '/senders': 'senders',
    '/anomalies': 'anomalies',
    '/upload': 'upload',
    '/tasks': 'tasks',
    // Not /alerts: that path is an alias of the API's /api/alerts.
    '/alerting': 'alerts',
    '/alerting/rules': 'alert-rules',
    '/alerting/suppressions': 'suppressions',
    '/alerting/channels': 'channels',
    // Not /users: that path is an alias of the API's /api/users.
    '/settings/users': 'users',
    '/settings/keys': 'keys',
    '/settings/digests': 'digests',
    '/settings/outputs': 'outputs',
    '/settings/models': 'models',
    '/settings/organizations': 'organizations',
    '/login': 'login',
  };
  const page = simple[p];
  return page ? { page, params: {} } : { page: 'not-found', params: {} };
}

/** Where to go after login: only same-origin paths of the app (never //host or a scheme). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (matchRoute(next.split(/[?#]/)[0]!).page === 'login') return '/';
  return next;
}

export interface OrgChoice {
  id: number;
  slug: string;
  name: string;
  role: 'admin' | 'analyst' | 'viewer';
}

export type OrgResolution =
  /** The organisation of the page; `multi`: the user can enter several (the URL then carries its slug). */
  | { kind: 'org'; org: OrgChoice; multi: boolean }
  /** The URL names an organisation the user cannot enter (or that does not exist: the same to them). */
  | { kind: 'no-access'; slug: string; fallback: OrgChoice | null; multi: boolean }
  /** The user belongs to no organisation at all. */
  | { kind: 'none' };

/**
 * Which organisation a page shows: the one of the URL's /o/<slug> prefix, else the user's default one
 * (`organization` of /api/me).
 */
export function resolveOrg(
  urlOrg: string | null,
  me: { organization: OrgChoice | null; organizations: OrgChoice[] },
): OrgResolution {
  const multi = me.organizations.length > 1;
  const fallback = me.organization ?? me.organizations[0] ?? null;
  if (urlOrg !== null) {
    const org = me.organizations.find((o) => o.slug === urlOrg);
    return org ? { kind: 'org', org, multi } : { kind: 'no-access', slug: urlOrg, fallback, multi };
  }
  return fallback ? { kind: 'org', org: fallback, multi } : { kind: 'none' };
}

/**
 * The URL a page should have: /o/<slug>/... for a user of several organisations (so that a copied link names the
 * organisation), the plain path for a user of one (who never sees the concept).
 */
export function canonicalHref(path: string, search: string, org: string, multi: boolean): string {
  return multi ? withOrg(org, path + search) : path + search;
}

/** Query parameters that point into one organisation's data (pagination cursors): dropped when switching. */
const ORG_SPECIFIC_PARAMS = ['cursor', 'page'];

/** The list a page about one object of an organisation becomes in another organisation. */
const OBJECT_LISTS: Partial<Record<PageName, string>> = {
  report: '/reports',
  'tls-report': '/reports/tls',
  'failure-report': '/reports/failures',
  source: '/sources',
  alert: '/alerting',
};

/**
 * The same page in another organisation: the path after the prefix and the filters are kept; a page about one
 * object of the current organisation (a report) becomes its list, and pagination starts over.
 */
export function switchOrgHref(path: string, search: string, toSlug: string): string {
  const route = matchRoute(path);
  const target = OBJECT_LISTS[route.page] ?? path;
  const q = new URLSearchParams(search);
  for (const k of ORG_SPECIFIC_PARAMS) q.delete(k);
  const s = q.toString();
  return withOrg(toSlug, `${target}${s ? `?${s}` : ''}`);
}
