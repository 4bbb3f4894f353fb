// Who sends as the organisation's domains: one row per sender (a known service, a group of unknown sources by PTR
// base domain or AS, or one of the organisation's own servers) with its pass rates and what fails; a row expands
// to its source IPs. Analysts mark a sender approved or not ours — for the domain of the filter, or for every
// domain without one.
import { Fragment, type JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { ExportMenu } from '../components/ExportMenu';
import { useApp, useLoad } from '../context';
import {
  ActionError,
  Badge,
  Breakable,
  Empty,
  ErrorBox,
  Loading,
  PageHeader,
  Pager,
  SortHeader,
} from '../components/ui';
import { apiQuery, withParams, type DateSpan, type Filters } from '../lib/filters';
import { formatNumber, formatPercent } from '../lib/format';
import { describeError } from '../lib/problem';
import { hasRole } from '../lib/session';
import type { NewSenderRule, Page, SenderItem, SourceItem } from '../lib/types';
import { Link, useLocation } from '../router';
import { failuresOfIpHref, failuresOfSenderHref } from './FailureReports';

const SORTS = ['messages', 'dmarcFail', 'complianceRate', 'sources', 'sender'] as const;
const LIMIT = 50;

const TYPE_LABELS: Record<string, string> = {
  mailbox_provider: 'Mailbox provider',
  transactional: 'Transactional ESP',
  marketing: 'Marketing',
  crm_saas: 'CRM / SaaS',
  security_gateway: 'Gateway / forwarder',
  hosting_isp: 'Hosting / ISP',
  unknown: 'Not identified',
  own: 'Our own server',
};

export const typeLabel = (t: string): string => TYPE_LABELS[t] ?? t;

function VerdictBadge({ s }: { s: SenderItem }): JSX.Element {
  switch (s.verdict) {
    case 'approved':
      return <Badge tone="pass">approved</Badge>;
    case 'own':
      return <Badge tone="pass">ours</Badge>;
    case 'not_ours':
      return <Badge tone="fail">not ours</Badge>;
    case 'mixed':
      return <Badge tone="warn">mixed</Badge>;
    default:
      return <span class="muted">—</span>;
  }
}

/** What fails: the messages failing DMARC, and which alignment is missing most (in words, short). */
function WhatFails({ s }: { s: SenderItem }): JSX.Element {
  if (s.messages === 0) return <span class="muted">—</span>;
  if (s.dmarcFail === 0) return <span class="muted">nothing</span>;
  const dkim = s.messages - s.dkimAlignedPass;
  const spf = s.messages - s.spfAlignedPass;
  const missing = dkim > 0 && spf > 0 ? 'DKIM and SPF not aligned' : dkim > 0 ? 'DKIM not aligned' : 'SPF not aligned';
  return (
    <>
      {formatNumber(s.dmarcFail)} <span class="muted small">({formatPercent(s.dmarcFail / s.messages)})</span>
      <br />
      <span class="small">{missing}</span>
    </>
  );
}

/** A rule can name a catalogue service or a group of unknown sources; not the Unknown group or an own server. */
const canMark = (s: SenderItem): boolean => s.key !== 'unknown' && !s.key.startsWith('own:');

function SenderSources({
  s,
  base,
  domain,
}: {
  s: SenderItem;
  base: Record<string, string>;
  domain: string | undefined;
}): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const q = { ...base, sender: s.key, limit: 20 };
  const list = useLoad(JSON.stringify(q), (signal) => api.get<Page<SourceItem>>('/api/rollup/sources', q, signal));
  if (list.state === 'error') return <ErrorBox error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading what="Loading its sources" />;
  return (
    <div class="drill" role="region" aria-label={`Source IPs of ${s.sender}`}>
      <table class="data compact">
        <caption class="sr-only">Source IPs of {s.sender}</caption>
        <thead>
          <tr>
            <th scope="col">Source IP</th>
            <th scope="col">PTR</th>
            <th scope="col">Country</th>
            <th scope="col">AS</th>
            <th scope="col" class="num">
              Messages
            </th>
            <th scope="col" class="num">
              Pass rate
            </th>
            <th scope="col">
              <span class="sr-only">Failure reports</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data.items.map((x) => (
            <tr key={x.sourceIp ?? 'none'}>
              <td class="mono ip">
                {x.sourceIp ? (
                  <Link href={`/sources/${x.sourceIp}`}>
                    <Breakable text={x.sourceIp} after=":" />
                  </Link>
                ) : (
                  '(no source IP)'
                )}
              </td>
              <td>{x.ptr ? <Breakable text={x.ptr} after="." /> : <span class="muted">—</span>}</td>
              <td>{x.country ?? <span class="muted">—</span>}</td>
              <td>{x.asn !== null ? `AS${x.asn}${x.asOrg ? ` ${x.asOrg}` : ''}` : <span class="muted">—</span>}</td>
              <td class="num">{formatNumber(x.messages)}</td>
              <td class="num">{formatPercent(x.complianceRate)}</td>
              <td class="nowrap">
                {x.sourceIp ? (
                  <Link href={failuresOfIpHref(x.sourceIp)} title={`Failure reports of messages from ${x.sourceIp}`}>
                    failure reports
                  </Link>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <Link href={failuresOfSenderHref(s.key, domain)} data-testid="sender-failures">
          Failure reports of {s.sender}
          {domain ? ` for ${domain}` : ''}
        </Link>
      </p>
      {list.data.total > list.data.items.length ? (
        <p>
          {formatNumber(list.data.total - list.data.items.length)} more:{' '}
          <Link href={`/sources${withParams(loc.search, { sender: s.key, sort: null, order: null, cursor: null })}`}>
            all its sources
          </Link>
        </p>
      ) : null}
    </div>
  );
}

export function Senders({ filters, span }: { filters: Filters; span: DateSpan | undefined }): JSX.Element {
  const { api, user } = useApp();
  const loc = useLocation();
  const params = new URLSearchParams(loc.search);
  const sortParam = params.get('sort');
  const sort = (SORTS as readonly string[]).includes(sortParam ?? '')
    ? (sortParam as (typeof SORTS)[number])
    : 'messages';
  const order =
    params.get('order') === 'asc'
      ? 'asc'
      : params.get('order') === 'desc'
        ? 'desc'
        : sort === 'sender'
          ? 'asc'
          : 'desc';
  const cursor = params.get('cursor') ?? undefined;
  const base = useMemo(() => apiQuery(filters, span), [filters, span]);
  const q = useMemo(() => ({ ...base, sort, order, limit: LIMIT, cursor }), [base, sort, order, cursor]);
  const list = useLoad(JSON.stringify(q), (signal) => api.get<Page<SenderItem>>('/api/rollup/senders', q, signal));
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const analyst = hasRole(user, 'analyst');
  const ruleDomain = filters.domain ?? '*';

  const mark = async (s: SenderItem, verdict: 'approved' | 'not_ours' | null): Promise<void> => {
    setBusy(s.key);
    setActionError(null);
    const path = `/api/domains/${encodeURIComponent(ruleDomain)}/senders`;
    try {
      if (verdict === null) {
        await api.delete(`${path}?kind=service&value=${encodeURIComponent(s.key)}`);
      } else {
        const rule: NewSenderRule = { kind: 'service', value: s.key, verdict };
        await api.request('PUT', path, rule);
      }
      list.reload();
    } catch (e) {
      setActionError(`${s.sender}: ${describeError(e)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <PageHeader title="Senders">
        <ExportMenu query={base} choices={[{ kind: 'senders', label: 'Senders' }]} />
        <p class="field-hint">
          Who sends mail as {filters.domain ?? 'your domains'}: known services, groups of unknown sources (by reverse
          DNS domain, else network), and your own servers.
          {analyst
            ? ` Approve or mark as not ours ${filters.domain ? `for ${filters.domain}` : 'for every domain'}.`
            : ''}
        </p>
      </PageHeader>
      <ActionError message={actionError} />
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {!list.data ? (
        list.state === 'loading' ? (
          <Loading what="Loading senders" />
        ) : null
      ) : list.data.total === 0 ? (
        <Empty title="No senders match these filters">
          <p>Try a longer period or fewer filters.</p>
        </Empty>
      ) : (
        <>
          <div class="table-wrap">
            <table class="data senders" aria-busy={list.state === 'loading'}>
              <caption class="sr-only">Senders</caption>
              <thead>
                <tr>
                  <SortHeader label="Sender" field="sender" sort={sort} order={order} defaultOrder="asc" />
                  <th scope="col">Type</th>
                  <SortHeader label="Messages" field="messages" sort={sort} order={order} numeric />
                  <SortHeader label="Pass rate" field="complianceRate" sort={sort} order={order} numeric />
                  <th scope="col" class="num">
                    DKIM aligned
                  </th>
                  <th scope="col" class="num">
                    SPF aligned
                  </th>
                  <SortHeader label="What fails" field="dmarcFail" sort={sort} order={order} />
                  <SortHeader label="Sources" field="sources" sort={sort} order={order} numeric />
                  <th scope="col" class="num">
                    Countries
                  </th>
                  <th scope="col">Status</th>
                  {analyst ? (
                    <th scope="col" title={filters.domain ? `for ${filters.domain}` : 'for every domain'}>
                      Mark
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((s) => (
                  <Fragment key={s.key}>
                    <tr data-sender={s.key}>
                      <td class="sender-name">
                        <button
                          type="button"
                          class="link expand"
                          aria-expanded={open === s.key}
                          onClick={() => setOpen(open === s.key ? null : s.key)}
                        >
                          {open === s.key ? '▾' : '▸'} {s.sender}
                        </button>
                        {s.confidence ? (
                          <span class="muted small">
                            <br />
                            {s.confidence} confidence
                          </span>
                        ) : null}
                      </td>
                      <td class="sender-type">{typeLabel(s.type)}</td>
                      <td class="num">
                        <Link
                          href={`/${withParams(loc.search, { sender: s.key, sort: null, order: null, cursor: null })}`}
                        >
                          {formatNumber(s.messages)}
                        </Link>
                      </td>
                      <td class="num">{formatPercent(s.complianceRate)}</td>
                      <td class="num">{formatPercent(s.messages ? s.dkimAlignedPass / s.messages : null)}</td>
                      <td class="num">{formatPercent(s.messages ? s.spfAlignedPass / s.messages : null)}</td>
                      <td class="what-fails">
                        <WhatFails s={s} />
                      </td>
                      <td class="num">{formatNumber(s.sources)}</td>
                      <td class="num">{formatNumber(s.countries)}</td>
                      <td>
                        <VerdictBadge s={s} />
                      </td>
                      {analyst ? (
                        <td class="nowrap">
                          {canMark(s) ? (
                            <>
                              <button
                                type="button"
                                class="secondary small"
                                disabled={busy === s.key || s.verdict === 'approved'}
                                onClick={() => void mark(s, 'approved')}
                              >
                                Approve
                              </button>{' '}
                              <button
                                type="button"
                                class="secondary small"
                                disabled={busy === s.key || s.verdict === 'not_ours'}
                                onClick={() => void mark(s, 'not_ours')}
                              >
                                Not ours
                              </button>
                              {s.verdict === 'approved' || s.verdict === 'not_ours' ? (
                                <>
                                  {' '}
                                  <button
                                    type="button"
                                    class="link small"
                                    disabled={busy === s.key}
                                    onClick={() => void mark(s, null)}
                                  >
                                    Clear
                                  </button>
                                </>
                              ) : null}
                            </>
                          ) : (
                            <span class="muted">—</span>
                          )}
                        </td>
                      ) : null}
                    </tr>
                    {open === s.key ? (
                      <tr class="expanded">
                        <td colSpan={analyst ? 11 : 10}>
                          <SenderSources s={s} base={base} domain={filters.domain} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
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
        </>
      )}
    </>
  );
}
