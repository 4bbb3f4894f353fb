// What a report adds to the rollups, accumulated record by record while it is stored: message counters per
// outcome (disposition, aligned DKIM, aligned SPF) for the daily rollup, and per source IP for the sources one.
import { recordPassesDmarc, type ReportRecord } from '../model/aggregate.js';

/** The outcome dimensions of a daily rollup row. */
export interface Outcome {
  disposition: string | null;
  dkim: string | null;
  spf: string | null;
}

export interface DailyRow extends Outcome {
  records: number;
  messages: number;
  /** Raw DKIM/SPF authentication (any auth result pass), aligned or not. */
  dkimAuthPass: number;
  spfAuthPass: number;
}

export interface SourceRow extends DailyRow {
  sourceIp: string | null;
}

/** "disposition/dkim/spf" with '-' for a missing value: also the report's facet string. */
export function outcomeKey(o: Outcome): string {
  return `${o.disposition ?? '-'}/${o.dkim ?? '-'}/${o.spf ?? '-'}`;
}

const byKey = <T>(m: Map<string, T>): T[] =>
  [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);

const dkimAuthPass = (r: ReportRecord): boolean => r.dkimResults.some((x) => x.result === 'pass');
const spfAuthPass = (r: ReportRecord): boolean => r.spfResults.some((x) => x.result === 'pass');

/** Messages of a report's records carrying an override reason, by reason and outcome ('*' = any reason). */
export interface ReasonRow extends Outcome {
  reason: string;
  records: number;
  messages: number;
}

/** The whole report's contribution to rollup_daily and report_reasons, plus its totals and facets. */
export class RollupDelta {
  messages = 0;
  dmarcPass = 0;
  private readonly daily = new Map<string, DailyRow>();
  private readonly reasons = new Map<string, ReasonRow>();

  add(r: ReportRecord): void {
    const n = r.count;
    this.messages += n;
    if (recordPassesDmarc(r)) this.dmarcPass += n;
    const ok = outcomeKey(r);
    let d = this.daily.get(ok);
    if (!d) {
      d = {
        disposition: r.disposition,
        dkim: r.dkim,
        spf: r.spf,
        records: 0,
        messages: 0,
        dkimAuthPass: 0,
        spfAuthPass: 0,
      };
      this.daily.set(ok, d);
    }
    d.records++;
    d.messages += n;
    if (dkimAuthPass(r)) d.dkimAuthPass += n;
    if (spfAuthPass(r)) d.spfAuthPass += n;
    if (r.reasons.length > 0) {
      for (const reason of new Set(['*', ...r.reasons.map((x) => x.type.toLowerCase())])) {
        const key = `${reason}\u0000${ok}`;
        let x = this.reasons.get(key);
        if (!x) {
          x = { reason, disposition: r.disposition, dkim: r.dkim, spf: r.spf, records: 0, messages: 0 };
          this.reasons.set(key, x);
        }
        x.records++;
        x.messages += n;
      }
    }
  }

  reasonRows(): ReasonRow[] {
    return byKey(this.reasons);
  }

  /** Distinct outcomes, sorted: the report's facets. */
  facets(): string[] {
    return [...this.daily.keys()].sort();
  }

  /** Rows sorted by key, so that concurrent writers lock rollup rows in the same order. */
  dailyRows(): DailyRow[] {
    return byKey(this.daily);
  }
}

/** A batch of records' contribution to rollup_source_daily (applied batch by batch while parsing goes on). */
export function sourceRows(records: readonly ReportRecord[]): SourceRow[] {
  const sources = new Map<string, SourceRow>();
  for (const r of records) {
    const key = `${r.sourceIp ?? ''} ${outcomeKey(r)}`;
    let s = sources.get(key);
    if (!s) {
      s = {
        sourceIp: r.sourceIp,
        disposition: r.disposition,
        dkim: r.dkim,
        spf: r.spf,
        records: 0,
        messages: 0,
        dkimAuthPass: 0,
        spfAuthPass: 0,
      };
      sources.set(key, s);
    }
    s.records++;
    s.messages += r.count;
    if (dkimAuthPass(r)) s.dkimAuthPass += r.count;
    if (spfAuthPass(r)) s.spfAuthPass += r.count;
  }
  return byKey(sources);
}
