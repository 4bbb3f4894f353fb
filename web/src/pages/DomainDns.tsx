// The DNS records of one policy domain (/domains/:domain/dns): the latest check's findings by severity, each with
// what to do; the records as found (DMARC with its report destinations, SPF with its lookup count, the DKIM
// selectors the reports show, MTA-STS, TLS-RPT, BIMI); "Check now" for analysts; and the history of the checks
// with what each changed. Everything is a table.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { useApp, useLoad } from '../context';
import { DomainTabs } from '../components/DomainTabs';
import { ActionError, Badge, Breakable, Empty, ErrorBox, Loading, PageHeader, Pager } from '../components/ui';
import { formatDateTime, formatNumber, plural } from '../lib/format';
import { ApiError, describeError } from '../lib/problem';
import { hasRole } from '../lib/session';
import type { DnsCheck, DnsFinding, DnsHistoryItem, DnsLatest, Page } from '../lib/types';
import { useLocation } from '../router';

const HISTORY_LIMIT = 20;
const SEVERITIES = ['error', 'warning', 'info'] as const;
const SEVERITY_LABEL = { error: 'Errors', warning: 'Warnings', info: 'Information' } as const;
const RECORD_LABEL: Record<string, string> = {
  dmarc: 'DMARC',
  spf: 'SPF',
  dkim: 'DKIM',
  mta_sts: 'MTA-STS',
  tls_rpt: 'TLS-RPT',
  bimi: 'BIMI',
};

export const severityTone = (s: string): 'fail' | 'warn' | 'neutral' =>
  s === 'error' ? 'fail' : s === 'warning' ? 'warn' : 'neutral';

/** `optional`: a record whose absence is a note, not a fault (MTA-STS, TLS-RPT, BIMI). */
const statusBadge = (status: string, optional = false): JSX.Element =>
  status === 'found' ? (
    <Badge tone="pass">found</Badge>
  ) : status === 'missing' ? (
    <Badge tone={optional ? 'neutral' : 'fail'}>missing</Badge>
  ) : (
    <Badge tone="warn">not checked</Badge>
  );

function Findings({ findings }: { findings: DnsFinding[] }): JSX.Element {
  if (findings.length === 0) return <p>No findings: every record is in order.</p>;
  return (
    <>
      {SEVERITIES.map((s) => {
        const list = findings.filter((f) => f.severity === s);
        if (list.length === 0) return null;
        return (
          <div key={s} class="table-wrap">
            <table class="data dns-findings" data-severity={s}>
              <caption>
                {SEVERITY_LABEL[s]} ({list.length})
              </caption>
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">Record</th>
                  <th scope="col">Finding and what to do</th>
                  <th scope="col">Code</th>
                </tr>
              </thead>
              <tbody>
                {list.map((f, i) => (
                  <tr key={`${f.code}-${i}`}>
                    <td>
                      <Badge tone={severityTone(f.severity)}>{f.severity}</Badge>
                    </td>
                    <td class="nowrap">{f.record ? (RECORD_LABEL[f.record] ?? f.record) : '—'}</td>
                    <td class="finding-text">{f.text}</td>
                    <td class="mono muted">{f.code}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </>
  );
}

function Records({ check }: { check: DnsCheck }): JSX.Element {
  const r = check.records;
  const txt = (
    label: string,
    s: { name: string; status: string; records: string[]; failure?: string },
    extra?: string,
    optional = false,
  ) => (
    <tr key={label}>
      <th scope="row" class="row-head">
        {label}
      </th>
      <td class="mono">
        <Breakable text={s.name} after="." />
      </td>
      <td>{statusBadge(s.status, optional)}</td>
      <td class="mono record-value">
        {s.records.length > 0
          ? s.records.map((v, i) => <div key={i}>{v}</div>)
          : s.status === 'unknown'
            ? (s.failure ?? 'DNS error')
            : '—'}
        {extra ? <div class="muted">{extra}</div> : null}
      </td>
    </tr>
  );
  const spfExtra =
    r.spf.lookups !== null
      ? `${r.spf.lookups} of 10 DNS lookups, ${r.spf.voidLookups ?? 0} of 2 void lookups${r.spf.includes.length > 0 ? `; reads ${r.spf.includes.join(', ')}` : ''}`
      : undefined;
  const destinations = [
    ...r.dmarc.rua.map((d) => ({ ...d, tag: 'rua' })),
    ...r.dmarc.ruf.map((d) => ({ ...d, tag: 'ruf' })),
  ];
  return (
    <>
      <div class="table-wrap">
        <table class="data dns-records">
          <caption class="sr-only">The records as found</caption>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Published</th>
            </tr>
          </thead>
          <tbody>
            {txt('DMARC', r.dmarc)}
            {txt('SPF', r.spf, spfExtra)}
            {txt('MTA-STS', r.mtaSts, undefined, true)}
            {txt('TLS-RPT', r.tlsRpt, undefined, true)}
            {txt('BIMI', r.bimi, undefined, true)}
          </tbody>
        </table>
      </div>
      {destinations.length > 0 ? (
        <div class="table-wrap">
          <table class="data dns-destinations">
            <caption>DMARC report destinations</caption>
            <thead>
              <tr>
                <th scope="col">Tag</th>
                <th scope="col">Destination</th>
                <th scope="col">External</th>
                <th scope="col">Authorised</th>
              </tr>
            </thead>
            <tbody>
              {destinations.map((d) => (
                <tr key={`${d.tag} ${d.uri}`}>
                  <td>{d.tag}</td>
                  <td class="mono">{d.uri}</td>
                  <td>{d.external ? 'yes' : 'no'}</td>
                  <td>
                    {d.authorised === true ? (
                      <Badge tone="pass">yes</Badge>
                    ) : d.authorised === false ? (
                      <Badge tone="fail">no</Badge>
                    ) : (
                      <Badge tone="warn">not checked</Badge>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div class="table-wrap">
        <table class="data dns-dkim">
          <caption>DKIM selectors seen in the reports</caption>
          <thead>
            <tr>
              <th scope="col">Selector</th>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Key</th>
              <th scope="col" class="num">
                Messages
              </th>
            </tr>
          </thead>
          <tbody>
            {r.dkim.length === 0 ? (
              <tr>
                <td colSpan={5} class="muted">
                  The reports show no DKIM selector for this domain.
                </td>
              </tr>
            ) : (
              r.dkim.map((k) => (
                <tr key={k.name}>
                  <td class="mono">{k.selector}</td>
                  <td class="mono">
                    <Breakable text={k.name} after="." />
                  </td>
                  <td>{k.revoked ? <Badge tone="fail">revoked</Badge> : statusBadge(k.status)}</td>
                  <td>{k.keyType ? `${k.keyType.toUpperCase()}${k.bits !== null ? `, ${k.bits} bits` : ''}` : '—'}</td>
                  <td class="num">{formatNumber(k.messages)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}

function History({ domain, tick }: { domain: string; tick: number }): JSX.Element {
  const { api } = useApp();
  const loc = useLocation();
  const cursor = new URLSearchParams(loc.search).get('cursor') ?? undefined;
  const h = useLoad(`dns-history:${domain}:${cursor ?? ''}:${tick}`, (signal) =>
    api.get<Page<DnsHistoryItem>>(
      `/api/domains/${encodeURIComponent(domain)}/dns/history`,
      { limit: HISTORY_LIMIT, cursor },
      signal,
    ),
  );
  if (h.state === 'error') return <ErrorBox error={h.error} retry={h.reload} />;
  if (!h.data) return <Loading what="Loading the history" />;
  return (
    <>
      <div class="table-wrap">
        <table class="data dns-history">
          <caption class="sr-only">Every check, newest first, with what it changed</caption>
          <thead>
            <tr>
              <th scope="col">Checked</th>
              <th scope="col">By</th>
              <th scope="col" class="num">
                Errors
              </th>
              <th scope="col" class="num">
                Warnings
              </th>
              <th scope="col">Changes against the check before</th>
            </tr>
          </thead>
          <tbody>
            {h.data.items.map((c) => (
              <tr key={c.id}>
                <td class="nowrap">{formatDateTime(c.checkedAt)}</td>
                <td>{c.trigger === 'manual' ? 'check now' : 'daily check'}</td>
                <td class="num">{formatNumber(c.errors)}</td>
                <td class="num">{formatNumber(c.warnings)}</td>
                <td>
                  {c.changes.length === 0 ? (
                    <span class="muted">no change</span>
                  ) : (
                    <ul class="dns-changes">
                      {c.changes.map((x, i) => (
                        <li key={i}>
                          <Badge tone={severityTone(x.severity)}>{x.kind.replace(/_/g, ' ')}</Badge> {x.text}
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
      <Pager total={h.data.total} shown={h.data.items.length} nextCursor={h.data.nextCursor} limit={HISTORY_LIMIT} />
    </>
  );
}

export function DomainDns({ domain }: { domain: string }): JSX.Element {
  const { api, user } = useApp();
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const latest = useLoad(`dns:${domain}:${tick}`, (signal) =>
    api.get<DnsLatest>(`/api/domains/${encodeURIComponent(domain)}/dns`, {}, signal),
  );
  const canCheck = hasRole(user, 'analyst');

  const checkNow = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api.post<DnsCheck>(`/api/domains/${encodeURIComponent(domain)}/dns/check`, {});
      setTick((t) => t + 1);
    } catch (err) {
      setError(`Could not check now: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const header = (
    <>
      <PageHeader title={`DNS records of ${domain}`}>
        {canCheck ? (
          <button type="button" onClick={() => void checkNow()} disabled={busy}>
            {busy ? 'Checking…' : 'Check now'}
          </button>
        ) : null}
      </PageHeader>
      <DomainTabs domain={domain} current="dns" />
    </>
  );

  if (latest.state === 'error' && !latest.data) {
    const e = latest.error;
    const known = e instanceof ApiError && (e.status === 404 || e.status === 400);
    return (
      <>
        {header}
        {known ? (
          <div class="state error" role="alert" data-testid="dns-missing">
            <p>
              {e.status === 404
                ? `This organisation receives no reports for ${domain}.`
                : `${domain} is not a domain name.`}
            </p>
          </div>
        ) : (
          <ErrorBox error={e} retry={latest.reload} />
        )}
      </>
    );
  }
  if (!latest.data) {
    return (
      <>
        {header}
        <Loading what="Loading the DNS check" />
      </>
    );
  }
  const c = latest.data.check;
  return (
    <>
      {header}
      <ActionError message={error} />
      {!c ? (
        <Empty title="Not checked yet">
          <p>{latest.data.message}</p>
        </Empty>
      ) : (
        <>
          <p class="dns-summary" role="status">
            Checked {formatDateTime(c.checkedAt)} ({c.trigger === 'manual' ? 'check now' : 'daily check'}):{' '}
            {plural(c.counts.error, 'error')}, {plural(c.counts.warning, 'warning')}, {plural(c.counts.info, 'note')}.
          </p>
          <section class="card detail" aria-labelledby="dns-findings">
            <h2 id="dns-findings">Findings</h2>
            <Findings findings={c.findings} />
          </section>
          <section class="card detail" aria-labelledby="dns-records">
            <h2 id="dns-records">Records as found</h2>
            <Records check={c} />
          </section>
          <section class="card detail" aria-labelledby="dns-history">
            <h2 id="dns-history">History of changes</h2>
            <History domain={domain} tick={tick} />
          </section>
        </>
      )}
    </>
  );
}
