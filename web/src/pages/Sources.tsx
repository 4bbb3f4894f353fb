// Sources explorer: per source IP volume, pass rate, aligned DKIM/SPF, reporters, first/last seen; a source
// (or a network in CIDR notation) opens its figures and records.
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useApp, useLoad } from '../context';
import { RecordsTable } from '../components/RecordsTable';
import { ExportMenu } from '../components/ExportMenu';
import { Badge, Breakable, ErrorBox, Empty, Loading, PageHeader, Pager, SortHeader } from '../components/ui';
import { apiQuery, withParams, type DateSpan, type Filters } from '../lib/filters';
import { formatDate, formatNumber, formatPercent } from '../lib/format';
import type { Page, RecordItem, SourceItem, Summary } from '../lib/types';
import { parseSourceSearch } from '../lib/ip';
import { ApiError, describeError } from '../lib/problem';
import { Link, navigate, useLocation } from '../router';

/** What the search box takes, said wherever it matters. */
const SEARCH_ACCEPTS =
  'An address (192.0.2.1, 2001:db8::1) or a network in CIDR notation (192.0.2.0/24, 2001:db8::/32).';

const SORTS = ['messages', 'dmarcFail', 'dmarcPass', 'complianceRate', 'lastSeen', 'sourceIp'] as const;
const LIMIT = 50;

function SourceDetail({
  ip,
  filters,
  span,
}: {
  ip: string;
  filters: Filters;
  span: DateSpan | undefined;
}): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const params = new URLSearchParams(loc.search);
  const cursor = params.get('cursor') ?? undefined;
  // A link or a typed URL may hold anything: only an address or a network is asked for.
  const parsed = parseSourceSearch(ip);
  const valid = parsed.ok ? parsed.value : null;
  const base = useMemo(() => ({ ...apiQuery(filters, span), source_ip: valid ?? '' }), [filters, span, valid]);
  const key = valid === null ? null : JSON.stringify(base);
  const summary = useLoad(key, (s) => api.get<Summary>('/api/rollup/summary', base, s));
  const src = useLoad(key, (s) => api.get<Page<SourceItem>>('/api/rollup/sources', { ...base, limit: 5 }, s));
  const rq = { ...base, limit: LIMIT, cursor };
  const records = useLoad(valid === null ? null : JSON.stringify(rq), (s) =>
    api.get<Page<RecordItem>>('/api/records', rq, s),
  );
  const one = src.data?.items.length === 1 ? src.data.items[0] : undefined;
  const back = `/sources${withParams(loc.search, { ip: null, cursor: null, page: null })}`;
  if (!parsed.ok) {
    return (
      <>
        <PageHeader title="Source search">
          <Link href={back}>← All sources</Link>
        </PageHeader>
        <div class="state error" role="alert" data-testid="source-search-error">
          <p>{parsed.reason}</p>
          <p>{SEARCH_ACCEPTS}</p>
        </div>
      </>
    );
  }
  // The three answers fail together when the server refuses the query (400): one message, and no retry
  // button for a request that cannot succeed.
  const failed = [summary, records, src].find((x) => x.state === 'error');
  const refused =
    failed?.state === 'error' && failed.error instanceof ApiError && failed.error.status === 400 ? failed.error : null;
  if (refused) {
    return (
      <>
        <PageHeader title={`Source ${ip}`}>
          <Link href={back}>← All sources</Link>
        </PageHeader>
        <div class="state error" role="alert" data-testid="source-search-error">
          <p>The server did not accept this request: {describeError(refused)}</p>
          {refused.problem.errors?.some((e) => e.field === 'source_ip') ? <p>{SEARCH_ACCEPTS}</p> : null}
        </div>
      </>
    );
  }
  return (
    <>
      <PageHeader title={`Source ${ip}`}>
        <Link href={back}>← All sources</Link>
        {valid && !valid.includes('/') ? (
          <>
            {' · '}
            <Link href={`/sources/${valid}`}>Who is it?</Link>
          </>
        ) : null}
      </PageHeader>
      {summary.state === 'error' ? <ErrorBox error={summary.error} retry={summary.reload} /> : null}
      {summary.data ? (
        <section class="card detail">
          <h2>Figures for the period</h2>
          <dl class="kv">
            <div>
              <dt>Messages</dt>
              <dd>{formatNumber(summary.data.messages)}</dd>
            </div>
            <div>
              <dt>DMARC pass</dt>
              <dd>
                {formatNumber(summary.data.dmarcPass)} ({formatPercent(summary.data.complianceRate)})
              </dd>
            </div>
            <div>
              <dt>DKIM aligned</dt>
              <dd>{formatNumber(summary.data.dkimAlignedPass)}</dd>
            </div>
            <div>
              <dt>SPF aligned</dt>
              <dd>{formatNumber(summary.data.spfAlignedPass)}</dd>
            </div>
            <div>
              <dt>Reports</dt>
              <dd>
                <Link href={`/reports${withParams(loc.search, { ip: null, source_ip: ip, cursor: null, page: null })}`}>
                  {formatNumber(summary.data.reports)}
                </Link>
              </dd>
            </div>
            {one ? (
              <>
                <div>
                  <dt>Reported by</dt>
                  <dd>{one.reporters.join(', ')}</dd>
                </div>
                <div>
                  <dt>Domains</dt>
                  <dd>{one.domains.join(', ')}</dd>
                </div>
                <div>
                  <dt>First / last seen</dt>
                  <dd>
                    {formatDate(one.firstSeen)} / {formatDate(one.lastSeen)}
                  </dd>
                </div>
              </>
            ) : null}
          </dl>
        </section>
      ) : summary.state === 'loading' ? (
        <Loading what="Loading the source" />
      ) : null}
      <section class="card detail">
        <h2>Records</h2>
        {records.state === 'error' && summary.state !== 'error' ? (
          <ErrorBox error={records.error} retry={records.reload} />
        ) : null}
        {!records.data ? (
          records.state === 'loading' ? (
            <Loading what="Loading records" />
          ) : null
        ) : records.data.total === 0 ? (
          <p>No records from this source match the filters.</p>
        ) : (
          <>
            {/* one address: every row's would be the same; a network: which address sent it */}
            <RecordsTable records={records.data.items} showReport showSource={ip.includes('/')} />
            <Pager
              total={records.data.total}
              shown={records.data.items.length}
              nextCursor={records.data.nextCursor}
              limit={LIMIT}
            />
          </>
        )}
      </section>
    </>
  );
}

export function Sources({ filters, span }: { filters: Filters; span: DateSpan | undefined }): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const params = new URLSearchParams(loc.search);
  const ip = params.get('ip');
  const [search, setSearch] = useState('');
  const [searchError, setSearchError] = useState<string | null>(null);
  const sortParam = params.get('sort');
  const sort = (SORTS as readonly string[]).includes(sortParam ?? '')
    ? (sortParam as (typeof SORTS)[number])
    : 'messages';
  const order =
    params.get('order') === 'asc'
      ? 'asc'
      : params.get('order') === 'desc'
        ? 'desc'
        : sort === 'sourceIp'
          ? 'asc'
          : 'desc';
  const cursor = params.get('cursor') ?? undefined;
  const q = useMemo(
    () => ({ ...apiQuery(filters, span), sort, order, limit: LIMIT, cursor }),
    [filters, span, sort, order, cursor],
  );
  const list = useLoad(ip ? null : JSON.stringify(q), (signal) =>
    api.get<Page<SourceItem>>('/api/rollup/sources', q, signal),
  );

  if (ip) return <SourceDetail ip={ip} filters={filters} span={span} />;

  return (
    <>
      <PageHeader title="Sources">
        <ExportMenu query={apiQuery(filters, span)} choices={[{ kind: 'sources', label: 'Sources' }]} />
        <form
          class="source-search"
          role="search"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            // checked here, as the server checks it: a name gets an answer in words, not failed requests
            const p = parseSourceSearch(search);
            if (!p.ok) {
              setSearchError(p.reason);
              return;
            }
            setSearchError(null);
            navigate(`/sources${withParams(loc.search, { ip: p.value, cursor: null, page: null })}`);
          }}
        >
          <div class="inline-form">
            <label for="ip-search">IP address or network</label>
            <input
              id="ip-search"
              type="search"
              placeholder="192.0.2.1 or 192.0.2.0/24"
              value={search}
              aria-invalid={searchError ? true : undefined}
              aria-describedby={searchError ? 'ip-search-hint ip-search-error' : 'ip-search-hint'}
              onInput={(e) => {
                setSearch(e.currentTarget.value);
                if (searchError) setSearchError(null);
              }}
            />
            <button type="submit">Show</button>
          </div>
          <p id="ip-search-hint" class="field-hint">
            {SEARCH_ACCEPTS}
          </p>
          {searchError ? (
            <p id="ip-search-error" class="field-error" role="alert">
              {searchError}
            </p>
          ) : null}
        </form>
      </PageHeader>
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {!list.data ? (
        list.state === 'loading' ? (
          <Loading what="Loading sources" />
        ) : null
      ) : list.data.total === 0 ? (
        <Empty title="No sources match these filters">
          <p>Try a longer period or fewer filters.</p>
        </Empty>
      ) : (
        <>
          <div class="table-wrap">
            <table class="data sources" aria-busy={list.state === 'loading'}>
              <caption class="sr-only">Source IPs</caption>
              <thead>
                <tr>
                  <SortHeader label="Source IP" field="sourceIp" sort={sort} order={order} defaultOrder="asc" />
                  <SortHeader label="Messages" field="messages" sort={sort} order={order} numeric />
                  <SortHeader label="Pass rate" field="complianceRate" sort={sort} order={order} numeric />
                  <SortHeader label="DMARC fail" field="dmarcFail" sort={sort} order={order} numeric />
                  <th scope="col" class="num">
                    DKIM aligned
                  </th>
                  <th scope="col" class="num">
                    SPF aligned
                  </th>
                  <th scope="col">Sender</th>
                  <th scope="col">Country and AS</th>
                  <th scope="col">Reporters</th>
                  <th scope="col">Domains</th>
                  <SortHeader label="Seen (first – last)" field="lastSeen" sort={sort} order={order} />
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((s) => (
                  <tr key={s.sourceIp ?? 'none'}>
                    <td class="mono ip">
                      {s.sourceIp ? (
                        <>
                          <Link href={`/sources/${s.sourceIp}`}>
                            <Breakable text={s.sourceIp} after=":" />
                          </Link>
                          {s.anomaly ? (
                            <>
                              {' '}
                              <Link
                                href="/anomalies"
                                class="anomaly-mark"
                                title={`Anomalous on ${formatDate(s.anomaly.day)}: score ${s.anomaly.score.toFixed(2)}`}
                              >
                                <Badge tone="fail">anomalous</Badge>
                              </Link>
                            </>
                          ) : null}
                        </>
                      ) : (
                        '(no source IP)'
                      )}
                    </td>
                    <td class="num">{formatNumber(s.messages)}</td>
                    <td class="num">{formatPercent(s.complianceRate)}</td>
                    <td class="num">{formatNumber(s.dmarcFail)}</td>
                    <td class="num">{formatNumber(s.dkimAlignedPass)}</td>
                    <td class="num">{formatNumber(s.spfAlignedPass)}</td>
                    <td>
                      <Link
                        href={`/senders${withParams(loc.search, { sender: s.senderKey, cursor: null, page: null })}`}
                      >
                        {s.sender}
                      </Link>
                      {s.ptr ? (
                        <span class="muted small">
                          <br />
                          <Breakable text={s.ptr} after="." />
                        </span>
                      ) : null}
                    </td>
                    {/* one cell for where it is: the table fits 1,280 px without scrolling */}
                    <td class="source-network">
                      {s.country ?? <span class="muted">—</span>}
                      {s.asn !== null ? (
                        <span class="muted small">
                          <br />
                          AS{s.asn}
                          {s.asOrg ? ` ${s.asOrg}` : ''}
                        </span>
                      ) : null}
                    </td>
                    <td class="source-list">{s.reporters.join(', ')}</td>
                    <td class="source-list">{s.domains.join(', ')}</td>
                    <td class="nowrap">
                      {formatDate(s.firstSeen)}
                      <br />
                      {formatDate(s.lastSeen)}
                    </td>
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
        </>
      )}
    </>
  );
}
