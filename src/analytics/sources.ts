// Per source IP: volume, DMARC pass/fail, aligned DKIM/SPF, reporters, first/last seen — from the per-source
// rollup.
import type { Queryable } from '../store/database.js';
import { Params, rollupConditions, where, type AnalyticsFilter } from './filters.js';

export type SourceSort = 'messages' | 'dmarcFail' | 'dmarcPass' | 'complianceRate' | 'lastSeen' | 'sourceIp';

export interface SourceItem {
  sourceIp: string | null;
  messages: number;
  records: number;
  dmarcPass: number;
  dmarcFail: number;
  dkimAlignedPass: number;
  spfAlignedPass: number;
  complianceRate: number | null;
  domains: string[];
  reporters: string[];
  firstSeen: string | null;
  lastSeen: string | null;
}

interface Row {
  source_ip: string | null;
  messages: number;
  records: number;
  dmarc_pass: number;
  dkim_aligned_pass: number;
  spf_aligned_pass: number;
  domains: string[];
  reporters: string[];
  first_seen: string | null;
  last_seen: string | null;
  total: number;
}

const SORT_SQL: Record<SourceSort, string> = {
  messages: 'messages',
  dmarcFail: '(messages - dmarc_pass)',
  dmarcPass: 'dmarc_pass',
  complianceRate: 'CASE WHEN messages > 0 THEN dmarc_pass::float8 / messages END',
  lastSeen: 'last_day',
  sourceIp: 'source_ip',
};

export async function sources(
  db: Queryable,
  f: AnalyticsFilter,
  opts: { sort: SourceSort; order: 'asc' | 'desc'; limit: number; offset: number },
): Promise<{ items: SourceItem[]; total: number }> {
  const p = new Params();
  const dir = opts.order === 'asc' ? 'ASC' : 'DESC';
  // Rank first (plain sums over the filtered rows), then collect domains and reporters for the page only:
  // array_agg(DISTINCT ...) over every source would cost more than the ranking itself.
  const cond = rollupConditions(f, p);
  const r = await db.query<Row>(
    `WITH s AS (
       SELECT source_ip, sum(messages) AS messages, sum(records) AS records,
         coalesce(sum(messages) FILTER (WHERE dkim = 'pass' OR spf = 'pass'), 0) AS dmarc_pass,
         coalesce(sum(messages) FILTER (WHERE dkim = 'pass'), 0) AS dkim_aligned_pass,
         coalesce(sum(messages) FILTER (WHERE spf = 'pass'), 0) AS spf_aligned_pass,
         min(day) AS first_day, max(day) AS last_day
       FROM rollup_source_daily ${where(cond)}
       GROUP BY source_ip
     ), ranked AS MATERIALIZED (
       SELECT s.*, count(*) OVER () AS total FROM s
       ORDER BY ${SORT_SQL[opts.sort]} ${dir} NULLS LAST, s.source_ip ASC NULLS LAST
       LIMIT ${p.add(opts.limit)} OFFSET ${p.add(opts.offset)}
     ), page AS (
       -- numbered in the order the ranking produced them
       SELECT ranked.*, row_number() OVER () AS ord FROM ranked
     )
     SELECT host(page.source_ip) AS source_ip, messages, records, dmarc_pass, dkim_aligned_pass, spf_aligned_pass,
       to_char(first_day, 'YYYY-MM-DD') AS first_seen, to_char(last_day, 'YYYY-MM-DD') AS last_seen, total,
       coalesce(d1.domains, d2.domains, '{}') AS domains, coalesce(d1.reporters, d2.reporters, '{}') AS reporters
     FROM page
     -- two lookups so that the IP index serves both (a source without an IP is matched with IS NULL)
     CROSS JOIN LATERAL (
       SELECT array_agg(DISTINCT x.domain ORDER BY x.domain) AS domains,
         array_agg(DISTINCT x.org_name ORDER BY x.org_name) AS reporters
       FROM rollup_source_daily x ${where([...rollupConditions(f, p, 'x'), 'x.source_ip = page.source_ip'])}
     ) d1
     CROSS JOIN LATERAL (
       SELECT array_agg(DISTINCT x.domain ORDER BY x.domain) AS domains,
         array_agg(DISTINCT x.org_name ORDER BY x.org_name) AS reporters
       FROM rollup_source_daily x
       ${where([...rollupConditions(f, p, 'x'), 'page.source_ip IS NULL', 'x.source_ip IS NULL'])}
     ) d2
     ORDER BY page.ord`,
    p.values,
  );
  let total = r.rows[0]?.total;
  if (total === undefined && opts.offset > 0) {
    const cp = new Params();
    const c = await db.query<{ n: number }>(
      `SELECT count(DISTINCT source_ip) + max(CASE WHEN source_ip IS NULL THEN 1 ELSE 0 END) AS n
       FROM rollup_source_daily ${where(rollupConditions(f, cp))}`,
      cp.values,
    );
    total = c.rows[0]?.n ?? 0;
  }
  return {
    total: total ?? 0,
    items: r.rows.map((x) => ({
      sourceIp: x.source_ip,
      messages: x.messages,
      records: x.records,
      dmarcPass: x.dmarc_pass,
      dmarcFail: x.messages - x.dmarc_pass,
      dkimAlignedPass: x.dkim_aligned_pass,
      spfAlignedPass: x.spf_aligned_pass,
      complianceRate: x.messages > 0 ? x.dmarc_pass / x.messages : null,
      domains: x.domains,
      reporters: x.reporters,
      firstSeen: x.first_seen,
      lastSeen: x.last_seen,
    })),
  };
}
