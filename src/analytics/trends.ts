// This period against the previous period of equal length, for the headline figures.
import type { Queryable } from '../store/database.js';
import { Params, rollupConditions, rollupTable, where, type ScopedFilter } from './filters.js';
import { summarise } from './summary.js';

export interface TrendFigures {
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  reports: number;
  sources: number;
  domains: number;
}

export interface TrendDelta {
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  /** Difference of the rates (percentage points / 100); null when either is null. */
  complianceRate: number | null;
  reports: number;
  sources: number;
  domains: number;
}

export interface Trends {
  /** null for the reports without a readable period (period=none): they have no period to compare. */
  period: { from: string; to: string; days: number } | null;
  previousPeriod: { from: string; to: string } | null;
  current: TrendFigures;
  previous: TrendFigures;
  delta: TrendDelta;
  /** Relative change (delta / previous), null when the previous value is 0. */
  change: Record<keyof Omit<TrendFigures, 'complianceRate'>, number | null>;
}

const DAY_MS = 86_400_000;
const iso = (d: Date): string => d.toISOString().slice(0, 10);
const addDays = (day: string, n: number): string => iso(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));

/** The first and last day with data for the filter's domain and reporter (today for both when there is none). */
async function dataSpan(db: Queryable, f: ScopedFilter): Promise<{ first: string; last: string }> {
  const p = new Params();
  const r = await db.query<{ first: string | null; last: string | null }>(
    `SELECT to_char(min(day), 'YYYY-MM-DD') AS first, to_char(max(day), 'YYYY-MM-DD') AS last
     FROM rollup_daily ${where(rollupConditions({ orgId: f.orgId, domain: f.domain, reporter: f.reporter }, p))}`,
    p.values,
  );
  const today = iso(new Date());
  return { first: r.rows[0]?.first ?? today, last: r.rows[0]?.last ?? today };
}

async function figures(db: Queryable, f: ScopedFilter): Promise<TrendFigures> {
  const s = await summarise(db, f);
  const p = new Params();
  const table = rollupTable(f);
  const srcP = new Params();
  const [domains, sources] = await Promise.all([
    db.query<{ n: number }>(
      `SELECT count(DISTINCT domain) AS n FROM ${table} ${where([...rollupConditions(f, p), 'messages > 0'])}`,
      p.values,
    ),
    db.query<{ n: number }>(
      // DISTINCT in a subquery hashes; count(DISTINCT ...) would sort every row.
      `SELECT count(*) AS n FROM (SELECT DISTINCT source_ip FROM rollup_source_daily
         ${where([...rollupConditions(f, srcP), 'messages > 0'])}) s`,
      srcP.values,
    ),
  ]);
  const t = s.totals;
  return {
    messages: t.messages,
    dmarcPass: t.dmarcPass,
    dmarcFail: t.messages - t.dmarcPass,
    complianceRate: t.messages > 0 ? t.dmarcPass / t.messages : null,
    reports: t.reports,
    sources: sources.rows[0]?.n ?? 0,
    domains: domains.rows[0]?.n ?? 0,
  };
}

/**
 * The filter's period against the one of equal length before it. Without from/to: the 30 days ending with the
 * last day with data. period=all: the whole span of the data, its figures including the reports without a
 * readable period (which no span holds), so that they match every other figure of all time.
 * period=none: their figures, against nothing (no period, no previous one).
 */
export async function trends(db: Queryable, f: ScopedFilter): Promise<Trends> {
  if (f.period === 'none') return compare(await figures(db, f), ZERO, null);
  const span = f.from === undefined || f.to === undefined ? await dataSpan(db, f) : null;
  const to = f.to ?? span!.last;
  const from = f.from ?? (f.period === 'all' ? span!.first : addDays(to, -29));
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
  const prevTo = addDays(from, -1);
  const prevFrom = addDays(prevTo, -(days - 1));
  const [current, previous] = await Promise.all([
    figures(db, f.period === 'all' ? f : { ...f, from, to }),
    figures(db, { ...f, period: undefined, from: prevFrom, to: prevTo }),
  ]);
  return compare(current, previous, { period: { from, to, days }, previousPeriod: { from: prevFrom, to: prevTo } });
}

const ZERO: TrendFigures = {
  messages: 0,
  dmarcPass: 0,
  dmarcFail: 0,
  complianceRate: null,
  reports: 0,
  sources: 0,
  domains: 0,
};

function compare(
  current: TrendFigures,
  previous: TrendFigures,
  periods: Pick<Trends, 'period' | 'previousPeriod'> | null,
): Trends {
  const keys = ['messages', 'dmarcPass', 'dmarcFail', 'reports', 'sources', 'domains'] as const;
  const delta = Object.fromEntries(keys.map((k) => [k, current[k] - previous[k]])) as Omit<
    TrendDelta,
    'complianceRate'
  >;
  const change = Object.fromEntries(
    keys.map((k) => [k, previous[k] === 0 ? null : (current[k] - previous[k]) / previous[k]]),
  ) as Trends['change'];
  return {
    period: periods?.period ?? null,
    previousPeriod: periods?.previousPeriod ?? null,
    current,
    previous,
    delta: {
      ...delta,
      complianceRate:
        current.complianceRate === null || previous.complianceRate === null
          ? null
          : current.complianceRate - previous.complianceRate,
    },
    change,
  };
}
