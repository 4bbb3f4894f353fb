// Repository of SMTP TLS reports (RFC 8460): the report row, its policies and their failure details, written in
// the caller's transaction. Failure details go in with COPY (a report may carry thousands).
import type { TlsReport } from '../model/tls-report.js';
import { CopyBuffer } from './copy-text.js';
import type { Queryable } from './database.js';

export interface StoredTlsIdentity {
  id: number;
  fileId: number;
  policies: number;
  sessions: number;
  warnings: string[];
}

const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0);

/**
 * Inserts the report row unless the organisation already has one with the same identity (reporter org, report
 * id, policy domain, period begin). Returns its id, or undefined for a duplicate.
 */
export async function insertTlsReportIfNew(
  tx: Queryable,
  target: { orgId: number; fileId: number },
  partName: string,
  r: TlsReport,
): Promise<number | undefined> {
  const res = await tx.query<{ id: number }>(
    `INSERT INTO tls_reports (org_id, file_id, part_name, reporter_org, report_id, contact_info, domain,
       begin_at, end_at, day, successful_sessions, failed_sessions, warnings)
     VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::float8), to_timestamp($9::float8),
       (to_timestamp($8::float8) AT TIME ZONE 'UTC')::date, $10, $11, $12::jsonb)
     ON CONFLICT ON CONSTRAINT tls_reports_identity DO NOTHING
     RETURNING id`,
    [
      target.orgId,
      target.fileId,
      partName,
      r.organizationName,
      r.reportId,
      r.contactInfo,
      r.domain,
      r.start,
      r.end,
      sum(r.policies.map((p) => p.successfulSessions)),
      sum(r.policies.map((p) => p.failedSessions)),
      JSON.stringify(r.warnings),
    ],
  );
  const id = res.rows[0]?.id;
  return id === undefined ? undefined : Number(id);
}

/** The stored report with the same identity in the organisation (what a duplicate duplicates). */
export async function findTlsReportByIdentity(
  tx: Queryable,
  orgId: number,
  r: TlsReport,
): Promise<StoredTlsIdentity | undefined> {
  const res = await tx.query<{ id: number; fileId: number; policies: number; sessions: number; warnings: string[] }>(
    `SELECT t.id, t.file_id AS "fileId", t.warnings,
       (t.successful_sessions + t.failed_sessions)::int8 AS sessions,
       (SELECT count(*) FROM tls_report_policies p WHERE p.report = t.id)::int AS policies
     FROM tls_reports t
     WHERE t.org_id = $1 AND t.reporter_org = $2 AND t.report_id = $3 AND t.domain = $4
       AND t.begin_at = to_timestamp($5::float8)`,
    [orgId, r.organizationName, r.reportId, r.domain, r.start],
  );
  const row = res.rows[0];
  if (!row) return undefined;
  return { ...row, id: Number(row.id), fileId: Number(row.fileId), sessions: Number(row.sessions) };
}

/** Inserts the report's policies (one statement each: their ids key the failure details) and failure details. */
export async function insertTlsPolicies(tx: Queryable, orgId: number, reportId: number, r: TlsReport): Promise<void> {
  const details = new CopyBuffer();
  for (const [idx, p] of r.policies.entries()) {
    const res = await tx.query<{ id: number }>(
      `INSERT INTO tls_report_policies (org_id, report, idx, policy_type, policy_domain, policy_string, mx_host,
         successful_sessions, failed_sessions)
       VALUES ($1, $2, $3, $4, $5, $6::text[], $7::text[], $8, $9) RETURNING id`,
      [
        orgId,
        reportId,
        idx,
        p.policyType,
        p.policyDomain,
        p.policyString,
        p.mxHost,
        p.successfulSessions,
        p.failedSessions,
      ],
    );
    const policyId = Number(res.rows[0]!.id);
    for (const [j, d] of p.failureDetails.entries()) {
      details.add([
        orgId,
        policyId,
        j,
        d.resultType,
        d.sendingMtaIp,
        d.receivingMxHostname,
        d.receivingMxHelo,
        d.receivingIp,
        d.failedSessionCount,
        d.additionalInformation,
        d.failureReasonCode,
      ]);
    }
  }
  if (details.rows > 0) await tx.copyFrom('tls_failure_details', DETAIL_COLUMNS, details.toString());
}

const DETAIL_COLUMNS = [
  'org_id',
  'policy',
  'idx',
  'result_type',
  'sending_mta_ip',
  'receiving_mx_hostname',
  'receiving_mx_helo',
  'receiving_ip',
  'failed_session_count',
  'additional_information',
  'failure_reason_code',
] as const;

/** A TLS report stored from a file, as the file's detail lists it. */
export interface FileTlsReportRef {
  id: number;
  /** The reporter (organization-name). */
  orgName: string;
  reportId: string;
  domain: string;
  successfulSessions: number;
  failedSessions: number;
}

/** The TLS reports stored from one of the organisation's files. */
export async function tlsReportsOfFile(db: Queryable, orgId: number, fileId: number): Promise<FileTlsReportRef[]> {
  const r = await db.query<FileTlsReportRef>(
    `SELECT id, reporter_org AS "orgName", report_id AS "reportId", domain,
       successful_sessions AS "successfulSessions", failed_sessions AS "failedSessions"
     FROM tls_reports WHERE file_id = $1 AND org_id = $2 ORDER BY id`,
    [fileId, orgId],
  );
  return r.rows;
}
