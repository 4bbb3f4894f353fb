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
  period: { from: string; to: string; days: number };
  previousPeriod: { from: string; to: string };
  current: TrendFigures;
  previous: TrendFigures;
  delta: TrendDelta;
  /** Relative change (delta / previous), null when the previous value is 0. */
  change: Record<keyof Omit<TrendFigures, 'complianceRate'>, number | null>;
}

const DAY_MS = 86_400_000;
const iso = (d: Date): string => d.toISOString().slice(0, 10);
const addDays = (day: string, n: number): string => iso(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));

/** Default period: the 30 days ending with the last day that has data (or today). */
async function defaultEnd(db: Queryable, f: ScopedFilter): Promise<string> {
  const p = new Params();
  const r = await db.query<{ d: string | null }>(
    `SELECT to_char(max(day), 'YYYY-MM-DD') AS d FROM rollup_daily ${where(rollupConditions({ orgId: f.orgId, domain: f.domain, reporter: f.reporter }, p))}`,
    p.values,
  );
  return r.rows[0]?.d ?? iso(new Date());
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

export async function trends(db: Queryable, f: ScopedFilter): Promise<Trends> {
  const to = f.to ?? (await defaultEnd(db, f));
  const from = f.from ?? addDays(to, -29);
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
  const prevTo = addDays(from, -1);
  const prevFrom = addDays(prevTo, -(days - 1));
  const [current, previous] = await Promise.all([
    figures(db, { ...f, from, to }),
    figures(db, { ...f, from: prevFrom, to: prevTo }),
  ]);
  const keys = ['messages', 'dmarcPass', 'dmarcFail', 'reports', 'sources', 'domains'] as const;
  const delta = Object.fromEntries(keys.map((k) => [k, current[k] - previous[k]])) as Omit<
    TrendDelta,
    'complianceRate'
  >;
  const change = Object.fromEntries(
    keys.map((k) => [k, previous[k] === 0 ? null : (current[k] - previous[k]) / previous[k]]),
  ) as Trends['change'];
  return {
    period: { from, to, days },
    previousPeriod: { from: prevFrom, to: prevTo },
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
