// The overview: five headline figures with their change against the previous period, and the charts, all
// for the filters in the URL. Every chart drills down on click.
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Chart, loadCharts, renderTooltip, type ChartTable } from '../charts/Chart';
import { CountryMap } from '../charts/CountryMap';
import {
  ALIGNMENT_SEGMENTS,
  DISPOSITIONS,
  alignmentOption,
  bucketLabel,
  complianceOption,
  dispositionOption,
  domainComplianceOption,
  overridesOption,
  reasonLabel,
  reporterLabel,
  reportersOption,
  sourceLabel,
  topSourcesOption,
  volumeOption,
} from '../charts/options';
import { useApp, useLoad } from '../context';
import { ExportMenu } from '../components/ExportMenu';
import { ForecastCharts } from '../components/ForecastCharts';
import { domainHref as domainPageHref } from '../lib/routes';
import { ErrorBox, Empty, Loading, PageHeader } from '../components/ui';
import {
  apiQuery,
  bucketEnd,
  fixedRateReason,
  undatedQuery,
  intervalFor,
  NOT_LOCATED,
  withFilters,
  withParams,
  type DateSpan,
  type Filters,
} from '../lib/filters';
import {
  formatChange,
  formatDate,
  formatNumber,
  formatPercent,
  formatPointsChange,
  toneOf,
  type Change,
} from '../lib/format';
import { hasRole } from '../lib/session';
import type {
  Alignment,
  CountryItem,
  DomainItem,
  Overrides,
  Page,
  ReporterItem,
  SourceItem,
  Summary,
  Timeline,
  TimelinePoint,
  Trends,
} from '../lib/types';
import { Link, navigate } from '../router';
import type { Choices } from '../choices';

interface Props {
  filters: Filters;
  span: DateSpan | undefined;
  choices: Choices;
}

interface Figure {
  key: string;
  label: string;
  value: string;
  raw: number | null;
  change: Change | null;
  higherIsBetter: boolean | null;
  note: string;
}

function figures(t: Trends, showChange: boolean): Figure[] {
  const c = t.current;
  const p = t.previous;
  const ch = (k: keyof Trends['change']) => (showChange ? formatChange(t.change[k], c[k], p[k]) : null);
  return [
    {
      key: 'messages',
      label: 'Messages',
      value: formatNumber(c.messages),
      raw: c.messages,
      change: ch('messages'),
      higherIsBetter: null,
      note: 'reported in the period',
    },
    {
      key: 'compliance',
      label: 'Compliance',
      value: formatPercent(c.complianceRate),
      raw: c.complianceRate,
      change: showChange ? formatPointsChange(t.delta.complianceRate) : null,
      higherIsBetter: true,
      note: 'of messages pass DMARC',
    },
    {
      key: 'failures',
      label: 'DMARC failures',
      value: formatNumber(c.dmarcFail),
      raw: c.dmarcFail,
      change: ch('dmarcFail'),
      higherIsBetter: false,
      note: 'messages failing DMARC',
    },
    {
      key: 'sources',
      label: 'Sources',
      value: formatNumber(c.sources),
      raw: c.sources,
      change: ch('sources'),
      higherIsBetter: null,
      note: 'active sending IPs',
    },
    {
      key: 'domains',
      label: 'Domains',
      value: formatNumber(c.domains),
      raw: c.domains,
      change: ch('domains'),
      higherIsBetter: null,
      note: 'policy domains with mail',
    },
  ];
}

function Headline({ t, showChange }: { t: Trends; showChange: boolean }): JSX.Element {
  useEffect(() => {
    performance.mark('dmarc:figures-shown');
  }, []);
  return (
    <section class="figures" aria-label="Headline figures">
      {figures(t, showChange).map((f) => (
        <div class="card figure" key={f.key} data-figure={f.key} data-value={f.raw === null ? '' : String(f.raw)}>
          <h2 class="figure-label">{f.label}</h2>
          <p class="figure-value">{f.value}</p>
          <p class="figure-note">{f.note}</p>
          {f.change ? (
            <p class={`figure-change tone-${toneOf(f.change.direction, f.higherIsBetter)}`} aria-label={f.change.label}>
              <span aria-hidden="true">
                {f.change.direction === 'up' ? '▲ ' : f.change.direction === 'down' ? '▼ ' : ''}
              </span>
              {f.change.text}
              {t.period ? <span class="figure-vs"> vs previous {t.period.days} days</span> : null}
            </p>
          ) : null}
        </div>
      ))}
    </section>
  );
}

export function Overview({ filters, span, choices }: Props): JSX.Element {
  const { api, user } = useApp();
  const q = useMemo(() => apiQuery(filters, span), [filters, span]);
  const key = JSON.stringify(q);
  const interval = intervalFor(span);
  const here = withFilters('', filters);
  // Start loading the chart library while the figures are fetched.
  void loadCharts();

  const trends = useLoad(key, (signal) => api.get<Trends>('/api/rollup/trends', q, signal));
  const timeline = useLoad(key, (signal) => api.get<Timeline>('/api/rollup/timeline', { ...q, interval }, signal));
  const summary = useLoad(key, (signal) => api.get<Summary>('/api/rollup/summary', q, signal));
  const alignment = useLoad(key, (signal) => api.get<Alignment>('/api/rollup/alignment', q, signal));
  const sources = useLoad(key, (signal) =>
    api.get<Page<SourceItem>>('/api/rollup/sources', { ...q, limit: 10 }, signal),
  );
  const reporters = useLoad(key, (signal) =>
    api.get<Page<ReporterItem>>('/api/rollup/reporters', { ...q, limit: 10 }, signal),
  );
  const overrides = useLoad(key, (signal) => api.get<Overrides>('/api/rollup/overrides', q, signal));
  const domains = useLoad(key, (signal) =>
    api.get<Page<DomainItem>>('/api/domains', { ...q, sort: 'messages', limit: 15 }, signal),
  );
  const countries = useLoad(key, (signal) => api.get<{ items: CountryItem[] }>('/api/rollup/countries', q, signal));
  const [reason, setReason] = useState<string | null>(null);

  const tl = timeline.data?.items;
  const options = {
    volume: useMemo(() => (tl ? volumeOption(tl, interval, renderTooltip) : null), [tl, interval]),
    compliance: useMemo(() => (tl ? complianceOption(tl, interval, renderTooltip) : null), [tl, interval]),
    disposition: useMemo(
      () => (summary.data ? dispositionOption(summary.data.disposition, renderTooltip) : null),
      [summary.data],
    ),
    alignment: useMemo(
      () => (alignment.data ? alignmentOption(alignment.data, renderTooltip) : null),
      [alignment.data],
    ),
    sources: useMemo(() => (sources.data ? topSourcesOption(sources.data.items, renderTooltip) : null), [sources.data]),
    reporters: useMemo(
      () => (reporters.data ? reportersOption(reporters.data.items, renderTooltip) : null),
      [reporters.data],
    ),
    overrides: useMemo(
      () => (overrides.data ? overridesOption(overrides.data, renderTooltip) : null),
      [overrides.data],
    ),
    domains: useMemo(
      () =>
        domains.data
          ? domainComplianceOption(
              domains.data.items.filter((d) => d.messages > 0),
              renderTooltip,
            )
          : null,
      [domains.data],
    ),
  };

  if (choices.reports === 0) {
    return (
      <>
        <PageHeader title="Overview" />
        <Empty title="No reports yet">
          <p>
            Nothing has been imported so far. DMARC aggregate reports arrive by e-mail from Google, Microsoft, Yahoo and
            others once your domain publishes a DMARC record with a <code>rua=</code> address.
          </p>
          <ul>
            {hasRole(user, 'analyst') ? (
              <li>
                <Link href="/upload">Upload report files</Link> (XML, .gz, .zip, .eml or mbox) from your computer.
              </li>
            ) : (
              <li>Ask an analyst or admin to upload report files.</li>
            )}
            <li>
              Import a folder from the command line: <code>dmarc import path/to/reports</code>.
            </li>
            <li>
              Fetch from a mailbox: set <code>DMARC_IMAP_HOST</code>, <code>DMARC_IMAP_USER</code> and{' '}
              <code>DMARC_IMAP_PASSWORD</code> and restart the server.
            </li>
          </ul>
        </Empty>
      </>
    );
  }

  const others = [timeline, summary, alignment, sources, reporters, overrides, domains];
  const failed = others.find((x) => x.state === 'error');
  const t = trends.data;
  const noneInPeriod = trends.state === 'done' && t && t.current.messages === 0 && t.current.reports === 0;
  const empty = noneInPeriod ? 'No data for these filters.' : null;
  // Under a DMARC-result filter a rate is 0 % or 100 % everywhere: its charts say so instead of drawing it.
  const fixedRate = fixedRateReason(filters);
  const noTimeAxis =
    filters.range === 'none'
      ? 'Reports without a readable period have no place on a time axis: the other charts and the Reports page show them.'
      : null;
  // Drill-down targets, shared by chart clicks and the tables under the charts (keyboard, screen readers).
  const dayHref = (p: TimelinePoint | undefined, fail: boolean): string | undefined => {
    if (!p || p.messages === 0) return undefined;
    const f: Filters = { ...filters, range: 'custom', from: p.date, to: bucketEnd(p.date, interval) };
    if (fail) f.dmarc = 'fail';
    return `/reports${withFilters('', f)}`;
  };
  const dayLink = (i: number, fail: boolean): void => {
    const href = dayHref(tl?.[i], fail);
    if (href) navigate(href);
  };
  const dispositionRows = DISPOSITIONS.filter((x) => (summary.data?.disposition[x.key] ?? 0) > 0 || x.key !== 'pass');
  const dispositionHref = (key: string): string => `/reports${withParams(here, { disposition: key })}`;
  const alignmentHref = (aligned: boolean): string =>
    `/sources${withParams(withFilters('', { ...filters, dmarc: aligned ? filters.dmarc : 'fail' }), { sort: 'dmarcFail' })}`;
  const sourceHref = (ip: string | null): string | undefined =>
    ip ? `/sources${withParams(here, { ip })}` : undefined;
  const reporterHref = (org: string): string => `/reports${withFilters('', { ...filters, org })}`;
  // a domain's page (readiness), for the same period where it has one of the presets
  const domainHref = (domain: string): string =>
    `${domainPageHref(domain)}${filters.range !== '30d' && filters.range !== 'custom' && filters.range !== 'none' ? `?range=${filters.range}` : ''}`;
  const countryHref = (country: string): string => `/${withFilters(here, { ...filters, country })}`;
  const mailDomains = domains.data?.items.filter((d) => d.messages > 0) ?? [];
  const busy = tl?.filter((p) => p.messages > 0) ?? [];
  // the forecasts are per domain: the one chosen, else the busiest of the period; they read the domain's latest
  // data under the other filters, whatever the period
  const forecastDomain = filters.range === 'none' ? undefined : (filters.domain ?? mailDomains[0]?.domain);
  const forecastFilters = useMemo(() => undatedQuery(filters), [filters]);
  const tables: Record<string, ChartTable | null> = {
    volume: tl
      ? {
          columns: ['Period', 'Messages', 'DMARC pass', 'DMARC fail', 'Compliance'],
          rows: busy.map((p) => ({
            cells: [
              bucketLabel(p.date, interval),
              formatNumber(p.messages),
              formatNumber(p.dmarcPass),
              formatNumber(p.dmarcFail),
              formatPercent(p.complianceRate),
            ],
            href: dayHref(p, false),
          })),
        }
      : null,
    compliance: tl
      ? {
          columns: ['Period', 'Compliance', 'Messages'],
          rows: busy.map((p) => ({
            cells: [bucketLabel(p.date, interval), formatPercent(p.complianceRate), formatNumber(p.messages)],
            href: dayHref(p, false),
          })),
        }
      : null,
    disposition: summary.data
      ? {
          columns: ['Disposition', 'Messages', 'Share'],
          rows: dispositionRows.map((x) => {
            const d = summary.data!.disposition;
            const total = d.none + d.quarantine + d.reject + d.pass;
            return {
              cells: [x.label, formatNumber(d[x.key]), formatPercent(total > 0 ? d[x.key] / total : null)],
              href: d[x.key] > 0 ? dispositionHref(x.key) : undefined,
            };
          }),
        }
      : null,
    alignment: alignment.data
      ? {
          columns: ['Result', 'DKIM', 'SPF'],
          rows: ALIGNMENT_SEGMENTS.map((g) => ({
            cells: [g.label, formatNumber(alignment.data!.dkim[g.key]), formatNumber(alignment.data!.spf[g.key])],
            href: alignmentHref(g.key === 'aligned'),
          })),
        }
      : null,
    sources: sources.data
      ? {
          columns: ['Source IP', 'Messages', 'DMARC pass', 'DMARC fail', 'Compliance'],
          rows: sources.data.items.map((x) => ({
            cells: [
              sourceLabel(x.sourceIp),
              formatNumber(x.messages),
              formatNumber(x.dmarcPass),
              formatNumber(x.dmarcFail),
              formatPercent(x.complianceRate),
            ],
            href: sourceHref(x.sourceIp),
          })),
        }
      : null,
    reporters: reporters.data
      ? {
          columns: ['Reporter', 'Messages', 'DMARC pass', 'DMARC fail', 'Reports', 'Names in its reports'],
          rows: reporters.data.items.map((x) => ({
            cells: [
              reporterLabel(x.orgName),
              formatNumber(x.messages),
              formatNumber(x.dmarcPass),
              formatNumber(x.dmarcFail),
              formatNumber(x.reports),
              x.names.map(reporterLabel).join(', '),
            ],
            href: reporterHref(x.orgName),
          })),
        }
      : null,
    overrides: overrides.data
      ? {
          columns: ['Reason (link: its reports)', 'Messages', 'Records', 'Reports'],
          rows: overrides.data.items.map((x) => ({
            cells: [reasonLabel(x.type), formatNumber(x.messages), formatNumber(x.records), formatNumber(x.reports)],
            href: `/reports${withParams(here, { reason: x.type })}`,
          })),
        }
      : null,
    domains: domains.data
      ? {
          columns: ['Domain', 'Compliance', 'Messages', 'DMARC fail'],
          rows: mailDomains.map((d) => ({
            cells: [d.domain, formatPercent(d.complianceRate), formatNumber(d.messages), formatNumber(d.dmarcFail)],
            href: domainHref(d.domain),
          })),
        }
      : null,
  };

  return (
    <>
      <PageHeader title="Overview">
        <ExportMenu
          query={q}
          pdf
          choices={[
            { kind: 'reports', label: 'Reports' },
            { kind: 'records', label: 'Records' },
            { kind: 'sources', label: 'Sources' },
            { kind: 'senders', label: 'Senders' },
          ]}
        />
      </PageHeader>
      {trends.state === 'error' ? <ErrorBox error={trends.error} retry={trends.reload} /> : null}
      {t ? (
        <Headline t={t} showChange={filters.range !== 'all' && filters.range !== 'none'} />
      ) : trends.state === 'loading' ? (
        <Loading what="Loading the figures" />
      ) : null}
      {noneInPeriod ? (
        <Empty title="No reports in this period">
          <p>
            {choices.extent
              ? `Reports on file cover ${formatDate(choices.extent.from)} to ${formatDate(choices.extent.to)}.`
              : 'There are reports on file, but none with a readable period.'}
            {choices.undated > 0 && filters.range !== 'none'
              ? ` ${choices.undated === 1 ? 'One report has' : `${formatNumber(choices.undated)} reports have`} no readable period: “No period” shows ${choices.undated === 1 ? 'it' : 'them'}.`
              : ''}
          </p>
          <p class="actions">
            <Link class="button" href={`/${withFilters('', { ...filters, range: 'all' })}`}>
              Show all time
            </Link>
            {choices.extent ? (
              <Link
                class="button secondary"
                href={`/${withFilters('', { ...filters, range: 'custom', from: bucketStartMinus(choices.extent.to, 29), to: choices.extent.to })}`}
              >
                Show the 30 days up to {formatDate(choices.extent.to)}
              </Link>
            ) : null}
          </p>
        </Empty>
      ) : null}
      <section class="charts" aria-label="Charts" hidden={!!noneInPeriod}>
        <Chart
          id="volume"
          wide
          title="Message volume"
          description={`Messages per ${interval}, passing and failing DMARC. Click a bar for the reports of that ${interval}.`}
          option={options.volume}
          empty={empty ?? noTimeAxis}
          onClick={(c) => dayLink(c.dataIndex, c.seriesName === 'DMARC fail')}
          table={tables.volume}
        />
        <Chart
          id="compliance"
          wide
          title="Compliance rate over time"
          description={`Share of messages passing DMARC per ${interval}; gaps are periods without reports. Click a point for its reports.`}
          option={options.compliance}
          empty={empty ?? noTimeAxis ?? fixedRate}
          onClick={(c) => dayLink(c.dataIndex, false)}
          table={tables.compliance}
        />
        {forecastDomain ? (
          <ForecastCharts domain={forecastDomain} filters={forecastFilters} fixedRate={fixedRate} />
        ) : null}
        {countries.state === 'error' ? (
          <ErrorBox error={countries.error} retry={countries.reload} />
        ) : (
          <CountryMap
            items={countries.data?.items ?? null}
            onCountry={(country) => navigate(countryHref(country))}
            hrefFor={(country) => countryHref(country ?? NOT_LOCATED)}
          />
        )}
        <Chart
          id="disposition"
          title="Disposition"
          description="What receivers did with the messages. Click a bar for the reports with that disposition."
          option={options.disposition}
          empty={empty}
          height={220}
          onClick={(c) => {
            const d = dispositionRows[c.dataIndex];
            if (d) navigate(dispositionHref(d.key));
          }}
          table={tables.disposition}
        />
        <Chart
          id="alignment"
          title="DKIM and SPF alignment"
          description="Messages whose DKIM and SPF results were aligned with the From domain, authenticated but not aligned, or not authenticated. Click for the sources."
          option={options.alignment}
          empty={empty}
          height={220}
          onClick={(c) => navigate(alignmentHref(ALIGNMENT_SEGMENTS[c.seriesIndex]?.key === 'aligned'))}
          table={tables.alignment}
        >
          {alignment.data && alignment.data.messages > 0 ? (
            <p class="chart-foot">
              Both aligned: {formatNumber(alignment.data.both)} · DKIM only: {formatNumber(alignment.data.dkimOnly)} ·
              SPF only: {formatNumber(alignment.data.spfOnly)} · Neither: {formatNumber(alignment.data.neither)}
            </p>
          ) : null}
        </Chart>
        <Chart
          id="sources"
          title="Top source IPs"
          description="The ten addresses that sent the most mail as your domains. Click one for its records."
          option={options.sources}
          empty={empty}
          height={320}
          onClick={(c) => {
            const href = sourceHref(sources.data?.items[c.dataIndex]?.sourceIp ?? null);
            if (href) navigate(href);
          }}
          table={tables.sources}
        />
        <Chart
          id="reporters"
          title="Top reporters"
          description="The mailbox providers that reported the most messages. Click one for its reports."
          option={options.reporters}
          empty={empty}
          height={320}
          onClick={(c) => {
            const r = reporters.data?.items[c.dataIndex];
            if (r) navigate(reporterHref(r.orgName));
          }}
          table={tables.reporters}
        />
        <Chart
          id="overrides"
          title="Policy-override reasons"
          description="Why receivers applied another disposition than your policy asks (forwarding, mailing lists, local policy…). Click a reason for example reports."
          option={options.overrides}
          empty={
            empty ??
            (overrides.data && overrides.data.items.length === 0
              ? 'No receiver overrode the policy in this period.'
              : null)
          }
          height={220}
          onClick={(c) => setReason(overrides.data?.items[c.dataIndex]?.type ?? null)}
          table={tables.overrides}
        >
          {reason && overrides.data ? (
            <ReasonExamples o={overrides.data} reason={reason} here={here} close={() => setReason(null)} />
          ) : null}
        </Chart>
        <Chart
          id="domains"
          title="Compliance per domain"
          description="Share of each domain's messages passing DMARC (the 15 domains with the most mail, the most first; each labelled with its volume, and faint when it has too little mail to judge). Click a domain for its page: is it ready for p=reject, and what blocks it."
          option={options.domains}
          empty={empty ?? fixedRate}
          height={Math.max(200, 60 + 36 * (domains.data ? mailDomains.length : 6))}
          onClick={(c) => {
            const d = mailDomains[c.dataIndex];
            if (d) navigate(domainHref(d.domain));
          }}
          table={tables.domains}
        />
      </section>
      {failed?.state === 'error' ? (
        <ErrorBox error={failed.error} retry={() => others.forEach((x) => x.reload())} />
      ) : null}
    </>
  );
}

function bucketStartMinus(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

function ReasonExamples({
  o,
  reason,
  here,
  close,
}: {
  o: Overrides;
  reason: string;
  /** The active filters, as a query string. */
  here: string;
  close: () => void;
}): JSX.Element {
  const item = o.items.find((x) => x.type === reason);
  if (!item) return <></>;
  return (
    <div class="drill" role="region" aria-label={`Reports with override reason ${reasonLabel(reason)}`}>
      <p>
        <strong>{reasonLabel(reason)}</strong>: {formatNumber(item.messages)} messages in {formatNumber(item.reports)}{' '}
        reports. Largest:
      </p>
      <ul>
        {item.examples.map((e) => (
          <li key={e.reportId}>
            <Link href={`/reports/${e.reportId}`}>
              {e.orgName} · {e.domain} · {formatDate(e.date)}
            </Link>{' '}
            ({formatNumber(e.messages)} messages)
          </li>
        ))}
      </ul>
      <p>
        <Link href={`/reports${withParams(here, { reason })}`}>
          All {formatNumber(item.reports)} reports with this reason
        </Link>
      </p>
      <button type="button" class="link" onClick={close}>
        Close
      </button>
    </div>
  );
}
