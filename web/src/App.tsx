// The app shell: waits for the session, shows the login page when signed out, and otherwise the navigation,
// the filters (on pages that use them) and the page of the current route.
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useChoices } from './choices';
import { Ctx, type AppContext } from './context';
import { FilterBar } from './components/FilterBar';
import { ErrorBox, Loading } from './components/ui';
import type { Api } from './lib/api';
import { parseFilters, resolveRange, todayUtc } from './lib/filters';
import { matchRoute, safeNext, type PageName } from './lib/routes';
import { hasRole, type Role, type Session, type SessionState } from './lib/session';
import { Keys, Users } from './pages/Admin';
import { Login } from './pages/Login';
import { Overview } from './pages/Overview';
import { ReportView, Reports } from './pages/Reports';
import { Sources } from './pages/Sources';
import { Tasks } from './pages/Tasks';
import { Upload } from './pages/Upload';
import { Link, navigate, useLocation } from './router';

interface NavItem {
  href: string;
  label: string;
  pages: PageName[];
  role: Role;
}

const NAV: NavItem[] = [
  { href: '/', label: 'Overview', pages: ['overview'], role: 'viewer' },
  { href: '/reports', label: 'Reports', pages: ['reports', 'report'], role: 'viewer' },
  { href: '/sources', label: 'Sources', pages: ['sources'], role: 'viewer' },
  { href: '/upload', label: 'Upload', pages: ['upload'], role: 'analyst' },
  { href: '/tasks', label: 'Ingestion', pages: ['tasks'], role: 'viewer' },
  { href: '/settings/users', label: 'Users', pages: ['users'], role: 'admin' },
  { href: '/settings/keys', label: 'API keys', pages: ['keys'], role: 'viewer' },
];

const TITLES: Record<PageName, string> = {
  overview: 'Overview',
  reports: 'Reports',
  report: 'Report',
  sources: 'Sources',
  upload: 'Upload',
  tasks: 'Ingestion',
  users: 'Users',
  keys: 'API keys',
  login: 'Sign in',
  'not-found': 'Not found',
};

const FILTERED: PageName[] = ['overview', 'reports', 'sources'];

function useSession(session: Session): SessionState {
  const [state, setState] = useState(session.state);
  useEffect(() => {
    const off = session.subscribe(setState);
    setState(session.state); // it may have changed before this effect ran
    return off;
  }, [session]);
  return state;
}

function Shell({
  ctx,
  page,
  params,
}: {
  ctx: AppContext;
  page: PageName;
  params: Record<string, string>;
}): JSX.Element {
  const loc = useLocation();
  const { choices, error } = useChoices(ctx.api);
  const filters = useMemo(() => parseFilters(loc.search), [loc.search]);
  const today = todayUtc();
  const span = useMemo(() => resolveRange(filters, today, choices?.extent), [filters, today, choices?.extent]);
  const [menuOpen, setMenuOpen] = useState(false);
  const focusTarget = useRef<string>('');

  // On a page change, move focus to the page's heading (screen readers announce it) and set the title.
  useEffect(() => {
    document.title = `${TITLES[page]} · DMARC reports`;
    if (focusTarget.current && focusTarget.current !== page) {
      const h = document.getElementById('page-title');
      h?.focus({ preventScroll: false });
    }
    focusTarget.current = page;
    setMenuOpen(false);
  }, [page]);

  const nav = NAV.filter((n) => hasRole(ctx.user, n.role));
  const keepFilters = (href: string): string => {
    const target = matchRoute(href).page;
    if (!FILTERED.includes(target)) return href;
    const q = new URLSearchParams(loc.search);
    const keep = new URLSearchParams();
    for (const k of ['domain', 'range', 'from', 'to', 'org', 'dmarc']) {
      const v = q.get(k);
      if (v) keep.set(k, v);
    }
    const s = keep.toString();
    return s ? `${href}?${s}` : href;
  };

  let body: JSX.Element;
  if (page === 'report') body = <ReportView id={params.id ?? ''} />;
  else if (page === 'upload') body = <Upload />;
  else if (page === 'tasks') body = <Tasks />;
  else if (page === 'users') body = <Users />;
  else if (page === 'keys') body = <Keys />;
  else if (page === 'not-found')
    body = (
      <div class="state">
        <h1 id="page-title" tabIndex={-1}>
          Page not found
        </h1>
        <p>
          <Link href="/">Go to the overview</Link>
        </p>
      </div>
    );
  else if (error && !choices) body = <ErrorBox error={error} retry={() => window.location.reload()} />;
  else if (!choices) body = <Loading what="Loading" />;
  else if (page === 'reports') body = <Reports filters={filters} span={span} />;
  else if (page === 'sources') body = <Sources filters={filters} span={span} />;
  else body = <Overview filters={filters} span={span} choices={choices} />;

  return (
    <Ctx.Provider value={ctx}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          <span aria-hidden="true" class="logo">
            ✓
          </span>{' '}
          DMARC reports
        </Link>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="main-nav" aria-label="Main" class={menuOpen ? 'open' : undefined}>
          <ul>
            {nav.map((n) => (
              <li key={n.href}>
                <Link href={keepFilters(n.href)} aria-current={n.pages.includes(page) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          <span class="who" title={ctx.user.email}>
            {ctx.user.name} <span class="role">({ctx.user.role})</span>
          </span>
          {ctx.session.state.status === 'signed-in' ? (
            <button type="button" class="secondary" onClick={() => void ctx.session.logout()}>
              Sign out
            </button>
          ) : null}
        </div>
      </header>
      {FILTERED.includes(page) && page !== 'report' ? (
        <FilterBar
          filters={filters}
          span={span}
          choices={{ domains: choices?.domains ?? [], reporters: choices?.reporters ?? [] }}
        />
      ) : null}
      <main id="main" tabIndex={-1}>
        {body}
      </main>
      <footer class="footer">
        <a href="/docs">API documentation</a>
      </footer>
    </Ctx.Provider>
  );
}

export function App({ session, api }: { session: Session; api: Api }): JSX.Element {
  const state = useSession(session);
  const loc = useLocation();
  const route = matchRoute(loc.pathname);
  const user = session.user;

  // Signed out on a page of the app: go to the login page, remembering where we were.
  useEffect(() => {
    if (state.status === 'signed-out' && route.page !== 'login') {
      const next = loc.pathname + loc.search;
      navigate(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`, { replace: true });
    }
    if ((state.status === 'signed-in' || state.status === 'open') && route.page === 'login') {
      navigate(safeNext(new URLSearchParams(loc.search).get('next')), { replace: true });
    }
  }, [state.status, route.page]);

  const ctx = useMemo(() => (user ? { api, session, user } : null), [api, session, user]);

  if (state.status === 'starting') return <Loading what="Signing in" />;
  if (state.status === 'unreachable') {
    return (
      <main id="main" class="login">
        <div class="state error" role="alert">
          <p>{state.message}</p>
          <button type="button" onClick={() => window.location.reload()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (state.status === 'signed-out' || !ctx) {
    return <Login session={session} reason={state.status === 'signed-out' ? state.reason : undefined} />;
  }
  if (route.page === 'login') return <Loading what="Opening the dashboard" />;
  return <Shell ctx={ctx} page={route.page} params={route.params} />;
}
