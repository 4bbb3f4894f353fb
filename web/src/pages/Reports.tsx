// Reports list (sortable, paginated, filtered) and one report's detail: published policy and every record
// with its DKIM and SPF results.
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useApp, useLoad } from '../context';
import { RecordsTable } from '../components/RecordsTable';
import { ExportMenu } from '../components/ExportMenu';
import { ReportTabs } from '../components/ReportTabs';
import { Badge, ErrorBox, Empty, Loading, PageHeader, Pager, SortHeader } from '../components/ui';
import { apiQuery, withFilters, withParams, type DateSpan, type Filters } from '../lib/filters';
import { formatDate, formatDateTime, formatNumber, formatPercent, plural } from '../lib/format';
import type { Page, Policy, ReportDetail, ReportItem } from '../lib/types';
import { reasonLabel, reporterLabel } from '../charts/options';
import { describeError } from '../lib/problem';
import { hasRole } from '../lib/session';
import { Link, navigate, useLocation } from '../router';

const SORTS = ['begin', 'messages', 'org', 'domain', 'received'] as const;
const DISPOSITIONS = ['none', 'quarantine', 'reject', 'pass'] as const;
const LIMIT = 50;

export function Reports({ filters, span }: { filters: Filters; span: DateSpan | undefined }): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const params = new URLSearchParams(loc.search);
  const sortParam = params.get('sort');
  const sort = (SORTS as readonly string[]).includes(sortParam ?? '') ? (sortParam as (typeof SORTS)[number]) : 'begin';
  const order =
    params.get('order') === 'asc'
      ? 'asc'
      : params.get('order') === 'desc'
        ? 'desc'
        : sort === 'org' || sort === 'domain'
          ? 'asc'
          : 'desc';
  const cursor = params.get('cursor') ?? undefined;
  const dispParam = params.get('disposition');
  const disposition = (DISPOSITIONS as readonly string[]).includes(dispParam ?? '') ? dispParam! : undefined;
  const ip = params.get('source_ip') ?? undefined;
  const reason = params.get('reason') || undefined;
  const q = useMemo(
    () => ({ ...apiQuery(filters, span), sort, order, limit: LIMIT, cursor, disposition, source_ip: ip, reason }),
    [filters, span, sort, order, cursor, disposition, ip, reason],
  );
  const list = useLoad(JSON.stringify(q), (signal) => api.get<Page<ReportItem>>('/api/reports', q, signal));
  // The reports without a readable period that match the other filters: no date range holds them, so a page of a
  // date range says how many there are and leads to them, and "All time" says it holds them.
  const uq = useMemo(
    () => ({ ...apiQuery({ ...filters, range: 'none' }, undefined), limit: 1, disposition, source_ip: ip, reason }),
    [filters, disposition, ip, reason],
  );
  const undated = useLoad(filters.range === 'none' ? null : JSON.stringify(uq), (signal) =>
    api.get<Page<ReportItem>>('/api/reports', uq, signal),
  );
  const undatedCount = undated.data?.total ?? 0;
  const here = withFilters('', filters);

  return (
    <>
      <PageHeader title="Reports">
        <ExportMenu
          query={{ ...apiQuery(filters, span), disposition, source_ip: ip, reason }}
          choices={[
            { kind: 'reports', label: 'Reports' },
            { kind: 'records', label: 'Their records' },
          ]}
        />
      </PageHeader>
      <ReportTabs current="aggregate" />
      {disposition || ip || reason ? (
        <p class="active-extra">
          {disposition ? (
            <>
              Only reports with disposition <strong>{disposition}</strong>.{' '}
            </>
          ) : null}
          {ip ? (
            <>
              Only reports with records from <strong>{ip}</strong>.{' '}
            </>
          ) : null}
          {reason ? (
            <>
              Only reports with records overridden as <strong>{reasonLabel(reason)}</strong>.{' '}
            </>
          ) : null}
          <Link
            href={`${loc.pathname}${withParams(loc.search, { disposition: null, source_ip: null, reason: null, cursor: null, page: null })}`}
          >
            Show all
          </Link>
        </p>
      ) : null}
      {filters.range !== 'none' && undatedCount > 0 ? (
        <p class="active-extra" data-testid="undated-note">
          {filters.range === 'all'
            ? `${plural(undatedCount, 'report')} of these ${undatedCount === 1 ? 'has' : 'have'} no readable period (listed last by period start). `
            : `${plural(undatedCount, 'report')} without a readable period ${undatedCount === 1 ? 'is' : 'are'} in no date range. `}
          <Link
            href={`${loc.pathname}${withFilters(loc.search, { ...filters, range: 'none', from: undefined, to: undefined })}`}
          >
            Show only the reports without a period
          </Link>
        </p>
      ) : null}
      {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
      {!list.data ? (
        list.state === 'loading' ? (
          <Loading what="Loading reports" />
        ) : null
      ) : list.data.total === 0 ? (
        <Empty title="No reports match these filters">
          <p>Try a longer period or fewer filters.</p>
        </Empty>
      ) : (
        <>
          <div class="table-wrap">
            <table class="data" aria-busy={list.state === 'loading'}>
              <caption class="sr-only">
                Reports, sorted by {sort} {order === 'asc' ? 'ascending' : 'descending'}
              </caption>
              <thead>
                <tr>
                  <SortHeader label="Period start" field="begin" sort={sort} order={order} />
                  <SortHeader label="Reporter" field="org" sort={sort} order={order} defaultOrder="asc" />
                  <SortHeader label="Domain" field="domain" sort={sort} order={order} defaultOrder="asc" />
                  <th scope="col">Report ID</th>
                  <SortHeader label="Messages" field="messages" sort={sort} order={order} numeric />
                  <th scope="col" class="num">
                    Compliance
                  </th>
                  <th scope="col">Policy</th>
                  <SortHeader label="Received" field="received" sort={sort} order={order} />
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((r) => (
                  <tr key={r.id}>
                    <td class="nowrap">{r.date ? formatDate(r.date) : <span class="muted">no period</span>}</td>
                    <td title={r.reporter === r.orgName ? undefined : `The report names it “${r.orgName}”`}>
                      {r.reporter}
                    </td>
                    <td>{r.domain}</td>
                    <td class="mono report-id">
                      <Link href={`/reports/${r.id}${here}`}>{r.reportId}</Link>
                    </td>
                    <td class="num">{formatNumber(r.messages)}</td>
                    <td class="num">{formatPercent(r.complianceRate)}</td>
                    <td>{r.policy.p ? `p=${r.policy.p}` : '—'}</td>
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
        </>
      )}
    </>
  );
}

function PolicyList({ p }: { p: Policy }): JSX.Element {
  const rows: [string, string | number | null][] = [
    ['p (policy)', p.p],
    ['sp (subdomains)', p.sp],
    ['np (non-existent subdomains)', p.np],
    ['pct', p.pct],
    ['adkim (DKIM alignment)', p.adkim === 's' ? 's (strict)' : p.adkim === 'r' ? 'r (relaxed)' : p.adkim],
    ['aspf (SPF alignment)', p.aspf === 's' ? 's (strict)' : p.aspf === 'r' ? 'r (relaxed)' : p.aspf],
    ['fo (failure reporting)', p.fo],
    ['testing', p.testing],
    ['discovery method', p.discoveryMethod],
  ];
  return (
    <dl class="kv">
      {rows
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{String(v)}</dd>
          </div>
        ))}
    </dl>
  );
}

export function ReportView({ id }: { id: string }): JSX.Element {
  const { api, user } = useApp();
  const [notice, setNotice] = useState<string | null>(null);
  const loc = useLocation();
  const r = useLoad(id, (signal) => api.get<ReportDetail>(`/api/reports/${id}`, undefined, signal));
  const back = `/reports${loc.search}`;
  if (r.state === 'error') {
    return (
      <>
        <PageHeader title="Report" />
        <ErrorBox error={r.error} retry={r.reload} />
        <p>
          <Link href={back}>Back to the reports</Link>
        </p>
      </>
    );
  }
  if (!r.data) return <Loading what="Loading the report" />;
  const d = r.data;
  // Imported by mistake: its messages leave every figure; the file it came from stays.
  const remove = async (): Promise<void> => {
    const q = `Delete this report from ${d.reporter} (${formatNumber(d.messages)} messages)? This cannot be undone.`;
    if (!window.confirm(q)) return;
    try {
      await api.delete(`/api/reports/${id}`);
      navigate(back);
    } catch (err) {
      setNotice(`Could not delete the report: ${describeError(err)}`);
    }
  };
  return (
    <>
      <PageHeader title={`Report from ${d.reporter}`}>
        <Link href={back}>← All reports</Link>
        {hasRole(user, 'admin') ? (
          <button type="button" class="danger" onClick={() => void remove()}>
            Delete report
          </button>
        ) : null}
      </PageHeader>
      {notice ? <p role="status">{notice}</p> : null}
      <section class="card detail">
        <h2>Summary</h2>
        <dl class="kv">
          <div>
            <dt>Policy domain</dt>
            <dd>{d.domain}</dd>
          </div>
          <div>
            <dt>Reporter</dt>
            <dd>
              {d.reporter}
              {d.email ? ` <${d.email}>` : ''}
              {d.reporter === d.orgName ? null : (
                <span class="muted"> (the report names it “{reporterLabel(d.orgName)}”)</span>
              )}
            </dd>
          </div>
          <div>
            <dt>Report ID</dt>
            <dd class="mono">{d.reportId}</dd>
          </div>
          <div>
            <dt>Period (UTC)</dt>
            <dd>
              {d.begin || d.end ? (
                `${formatDateTime(d.begin)} – ${formatDateTime(d.end)}`
              ) : (
                <>
                  none readable{' '}
                  <span class="muted">(the report gives no valid date range: “No period” in the filters finds it)</span>
                </>
              )}
            </dd>
          </div>
          <div>
            <dt>Messages</dt>
            <dd>
              {formatNumber(d.messages)} in {formatNumber(d.records)} records; {formatNumber(d.dmarcPass)} pass DMARC (
              {formatPercent(d.complianceRate)})
            </dd>
          </div>
          <div>
            <dt>Format</dt>
            <dd>
              {d.schema === 'dmarcbis' ? 'DMARCbis' : 'RFC 7489'}
              {d.version ? `, version ${d.version}` : ''}
              {d.generator ? `, generated by ${d.generator}` : ''}
            </dd>
          </div>
          <div>
            <dt>Received</dt>
            <dd>
              {formatDateTime(d.receivedAt)}
              {d.partName ? ` (${d.partName})` : ''}, in{' '}
              <Link href={`/tasks?file=${d.fileId}`} data-testid="report-file">
                file {d.fileId}
              </Link>
            </dd>
          </div>
        </dl>
        {d.recovered ? (
          <p>
            <Badge tone="warn">recovered</Badge> This report was read from XML that was not well-formed.
          </p>
        ) : null}
        {d.reporterErrors.length > 0 ? (
          <div>
            <h3>Errors stated by the reporter</h3>
            <ul>
              {d.reporterErrors.map((e, i) => (
                <li key={i} lang={d.reporterErrorLangs[i] ?? undefined}>
                  {e}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {d.warningMessages.length > 0 ? (
          <div>
            <h3>Warnings</h3>
            <ul>
              {d.warningMessages.map((e, i) => (
                <li key={i}>{e}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {d.extensions.length > 0 ? (
          <div data-testid="report-extensions">
            <h3>Extensions ({formatNumber(d.extensions.length)})</h3>
            <p class="muted">
              Elements the reporter added under RFC 9990 extensions, as XML (namespace declarations included).
            </p>
            <ul class="extensions">
              {d.extensions.map((e, i) => (
                <li key={i}>
                  <span class="muted">{e.record === null ? 'Report' : `Record ${formatNumber(e.record + 1)}`}</span>
                  <pre class="mono">{e.xml}</pre>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>
      <section class="card detail">
        <h2>Published policy</h2>
        <PolicyList p={d.policy} />
      </section>
      <section class="card detail">
        <h2>Records ({formatNumber(d.recordList.length)})</h2>
        {d.recordList.length === 0 ? <p>This report has no records.</p> : <RecordsTable records={d.recordList} />}
      </section>
    </>
  );
}
