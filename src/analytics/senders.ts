// Per sender (a catalogue service, a group of unknown sources, or one of the organisation's own servers): volume,
// DMARC pass, aligned DKIM/SPF, sources and countries — from the per-source rollup, each (domain, source) given
// its sender by analytics/sender-sql.ts. Every message has a sender, so the items sum to the summary's messages.
import type { Queryable } from '../store/database.js';
import { passesDmarc } from '../store/dmarc-sql.js';
import { Params, rollupConditions, where, type ScopedFilter } from './filters.js';
import { HAS_RULES_SQL, senderColumns, senderJoins } from './sender-sql.js';

export type SenderSort = 'messages' | 'dmarcFail' | 'complianceRate' | 'sources' | 'sender';
export type SenderVerdict = 'approved' | 'not_ours' | 'own' | 'mixed';

export interface SenderItem {
  /** Stable: a catalogue id (sendgrid), a group key (ptr:example.net, asn:64500, unknown), own:<name>. */
  key: string;
  sender: string;
  type: string;
  /** The best confidence among its sources' identifications (null for groups). */
  confidence: 'high' | 'medium' | 'low' | null;
  /** true: approved or our own; false: not ours; null: no word on it (or different words on its sources). */
  approved: boolean | null;
  /** The users' word: null when none; mixed when its sources have different ones. */
  verdict: SenderVerdict | null;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  dkimAlignedPass: number;
  spfAlignedPass: number;
  complianceRate: number | null;
  /** Distinct source addresses (records without a readable address count as one). */
  sources: number;
  /** Distinct countries of its located sources. */
  countries: number;
}

interface Row {
  key: string;
  sender: string;
  type: string;
  confidence: 'high' | 'medium' | 'low' | null;
  verdict: SenderVerdict | null;
  messages: number;
  dmarc_pass: number;
  dkim_aligned_pass: number;
  spf_aligned_pass: number;
  sources: number;
  countries: number;
}

export async function hasSenderRules(db: Queryable, orgId: number): Promise<boolean> {
  return (await db.query<{ yes: boolean }>(HAS_RULES_SQL, [orgId])).rows[0]?.yes ?? false;
}

/** Every sender of the filter's messages, unsorted. */
export async function senders(db: Queryable, f: ScopedFilter): Promise<SenderItem[]> {
  const p = new Params();
  const withRules = await hasSenderRules(db, f.orgId);
  const cond = rollupConditions(f, p);
  const col = senderColumns();
  const r = await db.query<Row>(
    `WITH per_ip AS MATERIALIZED (
       SELECT domain, source_ip, sum(messages::float8) AS messages,
         coalesce(sum(messages::float8) FILTER (WHERE ${passesDmarc()}), 0) AS dmarc_pass,
         coalesce(sum(messages::float8) FILTER (WHERE dkim = 'pass'), 0) AS dkim_aligned_pass,
         coalesce(sum(messages::float8) FILTER (WHERE spf = 'pass'), 0) AS spf_aligned_pass
       FROM rollup_source_daily ${where(cond)}
       GROUP BY domain, source_ip
     ), tagged AS (
       SELECT t.*, ${col.key} AS key, ${col.sender} AS sender, ${col.type} AS type,
         ${col.confidence} AS confidence, ${col.verdict} AS verdict, se.country
       FROM per_ip t ${senderJoins(p, f.orgId, 't.source_ip', 't.domain', { withRules })}
     ), per_key_ip AS (
       -- one row per sender and address (an address sends for several domains), hashed, not sorted
       SELECT key, source_ip, min(country) AS country, min(sender) AS sender, min(type) AS type,
         min(CASE confidence WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 END) AS confidence,
         min(coalesce(verdict, '-')) AS v_min, max(coalesce(verdict, '-')) AS v_max,
         sum(messages) AS messages, sum(dmarc_pass) AS dmarc_pass, sum(dkim_aligned_pass) AS dkim_aligned_pass,
         sum(spf_aligned_pass) AS spf_aligned_pass
       FROM tagged GROUP BY key, source_ip
     )
     SELECT key, min(sender) AS sender, min(type) AS type,
       CASE min(confidence) WHEN 1 THEN 'high' WHEN 2 THEN 'medium' WHEN 3 THEN 'low' END AS confidence,
       CASE WHEN min(v_min) <> max(v_max) THEN 'mixed' WHEN min(v_min) = '-' THEN NULL ELSE min(v_min) END AS verdict,
       sum(messages)::int8 AS messages, sum(dmarc_pass)::int8 AS dmarc_pass,
       sum(dkim_aligned_pass)::int8 AS dkim_aligned_pass, sum(spf_aligned_pass)::int8 AS spf_aligned_pass,
       count(*)::int8 AS sources, count(DISTINCT country)::int8 AS countries
     FROM per_key_ip GROUP BY key`,
    p.values,
  );
  return r.rows.map((x) => ({
    key: x.key,
    sender: x.sender,
    type: x.type,
    confidence: x.confidence,
    approved: x.verdict === 'approved' || x.verdict === 'own' ? true : x.verdict === 'not_ours' ? false : null,
    verdict: x.verdict,
    messages: x.messages,
    dmarcPass: x.dmarc_pass,
    dmarcFail: x.messages - x.dmarc_pass,
    dkimAlignedPass: x.dkim_aligned_pass,
    spfAlignedPass: x.spf_aligned_pass,
    complianceRate: x.messages > 0 ? x.dmarc_pass / x.messages : null,
    sources: x.sources,
    countries: x.countries,
  }));
}

const SORT_KEY: Record<SenderSort, (s: SenderItem) => number | string> = {
  messages: (s) => s.messages,
  dmarcFail: (s) => s.dmarcFail,
  complianceRate: (s) => s.complianceRate ?? -1,
  sources: (s) => s.sources,
  sender: (s) => s.sender.toLowerCase(),
};

/** The senders in the order asked for (ties by key). */
export function sortSenders(items: SenderItem[], sort: SenderSort, order: 'asc' | 'desc'): SenderItem[] {
  const k = SORT_KEY[sort];
  const dir = order === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const x = k(a);
    const y = k(b);
    if (x !== y) return (x < y ? -1 : 1) * dir;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}
