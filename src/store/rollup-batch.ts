// Many reports' rollup deltas added up in memory and written with one upsert per rollup table (and one insert of
// their override reasons) when the batch's transaction ends: a small report then costs no rollup statement of its
// own. Rows are merged on the tables' keys (one upsert may not touch a row twice) and written in key order, so
// that concurrent writers lock them in the same order.
import type { Queryable } from './database.js';
import { outcomeKey, type DailyRow, type ReasonRow, type RollupDelta, type SourceRow } from './rollup-delta.js';
import { ROLLUP_COUNTERS, type RollupKey } from './rollups.js';

interface Slice {
  orgId: number;
  domain: string;
  /** 'YYYY-MM-DD' (UTC) of the report's begin, as the single-report upserts compute it; null when unknown. */
  day: string | null;
  reporter: string;
}

type Keyed<T> = Slice & T;

const ADD = (t: string): string => ROLLUP_COUNTERS.map((c) => `${c} = ${t}.${c} + EXCLUDED.${c}`).join(', ');

function dayOf(begin: number | null): string | null {
  return begin === null ? null : new Date(begin * 1000).toISOString().slice(0, 10);
}

/** Whether a report's rows can wait for the batch: its day is computable here (JavaScript dates end in 275760). */
export function deferrable(begin: number | null): boolean {
  return begin === null || Math.abs(begin) <= 8.64e12;
}

function sliceOf(key: RollupKey): Slice {
  return { orgId: key.orgId, domain: key.domain, day: dayOf(key.begin), reporter: key.reporter };
}

const sliceKey = (s: Slice): string => `${s.orgId}\u0000${s.domain}\u0000${s.day ?? ''}\u0000${s.reporter}`;

function addCounters(into: DailyRow, row: DailyRow): void {
  into.records += row.records;
  into.messages += row.messages;
  into.dkimAuthPass += row.dkimAuthPass;
  into.spfAuthPass += row.spfAuthPass;
}

const sorted = <T>(m: Map<string, T>): T[] =>
  [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);

export class RollupBatch {
  private readonly daily = new Map<string, Keyed<DailyRow>>();
  private readonly sources = new Map<string, Keyed<SourceRow>>();
  private readonly reasons: Keyed<ReasonRow & { reportId: number }>[] = [];

  /** A stored report's whole contribution: its daily delta, its per-source rows and its override reasons. */
  add(key: RollupKey, reportId: number, delta: RollupDelta, sources: readonly SourceRow[]): void {
    const slice = sliceOf(key);
    const sk = sliceKey(slice);
    for (const row of delta.dailyRows()) {
      const k = `${sk}\u0000${outcomeKey(row)}`;
      const had = this.daily.get(k);
      if (had) addCounters(had, row);
      else this.daily.set(k, { ...slice, ...row });
    }
    for (const row of sources) {
      const k = `${sk}\u0000${row.sourceIp ?? ''}\u0000${outcomeKey(row)}`;
      const had = this.sources.get(k);
      if (had) addCounters(had, row);
      else this.sources.set(k, { ...slice, ...row });
    }
    for (const row of delta.reasonRows()) this.reasons.push({ ...slice, ...row, reportId });
  }

  /** Writes what was added (inside the batch's transaction) and starts empty again. */
  async flush(tx: Queryable): Promise<void> {
    const daily = sorted(this.daily);
    const sources = sorted(this.sources);
    const reasons = this.reasons.splice(0);
    this.daily.clear();
    this.sources.clear();
    const counters = ROLLUP_COUNTERS.join(', ');
    const slices = <T extends Slice>(rows: T[]): unknown[] => [
      rows.map((r) => r.orgId),
      rows.map((r) => r.domain),
      rows.map((r) => r.day),
      rows.map((r) => r.reporter),
    ];
    const outcomes = <T extends DailyRow>(rows: T[]): unknown[] => [
      rows.map((r) => r.disposition),
      rows.map((r) => r.dkim),
      rows.map((r) => r.spf),
      rows.map((r) => r.records),
      rows.map((r) => r.messages),
      rows.map((r) => r.dkimAuthPass),
      rows.map((r) => r.spfAuthPass),
    ];
    if (daily.length > 0) {
      await tx.query(
        `INSERT INTO rollup_daily (org_id, domain, day, reporter, disposition, dkim, spf, ${counters})
         SELECT * FROM unnest($1::int8[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::int8[], $9::int8[], $10::int8[], $11::int8[])
         ON CONFLICT ON CONSTRAINT rollup_daily_key DO UPDATE SET ${ADD('rollup_daily')}`,
        [...slices(daily), ...outcomes(daily)],
      );
    }
    if (sources.length > 0) {
      await tx.query(
        `INSERT INTO rollup_source_daily (org_id, domain, day, reporter, source_ip, disposition, dkim, spf,
           ${counters})
         SELECT * FROM unnest($1::int8[], $2::text[], $3::date[], $4::text[], $5::inet[], $6::text[], $7::text[],
           $8::text[], $9::int8[], $10::int8[], $11::int8[], $12::int8[])
         ON CONFLICT ON CONSTRAINT rollup_source_daily_key DO UPDATE SET ${ADD('rollup_source_daily')}`,
        [...slices(sources), sources.map((r) => r.sourceIp), ...outcomes(sources)],
      );
    }
    if (reasons.length > 0) {
      await tx.query(
        `INSERT INTO report_reasons (org_id, domain, day, reporter, report_id, reason, disposition, dkim, spf,
           records, messages)
         SELECT * FROM unnest($1::int8[], $2::text[], $3::date[], $4::text[], $5::int8[], $6::text[], $7::text[],
           $8::text[], $9::text[], $10::int8[], $11::int8[])`,
        [
          ...slices(reasons),
          reasons.map((r) => r.reportId),
          reasons.map((r) => r.reason),
          reasons.map((r) => r.disposition),
          reasons.map((r) => r.dkim),
          reasons.map((r) => r.spf),
          reasons.map((r) => r.records),
          reasons.map((r) => r.messages),
        ],
      );
    }
  }
}
