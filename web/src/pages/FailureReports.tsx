// Failure reports (RFC 6591 ARF, DMARC's ruf=): the list (paged, filtered as /api/failures takes it) and one
// report: its feedback fields, why authentication failed (DKIM and SPF details), and the headers of the original
// message that the privacy settings kept. The original's body is never stored, so never shown.
import type { JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { ReportFilters, readFilterParams, type FilterField } from '../components/ReportFilters';
import { ReportTabs } from '../components/ReportTabs';
import { Badge, Breakable, Empty, ErrorBox, Loading, PageHeader, Pager } from '../components/ui';
import { useApp, useLoad } from '../context';
import { withParams } from '../lib/filters';
import { formatDateTime, formatNumber, networkText, placeText } from '../lib/format';
import type { FailureReportDetail, FailureReportItem, Page } from '../lib/types';
import { Link, useLocation } from '../router';

const LIMIT = 50;
const FILTER_KEYS = ['domain', 'source_ip', 'sender', 'auth_failure', 'feedback_type', 'from', 'to'] as const;

/** RFC 6591 §3.2.2 / RFC 7489 §7.3 Auth-Failure values. */
const AUTH_FAILURES = ['dmarc', 'spf', 'signature', 'bodyhash', 'revoked', 'adsp'];
/** RFC 5965 §7.3 feedback types (auth-failure: RFC 6591). */
const FEEDBACK_TYPES = ['auth-failure', 'abuse', 'fraud', 'virus', 'not-spam', 'other'];

/** The link to the failure reports of one source address. */
export function failuresOfIpHref(ip: string): string {
  return `/reports/failures?source_ip=${encodeURIComponent(ip)}`;
}

/** The link to the failure reports of one sender (its key, as /api/rollup/senders gives it), of a domain or all. */
export function failuresOfSenderHref(sender: string, domain?: string): string {
  const q = new URLSearchParams({ sender });
  if (domain) q.set('domain', domain);
  return `/reports/failures?${q.toString()}`;
}

function About(): JSX.Element {
  return (
    <p class="intro" data-testid="failure-about">
      Failure reports (RFC 6591, “forensic” reports) describe single messages that failed DMARC, SPF or DKIM: where they
      came from and why they failed. Receivers that send them mail them to the address in the <code>ruf=</code> tag of
      your DMARC record (e.g. <code>v=DMARC1; p=none; ruf=mailto:dmarc-failures@example.com; fo=1</code>), one mail per
      message; few large providers do. Only the headers the privacy settings keep are stored, never a body.
    </p>
  );
}

const dash = <span class="muted">—</span>;

export function FailureReports(): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const filters = readFilterParams(loc.search, FILTER_KEYS);
  const cursor = new URLSearchParams(loc.search).get('cursor') ?? undefined;
  const fkey = JSON.stringify(filters);
  const q = useMemo(() => ({ ...filters, limit: LIMIT, cursor }), [fkey, cursor]);
  const list = useLoad(JSON.stringify(q), (signal) => api.get<Page<FailureReportItem>>('/api/failures', q, signal));
  // whether the organisation has any failure report at all (the empty page then says how they arrive)
  const any = useLoad('failures:any', (signal) =>
    api.get<Page<FailureReportItem>>('/api/failures', { limit: 1 }, signal),
  );
  const none = any.data !== undefined && any.data.total === 0;
  const fields: FilterField[] = [
    { key: 'domain', label: 'Reported domain', placeholder: 'example.com' },
    { key: 'source_ip', label: 'Source IP', placeholder: '192.0.2.1' },
    { key: 'sender', label: 'Sender', placeholder: 'google' },
    { key: 'auth_failure', label: 'Auth failure', options: AUTH_FAILURES.map((v) => ({ value: v, label: v })) },
    { key: 'feedback_type', label: 'Feedback type', options: FEEDBACK_TYPES.map((v) => ({ value: v, label: v })) },
  ];
  return (
    <>
      <PageHeader title="Failure reports" />
      <ReportTabs current="failure" />
      <About />
      {none ? (
        <Empty title="No failure reports yet">
          <p>
            Add a <code>ruf=</code> address this installation reads to your DMARC record (or upload the reports you
            received), and the failing messages that receivers report show here.
          </p>
        </Empty>
      ) : (
        <>
          <ReportFilters id="failures" fields={fields} dayLabel="arrival" />
          {filters.source_ip ? (
            <p class="active-extra">
              Failure reports of messages from <strong>{filters.source_ip}</strong>.{' '}
              <Link href={`/sources/${encodeURIComponent(filters.source_ip)}`}>What this source sent</Link>
            </p>
          ) : null}
          {filters.sender ? (
            <p class="active-extra">
              Failure reports of messages from the sender <strong>{filters.sender}</strong> (its sources after your
              rules for the reported domain).
            </p>
          ) : null}
          {list.state === 'error' ? <ErrorBox error={list.error} retry={list.reload} /> : null}
          {!list.data ? (
            list.state === 'loading' ? (
              <Loading what="Loading failure reports" />
            ) : null
          ) : list.data.total === 0 ? (
            <Empty title="No failure reports match these filters">
              <p>Try a longer period or fewer filters.</p>
            </Empty>
          ) : (
            <section class="card detail" aria-labelledby="failure-list">
              <h2 id="failure-list">Reports ({formatNumber(list.data.total)})</h2>
              <div class="table-wrap">
                <table class="data failure-reports" aria-busy={list.state === 'loading'}>
                  <caption class="sr-only">Failure reports, newest arrival first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Arrival</th>
                      <th scope="col">Reported domain</th>
                      <th scope="col">Source IP</th>
                      <th scope="col">Failure</th>
                      <th scope="col">Mail from</th>
                      <th scope="col">Subject</th>
                      <th scope="col">Reporter</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.data.items.map((r) => (
                      <tr key={r.id} data-report={r.id}>
                        <td class="nowrap">
                          <Link href={`/reports/failures/${r.id}${loc.search}`}>
                            {r.arrivalDate ? formatDateTime(r.arrivalDate) : `received ${formatDateTime(r.receivedAt)}`}
                          </Link>
                        </td>
                        <td>{r.reportedDomain ? <Breakable text={r.reportedDomain} after="." /> : dash}</td>
                        <td class="mono ip">
                          {r.sourceIp ? (
                            <Link
                              href={`${loc.pathname}${withParams(loc.search, { source_ip: r.sourceIp, cursor: null, page: null })}`}
                              title={`Only the failure reports of ${r.sourceIp}`}
                            >
                              <Breakable text={r.sourceIp} after=":" />
                            </Link>
                          ) : (
                            dash
                          )}
                        </td>
                        <td>
                          {r.authFailure ? <Badge tone="fail">{r.authFailure}</Badge> : null}{' '}
                          <span class="muted small">{r.feedbackType ?? ''}</span>
                        </td>
                        <td class="wrap">{r.originalMailFrom || dash}</td>
                        <td class="wrap">{r.subject ?? dash}</td>
                        <td class="wrap">{r.reporter ?? dash}</td>
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

function Field({ label, children }: { label: string; children: JSX.Element | string | null | undefined }): JSX.Element {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children === null || children === undefined || children === '' ? dash : children}</dd>
    </div>
  );
}

function Lines({ values }: { values: string[] }): JSX.Element | null {
  if (values.length === 0) return null;
  return (
    <ul class="plain">
      {values.map((v, i) => (
        <li key={i} class="wrap">
          {v}
        </li>
      ))}
    </ul>
  );
}

const ORIGINAL: Record<string, string> = {
  message: 'the whole message (only the kept headers are stored)',
  headers: 'its headers (only the kept ones are stored)',
  none: 'nothing of it',
};

export function FailureReportView({ id }: { id: string }): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const r = useLoad(`failure:${id}`, (signal) =>
    api.get<FailureReportDetail>(`/api/failures/${id}`, undefined, signal),
  );
  const back = `/reports/failures${loc.search}`;
  if (r.state === 'error') {
    return (
      <>
        <PageHeader title="Failure report" />
        <ErrorBox error={r.error} />
        <p>
          <Link href={back}>Back to the failure reports</Link>
        </p>
      </>
    );
  }
  if (!r.data) return <Loading what="Loading the failure report" />;
  const d = r.data;
  const fields = Object.entries(d.fields);
  return (
    <>
      <PageHeader title={`Failure report${d.reportedDomain ? ` for ${d.reportedDomain}` : ''}`}>
        <Link href={back}>← All failure reports</Link>
      </PageHeader>
      <section class="card detail" aria-labelledby="failure-feedback">
        <h2 id="failure-feedback">Feedback</h2>
        <dl class="kv">
          <Field label="Feedback type">{d.feedbackType}</Field>
          <Field label="Reported domain">{d.reportedDomain}</Field>
          <Field label="Source IP">
            {d.sourceIp ? (
              <>
                <span class="mono">{d.sourceIp}</span> ·{' '}
                <Link href={`/sources/${encodeURIComponent(d.sourceIp)}`}>its source page</Link> ·{' '}
                <Link href={failuresOfIpHref(d.sourceIp)}>its failure reports</Link>
              </>
            ) : null}
          </Field>
          {d.source ? (
            <>
              <Field label="Source location">{placeText(d.source)}</Field>
              <Field label="Source network">{networkText(d.source)}</Field>
              <Field label="Source reverse DNS">
                {d.source.ptr
                  ? `${d.source.ptr}${d.source.fcrdns === true ? ' (forward-confirmed)' : d.source.fcrdns === false ? ' (not forward-confirmed)' : ''}`
                  : `none (${d.source.dnsStatus})`}
              </Field>
            </>
          ) : null}
          <Field label="Arrival">
            {d.arrivalDate
              ? formatDateTime(d.arrivalDate)
              : d.arrivalDateRaw
                ? `${d.arrivalDateRaw} (unreadable)`
                : null}
          </Field>
          <Field label="Original mail from">{d.originalMailFrom}</Field>
          <Field label="Original recipients">{d.originalRcptTo.length ? d.originalRcptTo.join(', ') : null}</Field>
          <Field label="Original envelope id">{d.originalEnvelopeId}</Field>
          <Field label="Delivery result">{d.deliveryResult}</Field>
          <Field label="Incidents">{d.incidents === null ? null : formatNumber(d.incidents)}</Field>
          <Field label="Reported URIs">{d.reportedUri.length ? <Lines values={d.reportedUri} /> : null}</Field>
          <Field label="Reporter">
            {d.reporter ? (
              <>
                {d.reporter}
                {d.userAgent ? <span class="muted"> ({d.userAgent})</span> : null}
              </>
            ) : (
              d.userAgent
            )}
          </Field>
          <Field label="Format">
            {d.format === 'arf'
              ? `ARF${d.version ? `, version ${d.version}` : ''}`
              : 'fields in the report’s text (no feedback part)'}
          </Field>
          <Field label="Received">
            <>
              {formatDateTime(d.receivedAt)}
              {d.partName ? ` (${d.partName})` : ''}, in <Link href={`/tasks?file=${d.fileId}`}>file {d.fileId}</Link>
            </>
          </Field>
        </dl>
        {d.warningMessages.length > 0 ? (
          <div>
            <h3>
              <Badge tone="warn">warnings</Badge> What was doubtful when it was read
            </h3>
            <ul>
              {d.warningMessages.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>
      <section class="card detail" aria-labelledby="failure-auth">
        <h2 id="failure-auth">Authentication</h2>
        <dl class="kv">
          <Field label="Auth failure">{d.authFailure ? <Badge tone="fail">{d.authFailure}</Badge> : null}</Field>
          <Field label="Identity alignment">{d.identityAlignment}</Field>
          <Field label="Authentication-Results">
            {d.authenticationResults.length ? <Lines values={d.authenticationResults} /> : null}
          </Field>
          <Field label="DKIM domain">{d.dkimDomain}</Field>
          <Field label="DKIM identity">{d.dkimIdentity}</Field>
          <Field label="DKIM selector">{d.dkimSelector}</Field>
          {d.dkimCanonicalizedHeader ? (
            <Field label="DKIM canonicalised header">
              <pre class="policy-string">{d.dkimCanonicalizedHeader}</pre>
            </Field>
          ) : null}
          <Field label="SPF DNS">{d.spfDns.length ? <Lines values={d.spfDns} /> : null}</Field>
        </dl>
      </section>
      <section class="card detail" aria-labelledby="failure-headers">
        <h2 id="failure-headers">Headers of the original message</h2>
        <p class="hint">The reporter attached {ORIGINAL[d.original] ?? d.original}. The body is never stored.</p>
        {d.headers.length === 0 ? (
          <p>No header was kept.</p>
        ) : (
          <div class="table-wrap">
            <table class="data compact failure-headers">
              <caption class="sr-only">Kept headers of the original message</caption>
              <thead>
                <tr>
                  <th scope="col">Header</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {d.headers.map((h, i) => (
                  <tr key={i}>
                    <th scope="row" class="nowrap">
                      {h.name}
                    </th>
                    <td class="wrap">{h.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {fields.length > 0 ? (
        <section class="card detail" aria-labelledby="failure-fields">
          <h2 id="failure-fields">Every feedback field as written</h2>
          <div class="table-wrap">
            <table class="data compact failure-fields">
              <caption class="sr-only">Feedback fields as written</caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {fields.flatMap(([name, values]) =>
                  values.map((v, i) => (
                    <tr key={`${name}-${i}`}>
                      <th scope="row" class="nowrap">
                        {name}
                      </th>
                      <td class="wrap">{v}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
