// Why the given sources fail DMARC: their failing messages grouped by what the reporters saw (From domain, the
// policy-evaluated DKIM and SPF, and the raw DKIM and SPF results with their domains), from the records of those
// sources only (the IP index finds them). The PDF report's "what fails and why" table; the ranking of the sources
// comes from sources.ts.
import type { Queryable } from '../store/database.js';
import { failsDmarc } from '../store/dmarc-sql.js';
import { Params, recordConditions, reportConditions, reportLevel, where, type ScopedFilter } from './filters.js';

export interface FailureCause {
  sourceIp: string;
  headerFrom: string | null;
  /** Policy-evaluated (aligned) results. */
  dkim: string | null;
  spf: string | null;
  /** Raw auth results, "domain=result", sorted; empty when the reporter gave none. */
  dkimResults: string[];
  spfResults: string[];
  messages: number;
  records: number;
}

interface Row {
  source_ip: string;
  header_from: string | null;
  dkim: string | null;
  spf: string | null;
  dkim_results: string[];
  spf_results: string[];
  messages: number;
  records: number;
}

/**
 * The failing messages of each source in `ips` (addresses), by cause, most messages first; at most `perSource`
 * causes per source.
 */
export async function failureCauses(
  db: Queryable,
  f: ScopedFilter,
  ips: string[],
  perSource = 3,
): Promise<FailureCause[]> {
  if (ips.length === 0) return [];
  const p = new Params();
  const cond = [
    ...reportConditions(reportLevel(f), p),
    ...recordConditions(f, p),
    failsDmarc('c'),
    `c.source_ip = ANY(${p.add(ips)}::inet[])`,
  ];
  const auth = (d: string, r: string) =>
    `ARRAY(SELECT DISTINCT coalesce(u.d, '?') || '=' || coalesce(u.r, '?')
       FROM unnest(c.${d}, c.${r}) AS u(d, r) ORDER BY 1)`;
  const r = await db.query<Row>(
    `SELECT host(c.source_ip) AS source_ip, lower(c.header_from) AS header_from, c.dkim, c.spf,
       ${auth('dkim_domains', 'dkim_results')} AS dkim_results, ${auth('spf_domains', 'spf_results')} AS spf_results,
       sum(c.count) AS messages, count(*) AS records
     FROM records c JOIN reports r ON r.id = c.report_id AND r.org_id = c.org_id
     ${where(cond)}
     GROUP BY 1, 2, 3, 4, 5, 6
     ORDER BY messages DESC, 1, 2 NULLS LAST`,
    p.values,
  );
  const seen = new Map<string, number>();
  const out: FailureCause[] = [];
  for (const x of r.rows) {
    const n = seen.get(x.source_ip) ?? 0;
    if (n >= perSource) continue;
    seen.set(x.source_ip, n + 1);
    out.push({
      sourceIp: x.source_ip,
      headerFrom: x.header_from,
      dkim: x.dkim,
      spf: x.spf,
      dkimResults: x.dkim_results,
      spfResults: x.spf_results,
      messages: x.messages,
      records: x.records,
    });
  }
  return out;
}
