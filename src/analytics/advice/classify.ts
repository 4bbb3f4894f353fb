// Why each message of a policy domain fails (or passes) DMARC, for a period: every record of the domain's
// reports is put in one class, in the database, and the classes are returned with their evidence.
//
// The classes (the API's `class` values), decided in this order, the first that holds:
//   aligned               the record passes DMARC (policy-evaluated DKIM or SPF pass)
//   spoofing              the source's sender is marked not ours (a sender rule), whatever else it shows
//   own_infrastructure    the source is one the users named as their own (sender rule verdict own)
//   forwarded             the reporter gave a forwarding override reason (forwarded, trusted_forwarder,
//                         mailing_list, local_policy); or a DKIM signature of the domain (or a subdomain) verified
//                         but did not align (what a list that rewrites the message leaves); or the source is a
//                         known forwarder / security gateway (catalogue type security_gateway)
//   legitimate_unaligned  the sender is approved (sender rule); or a catalogue service (not a hosting network) that
//                         authenticated the message with a domain of its own (a DKIM signature or an SPF check of
//                         another domain passed: the service's, since the domain's own did not align)
//   spoofing              everything else that fails: unidentified sources, catalogue networks, services that did
//                         not authenticate at all
// Every record is in exactly one class, so the classes sum to the domain's messages.
import type { Queryable } from '../../store/database.js';
import { Params, reportConditions, reportLevel, type AnalyticsFilter } from '../filters.js';
import { senderColumns, senderJoins, HAS_RULES_SQL } from '../sender-sql.js';

export const ADVICE_CLASSES = [
  'aligned',
  'legitimate_unaligned',
  'forwarded',
  'spoofing',
  'own_infrastructure',
] as const;
export type AdviceClass = (typeof ADVICE_CLASSES)[number];

/** Override reasons that say a receiver saw forwarding (RFC 7489 PolicyOverrideType). */
export const FORWARDING_REASONS = ['forwarded', 'trusted_forwarder', 'mailing_list', 'local_policy'] as const;

/**
 * Why a record is in its class (the evidence, finer than the class): dkim_aligned / spf_aligned (aligned);
 * not_ours, unidentified, service_unauthenticated, hosting_network (spoofing); own (own_infrastructure);
 * override:<reason>, own_dkim_unaligned, gateway (forwarded); approved, service_own_domain (legitimate_unaligned).
 */
export type Why = string;

/** Where the record's From domain sits: the policy domain itself (p applies) or a subdomain of it (sp applies). */
export type Scope = 'domain' | 'subdomain';

export interface PeriodFilter {
  orgId: number;
  domain: string;
  from?: string;
  to?: string;
  period?: AnalyticsFilter['period'];
}

/** One aggregated row: by class, and one other dimension (or none). */
export interface ClassRow {
  kind: 'class' | 'sender' | 'reporter' | 'scope' | 'why';
  class: AdviceClass;
  /** kind sender: its key, name, type and the users' verdict. */
  key: string | null;
  sender: string | null;
  type: string | null;
  verdict: string | null;
  /** kind reporter */
  reporter: string | null;
  /** kind scope */
  scope: Scope | null;
  /** kind why */
  why: Why | null;
  messages: number;
  /** Distinct source addresses (records without a readable address count as one). */
  sources: number;
  /** Distinct senders. */
  senders: number;
  /** Messages with a verified DKIM signature of another domain (the service's own). */
  dkimOther: number;
  /** Messages with a passing SPF check (of another domain: the domain's own did not align). */
  spfOther: number;
}

/** Stands for a missing source address in joins: a network, so never equal to a stored (host) address. */
const NO_IP = `'0.0.0.0/0'::inet`;

const KIND_OF: Record<number, ClassRow['kind']> = { 15: 'class', 7: 'sender', 11: 'reporter', 13: 'scope', 14: 'why' };

interface Raw {
  g: number;
  class: AdviceClass;
  key: string | null;
  sender: string | null;
  type: string | null;
  verdict: string | null;
  reporter: string | null;
  scope: Scope | null;
  why: string | null;
  messages: number;
  sources: number;
  senders: number;
  dkim_other: number;
  spf_other: number;
}

/** The domain's records of the period, classified and aggregated (one statement). */
export async function classifyRecords(db: Queryable, f: PeriodFilter): Promise<ClassRow[]> {
  const p = new Params();
  const rep = reportConditions(reportLevel(f), p, 'r');
  const org = p.add(f.orgId);
  const dom = `${p.add(f.domain)}::text`;
  const reasons = p.add([...FORWARDING_REASONS]);
  const withRules = (await db.query<{ yes: boolean }>(HAS_RULES_SQL, [f.orgId])).rows[0]?.yes ?? false;
  const col = senderColumns();
  const under = (v: string) => `(${v} = ${dom} OR right(${v}, length(${dom}) + 1) = '.' || ${dom})`;
  // JIT compilation of this one statement costs more than it saves (~200 ms on PostgreSQL for a month of a
  // domain): off for the answer's transaction (a no-op outside one, and on PGlite, which has no JIT)
  await db.query(`SELECT set_config('jit', 'off', true)`);
  const pass = `(c.dkim = 'pass' OR c.spf = 'pass')`;
  // Only failing mail needs its evidence and its sender: the flags and the sender lookups are for its records alone
  // (a few per cent of a healthy domain's), and the aligned mail is counted apart.
  const r = await db.query<Raw>(
    `WITH base AS MATERIALIZED (
       SELECT c.source_ip, r.reporter AS reporter_name, c.count, coalesce(${pass}, false) AS pass,
         coalesce(c.dkim = 'pass', false) AS dkim_aligned,
         CASE WHEN lower(c.header_from) <> ${dom} AND right(lower(c.header_from), length(${dom}) + 1) = '.' || ${dom}
           THEN 'subdomain' ELSE 'domain' END AS scope,
         CASE WHEN NOT coalesce(${pass}, false) AND cardinality(c.reason_types) > 0 THEN
           (SELECT lower(t) FROM unnest(c.reason_types) AS t WHERE lower(t) = ANY(${reasons}::text[])
             ORDER BY array_position(${reasons}::text[], lower(t)) LIMIT 1) END AS override,
         NOT coalesce(${pass}, false) AND EXISTS (SELECT 1 FROM unnest(c.dkim_domains, c.dkim_results) AS d(v, res)
           WHERE lower(d.res) = 'pass' AND ${under('lower(d.v)')}) AS own_dkim,
         NOT coalesce(${pass}, false) AND EXISTS (SELECT 1 FROM unnest(c.dkim_domains, c.dkim_results) AS d(v, res)
           WHERE lower(d.res) = 'pass' AND d.v <> '' AND NOT ${under('lower(d.v)')}) AS other_dkim,
         NOT coalesce(${pass}, false) AND EXISTS (SELECT 1 FROM unnest(c.spf_results) AS s(res)
           WHERE lower(s.res) = 'pass') AS spf_auth
       -- the period's reports through their index, then each one's records through the primary key (report_id,
       -- idx): a month of one domain is a small part of the records table, which a hash join would scan whole
       FROM reports r CROSS JOIN LATERAL (
         SELECT * FROM records x WHERE x.report_id = r.id AND x.org_id = ${org} OFFSET 0
       ) c
       WHERE ${rep.join(' AND ')}
     ), fail AS (
       SELECT source_ip, reporter_name, scope, override, own_dkim, other_dkim, spf_auth, sum(count)::float8 AS messages
       FROM base WHERE NOT pass GROUP BY 1, 2, 3, 4, 5, 6, 7
     ), ips AS (
       SELECT DISTINCT source_ip FROM fail
     ), tagged AS (
       -- (joined on a key that is never NULL: an equality the planner can hash)
       SELECT coalesce(i.source_ip, ${NO_IP}) AS ipk, ${col.key} AS key, ${col.sender} AS sender, ${col.type} AS type,
         ${col.verdict} AS verdict, (coalesce(ss.known, false) AND ss.type <> 'hosting_isp') AS service
       FROM ips i ${senderJoins(p, f.orgId, 'i.source_ip', dom, { withRules })}
     ), classified AS (
       SELECT g.*, t.key, t.sender, t.type, t.verdict,
         CASE WHEN t.verdict = 'not_ours' THEN 'not_ours'
           WHEN t.verdict = 'own' THEN 'own'
           WHEN g.override IS NOT NULL THEN 'override:' || g.override
           WHEN g.own_dkim THEN 'own_dkim_unaligned'
           WHEN t.type = 'security_gateway' THEN 'gateway'
           WHEN t.verdict = 'approved' THEN 'approved'
           WHEN t.service AND (g.other_dkim OR g.spf_auth) THEN 'service_own_domain'
           WHEN t.service THEN 'service_unauthenticated'
           WHEN t.type = 'hosting_isp' THEN 'hosting_network'
           ELSE 'unidentified' END AS why
       FROM fail g JOIN tagged t ON t.ipk = coalesce(g.source_ip, ${NO_IP})
     ), with_class AS (
       SELECT x.*, CASE
           WHEN why = 'own' THEN 'own_infrastructure'
           WHEN why LIKE 'override:%' OR why IN ('own_dkim_unaligned', 'gateway') THEN 'forwarded'
           WHEN why IN ('approved', 'service_own_domain') THEN 'legitimate_unaligned'
           ELSE 'spoofing' END AS class
       FROM classified x
     ), ok AS (
       SELECT source_ip, reporter_name, scope, CASE WHEN dkim_aligned THEN 'dkim_aligned' ELSE 'spf_aligned' END AS why,
         count::float8 AS messages
       FROM base WHERE pass
     )
     SELECT grouping(key, reporter_name, scope, why) AS g, class, key, min(sender) AS sender, min(type) AS type,
       min(verdict) AS verdict, reporter_name AS reporter, scope, why,
       sum(messages)::int8 AS messages,
       (count(DISTINCT source_ip) + max(CASE WHEN source_ip IS NULL THEN 1 ELSE 0 END))::int8 AS sources,
       count(DISTINCT key)::int8 AS senders,
       coalesce(sum(messages) FILTER (WHERE other_dkim), 0)::int8 AS dkim_other,
       coalesce(sum(messages) FILTER (WHERE spf_auth), 0)::int8 AS spf_other
     FROM with_class
     GROUP BY GROUPING SETS ((class), (class, key), (class, reporter_name), (class, scope), (class, why))
     UNION ALL
     -- aligned mail: no sender resolved (the Senders page has them); same grouping codes as above, and distinct
     -- sources only for the class as a whole (a sort of all its rows, once)
     SELECT 15, 'aligned', NULL, NULL, NULL, NULL, NULL, NULL, NULL, sum(messages)::int8,
       (count(DISTINCT source_ip) + max(CASE WHEN source_ip IS NULL THEN 1 ELSE 0 END))::int8, 0, 0, 0
     FROM ok HAVING count(*) > 0
     UNION ALL
     SELECT CASE grouping(reporter_name, scope, why) WHEN 3 THEN 11 WHEN 5 THEN 13 ELSE 14 END,
       'aligned', NULL, NULL, NULL, NULL, reporter_name, scope, why, sum(messages)::int8, 0, 0, 0, 0
     FROM ok GROUP BY GROUPING SETS ((reporter_name), (scope), (why))`,
    p.values,
  );
  return r.rows.map((x) => ({
    kind: KIND_OF[x.g] ?? 'class',
    class: x.class,
    key: x.key,
    sender: x.sender,
    type: x.type,
    verdict: x.verdict,
    reporter: x.reporter,
    scope: x.scope,
    why: x.why,
    messages: Number(x.messages),
    sources: Number(x.sources),
    senders: Number(x.senders),
    dkimOther: Number(x.dkim_other),
    spfOther: Number(x.spf_other),
  }));
}

/** The policy the domain published, as the latest report of the period carries it (null: no report). */
export interface PublishedPolicy {
  p: string | null;
  sp: string | null;
  np: string | null;
  pct: number | null;
  testing: string | null;
  adkim: string | null;
  aspf: string | null;
}

export async function publishedPolicy(db: Queryable, f: PeriodFilter): Promise<PublishedPolicy | null> {
  const p = new Params();
  const rep = reportConditions(reportLevel(f), p, 'r');
  const r = await db.query<PublishedPolicy>(
    `SELECT lower(r.p) AS p, lower(r.sp) AS sp, lower(r.np) AS np, r.pct, lower(r.testing) AS testing,
       lower(r.adkim) AS adkim, lower(r.aspf) AS aspf
     FROM reports r WHERE ${rep.join(' AND ')}
     ORDER BY r.begin_at DESC NULLS LAST, r.id DESC LIMIT 1`,
    p.values,
  );
  return r.rows[0] ?? null;
}
