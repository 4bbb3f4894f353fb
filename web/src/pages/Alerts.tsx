// Alerts: the list (open ones first: the page opens on them; filters state, severity, domain and rule in the URL —
// a summary notification links the page filtered by its rule;
// acknowledge or resolve with a note), one alert with its figures, history and deliveries per channel, and the
// tabs to the rules and suppressions pages. The navigation's badge listens for alertsChanged().
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { useApp, useLoad } from '../context';
import { ExportMenu } from '../components/ExportMenu';
import { ActionError, Badge, Empty, ErrorBox, Loading, PageHeader, Pager } from '../components/ui';
import { withParams } from '../lib/filters';
import { formatDateTime, formatNumber, plural } from '../lib/format';
import { describeError } from '../lib/problem';
import { hasRole } from '../lib/session';
import type { AlertDetail, AlertItem, Evaluation, Page } from '../lib/types';
import { Link, navigate, useLocation } from '../router';

const LIMIT = 50;
const STATES = [
  { value: 'open', label: 'Open' },
  { value: 'unresolved', label: 'Open and acknowledged' },
  { value: 'acknowledged', label: 'Acknowledged' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'all', label: 'All' },
] as const;
const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** Tells the navigation's badge (and anyone listening) that alerts changed. */
export function alertsChanged(): void {
  window.dispatchEvent(new Event('dmarc:alerts-changed'));
}

export const severityTone = (s: string): 'fail' | 'warn' | 'neutral' =>
  s === 'critical' ? 'fail' : s === 'warning' ? 'warn' : 'neutral';
export const stateTone = (s: string): 'fail' | 'warn' | 'pass' =>
  s === 'open' ? 'fail' : s === 'acknowledged' ? 'warn' : 'pass';

/** The tabs of the alerting pages. */
export function AlertTabs({
  current,
}: {
  current: 'alerts' | 'rules' | 'suppressions' | 'channels' | 'digests';
}): JSX.Element {
  const { user } = useApp();
  const tabs = [
    { key: 'alerts', href: '/alerting', label: 'Alerts' },
    { key: 'rules', href: '/alerting/rules', label: 'Rules' },
    ...(hasRole(user, 'admin')
      ? [
          { key: 'suppressions', href: '/alerting/suppressions', label: 'Suppressions' },
          { key: 'channels', href: '/alerting/channels', label: 'Channels' },
          { key: 'digests', href: '/settings/digests', label: 'Digests' },
        ]
      : []),
  ];
  return (
    <nav class="tabs" aria-label="Alerting">
      {tabs.map((t) => (
        <Link key={t.key} href={t.href} aria-current={t.key === current ? 'page' : undefined}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}

/** Acknowledge or resolve, with an optional note: a small form that opens in place. */
function ActOnAlert({
  alert,
  onDone,
  compact,
}: {
  alert: Pick<AlertItem, 'id' | 'state' | 'summary'>;
  onDone: () => void;
  compact?: boolean;
}): JSX.Element | null {
  const { api, user } = useApp();
  const [action, setAction] = useState<'acknowledge' | 'resolve' | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!hasRole(user, 'analyst') || alert.state === 'resolved') return null;
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!action) return;
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/alerts/${alert.id}/${action}`, note.trim() ? { note: note.trim() } : {});
      setAction(null);
      setNote('');
      alertsChanged();
      onDone();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  if (action === null) {
    return (
      <div class="row-actions">
        {alert.state === 'open' ? (
          <button type="button" class="secondary" onClick={() => setAction('acknowledge')}>
            Acknowledge
          </button>
        ) : null}
        <button type="button" class="secondary" onClick={() => setAction('resolve')}>
          Resolve
        </button>
      </div>
    );
  }
  const id = `note-${alert.id}`;
  return (
    <form class={compact ? 'note-form compact' : 'note-form'} onSubmit={(e) => void submit(e)}>
      <label for={id}>{action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} with a note (optional)</label>
      <textarea
        id={id}
        rows={2}
        maxLength={2000}
        value={note}
        onInput={(e) => setNote(e.currentTarget.value)}
        placeholder={action === 'acknowledge' ? 'Who is looking into it?' : 'What fixed it?'}
      />
      <div class="row-actions">
        <button type="submit" disabled={busy}>
          {action === 'acknowledge' ? 'Acknowledge' : 'Resolve'}
        </button>
        <button type="button" class="secondary" onClick={() => setAction(null)}>
          Cancel
        </button>
      </div>
      <ActionError message={error} />
    </form>
  );
}

export function Alerts(): JSX.Element {
  const { api, user } = useApp();
  const loc = useLocation();
  const q = new URLSearchParams(loc.search);
  const state = q.get('state') ?? 'open';
  const severity = q.get('severity') ?? '';
  const domain = q.get('domain') ?? '';
  const ruleText = q.get('rule') ?? '';
  const rule = /^[1-9]\d{0,15}$/.test(ruleText) ? Number(ruleText) : undefined;
  const cursor = q.get('cursor') ?? undefined;
  const [domainText, setDomainText] = useState(domain);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const query = {
    limit: LIMIT,
    cursor,
    state: state === 'all' ? undefined : state,
    severity: severity || undefined,
    domain: domain || undefined,
    rule,
  };
  const list = useLoad(`alerts:${JSON.stringify(query)}`, (signal) =>
    api.get<Page<AlertItem>>('/api/alerts', query, signal),
  );
  const go = (changes: Record<string, string | null>): void =>
    navigate(`/alerting${withParams(loc.search, { ...changes, cursor: null, page: null })}`);

  const evaluate = async (): Promise<void> => {
    setNotice(null);
    setError(null);
    try {
      const r = await api.post<Evaluation>('/api/alerts/evaluate', {});
      const failed = r.failedRules.length ? ` ${plural(r.failedRules.length, 'rule')} could not be evaluated.` : '';
      setNotice(
        `Checked ${plural(r.rules, 'rule')}: ${formatNumber(r.opened)} opened, ${formatNumber(r.updated)} updated, ` +
          `${formatNumber(r.resolved)} resolved, ${formatNumber(r.suppressed)} suppressed.${failed}`,
      );
      alertsChanged();
      list.reload();
    } catch (err) {
      setError(`Could not run the check: ${describeError(err)}`);
    }
  };

  return (
    <>
      <PageHeader title="Alerts">
        <ExportMenu
          query={{ state: query.state, severity: query.severity, domain: query.domain }}
          choices={[{ kind: 'alerts', label: 'Alerts' }]}
        />
        {hasRole(user, 'analyst') ? (
          <button type="button" onClick={() => void evaluate()}>
            Check now
          </button>
        ) : null}
      </PageHeader>
      <AlertTabs current="alerts" />
      {notice ? <p role="status">{notice}</p> : null}
      <ActionError message={error} />
      <div class="alert-filters">
        <div class="filter">
          <label for="alert-state">State</label>
          <select id="alert-state" value={state} onChange={(e) => go({ state: e.currentTarget.value })}>
            {STATES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div class="filter">
          <label for="alert-severity">Severity</label>
          <select id="alert-severity" value={severity} onChange={(e) => go({ severity: e.currentTarget.value })}>
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <form
          class="filter"
          onSubmit={(e) => {
            e.preventDefault();
            go({ domain: domainText.trim() });
          }}
        >
          <label for="alert-domain">Domain</label>
          <div class="row-actions">
            <input
              id="alert-domain"
              type="search"
              placeholder="example.com"
              value={domainText}
              onInput={(e) => setDomainText(e.currentTarget.value)}
            />
            <button type="submit" class="secondary">
              Filter
            </button>
          </div>
        </form>
        {rule !== undefined ? (
          <div class="filter source-chips" role="group" aria-label="Rule filter">
            <button type="button" class="chip" aria-label="Remove the rule filter" onClick={() => go({ rule: null })}>
              Rule {list.data?.items[0]?.ruleName ?? `#${rule}`} ×
            </button>
          </div>
        ) : null}
      </div>
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {!list.data ? (
        list.state === 'loading' ? (
          <Loading what="Loading alerts" />
        ) : null
      ) : list.data.total === 0 ? (
        <Empty title={state === 'open' ? 'No open alerts' : 'No alerts match'}>
          <p>
            Alerts open when a rule finds a breach: a failure rate too high, a new sender, missing reports.{' '}
            <Link href="/alerting/rules">See the rules</Link>.
          </p>
        </Empty>
      ) : (
        <section class="card detail" aria-label="Alerts">
          <div class="table-wrap">
            <table class="data alerts-table">
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">State</th>
                  <th scope="col">Alert</th>
                  <th scope="col">Domain</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Last seen</th>
                  <th scope="col" class="num">
                    Seen
                  </th>
                  {hasRole(user, 'analyst') ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Badge tone={severityTone(a.severity)}>{a.severity}</Badge>
                    </td>
                    <td>
                      <Badge tone={stateTone(a.state)}>{a.state}</Badge>
                      {a.suppressed ? <Badge tone="neutral">suppressed</Badge> : null}
                    </td>
                    <td class="alert-summary">
                      <Link href={`/alerting/${a.id}`}>{a.summary}</Link>
                      {a.subject ? <div class="muted mono">{a.subject}</div> : null}
                    </td>
                    <td>{a.domain ?? '—'}</td>
                    <td>
                      {a.ruleId !== null ? (
                        <Link href={`/alerting${withParams(loc.search, { rule: String(a.ruleId), cursor: null })}`}>
                          {a.ruleName}
                        </Link>
                      ) : (
                        a.ruleName
                      )}
                    </td>
                    <td class="nowrap">{formatDateTime(a.lastSeenAt)}</td>
                    <td class="num">{formatNumber(a.occurrences)}</td>
                    {hasRole(user, 'analyst') ? (
                      <td>
                        <ActOnAlert alert={a} onDone={list.reload} compact />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            total={list.data.total}
            shown={list.data.items.length}
            nextCursor={list.data.nextCursor}
            limit={LIMIT}
          />
        </section>
      )}
    </>
  );
}

const figureValue = (v: unknown): string =>
  typeof v === 'number'
    ? Number.isInteger(v)
      ? formatNumber(v)
      : String(Math.round(v * 10000) / 10000)
    : typeof v === 'string'
      ? v
      : JSON.stringify(v);

export function AlertView({ id }: { id: string }): JSX.Element {
  const { api } = useApp();
  const detail = useLoad(`alert:${id}`, (signal) => api.get<AlertDetail>(`/api/alerts/${id}`, undefined, signal));
  if (detail.state === 'error') {
    return (
      <>
        <PageHeader title={`Alert ${id}`} />
        <ErrorBox error={detail.error} retry={detail.reload} />
        <p>
          <Link href="/alerting">Back to the alerts</Link>
        </p>
      </>
    );
  }
  if (!detail.data) return <Loading what="Loading the alert" />;
  const a = detail.data;
  const facts: [string, JSX.Element | string][] = [
    ['Severity', <Badge tone={severityTone(a.severity)}>{a.severity}</Badge>],
    ['State', <Badge tone={stateTone(a.state)}>{a.state}</Badge>],
    ['Rule', `${a.ruleName} (${a.ruleType})${a.ruleId === null ? ', deleted' : ''}`],
    ['Domain', a.domain ?? '—'],
    ['Subject', a.subject ?? '—'],
    ['First seen', formatDateTime(a.firstSeenAt)],
    ['Last seen', formatDateTime(a.lastSeenAt)],
    ['Seen in', plural(a.occurrences, 'check period')],
    ['Suppressed', a.suppressed ? 'yes: recorded, not notified' : 'no'],
    ['Acknowledged', a.acknowledgedAt ? `${formatDateTime(a.acknowledgedAt)} by ${a.acknowledgedBy ?? '?'}` : '—'],
    ['Resolved', a.resolvedAt ? `${formatDateTime(a.resolvedAt)} by ${a.resolvedBy ?? '?'}` : '—'],
  ];
  return (
    <>
      <PageHeader title={`Alert ${a.id}`}>
        <Link href="/alerting">All alerts</Link>
      </PageHeader>
      <section class="card detail" aria-labelledby="alert-what">
        <h2 id="alert-what">{a.summary}</h2>
        <dl class="kv">
          {facts.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
        <ActOnAlert alert={a} onDone={detail.reload} />
      </section>
      <section class="card detail" aria-labelledby="alert-figures">
        <h2 id="alert-figures">Latest figures</h2>
        {Object.keys(a.figures).length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Figure</th>
                  <th scope="col" class="num">
                    Value
                  </th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(a.figures).map(([k, v]) => (
                  <tr key={k}>
                    <td>{k}</td>
                    <td class="num">{figureValue(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card detail" aria-labelledby="alert-history">
        <h2 id="alert-history">History</h2>
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">State</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {a.history.map((h) => (
                <tr key={h.id}>
                  <td class="nowrap">{formatDateTime(h.at)}</td>
                  <td>{h.action}</td>
                  <td>{h.actor}</td>
                  <td>
                    {h.fromState && h.toState && h.fromState !== h.toState
                      ? `${h.fromState} → ${h.toState}`
                      : (h.toState ?? '—')}
                  </td>
                  <td>{h.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="card detail" aria-labelledby="alert-deliveries">
        <h2 id="alert-deliveries">Notifications</h2>
        {a.deliveries.length === 0 ? (
          <p class="muted">
            {a.suppressed
              ? 'None: the breach fell in a suppression (recorded, not notified).'
              : 'None: the rule names no channel, or nothing was notified yet.'}
          </p>
        ) : (
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Event</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col">Last error</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {a.deliveries.map((d) => (
                  <tr key={d.id}>
                    <td>
                      {d.channel} <span class="muted">({d.channelType})</span>
                    </td>
                    <td>{d.event}</td>
                    <td>
                      <Badge
                        tone={
                          d.state === 'delivered'
                            ? 'pass'
                            : d.state === 'failed'
                              ? 'fail'
                              : d.state === 'retrying'
                                ? 'warn'
                                : 'neutral'
                        }
                      >
                        {d.state}
                      </Badge>
                    </td>
                    <td class="num">{formatNumber(d.attempts)}</td>
                    <td>{d.lastError ?? ''}</td>
                    <td class="nowrap">{formatDateTime(d.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
