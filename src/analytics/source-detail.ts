// One source address of an organisation: what is known of it (enrichment, the identification with its evidence,
// its sender per domain after the organisation's rules) and its figures, in total and per day, from the
// per-source rollup. Undefined for an address that never sent mail in the organisation's reports.
import type { Queryable } from '../store/database.js';
import { passesDmarc } from '../store/dmarc-sql.js';
import { enrichmentFor } from '../store/ip-enrichment.js';
import { enrichmentAnswer, type EnrichmentAnswer } from './enrichment-view.js';
import { storedSenders } from '../store/source-senders.js';
import { Params } from './filters.js';
import { senderColumns, senderJoins } from './sender-sql.js';

export interface SourceDay {
  date: string | null;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
}

export interface SourceDomainSender {
  domain: string;
  key: string;
  sender: string;
  type: string;
  confidence: 'high' | 'medium' | 'low' | null;
  verdict: 'approved' | 'not_ours' | 'own' | null;
}

export interface SourceDetail {
  ip: string;
  enrichment: EnrichmentAnswer | null;
  identification: {
    key: string;
    sender: string;
    type: string;
    confidence: 'high' | 'medium' | 'low' | null;
    known: boolean;
    reason: string;
    evidence: unknown[];
    alternatives: unknown[];
    identifiedAt: string;
  } | null;
  /** The sender of its mail per policy domain (a rule may be for one domain). */
  senders: SourceDomainSender[];
  totals: {
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
  };
  /** Per report day (null: reports without a readable period), oldest first. */
  days: SourceDay[];
}

interface TotalsRow {
  messages: number;
  records: number;
  dmarc_pass: number;
  dkim_aligned_pass: number;
  spf_aligned_pass: number;
  domains: string[];
  reporters: string[];
  first_seen: string | null;
  last_seen: string | null;
  n: number;
}

/** `ip`: an address (no network), as net.isIP accepts it. */
export async function sourceDetail(db: Queryable, orgId: number, ip: string): Promise<SourceDetail | undefined> {
  const t = await db.query<TotalsRow>(
    `SELECT count(*)::int8 AS n, coalesce(sum(messages), 0) AS messages, coalesce(sum(records), 0) AS records,
       coalesce(sum(messages) FILTER (WHERE ${passesDmarc()}), 0) AS dmarc_pass,
       coalesce(sum(messages) FILTER (WHERE dkim = 'pass'), 0) AS dkim_aligned_pass,
       coalesce(sum(messages) FILTER (WHERE spf = 'pass'), 0) AS spf_aligned_pass,
       coalesce(array_agg(DISTINCT domain ORDER BY domain), '{}') AS domains,
       coalesce(array_agg(DISTINCT reporter ORDER BY reporter), '{}') AS reporters,
       to_char(min(day), 'YYYY-MM-DD') AS first_seen, to_char(max(day), 'YYYY-MM-DD') AS last_seen
     FROM rollup_source_daily WHERE org_id = $1 AND source_ip = $2::inet`,
    [orgId, ip],
  );
  const row = t.rows[0];
  if (!row || row.n === 0) return undefined;
  const days = await db.query<{ date: string | null; messages: number; dmarc_pass: number }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS date, sum(messages) AS messages,
       coalesce(sum(messages) FILTER (WHERE ${passesDmarc()}), 0) AS dmarc_pass
     FROM rollup_source_daily WHERE org_id = $1 AND source_ip = $2::inet
     GROUP BY day ORDER BY day NULLS FIRST`,
    [orgId, ip],
  );
  const p = new Params();
  const col = senderColumns();
  const addr = p.add(ip);
  const bySender = await db.query<SourceDomainSender>(
    `SELECT t.domain, ${col.key} AS key, ${col.sender} AS sender, ${col.type} AS type,
       ${col.confidence} AS confidence, ${col.verdict} AS verdict
     FROM (SELECT DISTINCT domain, source_ip FROM rollup_source_daily
           WHERE org_id = ${p.add(orgId)} AND source_ip = ${addr}::inet) t
     ${senderJoins(p, orgId, 't.source_ip', 't.domain')}
     ORDER BY t.domain`,
    p.values,
  );
  const canonical = (await db.query<{ ip: string }>('SELECT host($1::inet) AS ip', [ip])).rows[0]!.ip;
  const e = (await enrichmentFor(db, orgId, [canonical])).get(canonical);
  const s = (await storedSenders(db, orgId, [canonical])).get(canonical);
  return {
    ip: canonical,
    enrichment: e ? enrichmentAnswer(e) : null,
    identification: s
      ? {
          key: s.senderKey,
          sender: s.sender,
          type: s.type,
          confidence: s.confidence,
          known: s.known,
          reason: s.reason,
          evidence: s.evidence,
          alternatives: s.alternatives,
          identifiedAt: new Date(s.identifiedAt).toISOString(),
        }
      : null,
    senders: bySender.rows,
    totals: {
      messages: row.messages,
      records: row.records,
      dmarcPass: row.dmarc_pass,
      dmarcFail: row.messages - row.dmarc_pass,
      dkimAlignedPass: row.dkim_aligned_pass,
      spfAlignedPass: row.spf_aligned_pass,
      complianceRate: row.messages > 0 ? row.dmarc_pass / row.messages : null,
      domains: row.domains,
      reporters: row.reporters,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
    },
    days: days.rows.map((d) => ({
      date: d.date,
      messages: d.messages,
      dmarcPass: d.dmarc_pass,
      dmarcFail: d.messages - d.dmarc_pass,
    })),
  };
}
