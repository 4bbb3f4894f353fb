// The daily series a forecast is fitted on, from the rollups: one domain of one organisation, narrowed by the same
// filters as the charts it is drawn beside (reporter, source, country, AS, sender, outcome), messages and DMARC
// passes per day over the last HISTORY_DAYS days that end with the last day of the filtered data. Days without
// reports inside that span are zeros (no mail reported); reports without a readable period have no day and are
// left out, as on the timeline. Sums as float8: exact below 2^53 messages, and cheaper than numeric sums.
import type { Queryable } from '../../store/database.js';
import { passesDmarc } from '../../store/dmarc-sql.js';
import { Params, rollupConditions, rollupTable, type ScopedFilter } from '../filters.js';

/** 26 weeks: enough seasons to fit a weekly pattern, recent enough to be today's pattern. */
export const HISTORY_DAYS = 182;

export interface DailySeries {
  /** First and last day, YYYY-MM-DD (null: no day with data). */
  from: string | null;
  to: string | null;
  days: string[];
  messages: number[];
  dmarcPass: number[];
}

interface Row {
  /** YYYY-MM-DD (dates are read as text: type-parsers.ts). */
  day: string;
  messages: number;
  dmarc_pass: number;
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The filter a series is read with: a domain, and no dates (the history is the data's last HISTORY_DAYS). */
export type SeriesFilter = Omit<ScopedFilter, 'from' | 'to' | 'period' | 'domain'> & { domain: string };

export async function dailySeries(db: Queryable, f: SeriesFilter): Promise<DailySeries> {
  const p = new Params();
  const table = rollupTable(f);
  const outer = rollupConditions(f, p, 'd');
  const inner = rollupConditions(f, p, 'l');
  const r = await db.query<Row>(
    // the last day as a scalar subquery: computed once (an init plan), never once per row of a join
    `SELECT d.day, sum(d.messages::float8) AS messages,
       coalesce(sum(d.messages::float8) FILTER (WHERE ${passesDmarc('d')}), 0) AS dmarc_pass
     FROM ${table} d
     WHERE ${outer.join(' AND ')}
       AND d.day > (SELECT max(l.day) FROM ${table} l WHERE ${inner.join(' AND ')}) - ${p.add(HISTORY_DAYS)}::int
     GROUP BY d.day ORDER BY d.day`,
    p.values,
  );
  const first = r.rows[0]?.day;
  const last = r.rows[r.rows.length - 1]?.day;
  const out: DailySeries = { from: first ?? null, to: last ?? null, days: [], messages: [], dmarcPass: [] };
  if (first === undefined || last === undefined) return out;
  const byDay = new Map(r.rows.map((x) => [x.day, x]));
  for (let d = first; d <= last; d = addDays(d, 1)) {
    const x = byDay.get(d);
    out.days.push(d);
    out.messages.push(Number(x?.messages ?? 0));
    out.dmarcPass.push(Number(x?.dmarc_pass ?? 0));
  }
  return out;
}

/**
 * The DMARC failure share of each day. A day without messages has none: it carries the last known share (a day
 * without mail says nothing about how much of it fails); before the first known share, the first one.
 */
export function failureShares(s: DailySeries): number[] {
  const shares = s.messages.map((m, i) => (m > 0 ? (m - s.dmarcPass[i]!) / m : null));
  const firstKnown = shares.find((v) => v !== null) ?? 0;
  let carried = firstKnown;
  return shares.map((v) => (v === null ? carried : (carried = v)));
}
