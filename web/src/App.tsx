// The app shell: waits for the session, shows the login page when signed out, and otherwise the navigation,
// the filters (on pages that use them) and the page of the current route.
//
// Organisations: /api/me says which ones the user can enter. The page's organisation is the URL's /o/<slug>/
// (else the default one); the URL is kept canonical (routes.ts canonicalHref); a user of several organisations
// gets a switcher in the header, and a platform administrator the organisations page.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { invalidateChoices, useChoices } from './choices';
import { Ctx, useApp, useLoad, type AppContext } from './context';
import { AboutBox } from './components/AboutBox';
import { FilterBar } from './components/FilterBar';
import { ErrorBox, Loading } from './components/ui';
import type { Api } from './lib/api';
import { FILTER_KEYS, parseFilters, resolveRange, todayUtc } from './lib/filters';
import {
  canonicalHref,
  matchRoute,
  resolveOrg,
  safeNext,
  switchOrgHref,
  withOrg,
  type OrgChoice,
  type PageName,
} from './lib/routes';
import { hasRole, type Role, type Session, type SessionState, type User } from './lib/session';
import type { Me, OpenAlertCounts } from './lib/types';
import { Keys, Users } from './pages/Admin';
import { AlertRules } from './pages/AlertRules';
import { AlertView, Alerts } from './pages/Alerts';
import { Channels } from './pages/Channels';
import { Digests } from './pages/Digests';
import { Outputs } from './pages/Outputs';
import { Organization, Organizations } from './pages/Organizations';
import { Login } from './pages/Login';
import { Overview } from './pages/Overview';
import { ReportView, Reports } from './pages/Reports';
import { FailureReportView, FailureReports } from './pages/FailureReports';
import { TlsReportView, TlsReports } from './pages/TlsReports';
import { Senders } from './pages/Senders';
import { Anomalies } from './pages/Anomalies';
import { Models } from './pages/Models';
import { DomainPage } from './pages/DomainPage';
import { SourcePage } from './pages/SourcePage';
import { DomainDns } from './pages/DomainDns';
import { Sources } from './pages/Sources';
import { Suppressions } from './pages/Suppressions';
import { Tasks } from './pages/Tasks';
import { Upload } from './pages/Upload';
import { Link, navigate, useLocation } from './router';

interface NavItem {
  href: string;
  label: string;
  pages: PageName[];
  role: Role;
  /** Only for platform administrators (and shown without an organisation too). */
  platform?: true;
}

const NAV: NavItem[] = [
  { href: '/', label: 'Overview', pages: ['overview', 'domain', 'domain-dns'], role: 'viewer' },
  {
    href: '/reports',
    label: 'Reports',
    pages: ['reports', 'report', 'tls-reports', 'tls-report', 'failure-reports', 'failure-report'],
    role: 'viewer',
  },
  { href: '/senders', label: 'Senders', pages: ['senders'], role: 'viewer' },
  { href: '/sources', label: 'Sources', pages: ['sources', 'source'], role: 'viewer' },
  // the models are managed from the Anomalies page (a link in its header), not from a top-level item of their own
  { href: '/anomalies', label: 'Anomalies', pages: ['anomalies', 'models'], role: 'viewer' },
  { href: '/upload', label: 'Upload', pages: ['upload'], role: 'analyst' },
  { href: '/tasks', label: 'Ingestion', pages: ['tasks'], role: 'viewer' },
  {
    href: '/alerting',
    label: 'Alerts',
    // digests are what else the organisation is e-mailed: a tab of the alerting pages (admins)
    pages: ['alerts', 'alert', 'alert-rules', 'suppressions', 'channels', 'digests'],
    role: 'viewer',
  },
  // users, API keys and SIEM outputs are tabs of one item (SettingsTabs)
  { href: '/settings/keys', label: 'Settings', pages: ['users', 'keys', 'outputs'], role: 'viewer' },
  {
    href: '/settings/organizations',
    label: 'Organisations',
    pages: ['organizations', 'organization'],
    role: 'viewer',
    platform: true,
  },
];

/** Pages that do not show one organisation's data (a platform administrator's). */
const PLATFORM_PAGES: PageName[] = ['organizations', 'organization'];

const TITLES: Record<PageName, string> = {
  overview: 'Overview',
  reports: 'Reports',
  report: 'Report',
  'tls-reports': 'SMTP TLS reports',
  'tls-report': 'SMTP TLS report',
  'failure-reports': 'Failure reports',
  'failure-report': 'Failure report',
  sources: 'Sources',
  source: 'Source',
  'domain-dns': 'DNS records',
  senders: 'Senders',
  anomalies: 'Anomalies',
  models: 'Anomaly models',
  domain: 'Domain',
  upload: 'Upload',
  tasks: 'Ingestion',
  alerts: 'Alerts',
  alert: 'Alert',
  'alert-rules': 'Alert rules',
  suppressions: 'Suppressions',
  channels: 'Notification channels',
  digests: 'E-mail digests',
  outputs: 'SIEM outputs',
  users: 'Users',
  keys: 'API keys',
  organizations: 'Organisations',
  organization: 'Organisation',
  login: 'Sign in',
  'not-found': 'Not found',
};

const FILTERED: PageName[] = ['overview', 'reports', 'sources', 'senders'];

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
  // Without an organisation (a platform administrator before creating one) only the platform pages are there.
  const hasOrg = ctx.org !== null || ctx.session.state.status === 'open';
  const { choices, error } = useChoices(hasOrg ? ctx.api : null);
  const filters = useMemo(() => parseFilters(loc.search), [loc.search]);
  const today = todayUtc();
  const span = useMemo(() => resolveRange(filters, today, choices?.extent), [filters, today, choices?.extent]);
  const [menuOpen, setMenuOpen] = useState(false);
  const focusTarget = useRef<string>('');

  // On a page change, move focus to the page's heading (screen readers announce it) and set the title.
  useEffect(() => {
    const where = ctx.multi && ctx.org ? ` · ${ctx.org.name}` : '';
    document.title = `${TITLES[page]}${where} · DMARC reports`;
    if (focusTarget.current && focusTarget.current !== page) {
      const h = document.getElementById('page-title');
      h?.focus({ preventScroll: false });
    }
    focusTarget.current = page;
    setMenuOpen(false);
  }, [page]);

  const nav = NAV.filter((n) => (n.platform ? ctx.user.platformAdmin === true : hasOrg && hasRole(ctx.user, n.role)));
  const keepFilters = (href: string): string => {
    const target = matchRoute(href).page;
    if (!FILTERED.includes(target)) return href;
    const q = new URLSearchParams(loc.search);
    const keep = new URLSearchParams();
    for (const k of FILTER_KEYS) {
      const v = q.get(k);
      if (v) keep.set(k, v);
    }
    const s = keep.toString();
    return s ? `${href}?${s}` : href;
  };

  let body: JSX.Element;
  if (page === 'organizations') body = <Organizations />;
  else if (page === 'organization') body = <Organization slug={params.slug ?? ''} />;
  else if (page === 'report') body = <ReportView id={params.id ?? ''} />;
  else if (page === 'tls-reports') body = <TlsReports />;
  else if (page === 'tls-report') body = <TlsReportView id={params.id ?? ''} />;
  else if (page === 'failure-reports') body = <FailureReports />;
  else if (page === 'failure-report') body = <FailureReportView id={params.id ?? ''} />;
  else if (page === 'anomalies') body = <Anomalies />;
  else if (page === 'models') body = <Models />;
  else if (page === 'upload') body = <Upload />;
  else if (page === 'tasks') body = <Tasks />;
  else if (page === 'alerts') body = <Alerts />;
  else if (page === 'alert') body = <AlertView id={params.id ?? ''} />;
  else if (page === 'alert-rules') body = <AlertRules />;
  else if (page === 'suppressions') body = <Suppressions />;
  else if (page === 'channels') body = <Channels />;
  else if (page === 'digests') body = <Digests />;
  else if (page === 'outputs') body = <Outputs />;
  else if (page === 'users') body = <Users />;
  else if (page === 'keys') body = <Keys />;
  else if (page === 'source') body = <SourcePage ip={params.ip ?? ''} />;
  else if (page === 'domain-dns') body = <DomainDns domain={params.domain ?? ''} />;
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
  else if (page === 'senders') body = <Senders filters={filters} span={span} />;
  else if (page === 'domain') body = <DomainPage domain={params.domain ?? ''} filters={filters} span={span} />;
  else body = <Overview filters={filters} span={span} choices={choices} />;

  return (
    <Ctx.Provider value={ctx}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class={ctx.multi && ctx.org ? 'topbar with-orgs' : 'topbar'}>
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
        {ctx.multi && ctx.org ? <OrgSwitcher current={ctx.org} orgs={ctx.orgs} /> : null}
        <nav id="main-nav" aria-label="Main" class={menuOpen ? 'open' : undefined}>
          <ul>
            {nav.map((n) => (
              <li key={n.href}>
                <Link href={keepFilters(n.href)} aria-current={n.pages.includes(page) ? 'page' : undefined}>
                  {n.label}
                  {n.href === '/alerting' ? <OpenAlertsBadge enabled={hasOrg} page={page} /> : null}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          <span class="who" title={`${ctx.user.email} (${ctx.user.role})`}>
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
          choices={{
            domains: choices?.domains ?? [],
            reporters: choices?.reporters ?? [],
            undated: choices?.undated ?? 0,
          }}
        />
      ) : null}
      <main id="main" tabIndex={-1}>
        {body}
      </main>
      <footer class="footer">
        <a href="/docs">API documentation</a>
        <AboutBox />
      </footer>
    </Ctx.Provider>
  );
}

/**
 * The number of open alerts beside "Alerts" in the navigation: read on each page change, every minute while the
 * tab is visible, and when a page says alerts changed (acknowledged, resolved, checked). Nothing when none is open.
 */
function OpenAlertsBadge({ enabled, page }: { enabled: boolean; page: PageName }): JSX.Element | null {
  const { api } = useApp();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const bump = (): void => setTick((t) => t + 1);
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') bump();
    }, 60_000);
    window.addEventListener('dmarc:alerts-changed', bump);
    return () => {
      clearInterval(timer);
      window.removeEventListener('dmarc:alerts-changed', bump);
    };
  }, []);
  const counts = useLoad(enabled ? `open-alerts:${page}:${tick}` : null, (signal) =>
    api.get<OpenAlertCounts>('/api/alerts/count', undefined, signal),
  );
  const c = counts.data;
  if (!c || c.open === 0) return null;
  const tone = c.bySeverity.critical > 0 ? 'critical' : c.bySeverity.warning > 0 ? 'warning' : 'info';
  return (
    <span class={`nav-count nav-count-${tone}`} data-testid="open-alerts">
      <span aria-hidden="true">{c.open > 99 ? '99+' : c.open}</span>
      <span class="sr-only">, {c.open === 1 ? '1 open alert' : `${c.open} open alerts`}</span>
    </span>
  );
}

/** Set while switching: the next organisation's shell (a new one) gives the focus back to its switcher. */
let refocusSwitcher = false;

/** The organisation switcher: a native select (keyboard and screen readers as usual), each with the role there. */
function OrgSwitcher({ current, orgs }: { current: OrgChoice; orgs: OrgChoice[] }): JSX.Element {
  const loc = useLocation();
  const sorted = useMemo(() => [...orgs].sort((a, b) => a.name.localeCompare(b.name)), [orgs]);
  const select = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    if (refocusSwitcher) select.current?.focus();
    refocusSwitcher = false;
  }, []);
  return (
    <div class="org-switch">
      <label for="org-switch">Organisation</label>
      <select
        id="org-switch"
        ref={select}
        value={current.slug}
        onChange={(e) => {
          const slug = e.currentTarget.value;
          if (slug === current.slug) return;
          refocusSwitcher = true;
          navigate(switchOrgHref(loc.pathname, loc.search, slug), { absolute: true });
        }}
      >
        {sorted.map((o) => (
          <option key={o.slug} value={o.slug}>
            {o.name} ({o.role})
          </option>
        ))}
      </select>
    </div>
  );
}

/** A page outside the shell: a message, a way on, and signing out (to try another account). */
function StatePage({
  title,
  children,
  session,
}: {
  title: string;
  children: ComponentChildren;
  session: Session;
}): JSX.Element {
  useEffect(() => {
    document.title = `${title} · DMARC reports`;
  }, [title]);
  return (
    <main id="main" class="login">
      <div class="state standalone">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {children}
        <p>
          <button type="button" class="secondary" onClick={() => void session.logout()}>
            Sign out
          </button>
        </p>
      </div>
    </main>
  );
}

/**
 * A signed-in user's dashboard: who they are and which organisations they can enter (/api/me), the page's
 * organisation, and the shell for it.
 */
function Workspace({
  session,
  api,
  user,
  open,
  route,
}: {
  session: Session;
  api: Api;
  user: User;
  open: boolean;
  route: { page: PageName; params: Record<string, string> };
}): JSX.Element {
  const loc = useLocation();
  // Another user signed in in this tab: nothing of the previous one's choices may show.
  useState(() => invalidateChoices());
  const me = useLoad(open ? null : `me-${user.id}`, (signal) => api.get<Me>('/api/me', undefined, signal));
  // After a change to the organisations: the new list and the caller's navigation (`then`) in the same tick, so
  // that no render sees the new list with the old URL (a renamed slug would briefly be "no access").
  const [fresh, setFresh] = useState<Me | null>(null);
  const refreshOrgs = useCallback(
    async (then?: () => void): Promise<void> => {
      try {
        setFresh(await api.get<Me>('/api/me'));
      } catch {
        me.reload();
      }
      then?.();
    },
    [api],
  );
  const meData = fresh ?? me.data;
  const resolution = meData ? resolveOrg(loc.org, meData) : null;
  const org = resolution?.kind === 'org' ? resolution.org : null;
  const multi = resolution !== null && resolution.kind !== 'none' && resolution.multi;

  // Keep the URL canonical: /o/<slug>/... for a user of several organisations, plain for a user of one.
  const canonical = org ? canonicalHref(loc.pathname, loc.search, org.slug, multi) : null;
  useEffect(() => {
    if (canonical !== null && canonical !== window.location.pathname + window.location.search) {
      navigate(canonical, { replace: true, absolute: true });
    }
  }, [canonical]);

  const ctx = useMemo<AppContext | null>(() => {
    if (open) return { api, session, user, org: null, orgs: [], multi: false, refreshOrgs };
    if (!meData || !resolution || resolution.kind === 'no-access') return null;
    const who: User = {
      id: meData.id,
      email: meData.email,
      name: meData.name,
      role: org?.role ?? meData.role,
      platformAdmin: meData.platformAdmin,
    };
    // A user of one organisation asks for it as /api/...; of several, by its slug (the URL's organisation).
    const orgApi = api.forOrg(org && multi ? org.slug : null);
    return { api: orgApi, session, user: who, org, orgs: meData.organizations, multi, refreshOrgs };
  }, [open, api, session, user, meData, org, multi, refreshOrgs]);

  if (open && ctx) return <Shell key="" ctx={ctx} page={route.page} params={route.params} />;
  if (!meData) {
    if (me.state === 'error') {
      return (
        <main id="main" class="login">
          <ErrorBox error={me.error} retry={me.reload} />
        </main>
      );
    }
    return <Loading what="Opening the dashboard" />;
  }
  if (resolution?.kind === 'no-access') {
    const home = resolution.fallback;
    return (
      <StatePage title={`You have no access to the organisation '${resolution.slug}'`} session={session}>
        <p>
          It does not exist, or you are not one of its members. Ask one of its administrators to add you, or check the
          link.
        </p>
        {home ? (
          <p>
            <Link absolute href={resolution.multi ? withOrg(home.slug, '/') : '/'}>
              {resolution.multi ? `Go to ${home.name}` : 'Go to your dashboard'}
            </Link>
          </p>
        ) : null}
      </StatePage>
    );
  }
  if (resolution?.kind === 'none' && !meData.platformAdmin) {
    return (
      <StatePage title="No access yet" session={session}>
        <p>Your account is not a member of any organisation: ask an administrator to add you.</p>
      </StatePage>
    );
  }
  if (!ctx) return <Loading what="Opening the dashboard" />;
  // A platform administrator without any organisation yet: only the organisations pages make sense.
  const page = ctx.org === null && !PLATFORM_PAGES.includes(route.page) ? 'organizations' : route.page;
  // A new organisation is a new shell (its data loads afresh); a renamed one (same id) is not.
  return <Shell key={String(ctx.org?.id ?? '')} ctx={ctx} page={page} params={route.params} />;
}

export function App({ session, api }: { session: Session; api: Api }): JSX.Element {
  const state = useSession(session);
  const loc = useLocation();
  const route = matchRoute(loc.pathname);
  const user = session.user;

  // Signed out on a page of the app: go to the login page, remembering where we were (with its organisation).
  useEffect(() => {
    if (state.status === 'signed-out' && route.page !== 'login') {
      const next = window.location.pathname + window.location.search;
      navigate(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`, { replace: true, absolute: true });
    }
    if ((state.status === 'signed-in' || state.status === 'open') && route.page === 'login') {
      navigate(safeNext(new URLSearchParams(loc.search).get('next')), { replace: true, absolute: true });
    }
  }, [state.status, route.page]);

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
  if (state.status === 'signed-out' || !user) {
    return <Login session={session} reason={state.status === 'signed-out' ? state.reason : undefined} />;
  }
  if (route.page === 'login') return <Loading what="Opening the dashboard" />;
  return (
    <Workspace
      key={String(user.id)}
      session={session}
      api={api}
      user={user}
      open={state.status === 'open'}
      route={route}
    />
  );
}
