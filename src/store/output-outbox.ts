// output_outbox (migration 019): one row per output and report, and the records of a pending row read as the
// flat rows an event is made of (report fields, record fields, the source's enrichment, the organisation).
import type { Queryable } from './database.js';

/** Reports stored this long before an output's last scan are looked at again (transactions commit out of order). */
export const SCAN_MARGIN_SECONDS = 600;

/**
 * Queues for the output every report of its organisation stored since its last scan (less the margin) and not
 * before the output existed, then moves the scan mark to now; answers how many rows are new.
 */
export async function fillOutbox(db: Queryable, orgId: number, outputId: number): Promise<number> {
  const r = await db.query<{ n: number }>(
    `WITH o AS (
       SELECT id, org_id, created_at, scanned_until, now() AS scanned_at FROM outputs WHERE org_id = $1 AND id = $2
     ), ins AS (
       INSERT INTO output_outbox (org_id, output_id, report_id)
       SELECT r.org_id, o.id, r.id FROM o JOIN reports r ON r.org_id = o.org_id
       WHERE r.created_at >= o.scanned_until - make_interval(secs => $3) AND r.created_at >= o.created_at
       ORDER BY r.id
       ON CONFLICT (output_id, report_id) DO NOTHING RETURNING 1
     ), mark AS (
       UPDATE outputs SET scanned_until = o.scanned_at FROM o WHERE outputs.id = o.id RETURNING 1
     )
     SELECT (SELECT count(*) FROM ins) AS n, (SELECT count(*) FROM mark) AS m`,
    [orgId, outputId, SCAN_MARGIN_SECONDS],
  );
  return r.rows[0]?.n ?? 0;
}

export interface OutboxRow {
  id: number;
  reportId: number;
  nextIdx: number;
  recordCount: number;
  attempts: number;
}

/** The output's rows due now, oldest first. */
export async function dueRows(
  db: Queryable,
  orgId: number,
  outputId: number,
  at: Date,
  limit: number,
): Promise<OutboxRow[]> {
  const r = await db.query<OutboxRow>(
    `SELECT b.id, b.report_id AS "reportId", b.next_idx AS "nextIdx", r.record_count AS "recordCount",
       b.attempts
     FROM output_outbox b JOIN reports r ON r.id = b.report_id AND r.org_id = b.org_id
     WHERE b.org_id = $1 AND b.output_id = $2 AND b.state = 'pending'
       AND (b.next_attempt_at IS NULL OR b.next_attempt_at <= $3)
     ORDER BY b.id LIMIT $4`,
    [orgId, outputId, at, limit],
  );
  return r.rows;
}

/** One record with its report's fields, the source's enrichment and the organisation: what an event is made of. */
export interface EventRow {
  orgId: number;
  orgSlug: string;
  reportId: number;
  idx: number;
  version: string | null;
  orgName: string;
  email: string | null;
  extraContactInfo: string | null;
  externalReportId: string;
  beginAt: Date | null;
  endAt: Date | null;
  reporterErrors: string[];
  domain: string;
  adkim: string | null;
  aspf: string | null;
  p: string | null;
  sp: string | null;
  np: string | null;
  pct: number | null;
  fo: string | null;
  sourceIp: string | null;
  country: string | null;
  ptr: string | null;
  baseDomain: string | null;
  asn: number | null;
  asOrg: string | null;
  count: number;
  disposition: string | null;
  dkim: string | null;
  spf: string | null;
  reasonTypes: string[];
  reasonComments: string[];
  headerFrom: string | null;
  envelopeFrom: string | null;
  envelopeTo: string | null;
  dkimDomains: string[];
  dkimSelectors: string[];
  dkimResults: string[];
  spfDomains: string[];
  spfScopes: string[];
  spfResults: string[];
}

/** The report's records from `fromIdx` on, in order, at most `limit`. */
export async function eventRows(
  db: Queryable,
  orgId: number,
  reportId: number,
  fromIdx: number,
  limit: number,
): Promise<EventRow[]> {
  const r = await db.query<EventRow>(
    `SELECT r.org_id AS "orgId", g.slug AS "orgSlug", r.id AS "reportId", c.idx, r.version, r.reporter_org AS "orgName",
       r.email, r.extra_contact_info AS "extraContactInfo", r.report_id AS "externalReportId", r.begin_at AS "beginAt",
       r.end_at AS "endAt", r.reporter_errors AS "reporterErrors", r.domain, r.adkim, r.aspf, r.p, r.sp, r.np, r.pct,
       r.fo, host(c.source_ip) AS "sourceIp", e.country, e.ptr, e.base_domain AS "baseDomain", e.asn,
       e.as_org AS "asOrg", c.count, c.disposition, c.dkim, c.spf, c.reason_types AS "reasonTypes",
       c.reason_comments AS "reasonComments", c.header_from AS "headerFrom", c.envelope_from AS "envelopeFrom",
       c.envelope_to AS "envelopeTo", c.dkim_domains AS "dkimDomains", c.dkim_selectors AS "dkimSelectors",
       c.dkim_results AS "dkimResults", c.spf_domains AS "spfDomains", c.spf_scopes AS "spfScopes",
       c.spf_results AS "spfResults"
     FROM reports r
     JOIN organizations g ON g.id = r.org_id
     JOIN records c ON c.report_id = r.id AND c.org_id = r.org_id
     LEFT JOIN ip_enrichment e ON e.ip = c.source_ip
     WHERE r.org_id = $1 AND r.id = $2 AND c.idx >= $3
     ORDER BY c.idx LIMIT $4`,
    [orgId, reportId, fromIdx, limit],
  );
  return r.rows;
}

/** What one send did to a row: records before nextIdx are done; done: the whole report is. */
export interface RowProgress {
  id: number;
  nextIdx: number;
  rejected: number;
  done: boolean;
  error: string | null;
}

export async function recordProgress(db: Queryable, orgId: number, p: RowProgress, at: Date): Promise<void> {
  await db.query(
    `UPDATE output_outbox SET next_idx = $3, rejected = rejected + $4, attempts = attempts + 1,
       state = CASE WHEN $5 THEN 'sent' ELSE state END, sent_at = CASE WHEN $5 THEN $6 ELSE sent_at END,
       last_error = coalesce($7, last_error)
     WHERE org_id = $1 AND id = $2`,
    [orgId, p.id, p.nextIdx, p.rejected, p.done, at, p.error],
  );
}

/** A send failed as a whole: the rows are tried again from `retryAt` on. */
export async function postponeRows(
  db: Queryable,
  orgId: number,
  ids: readonly number[],
  error: string,
  retryAt: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE output_outbox SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4
     WHERE org_id = $1 AND id = ANY ($2::int8[])`,
    [orgId, ids, error, retryAt],
  );
}

/** An output's rows, newest first (what the dashboard's detail and the tests read). */
export async function outboxRows(db: Queryable, orgId: number, outputId: number) {
  const r = await db.query<{
    reportId: number;
    state: string;
    nextIdx: number;
    rejected: number;
    attempts: number;
    lastError: string | null;
  }>(
    `SELECT report_id AS "reportId", state, next_idx AS "nextIdx", rejected, attempts, last_error AS "lastError"
     FROM output_outbox WHERE org_id = $1 AND output_id = $2 ORDER BY id`,
    [orgId, outputId],
  );
  return r.rows;
}

/** The output's rows not yet sent. */
export async function pendingCount(db: Queryable, orgId: number, outputId: number): Promise<number> {
  const r = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM output_outbox WHERE org_id = $1 AND output_id = $2 AND state = 'pending'",
    [orgId, outputId],
  );
  return r.rows[0]?.n ?? 0;
}
