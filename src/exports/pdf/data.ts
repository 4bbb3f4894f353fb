// Everything the PDF report shows, from the analytics functions the dashboard's API answers with (so that the
// report's figures equal the dashboard's), for one organisation (every query carries its org_id) and one filter.
// The period is the one /api/rollup/trends resolves (from..to; without them the 30 days ending with the last day
// with data), and every other figure is read for that same period.
import { alignment, type Alignment } from '../../analytics/alignment.js';
import { overrides, reporters, type Overrides, type ReporterItem } from '../../analytics/breakdowns.js';
import { countries, type CountryItem } from '../../analytics/countries.js';
import { domains, type DomainItem } from '../../analytics/domains.js';
import { failureCauses, type FailureCause } from '../../analytics/failure-causes.js';
import type { ScopedFilter } from '../../analytics/filters.js';
import { senders, sortSenders, type SenderItem } from '../../analytics/senders.js';
import { sources, type SourceItem } from '../../analytics/sources.js';
import { emptyFigures, summarise, type SummaryFigures } from '../../analytics/summary.js';
import { timeline, type Interval, type TimelinePoint } from '../../analytics/timeline.js';
import { trends, type Trends } from '../../analytics/trends.js';
import type { Queryable } from '../../store/database.js';

export interface HeadlineFigure {
  current: number | null;
  previous: number | null;
}

export interface ReportData {
  orgName: string;
  /** The filter's domain; undefined: all of the organisation's domains. */
  domain: string | undefined;
  /** The policy domains with reports in the period. */
  domains: string[];
  period: { from: string; to: string; days: number } | null;
  previousPeriod: { from: string; to: string } | null;
  generatedAt: Date;
  summary: SummaryFigures;
  previousSummary: SummaryFigures;
  trends: Trends;
  reporters: { current: number; previous: number };
  /** The reporters with messages in the period, most messages first (at most LIMITS.reporters). */
  reporterItems: ReporterItem[];
  interval: Interval;
  timeline: TimelinePoint[];
  alignment: Alignment;
  /** Most messages first. */
  senders: SenderItem[];
  /** Most failing messages first, failing ones only. */
  failingSenders: SenderItem[];
  topSources: SourceItem[];
  failingSources: SourceItem[];
  causes: FailureCause[];
  countries: CountryItem[];
  overrides: Overrides;
  policies: DomainItem[];
}

export const LIMITS = { senders: 10, sources: 15, failingSources: 10, countries: 10, reporters: 15 } as const;

/** Day buckets up to two months, weeks up to a year and a bit, months beyond. */
export function intervalFor(days: number): Interval {
  return days <= 62 ? 'day' : days <= 400 ? 'week' : 'month';
}

export interface ReportInput {
  orgName: string;
  filter: ScopedFilter;
  now: Date;
}

export async function reportData(db: Queryable, input: ReportInput): Promise<ReportData> {
  const f0 = input.filter;
  const t = await trends(db, f0);
  // every figure for the period the headline compares (period=all / none: as asked)
  const f: ScopedFilter =
    t.period && f0.period !== 'all' ? { ...f0, period: undefined, from: t.period.from, to: t.period.to } : f0;
  const prev: ScopedFilter | null = t.previousPeriod
    ? { ...f0, period: undefined, from: t.previousPeriod.from, to: t.previousPeriod.to }
    : null;
  const interval = intervalFor(t.period?.days ?? 1);
  const [summary, previousSummary, rep, prevRep, tl, al, snd, top, failing, ctry, ovr, pol] = await Promise.all([
    summarise(db, f),
    prev ? summarise(db, prev) : null,
    reporters(db, f, { sort: 'messages', order: 'desc' }),
    prev ? reporters(db, prev, { sort: 'messages', order: 'desc' }) : null,
    timeline(db, f, interval),
    alignment(db, f),
    senders(db, f),
    sources(db, f, { sort: 'messages', order: 'desc', limit: LIMITS.sources, offset: 0 }),
    sources(db, f, { sort: 'dmarcFail', order: 'desc', limit: LIMITS.failingSources, offset: 0 }),
    countries(db, f),
    overrides(db, f),
    domains(db, f, { sort: 'messages', order: 'desc' }),
  ]);
  const failingSources = failing.items.filter((s) => s.dmarcFail > 0);
  const ips = failingSources.flatMap((s) => (s.sourceIp === null ? [] : [s.sourceIp]));
  const causes = await failureCauses(db, f, ips);
  return {
    orgName: input.orgName,
    domain: f0.domain,
    domains: summary.domains.map((d) => d.domain),
    period: t.period,
    previousPeriod: t.previousPeriod,
    generatedAt: input.now,
    summary: summary.totals,
    previousSummary: previousSummary?.totals ?? emptyFigures(),
    trends: t,
    reporters: {
      current: rep.filter((r) => r.messages > 0).length,
      previous: (prevRep ?? []).filter((r) => r.messages > 0).length,
    },
    reporterItems: rep.filter((r) => r.messages > 0).slice(0, LIMITS.reporters),
    interval,
    timeline: tl,
    alignment: al,
    senders: sortSenders(snd, 'messages', 'desc').slice(0, LIMITS.senders),
    failingSenders: sortSenders(
      snd.filter((s) => s.dmarcFail > 0),
      'dmarcFail',
      'desc',
    ).slice(0, LIMITS.senders),
    topSources: top.items,
    failingSources,
    causes,
    countries: ctry,
    overrides: ovr,
    policies: pol,
  };
}

/** Whether the filter matched nothing at all (no report, no message). */
export function isEmpty(d: ReportData): boolean {
  return d.summary.reports === 0 && d.summary.messages === 0;
}
