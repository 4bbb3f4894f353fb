// SMTP TLS reports (RFC 8460): per policy domain the sessions and what failed (/api/tls/summary), the failed
// sessions by result type over time (a chart with its table), the list of reports (paged, filtered as the API
// takes it), and one report's policies, MX hosts and failure details.
import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { Chart, renderTooltip } from '../charts/Chart';
import { tlsFailureSeries, tlsFailuresOption, tlsFailuresTable } from '../charts/tls';
import { ReportFilters, readFilterParams, type FilterField } from '../components/ReportFilters';
import { ReportTabs } from '../components/ReportTabs';
import { Badge, Breakable, Empty, ErrorBox, Loading, PageHeader, Pager } from '../components/ui';
import { useApp, useLoad } from '../context';
import { withParams } from '../lib/filters';
import { formatDate, formatDateTime, formatNumber, formatPercent, plural } from '../lib/format';
import type { Page, TlsDomainSummary, TlsPolicy, TlsReportDetail, TlsReportItem, TlsSummary } from '../lib/types';
import { Link, useLocation } from '../router';

const LIMIT = 50;
const FILTER_KEYS = ['domain', 'org', 'result_type', 'from', 'to'] as const;

/** RFC 8460 §4.3 result types, for the filter. */
const RESULT_TYPES = [
  'starttls-not-supported',
  'certificate-host-mismatch',
  'certificate-expired',
  'certificate-not-trusted',
  'validation-failure',
  'tlsa-invalid',
  'dnssec-invalid',
  'dane-required',
  'sts-policy-fetch-error',
  'sts-policy-invalid',
  'sts-webpki-invalid',
];

/** What these reports are and how they arrive: the page's lead, and what an empty page says. */
function About(): JSX.Element {
  return (
    <p class="intro" data-testid="tls-about">
      SMTP TLS reports (RFC 8460) tell how many SMTP sessions to your MX hosts were secured with TLS and why others
      failed. Sending servers mail them daily to the address in the <code>rua=</code> tag of your TLSRPT record (TXT at{' '}
      <code>_smtp._tls.&lt;domain&gt;</code>, e.g. <code>v=TLSRPTv1; rua=mailto:tls-reports@example.com</code>); they
      come in like aggregate reports: uploaded, imported with <code>dmarc import</code>, or read from the mailbox.
    </p>
  );
}

function DomainSummaries({ domains }: { domains: TlsDomainSummary[] }): JSX.Element {
  const loc = useLocation();
  return (
    <section class="card detail" aria-labelledby="tls-domains">
      <h2 id="tls-domains">Per policy domain</h2>
      <div class="table-wrap">
        <table class="data tls-domains">
          <caption class="sr-only">SMTP TLS sessions per policy domain</caption>
          <thead>
            <tr>
              <th scope="col">Policy domain</th>
              <th scope="col" class="num">
                Reports
              </th>
              <th scope="col" class="num">
                Sessions
              </th>
              <th scope="col" class="num">
                Successful
              </th>
              <th scope="col" class="num">
                Failed
              </th>
              <th scope="col" class="num">
                Failure share
              </th>
              <th scope="col">Failed sessions by result type</th>
            </tr>
          </thead>
          <tbody>
            {domains.map((d) => (
              <tr key={d.domain} data-domain={d.domain}>
                <th scope="row">
                  <Link
                    href={`${loc.pathname}${withParams(loc.search, { domain: d.domain, cursor: null, page: null })}`}
                  >
                    <Breakable text={d.domain} after="." />
                  </Link>
                </th>
                <td class="num">{formatNumber(d.reports)}</td>
                <td class="num" data-field="sessions">
                  {formatNumber(d.sessions)}
                </td>
                <td class="num" data-field="successful">
                  {formatNumber(d.successfulSessions)}
                </td>
                <td class="num" data-field="failed">
                  {formatNumber(d.failedSessions)}
                </td>
                <td class="num" data-field="share">
                  {formatPercent(d.failureShare)}
                </td>
                <td>
                  {d.byResultType.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    <ul class="plain">
                      {d.byResultType.map((r) => (
                        <li key={r.resultType}>
                          <span class="mono">{r.resultType}</span>: {formatNumber(r.failedSessions)}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function FailuresChart({ summary }: { summary: TlsSummary }): JSX.Element {
  const series = useMemo(() => tlsFailureSeries(summary.series), [summary]);
  const option = useMemo(() => tlsFailuresOption(series, renderTooltip), [series]);
  const table = useMemo(() => tlsFailuresTable(series), [series]);
  return (
    <section class="charts tls-charts" aria-label="Charts">
      <Chart
        id="tls-failures"
        wide
        title="Failed sessions by result type"
        description="Failed SMTP TLS sessions per day of the report period's start, stacked by the result type the reporters gave."
        option={option}
        empty={series.days.length === 0 ? 'No failed sessions in these reports.' : null}
        table={table}
      />
    </section>
  );
}

export function TlsReports(): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const filters = readFilterParams(loc.search, FILTER_KEYS);
  const cursor = new URLSearchParams(loc.search).get('cursor') ?? undefined;
  const fkey = JSON.stringify(filters);
  const summary = useLoad(`tls-summary:${fkey}`, (signal) => api.get<TlsSummary>('/api/tls/summary', filters, signal));
  // every domain with reports, for the domain filter's suggestions (and whether there are any reports at all)
  const everything = useLoad('tls-summary:all', (signal) => api.get<TlsSummary>('/api/tls/summary', {}, signal));
  const q = useMemo(() => ({ ...filters, limit: LIMIT, cursor }), [fkey, cursor]);
  const list = useLoad(JSON.stringify(q), (signal) => api.get<Page<TlsReportItem>>('/api/tls/reports', q, signal));
  const domains = everything.data?.domains.map((d) => d.domain) ?? [];
  const none = everything.data !== undefined && everything.data.domains.length === 0;
  const fields: FilterField[] = [
    { key: 'domain', label: 'Policy domain', placeholder: 'example.com', suggestions: domains },
    { key: 'org', label: 'Reporter', placeholder: 'Google Inc.' },
    {
      key: 'result_type',
      label: 'Result type',
      options: RESULT_TYPES.map((r) => ({ value: r, label: r })),
    },
  ];

  return (
    <>
      <PageHeader title="SMTP TLS reports" />
      <ReportTabs current="tls" />
      <About />
      {none ? (
        <Empty title="No SMTP TLS reports yet">
          <p>
            Publish a TLSRPT record with a <code>rua=</code> address this installation reads (or upload the reports you
            received), and the sessions to your MX hosts show here.
          </p>
        </Empty>
      ) : (
        <>
          <ReportFilters id="tls" fields={fields} dayLabel="report period start" />
          {summary.state === 'error' ? <ErrorBox error={summary.error} retry={summary.reload} /> : null}
          {!summary.data ? (
            summary.state === 'loading' ? (
              <Loading what="Loading the summary" />
            ) : null
          ) : summary.data.domains.length === 0 ? null : (
            <>
              <DomainSummaries domains={summary.data.domains} />
              <FailuresChart summary={summary.data} />
            </>
          )}
          {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
          {!list.data ? (
            list.state === 'loading' ? (
              <Loading what="Loading reports" />
            ) : null
          ) : list.data.total === 0 ? (
            <Empty title="No SMTP TLS reports match these filters">
              <p>Try a longer period or fewer filters.</p>
            </Empty>
          ) : (
            <section class="card detail" aria-labelledby="tls-list">
              <h2 id="tls-list">Reports ({formatNumber(list.data.total)})</h2>
              <div class="table-wrap">
                <table class="data tls-reports" aria-busy={list.state === 'loading'}>
                  <caption class="sr-only">SMTP TLS reports, newest period first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Period start</th>
                      <th scope="col">Reporter</th>
                      <th scope="col">Policy domain</th>
                      <th scope="col">Report ID</th>
                      <th scope="col" class="num">
                        Successful
                      </th>
                      <th scope="col" class="num">
                        Failed
                      </th>
                      <th scope="col" class="num">
                        Failure share
                      </th>
                      <th scope="col">Result types</th>
                      <th scope="col">Received</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.items.map((r) => (
                      <tr key={r.id} data-report={r.id}>
                        <td class="nowrap">{formatDate(r.date)}</td>
                        <td>{r.organizationName}</td>
                        <td>
                          <Breakable text={r.domain} after="." />
                        </td>
                        <td class="mono report-id">
                          <Link href={`/reports/tls/${r.id}${loc.search}`}>{r.reportId}</Link>
                        </td>
                        <td class="num">{formatNumber(r.successfulSessions)}</td>
                        <td class="num">{formatNumber(r.failedSessions)}</td>
                        <td class="num">{formatPercent(r.failureShare)}</td>
                        <td>
                          {r.resultTypes.length === 0 ? (
                            <span class="muted">—</span>
                          ) : (
                            <ul class="plain mono">
                              {r.resultTypes.map((t) => (
                                <li key={t} class="result-type">
                                  {t}
                                </li>
                              ))}
                            </ul>
                          )}
                        </td>
                        <td class="nowrap">{formatDateTime(r.receivedAt)}</td>
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
      )}
    </>
  );
}

function PolicyCard({ p, n }: { p: TlsPolicy; n: number }): JSX.Element {
  const sessions = p.successfulSessions + p.failedSessions;
  return (
    <section class="card detail" aria-labelledby={`policy-${n}`} data-testid="tls-policy">
      <h2 id={`policy-${n}`}>
        Policy {n}: <span class="mono">{p.policyType}</span>
        {p.policyDomain ? <> for {p.policyDomain}</> : null}
      </h2>
      <dl class="kv">
        <div>
          <dt>Sessions</dt>
          <dd>
            {formatNumber(p.successfulSessions)} successful, {formatNumber(p.failedSessions)} failed (
            {formatPercent(sessions > 0 ? p.failedSessions / sessions : null)} failed)
          </dd>
        </div>
        <div>
          <dt>MX hosts</dt>
          <dd>
            {p.mxHost.length === 0 ? (
              <span class="muted">none given</span>
            ) : (
              <ul class="plain mono">
                {p.mxHost.map((h) => (
                  <li key={h}>{h}</li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <div>
          <dt>Policy</dt>
          <dd>
            {p.policyString.length === 0 ? (
              <span class="muted">none given</span>
            ) : (
              <pre class="policy-string">{p.policyString.join('\n')}</pre>
            )}
          </dd>
        </div>
      </dl>
      <h3>Failure details ({formatNumber(p.failureDetails.length)})</h3>
      {p.failureDetails.length === 0 ? (
        <p>No failure details.</p>
      ) : (
        <div class="table-wrap">
          <table class="data compact tls-failures">
            <caption class="sr-only">Failure details of policy {n}</caption>
            <thead>
              <tr>
                <th scope="col">Result type</th>
                <th scope="col" class="num">
                  Failed sessions
                </th>
                <th scope="col">Sending MTA</th>
                <th scope="col">Receiving MX</th>
                <th scope="col">Receiving IP</th>
                <th scope="col">Reason code</th>
                <th scope="col">Additional information</th>
              </tr>
            </thead>
            <tbody>
              {p.failureDetails.map((d, i) => (
                <tr key={i}>
                  <td class="mono nowrap">{d.resultType}</td>
                  <td class="num">{formatNumber(d.failedSessionCount)}</td>
                  <td class="mono ip">
                    {d.sendingMtaIp ? <Breakable text={d.sendingMtaIp} after=":" /> : <span class="muted">—</span>}
                  </td>
                  <td>
                    {d.receivingMxHostname ?? <span class="muted">—</span>}
                    {d.receivingMxHelo && d.receivingMxHelo !== d.receivingMxHostname ? (
                      <span class="muted small">
                        <br />
                        HELO {d.receivingMxHelo}
                      </span>
                    ) : null}
                  </td>
                  <td class="mono ip">
                    {d.receivingIp ? <Breakable text={d.receivingIp} after=":" /> : <span class="muted">—</span>}
                  </td>
                  <td>{d.failureReasonCode ?? <span class="muted">—</span>}</td>
                  <td class="wrap">{d.additionalInformation ?? <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function TlsReportView({ id }: { id: string }): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const r = useLoad(`tls-report:${id}`, (signal) =>
    api.get<TlsReportDetail>(`/api/tls/reports/${id}`, undefined, signal),
  );
  const back = `/reports/tls${withParams(loc.search, {})}`;
  if (r.state === 'error') {
    return (
      <>
        <PageHeader title="SMTP TLS report" />
        <ErrorBox error={r.error} />
        <p>
          <Link href={back}>Back to the SMTP TLS reports</Link>
        </p>
      </>
    );
  }
  if (!r.data) return <Loading what="Loading the report" />;
  const d = r.data;
  return (
    <>
      <PageHeader title={`SMTP TLS report from ${d.organizationName}`}>
        <Link href={back}>← All SMTP TLS reports</Link>
      </PageHeader>
      <section class="card detail" aria-labelledby="tls-summary">
        <h2 id="tls-summary">Summary</h2>
        <dl class="kv">
          <div>
            <dt>Policy domain</dt>
            <dd>{d.domain}</dd>
          </div>
          <div>
            <dt>Reporter</dt>
            <dd>
              {d.organizationName}
              {d.contactInfo ? <span class="muted"> ({d.contactInfo})</span> : null}
            </dd>
          </div>
          <div>
            <dt>Report ID</dt>
            <dd class="mono">{d.reportId}</dd>
          </div>
          <div>
            <dt>Period (UTC)</dt>
            <dd>
              {formatDateTime(d.begin)} – {formatDateTime(d.end)}
            </dd>
          </div>
          <div>
            <dt>Sessions</dt>
            <dd data-testid="tls-sessions">
              {formatNumber(d.successfulSessions)} successful, {formatNumber(d.failedSessions)} failed (
              {formatPercent(d.failureShare)} failed), in {plural(d.policies, 'policy', 'policies')}
            </dd>
          </div>
          <div>
            <dt>Received</dt>
            <dd>
              {formatDateTime(d.receivedAt)}
              {d.partName ? ` (${d.partName})` : ''}, in <Link href={`/tasks?file=${d.fileId}`}>file {d.fileId}</Link>
            </dd>
          </div>
        </dl>
        {d.warningMessages.length > 0 ? (
          <div>
            <h3>
              <Badge tone="warn">warnings</Badge> What was tolerated when it was read
            </h3>
            <ul>
              {d.warningMessages.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>
      {d.policyList.map((p, i) => (
        <PolicyCard key={i} p={p} n={i + 1} />
      ))}
    </>
  );
}
