// One source address: where it is and who it is (country, city with a city database, AS, reverse DNS and its
// forward confirmation), the sender identified from all of its evidence and why, its sender per domain after the
// organisation's rules, and what it sent, in total and per day (a table, like every figure).
import type { JSX } from 'preact';
import { useApp, useLoad } from '../context';
import { RecordsTable } from '../components/RecordsTable';
import { Badge, Breakable, ErrorBox, Loading, PageHeader, Pager } from '../components/ui';
import { formatDate, formatNumber, formatPercent, networkText, placeText } from '../lib/format';
import { ApiError } from '../lib/problem';
import type { FailureReportItem, Page, RecordItem, SourceDetail } from '../lib/types';
import { Link, useLocation } from '../router';
import { failuresOfIpHref } from './FailureReports';
import { typeLabel } from './Senders';

interface EvidenceItem {
  label?: string;
  supports?: boolean;
}

function Row({ label, children }: { label: string; children: JSX.Element | string | null }): JSX.Element {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children ?? <span class="muted">—</span>}</dd>
    </div>
  );
}

const LIMIT = 50;

/** Its records, newest report first, page by page. */
function SourceRecords({ ip }: { ip: string }): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const cursor = new URLSearchParams(loc.search).get('cursor') ?? undefined;
  const q = { source_ip: ip, period: 'all', limit: LIMIT, cursor };
  const records = useLoad(JSON.stringify(q), (signal) => api.get<Page<RecordItem>>('/api/records', q, signal));
  return (
    <section class="card detail" aria-labelledby="src-records">
      <h2 id="src-records">Records</h2>
      {records.state === 'error' ? <ErrorBox error={records.error} retry={records.reload} /> : null}
      {!records.data ? (
        records.state === 'loading' ? (
          <Loading what="Loading records" />
        ) : null
      ) : (
        <>
          <RecordsTable records={records.data.items} showReport showSource={false} />
          <Pager
            total={records.data.total}
            shown={records.data.items.length}
            nextCursor={records.data.nextCursor}
            limit={LIMIT}
          />
        </>
      )}
    </section>
  );
}

/** How many failure reports (RFC 6591) name this address as their source, and the way to them. */
function SourceFailures({ ip }: { ip: string }): JSX.Element | null {
  const { api } = useApp();
  const q = { source_ip: ip, limit: 1 };
  const r = useLoad(`source-failures:${ip}`, (signal) => api.get<Page<FailureReportItem>>('/api/failures', q, signal));
  if (!r.data) return null;
  const n = r.data.total;
  return (
    <p data-testid="source-failures">
      {n === 0 ? (
        'No failure report names this address as its source.'
      ) : (
        <Link href={failuresOfIpHref(ip)}>
          {n === 1 ? '1 failure report' : `${formatNumber(n)} failure reports`} of messages from this address
        </Link>
      )}
    </p>
  );
}

export function SourcePage({ ip }: { ip: string }): JSX.Element {
  const { api } = useApp();
  const d = useLoad(ip, (signal) => api.get<SourceDetail>(`/api/sources/${encodeURIComponent(ip)}`, {}, signal));
  const header = (
    <PageHeader title={`Source ${ip}`}>
      <Link href="/sources">← All sources</Link>
    </PageHeader>
  );
  if (d.state === 'error') {
    const gone = d.error instanceof ApiError && (d.error.status === 404 || d.error.status === 400);
    return (
      <>
        {header}
        {gone ? (
          <div class="state error" role="alert" data-testid="source-missing">
            <p>
              {d.error instanceof ApiError && d.error.status === 404
                ? `${ip} never sent mail in this organisation's reports.`
                : `${ip} is not an IP address.`}
            </p>
          </div>
        ) : null}
        {gone && d.error instanceof ApiError && d.error.status === 404 ? <SourceFailures ip={ip} /> : null}
        {gone ? null : <ErrorBox error={d.error} retry={d.reload} />}
      </>
    );
  }
  if (!d.data)
    return (
      <>
        {header}
        <Loading what="Loading the source" />
      </>
    );
  const s = d.data;
  const e = s.enrichment;
  const id = s.identification;
  return (
    <>
      {header}
      <section class="card detail" aria-labelledby="src-who">
        <h2 id="src-who">Who and where</h2>
        <dl class="kv">
          <Row label="Sender">
            {id ? (
              <>
                <strong>{id.sender}</strong> · {typeLabel(id.type)}
                {id.confidence ? ` · ${id.confidence} confidence` : ''}
              </>
            ) : (
              'not identified yet'
            )}
          </Row>
          <Row label="Location">{placeText(e)}</Row>
          <Row label="Network">{networkText(e)}</Row>
          <Row label="Reverse DNS">
            {e?.ptr ? (
              <>
                <Breakable text={e.ptr} after="." />{' '}
                {e.fcrdns === true ? (
                  <Badge tone="pass">forward-confirmed</Badge>
                ) : e.fcrdns === false ? (
                  <Badge tone="warn">not forward-confirmed</Badge>
                ) : null}
              </>
            ) : e ? (
              `none (${e.dnsStatus})`
            ) : null}
          </Row>
          <Row label="PTR base domain">{e?.baseDomain ?? null}</Row>
          <Row label="Looked up">{e ? formatDate(e.lookedUpAt.slice(0, 10)) : 'not yet'}</Row>
        </dl>
        {id ? (
          <>
            <p>{id.reason}</p>
            {id.evidence.length > 0 ? (
              <ul class="evidence">
                {(id.evidence as EvidenceItem[]).map((x, i) => (
                  <li key={i} class={x.supports ? undefined : 'muted'}>
                    {x.label ?? ''}
                    {x.supports ? '' : ' (does not count for it)'}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : null}
      </section>
      <section class="card detail" aria-labelledby="src-figures">
        <h2 id="src-figures">What it sent (all time)</h2>
        <dl class="kv">
          <Row label="Messages">{formatNumber(s.totals.messages)}</Row>
          <Row label="DMARC pass">{`${formatNumber(s.totals.dmarcPass)} (${formatPercent(s.totals.complianceRate)})`}</Row>
          <Row label="DKIM aligned">{formatNumber(s.totals.dkimAlignedPass)}</Row>
          <Row label="SPF aligned">{formatNumber(s.totals.spfAlignedPass)}</Row>
          <Row label="Domains">{s.totals.domains.join(', ')}</Row>
          <Row label="Reported by">{s.totals.reporters.join(', ')}</Row>
          <Row label="First / last seen">{`${formatDate(s.totals.firstSeen)} / ${formatDate(s.totals.lastSeen)}`}</Row>
        </dl>
        <p>
          <Link href={`/sources?ip=${encodeURIComponent(s.ip)}`}>Its figures and records for the filters</Link>
        </p>
        <SourceFailures ip={s.ip} />
      </section>
      <section class="card detail" aria-labelledby="src-domains">
        <h2 id="src-domains">Sender per domain</h2>
        <div class="table-wrap">
          <table class="data compact">
            <caption class="sr-only">The sender of its mail per domain, after your rules</caption>
            <thead>
              <tr>
                <th scope="col">Domain</th>
                <th scope="col">Sender</th>
                <th scope="col">Your word on it</th>
              </tr>
            </thead>
            <tbody>
              {s.senders.map((x) => (
                <tr key={x.domain}>
                  <td>{x.domain}</td>
                  <td>{x.sender}</td>
                  <td>
                    {x.verdict === 'approved' ? (
                      <Badge tone="pass">approved</Badge>
                    ) : x.verdict === 'own' ? (
                      <Badge tone="pass">ours</Badge>
                    ) : x.verdict === 'not_ours' ? (
                      <Badge tone="fail">not ours</Badge>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="card detail" aria-labelledby="src-days">
        <h2 id="src-days">Per day</h2>
        <div class="table-wrap">
          <table class="data compact">
            <caption class="sr-only">Messages per report day</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" class="num">
                  Messages
                </th>
                <th scope="col" class="num">
                  DMARC pass
                </th>
                <th scope="col" class="num">
                  DMARC fail
                </th>
              </tr>
            </thead>
            <tbody>
              {s.days.map((x) => (
                <tr key={x.date ?? 'none'}>
                  <td class="nowrap">{x.date ? formatDate(x.date) : 'no period'}</td>
                  <td class="num">{formatNumber(x.messages)}</td>
                  <td class="num">{formatNumber(x.dmarcPass)}</td>
                  <td class="num">{formatNumber(x.dmarcFail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <SourceRecords ip={s.ip} />
    </>
  );
}
