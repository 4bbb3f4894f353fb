// Messages per day (or week / month) for the volume and compliance charts, from the rollups.
import type { Queryable } from '../store/database.js';
import { passesDmarc } from '../store/dmarc-sql.js';
import { Params, rollupConditions, rollupTable, where, type ScopedFilter } from './filters.js';

export type Interval = 'day' | 'week' | 'month';

export interface TimelinePoint {
  /** First day of the bucket, YYYY-MM-DD (weeks start on Monday). */
  date: string;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  disposition: { none: number; quarantine: number; reject: number; pass: number };
  complianceRate: number | null;
}

interface Row {
  date: string;
  messages: number;
  dmarc_pass: number;
  disp_none: number;
  disp_quarantine: number;
  disp_reject: number;
  disp_pass: number;
}

function bucketStart(day: string, interval: Interval): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (interval === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  if (interval === 'month') d.setUTCDate(1);
  return d.toISOString().slice(0, 10);
}

function nextBucket(day: string, interval: Interval): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (interval === 'day') d.setUTCDate(d.getUTCDate() + 1);
  else if (interval === 'week') d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
}

const MAX_BUCKETS = 20_000;

/**
 * One point per bucket from the first to the last (the filter's from/to when given, else the data's), with
 * zeros where there is no data, so that charts show gaps as gaps — unless that would be more than MAX_BUCKETS
 * points: then only the buckets that have data. Reports without a readable period are left
 * out (they have no day).
 */
export async function timeline(db: Queryable, f: ScopedFilter, interval: Interval): Promise<TimelinePoint[]> {
  const p = new Params();
  const table = rollupTable(f);
  const cond = [...rollupConditions(f, p), 'day IS NOT NULL'];
  const trunc = p.add(interval);
  const sums = `sum(messages) AS messages,
    coalesce(sum(messages) FILTER (WHERE ${passesDmarc()}), 0) AS dmarc_pass,
    coalesce(sum(messages) FILTER (WHERE disposition = 'none'), 0) AS disp_none,
    coalesce(sum(messages) FILTER (WHERE disposition = 'quarantine'), 0) AS disp_quarantine,
    coalesce(sum(messages) FILTER (WHERE disposition = 'reject'), 0) AS disp_reject,
    coalesce(sum(messages) FILTER (WHERE disposition = 'pass'), 0) AS disp_pass`;
  const r = await db.query<Row>(
    `SELECT to_char(date_trunc(${trunc}, day::timestamp), 'YYYY-MM-DD') AS date, ${sums}
     FROM ${table} ${where(cond)} GROUP BY 1 ORDER BY 1`,
    p.values,
  );
  const byDate = new Map(r.rows.map((x) => [x.date, x]));
  const first = f.from ? bucketStart(f.from, interval) : r.rows[0]?.date;
  const last = f.to ? bucketStart(f.to, interval) : r.rows[r.rows.length - 1]?.date;
  if (first === undefined || last === undefined) return [];
  const point = (d: string): TimelinePoint => {
    const x = byDate.get(d);
    const messages = x?.messages ?? 0;
    const pass = x?.dmarc_pass ?? 0;
    return {
      date: d,
      messages,
      dmarcPass: pass,
      dmarcFail: messages - pass,
      disposition: {
        none: x?.disp_none ?? 0,
        quarantine: x?.disp_quarantine ?? 0,
        reject: x?.disp_reject ?? 0,
        pass: x?.disp_pass ?? 0,
      },
      complianceRate: messages > 0 ? pass / messages : null,
    };
  };
  const out: TimelinePoint[] = [];
  for (let d = first; d <= last; d = nextBucket(d, interval)) {
    // A span too long to fill (decades of days): the buckets with data only, never a cut-off.
    if (out.length >= MAX_BUCKETS) return r.rows.map((x) => point(x.date));
    out.push(point(d));
  }
  return out;
}
