// The sender identified for each of an organisation's source IPs (source_senders), what the identify-senders task
// reads to make it (the address's enrichment, and the DKIM and SPF evidence in the organisation's records), and
// its watermark (source_sender_checks). Which addresses need identifying:
//   - never identified, or by another catalogue version, or before their enrichment was last looked up;
//   - in a report stored since the organisation's watermark (their evidence may have grown).
import type { Queryable } from './database.js';

/** One identification as stored (the pure identification's result plus the inputs it was made from). */
export interface SourceSenderRow {
  ip: string;
  senderKey: string;
  sender: string;
  type: string;
  confidence: 'high' | 'medium' | 'low' | null;
  known: boolean;
  reason: string;
  evidence: unknown[];
  alternatives: unknown[];
  dkimDomains: string[];
  dkimSelectors: string[];
  spfDomains: string[];
  rulePtr: string | null;
  catalogueVersion: string;
}

export interface StoredSourceSender extends SourceSenderRow {
  identifiedAt: Date;
}

/** What identification reads about one address besides the records: its enrichment (absent when not enriched). */
export interface SourceFacts {
  ip: string;
  ptr: string | null;
  fcrdns: boolean | null;
  baseDomain: string | null;
  asn: number | null;
  asOrg: string | null;
}

/** Evidence gathered from records: per address, the values of each kind, the most messages first. */
export interface RecordEvidence {
  dkimDomains: string[];
  dkimSelectors: string[];
  spfDomains: string[];
}

const COLUMNS = `host(s.ip) AS ip, s.sender_key AS "senderKey", s.sender, s.type, s.confidence, s.known, s.reason,
  s.evidence, s.alternatives, s.dkim_domains AS "dkimDomains", s.dkim_selectors AS "dkimSelectors",
  s.spf_domains AS "spfDomains", s.rule_ptr AS "rulePtr", s.catalogue_version AS "catalogueVersion",
  s.identified_at AS "identifiedAt"`;

/** Sources of reports stored before this moment have been identified; null: never. */
export async function sendersCheckedUntil(db: Queryable, orgId: number): Promise<Date | null> {
  const r = await db.query<{ at: Date }>('SELECT checked_until AS at FROM source_sender_checks WHERE org_id = $1', [
    orgId,
  ]);
  return r.rows[0]?.at ?? null;
}

/** Moves the organisation's watermark forward to `at` (never back). */
export async function setSendersCheckedUntil(db: Queryable, orgId: number, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO source_sender_checks (org_id, checked_until) SELECT id, $2 FROM organizations WHERE id = $1
     ON CONFLICT (org_id) DO UPDATE
       SET checked_until = GREATEST(source_sender_checks.checked_until, EXCLUDED.checked_until)`,
    [orgId, at.toISOString()],
  );
}

/**
 * Up to `limit` addresses to identify (in address order): those of the organisation's reports stored since
 * `since`, and those identified by another catalogue version or before their last lookup — less those already
 * identified since `startedAt` (this run's start: a run that continues does not do them again).
 */
export async function pendingSenderIps(
  db: Queryable,
  orgId: number,
  since: Date,
  startedAt: Date,
  catalogueVersion: string,
  limit: number,
  /** Keyset: only addresses after this one (the last of the previous page). */
  after: string | null = null,
): Promise<string[]> {
  const r = await db.query<{ ip: string }>(
    `WITH cand AS (
       SELECT c.source_ip AS ip FROM reports r JOIN records c ON c.report_id = r.id
       WHERE r.org_id = $1 AND r.created_at >= $2 AND c.source_ip IS NOT NULL
       UNION
       SELECT s.ip FROM source_senders s LEFT JOIN ip_enrichment e ON e.ip = s.ip
       WHERE s.org_id = $1 AND (s.catalogue_version <> $4 OR e.looked_up_at > s.identified_at)
     )
     SELECT host(cand.ip) AS ip FROM cand
     LEFT JOIN source_senders s ON s.org_id = $1 AND s.ip = cand.ip
     WHERE (s.ip IS NULL OR s.identified_at < $3) AND ($6::inet IS NULL OR cand.ip > $6::inet)
     ORDER BY cand.ip LIMIT $5`,
    [orgId, since.toISOString(), startedAt.toISOString(), catalogueVersion, limit, after],
  );
  return r.rows.map((x) => x.ip);
}

export interface SenderIpPage {
  /** The page's addresses not identified since `startedAt`. */
  pending: string[];
  /** The last address of the page (the next page's cursor); null when the page was empty. */
  last: string | null;
  scanned: number;
}

/** One page (address order, after `after`) of the organisation's source addresses, and which to identify. */
export async function senderIpPage(
  db: Queryable,
  orgId: number,
  after: string | null,
  startedAt: Date,
  pageSize: number,
): Promise<SenderIpPage> {
  const r = await db.query<{ ip: string; needed: boolean }>(
    `WITH page AS (
       SELECT DISTINCT source_ip AS ip FROM rollup_source_daily
       WHERE org_id = $1 AND source_ip IS NOT NULL AND ($2::inet IS NULL OR source_ip > $2::inet)
       ORDER BY 1 LIMIT $4
     )
     SELECT host(p.ip) AS ip, (s.ip IS NULL OR s.identified_at < $3) AS needed
     FROM page p LEFT JOIN source_senders s ON s.org_id = $1 AND s.ip = p.ip ORDER BY p.ip`,
    [orgId, after, startedAt.toISOString(), pageSize],
  );
  return {
    pending: r.rows.filter((x) => x.needed).map((x) => x.ip),
    last: r.rows.at(-1)?.ip ?? null,
    scanned: r.rows.length,
  };
}

/** The stored identifications of those of `ips` the organisation has one for. */
export async function storedSenders(
  db: Queryable,
  orgId: number,
  ips: readonly string[],
): Promise<Map<string, StoredSourceSender>> {
  const out = new Map<string, StoredSourceSender>();
  if (ips.length === 0) return out;
  const r = await db.query<StoredSourceSender>(
    // (a join on the list, not = ANY: one index lookup per address whatever the planner's statistics say)
    `SELECT ${COLUMNS} FROM unnest($2::inet[]) AS q(ip) JOIN source_senders s ON s.org_id = $1 AND s.ip = q.ip`,
    [orgId, ips],
  );
  for (const row of r.rows) out.set(row.ip, row);
  return out;
}

/** The enrichment facts identification uses, for those of `ips` that were enriched. */
export async function sourceFacts(db: Queryable, ips: readonly string[]): Promise<Map<string, SourceFacts>> {
  const out = new Map<string, SourceFacts>();
  if (ips.length === 0) return out;
  const r = await db.query<SourceFacts>(
    `SELECT host(e.ip) AS ip, e.ptr, e.fcrdns, e.base_domain AS "baseDomain", e.asn, e.as_org AS "asOrg"
     FROM ip_enrichment e WHERE e.ip = ANY($1::inet[])`,
    [ips],
  );
  for (const row of r.rows) out.set(row.ip, row);
  return out;
}

/**
 * The DKIM domains and selectors that verified and the SPF domains that passed in the organisation's records
 * from each of `ips` (only the records of reports stored since `since`, when given): at most `cap` values of
 * each kind per address, those with the most messages first.
 */
export async function recordEvidence(
  db: Queryable,
  orgId: number,
  ips: readonly string[],
  since: Date | null,
  cap: number,
): Promise<Map<string, RecordEvidence>> {
  const out = new Map<string, RecordEvidence>();
  if (ips.length === 0) return out;
  const recent = since
    ? // (EXISTS, not IN: a semi-join on the few reports, not a pass over every record of each)
      `AND EXISTS (SELECT 1 FROM reports r WHERE r.id = c.report_id AND r.created_at >= $4::timestamptz)`
    : '';
  const r = await db.query<{ ip: string; kind: 'dkim' | 'selector' | 'spf'; value: string }>(
    `SELECT host(x.ip) AS ip, x.kind, x.value FROM (
       SELECT c.source_ip AS ip, k.kind, k.value,
         row_number() OVER (PARTITION BY c.source_ip, k.kind ORDER BY sum(c.count) DESC, k.value) AS rn
       FROM records c
       CROSS JOIN LATERAL (
         SELECT 'dkim' AS kind, lower(d.v) AS value
           FROM unnest(c.dkim_domains, c.dkim_results) AS d(v, res) WHERE lower(d.res) = 'pass' AND d.v <> ''
         UNION ALL
         SELECT 'selector', lower(d.v)
           FROM unnest(c.dkim_selectors, c.dkim_results) AS d(v, res) WHERE lower(d.res) = 'pass' AND d.v <> ''
         UNION ALL
         SELECT 'spf', lower(d.v)
           FROM unnest(c.spf_domains, c.spf_results) AS d(v, res) WHERE lower(d.res) = 'pass' AND d.v <> ''
       ) k
       WHERE c.org_id = $1 AND c.source_ip = ANY($2::inet[]) ${recent}
       GROUP BY c.source_ip, k.kind, k.value
     ) x WHERE x.rn <= $3
     ORDER BY x.ip, x.kind, x.rn`,
    since ? [orgId, ips, cap, since.toISOString()] : [orgId, ips, cap],
  );
  for (const row of r.rows) {
    let e = out.get(row.ip);
    if (!e) {
      e = { dkimDomains: [], dkimSelectors: [], spfDomains: [] };
      out.set(row.ip, e);
    }
    (row.kind === 'dkim' ? e.dkimDomains : row.kind === 'selector' ? e.dkimSelectors : e.spfDomains).push(row.value);
  }
  return out;
}

/** Stores identifications (one statement per 1,000); identified_at is now. */
export async function upsertSourceSenders(
  db: Queryable,
  orgId: number,
  rows: readonly SourceSenderRow[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const batch = rows.slice(i, i + 1000).map((r) => ({
      ip: r.ip,
      sender_key: r.senderKey,
      sender: r.sender,
      type: r.type,
      confidence: r.confidence,
      known: r.known,
      reason: r.reason,
      evidence: r.evidence,
      alternatives: r.alternatives,
      dkim_domains: r.dkimDomains,
      dkim_selectors: r.dkimSelectors,
      spf_domains: r.spfDomains,
      rule_ptr: r.rulePtr,
      catalogue_version: r.catalogueVersion,
    }));
    await db.query(
      `INSERT INTO source_senders (org_id, ip, sender_key, sender, type, confidence, known, reason, evidence,
         alternatives, dkim_domains, dkim_selectors, spf_domains, rule_ptr, catalogue_version, identified_at)
       SELECT $1, x.ip, x.sender_key, x.sender, x.type, x.confidence, x.known, x.reason, x.evidence, x.alternatives,
         x.dkim_domains, x.dkim_selectors, x.spf_domains, x.rule_ptr, x.catalogue_version, now()
       FROM jsonb_to_recordset($2::jsonb) AS x(ip inet, sender_key text, sender text, type text, confidence text,
         known boolean, reason text, evidence jsonb, alternatives jsonb, dkim_domains text[], dkim_selectors text[],
         spf_domains text[], rule_ptr text, catalogue_version text)
       ON CONFLICT (org_id, ip) DO UPDATE SET sender_key = EXCLUDED.sender_key, sender = EXCLUDED.sender,
         type = EXCLUDED.type, confidence = EXCLUDED.confidence, known = EXCLUDED.known, reason = EXCLUDED.reason,
         evidence = EXCLUDED.evidence, alternatives = EXCLUDED.alternatives, dkim_domains = EXCLUDED.dkim_domains,
         dkim_selectors = EXCLUDED.dkim_selectors, spf_domains = EXCLUDED.spf_domains, rule_ptr = EXCLUDED.rule_ptr,
         catalogue_version = EXCLUDED.catalogue_version, identified_at = EXCLUDED.identified_at`,
      [orgId, JSON.stringify(batch)],
    );
  }
}

/**
 * Organisations whose sources need identifying without new reports: some identified with another catalogue
 * version, or reports but never a completed identification (stored before identification existed).
 */
export async function orgsNeedingIdentification(db: Queryable, catalogueVersion: string): Promise<number[]> {
  const r = await db.query<{ id: number }>(
    `SELECT o.id FROM organizations o
     WHERE EXISTS (SELECT 1 FROM source_senders s WHERE s.org_id = o.id AND s.catalogue_version <> $1)
        OR (NOT EXISTS (SELECT 1 FROM source_sender_checks c WHERE c.org_id = o.id)
            AND EXISTS (SELECT 1 FROM reports r WHERE r.org_id = o.id))
     ORDER BY o.id`,
    [catalogueVersion],
  );
  return r.rows.map((x) => x.id);
}
