// The daily series a forecast is fitted on, from the rollups: one domain of one organisation, messages and DMARC
// passes per day over the last HISTORY_DAYS days that end with the domain's last day of data. Days without
// reports inside that span are zeros (no mail reported); reports without a readable period have no day and are
// left out, as on the timeline. Sums as float8: exact below 2^53 messages, and cheaper than numeric sums.
import type { Queryable } from '../../store/database.js';
import { passesDmarc } from '../../store/dmarc-sql.js';

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

export async function dailySeries(db: Queryable, orgId: number, domain: string): Promise<DailySeries> {
  const r = await db.query<Row>(
    // the last day as a scalar subquery: computed once (an init plan), never once per row of a join
    `SELECT d.day, sum(d.messages::float8) AS messages,
       coalesce(sum(d.messages::float8) FILTER (WHERE ${passesDmarc('d')}), 0) AS dmarc_pass
     FROM rollup_daily d
     WHERE d.org_id = $1 AND d.domain = $2
       AND d.day > (SELECT max(day) FROM rollup_daily WHERE org_id = $1 AND domain = $2) - $3::int
     GROUP BY d.day ORDER BY d.day`,
    [orgId, domain, HISTORY_DAYS],
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
