// Repository of failure reports (RFC 6591): insert (a report with a known identity is a duplicate), list with
// filters and keyset paging (newest arrival first), one report, and the retention of their own.
import type { FailureReport, OriginalHeader } from '../model/failure.js';
import type { Queryable } from './database.js';

export type InsertFailureResult =
  { outcome: 'stored'; id: number } | { outcome: 'duplicate'; id: number; fileId: number; warnings: string[] };

export async function insertFailureReport(
  tx: Queryable,
  ref: { orgId: number; fileId: number; partName: string; identity: string },
  r: FailureReport,
): Promise<InsertFailureResult> {
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO failure_reports (org_id, file_id, part_name, identity, format, reporter, feedback_type, user_agent,
       version, auth_failure, source_ip, reported_domain, reported_uri, original_envelope_id, original_mail_from,
       original_rcpt_to, arrival_date_raw, arrival_date, delivery_result, authentication_results, dkim_domain,
       dkim_identity, dkim_selector, dkim_canonicalized_header, spf_dns, identity_alignment, incidents, fields,
       original, headers, warnings)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::inet, $12, $13::jsonb, $14, $15, $16::jsonb, $17,
       $18::timestamptz, $19, $20::jsonb, $21, $22, $23, $24, $25::jsonb, $26, $27, $28::jsonb, $29, $30::jsonb,
       $31::jsonb)
     ON CONFLICT ON CONSTRAINT failure_reports_identity DO NOTHING RETURNING id`,
    [
      ref.orgId,
      ref.fileId,
      ref.partName,
      ref.identity,
      r.format,
      r.reporter,
      r.feedbackType,
      r.userAgent,
      r.version,
      r.authFailure,
      r.sourceIp,
      r.reportedDomain,
      JSON.stringify(r.reportedUri),
      r.originalEnvelopeId,
      r.originalMailFrom,
      JSON.stringify(r.originalRcptTo),
      r.arrivalDateRaw,
      r.arrivalDate?.toISOString() ?? null,
      r.deliveryResult,
      JSON.stringify(r.authenticationResults),
      r.dkimDomain,
      r.dkimIdentity,
      r.dkimSelector,
      r.dkimCanonicalizedHeader,
      JSON.stringify(r.spfDns),
      r.identityAlignment,
      r.incidents,
      JSON.stringify(r.fields),
      r.original,
      JSON.stringify(r.headers),
      JSON.stringify(r.warnings),
    ],
  );
  const id = inserted.rows[0]?.id;
  if (id !== undefined) return { outcome: 'stored', id: Number(id) };
  const existing = await tx.query<{ id: number; fileId: number; warnings: string[] }>(
    `SELECT id, file_id AS "fileId", warnings FROM failure_reports WHERE org_id = $1 AND identity = $2`,
    [ref.orgId, ref.identity],
  );
  const row = existing.rows[0];
  if (!row) throw new Error('failure report vanished between insert and lookup');
  return { outcome: 'duplicate', id: Number(row.id), fileId: Number(row.fileId), warnings: row.warnings };
}

export interface StoredFailureReport {
  id: number;
  fileId: number;
  partName: string | null;
  format: 'arf' | 'prose';
  reporter: string | null;
  feedbackType: string | null;
  userAgent: string | null;
  version: string | null;
  authFailure: string | null;
  sourceIp: string | null;
  reportedDomain: string | null;
  reportedUri: string[];
  originalEnvelopeId: string | null;
  originalMailFrom: string | null;
  originalRcptTo: string[];
  arrivalDateRaw: string | null;
  arrivalDate: Date | null;
  deliveryResult: string | null;
  authenticationResults: string[];
  dkimDomain: string | null;
  dkimIdentity: string | null;
  dkimSelector: string | null;
  dkimCanonicalizedHeader: string | null;
  spfDns: string[];
  identityAlignment: string | null;
  incidents: number | null;
  fields: Record<string, string[]>;
  original: 'message' | 'headers' | 'none';
  headers: OriginalHeader[];
  warnings: string[];
  receivedAt: Date;
}

const COLUMNS = `f.id, f.file_id AS "fileId", f.part_name AS "partName", f.format, f.reporter,
  f.feedback_type AS "feedbackType", f.user_agent AS "userAgent", f.version, f.auth_failure AS "authFailure",
  host(f.source_ip) AS "sourceIp", f.reported_domain AS "reportedDomain", f.reported_uri AS "reportedUri",
  f.original_envelope_id AS "originalEnvelopeId", f.original_mail_from AS "originalMailFrom",
  f.original_rcpt_to AS "originalRcptTo", f.arrival_date_raw AS "arrivalDateRaw", f.arrival_date AS "arrivalDate",
  f.delivery_result AS "deliveryResult", f.authentication_results AS "authenticationResults",
  f.dkim_domain AS "dkimDomain", f.dkim_identity AS "dkimIdentity", f.dkim_selector AS "dkimSelector",
  f.dkim_canonicalized_header AS "dkimCanonicalizedHeader", f.spf_dns AS "spfDns",
  f.identity_alignment AS "identityAlignment", f.incidents, f.fields, f.original, f.headers, f.warnings,
  i.received_at AS "receivedAt"`;

/**
 * A condition on the report's source address (column `ip`) and reported domain (column `domain`) written by a
 * layer above (the analytics' sender of a source), with its values bound through `p`.
 */
export type FailureSourceCondition = (
  p: { readonly values: unknown[]; add(v: unknown): string },
  ip: string,
  domain: string,
) => string;

export interface FailureFilter {
  domain?: string;
  /** Arrival (or, without one, receipt) on or after this day / before the day after `to` (YYYY-MM-DD, UTC). */
  from?: string;
  to?: string;
  sourceIp?: string;
  authFailure?: string;
  feedbackType?: string;
  source?: FailureSourceCondition;
}

/** The time a report is filed under: its arrival date, else when its file came in. */
const WHEN = 'COALESCE(f.arrival_date, i.received_at)';

function where(orgId: number, f: FailureFilter): { sql: string; params: unknown[] } {
  const cond = ['f.org_id = $1'];
  const params: unknown[] = [orgId];
  const add = (sql: (n: string) => string, v: unknown) => {
    params.push(v);
    cond.push(sql(`$${params.length}`));
  };
  if (f.domain) add((n) => `f.reported_domain = ${n}`, f.domain.toLowerCase());
  if (f.from) add((n) => `${WHEN} >= ${n}::date`, f.from);
  if (f.to) add((n) => `${WHEN} < ${n}::date + 1`, f.to);
  if (f.sourceIp) add((n) => `f.source_ip = ${n}::inet`, f.sourceIp);
  if (f.authFailure) add((n) => `f.auth_failure = ${n}`, f.authFailure.toLowerCase());
  if (f.feedbackType) add((n) => `f.feedback_type = ${n}`, f.feedbackType.toLowerCase());
  if (f.source) {
    const binder = {
      values: params,
      add: (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      },
    };
    cond.push(`f.source_ip IS NOT NULL AND ${f.source(binder, 'f.source_ip', 'f.reported_domain')}`);
  }
  return { sql: cond.join(' AND '), params };
}

export interface FailureKeyset {
  when: string;
  id: number;
}

export async function listFailureReports(
  db: Queryable,
  orgId: number,
  filter: FailureFilter,
  page: { limit: number; after?: FailureKeyset },
): Promise<{ items: (StoredFailureReport & { when: string })[]; total: number; next: FailureKeyset | null }> {
  const w = where(orgId, filter);
  const total = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM failure_reports f JOIN ingested_files i ON i.id = f.file_id WHERE ${w.sql}`,
    w.params,
  );
  const params = [...w.params];
  let keyset = '';
  if (page.after) {
    params.push(page.after.when, page.after.id);
    keyset = ` AND (${WHEN}, f.id) < ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  params.push(page.limit + 1);
  const rows = await db.query<StoredFailureReport & { when: string }>(
    `SELECT ${COLUMNS}, to_char(${WHEN} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "when"
     FROM failure_reports f JOIN ingested_files i ON i.id = f.file_id
     WHERE ${w.sql}${keyset} ORDER BY ${WHEN} DESC, f.id DESC LIMIT $${params.length}`,
    params,
  );
  const items = rows.rows.slice(0, page.limit).map(normalise);
  const last = items[items.length - 1];
  return {
    items,
    total: total.rows[0]?.n ?? 0,
    next: rows.rows.length > page.limit && last ? { when: last.when, id: last.id } : null,
  };
}

export async function getFailureReport(
  db: Queryable,
  orgId: number,
  id: number,
): Promise<StoredFailureReport | undefined> {
  const r = await db.query<StoredFailureReport>(
    `SELECT ${COLUMNS} FROM failure_reports f JOIN ingested_files i ON i.id = f.file_id
     WHERE f.org_id = $1 AND f.id = $2`,
    [orgId, id],
  );
  const row = r.rows[0];
  return row ? normalise(row) : undefined;
}

function normalise<T extends StoredFailureReport>(row: T): T {
  return { ...row, id: Number(row.id), fileId: Number(row.fileId) };
}

/**
 * Retention of failure reports (DMARC_FAILURE_RETENTION_DAYS): deletes those that arrived (or, without an arrival
 * date, came in) before the cutoff day, and the files they leave holding no report of any kind (the kept copy
 * holds the same headers). In batches.
 */
export async function pruneFailureReports(
  db: Queryable,
  cutoff: string,
  batch: number,
): Promise<{ reports: number; files: number; orgIds: number[] }> {
  const out = { reports: 0, files: 0, orgIds: new Set<number>() };
  for (;;) {
    const r = await db.query<{ org_id: number; file_id: number }>(
      `DELETE FROM failure_reports WHERE id IN (
         SELECT f.id FROM failure_reports f JOIN ingested_files i ON i.id = f.file_id
         WHERE ${WHEN} < $1::date ORDER BY f.id LIMIT $2)
       RETURNING org_id, file_id`,
      [cutoff, batch],
    );
    for (const x of r.rows) out.orgIds.add(Number(x.org_id));
    out.reports += r.rowCount;
    if (r.rowCount === 0) break;
    const files = [...new Set(r.rows.map((x) => Number(x.file_id)))];
    const gone = await db.query(
      `DELETE FROM ingested_files i WHERE i.id = ANY($1::int8[]) AND i.status NOT IN ('pending', 'processing')
         AND NOT EXISTS (SELECT 1 FROM failure_reports f WHERE f.file_id = i.id)
         AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.file_id = i.id)`,
      [files],
    );
    out.files += gone.rowCount;
  }
  return { reports: out.reports, files: out.files, orgIds: [...out.orgIds] };
}

/** A failure report stored from a file, as the file's detail lists it. */
export interface FileFailureReportRef {
  id: number;
  reportedDomain: string | null;
  sourceIp: string | null;
  authFailure: string | null;
  arrivalDate: Date | null;
}

/** The failure reports stored from one of the organisation's files. */
export async function failureReportsOfFile(
  db: Queryable,
  orgId: number,
  fileId: number,
): Promise<FileFailureReportRef[]> {
  const r = await db.query<FileFailureReportRef>(
    `SELECT id, reported_domain AS "reportedDomain", host(source_ip) AS "sourceIp", auth_failure AS "authFailure",
       arrival_date AS "arrivalDate"
     FROM failure_reports WHERE file_id = $1 AND org_id = $2 ORDER BY id`,
    [fileId, orgId],
  );
  return r.rows;
}
