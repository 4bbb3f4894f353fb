// Per source IP: volume, DMARC pass/fail, aligned DKIM/SPF, reporters, first/last seen — from the per-source
// rollup.
import type { Queryable } from '../store/database.js';
import { passesDmarc } from '../store/dmarc-sql.js';
import { Params, rollupConditions, where, type ScopedFilter } from './filters.js';
import { senderColumns, senderJoins } from './sender-sql.js';
import { hasSenderRules } from './senders.js';

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
  /** From the address's enrichment (null: not enriched, or not known). */
  country: string | null;
  asn: number | null;
  asOrg: string | null;
  ptr: string | null;
  /** Its sender's name (for its first policy domain, when a rule holds for one domain only) and key. */
  sender: string;
  senderKey: string;
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
  country: string | null;
  asn: number | null;
  as_org: string | null;
  ptr: string | null;
  sender: string;
  sender_key: string;
}

// The ranking reads every source of the period, so it computes only its sort key. float8 sums: pass-by-value
// accumulators, about twice as fast as sum(bigint) over 100,000+ groups, and exact below 2^53 (the figures
// returned are summed again as integers for the page's rows).
const PASS = passesDmarc();
const RANK_SQL: Record<SourceSort, string> = {
  messages: 'sum(messages::float8)',
  dmarcFail: `sum(CASE WHEN ${PASS} THEN 0 ELSE messages END::float8)`,
  dmarcPass: `sum(CASE WHEN ${PASS} THEN messages ELSE 0 END::float8)`,
  complianceRate: `CASE WHEN sum(messages::float8) > 0 THEN sum(CASE WHEN ${PASS} THEN messages ELSE 0 END::float8) / sum(messages::float8) END`,
  lastSeen: 'max(day)',
  sourceIp: 'NULL::int',
};

export async function sources(
  db: Queryable,
  f: ScopedFilter,
  opts: { sort: SourceSort; order: 'asc' | 'desc'; limit: number; offset: number },
): Promise<{ items: SourceItem[]; total: number }> {
  const p = new Params();
  const dir = opts.order === 'asc' ? 'ASC' : 'DESC';
  const ipDir = opts.sort === 'sourceIp' ? dir : 'ASC';
  // Rank first, then sum the figures and collect domains and reporters for the page's sources only, through
  // the IP index: aggregating every figure for every source would cost more than the ranking itself.
  const cond = rollupConditions(f, p);
  const withRules = await hasSenderRules(db, f.orgId);
  const col = senderColumns();
  const r = await db.query<Row>(
    `WITH ranked AS MATERIALIZED (
       SELECT source_ip, ${RANK_SQL[opts.sort]} AS rank_key, count(*) OVER () AS total
       FROM rollup_source_daily ${where(cond)}
       GROUP BY source_ip
       ORDER BY rank_key ${dir} NULLS LAST, source_ip ${ipDir} NULLS LAST
       LIMIT ${p.add(opts.limit)} OFFSET ${p.add(opts.offset)}
     ), page AS (
       -- numbered in the order the ranking produced them
       SELECT ranked.*, row_number() OVER () AS ord FROM ranked
     )
     SELECT host(page.source_ip) AS source_ip, total, d.messages, d.records, d.dmarc_pass, d.dkim_aligned_pass,
       d.spf_aligned_pass, to_char(d.first_day, 'YYYY-MM-DD') AS first_seen,
       to_char(d.last_day, 'YYYY-MM-DD') AS last_seen, d.domains, d.reporters,
       se.country, se.asn, se.as_org, se.ptr, ${col.sender} AS sender, ${col.key} AS sender_key
     FROM page
     CROSS JOIN LATERAL (
       SELECT coalesce(sum(x.messages), 0) AS messages, coalesce(sum(x.records), 0) AS records,
         coalesce(sum(x.messages) FILTER (WHERE ${passesDmarc('x')}), 0) AS dmarc_pass,
         coalesce(sum(x.messages) FILTER (WHERE x.dkim = 'pass'), 0) AS dkim_aligned_pass,
         coalesce(sum(x.messages) FILTER (WHERE x.spf = 'pass'), 0) AS spf_aligned_pass,
         min(x.day) AS first_day, max(x.day) AS last_day,
         coalesce(array_agg(DISTINCT x.domain ORDER BY x.domain), '{}') AS domains,
         coalesce(array_agg(DISTINCT x.reporter ORDER BY x.reporter), '{}') AS reporters
       FROM (
         -- two arms so that the IP index serves both (a source without an IP is matched with IS NULL)
         SELECT * FROM rollup_source_daily WHERE org_id = ${p.add(f.orgId)} AND source_ip = page.source_ip
         UNION ALL
         SELECT * FROM rollup_source_daily
         WHERE org_id = $${p.values.length} AND page.source_ip IS NULL AND source_ip IS NULL
       ) x ${where(rollupConditions(f, p, 'x'))}
     ) d
     ${senderJoins(p, f.orgId, 'page.source_ip', 'd.domains[1]', { withRules })}
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
      country: x.country,
      asn: x.asn,
      asOrg: x.as_org,
      ptr: x.ptr,
      sender: x.sender,
      senderKey: x.sender_key,
    })),
  };
}
