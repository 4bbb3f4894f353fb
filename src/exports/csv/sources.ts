// sources.csv: one row per source address of the filtered messages (from the per-source rollup), in address
// order, keyset-paged on the address; the records without a readable address come last, as one row.
import { Params, rollupConditions, where, type ScopedFilter } from '../../analytics/filters.js';
import { senderColumns, senderJoins } from '../../analytics/sender-sql.js';
import { hasSenderRules } from '../../analytics/senders.js';
import type { Queryable } from '../../store/database.js';
import { passesDmarc } from '../../store/dmarc-sql.js';
import { joinList, type Column } from './cells.js';
import { keysetPages, type ExportKind, type PageOptions } from './stream.js';

export interface SourceRow {
  source_ip: string | null;
  messages: number;
  records: number;
  dmarc_pass: number;
  dkim_aligned_pass: number;
  spf_aligned_pass: number;
  first_seen: string | null;
  last_seen: string | null;
  domains: string[];
  reporters: string[];
  country: string | null;
  asn: number | null;
  as_org: string | null;
  ptr: string | null;
  sender: string;
  sender_key: string;
}

export const SOURCE_COLUMNS: readonly Column<SourceRow>[] = [
  { name: 'source_ip', type: 'text', get: (r) => r.source_ip },
  { name: 'messages', type: 'number', get: (r) => r.messages },
  { name: 'records', type: 'number', get: (r) => r.records },
  { name: 'dmarc_pass', type: 'number', get: (r) => r.dmarc_pass },
  { name: 'dmarc_fail', type: 'number', get: (r) => r.messages - r.dmarc_pass },
  { name: 'dkim_aligned_pass', type: 'number', get: (r) => r.dkim_aligned_pass },
  { name: 'spf_aligned_pass', type: 'number', get: (r) => r.spf_aligned_pass },
  { name: 'compliance_rate', type: 'number', get: (r) => (r.messages > 0 ? r.dmarc_pass / r.messages : null) },
  { name: 'domains', type: 'text', get: (r) => joinList(r.domains) },
  { name: 'reporters', type: 'text', get: (r) => joinList(r.reporters) },
  { name: 'first_seen', type: 'text', get: (r) => r.first_seen },
  { name: 'last_seen', type: 'text', get: (r) => r.last_seen },
  { name: 'country', type: 'text', get: (r) => r.country },
  { name: 'asn', type: 'number', get: (r) => r.asn },
  { name: 'as_org', type: 'text', get: (r) => r.as_org },
  { name: 'ptr', type: 'text', get: (r) => r.ptr },
  { name: 'sender', type: 'text', get: (r) => r.sender },
  { name: 'sender_key', type: 'text', get: (r) => r.sender_key },
];

/** One page: the sources after `after` (an address), or with `nullIp` the group without an address. */
async function sourcePage(
  db: Queryable,
  f: ScopedFilter,
  withRules: boolean,
  range: { after?: string; nullIp?: boolean },
  limit: number,
): Promise<SourceRow[]> {
  const p = new Params();
  const cond = rollupConditions(f, p);
  if (range.nullIp) cond.push('source_ip IS NULL');
  else cond.push(range.after !== undefined ? `source_ip > ${p.add(range.after)}::inet` : 'source_ip IS NOT NULL');
  const col = senderColumns();
  const res = await db.query<SourceRow>(
    `WITH page AS MATERIALIZED (
       SELECT source_ip, sum(messages) AS messages, sum(records) AS records,
         coalesce(sum(messages) FILTER (WHERE ${passesDmarc()}), 0) AS dmarc_pass,
         coalesce(sum(messages) FILTER (WHERE dkim = 'pass'), 0) AS dkim_aligned_pass,
         coalesce(sum(messages) FILTER (WHERE spf = 'pass'), 0) AS spf_aligned_pass,
         to_char(min(day), 'YYYY-MM-DD') AS first_seen, to_char(max(day), 'YYYY-MM-DD') AS last_seen,
         array_agg(DISTINCT domain ORDER BY domain) AS domains,
         array_agg(DISTINCT reporter ORDER BY reporter) AS reporters
       FROM rollup_source_daily ${where(cond)}
       GROUP BY source_ip ORDER BY source_ip LIMIT ${p.add(limit)}
     )
     SELECT host(page.source_ip) AS source_ip, page.messages, page.records, page.dmarc_pass, page.dkim_aligned_pass,
       page.spf_aligned_pass, page.first_seen, page.last_seen, page.domains, page.reporters,
       se.country, se.asn, se.as_org, se.ptr, ${col.sender} AS sender, ${col.key} AS sender_key
     FROM page ${senderJoins(p, f.orgId, 'page.source_ip', 'page.domains[1]', { withRules })}
     ORDER BY page.source_ip`,
    p.values,
  );
  return res.rows;
}

export const sourcesExport: ExportKind<ScopedFilter, SourceRow> = {
  name: 'sources',
  columns: SOURCE_COLUMNS,
  async *pages(db, f, opts: PageOptions) {
    const withRules = await hasSenderRules(db, f.orgId);
    yield* keysetPages(
      (after: string | undefined, limit) => sourcePage(db, f, withRules, { after }, limit),
      (row) => row.source_ip ?? '',
      opts,
    );
    if (opts.signal?.aborted) return;
    const rest = await sourcePage(db, f, withRules, { nullIp: true }, 1);
    if (rest.length > 0) yield rest;
  },
};
