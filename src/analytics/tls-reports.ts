// SMTP TLS reports: the keyset-paginated list (newest period first) and the detail of one report with its policies
// and their failure details.
import type { Queryable } from '../store/database.js';
import { Params, tlsConditions, where, type TlsFilter } from './tls-filter.js';

export interface TlsReportItem {
  id: number;
  fileId: number;
  organizationName: string;
  reportId: string;
  contactInfo: string | null;
  domain: string;
  begin: string;
  end: string;
  date: string;
  policies: number;
  successfulSessions: number;
  failedSessions: number;
  /** Failed sessions / all sessions; null without sessions. */
  failureShare: number | null;
  resultTypes: string[];
  warnings: number;
  receivedAt: string;
}

export interface TlsFailureDetailItem {
  resultType: string;
  sendingMtaIp: string | null;
  receivingMxHostname: string | null;
  receivingMxHelo: string | null;
  receivingIp: string | null;
  failedSessionCount: number;
  additionalInformation: string | null;
  failureReasonCode: string | null;
}

export interface TlsPolicyItem {
  policyType: string;
  policyDomain: string | null;
  policyString: string[];
  mxHost: string[];
  successfulSessions: number;
  failedSessions: number;
  failureDetails: TlsFailureDetailItem[];
}

export interface TlsReportDetail extends TlsReportItem {
  partName: string | null;
  warningMessages: string[];
  policyList: TlsPolicyItem[];
}

interface Row {
  id: number;
  file_id: number;
  reporter_org: string;
  report_id: string;
  contact_info: string | null;
  domain: string;
  begin_at: Date;
  end_at: Date;
  day: string;
  policies: number;
  successful_sessions: number;
  failed_sessions: number;
  result_types: string[] | null;
  warnings: string[];
  created_at: Date;
  part_name: string | null;
}

const COLUMNS = `t.id, t.file_id, t.reporter_org, t.report_id, t.contact_info, t.domain, t.begin_at, t.end_at,
  to_char(t.day, 'YYYY-MM-DD') AS day, t.successful_sessions, t.failed_sessions, t.warnings, t.created_at, t.part_name,
  (SELECT count(*) FROM tls_report_policies p WHERE p.report = t.id)::int AS policies,
  (SELECT array_agg(DISTINCT d.result_type ORDER BY d.result_type) FROM tls_report_policies p
     JOIN tls_failure_details d ON d.policy = p.id WHERE p.report = t.id) AS result_types`;

const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');

function toItem(r: Row): TlsReportItem {
  const ok = Number(r.successful_sessions);
  const failed = Number(r.failed_sessions);
  return {
    id: Number(r.id),
    fileId: Number(r.file_id),
    organizationName: r.reporter_org,
    reportId: r.report_id,
    contactInfo: r.contact_info,
    domain: r.domain,
    begin: iso(r.begin_at),
    end: iso(r.end_at),
    date: r.day,
    policies: r.policies,
    successfulSessions: ok,
    failedSessions: failed,
    failureShare: ok + failed > 0 ? failed / (ok + failed) : null,
    resultTypes: r.result_types ?? [],
    warnings: r.warnings.length,
    receivedAt: r.created_at.toISOString(),
  };
}

/** Position after the last item of a page: its period begin and id. */
export interface TlsKeyset {
  v: string;
  id: number;
}

export const isTlsKeyset = (v: unknown): v is TlsKeyset =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as TlsKeyset).v === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test((v as TlsKeyset).v) &&
  !Number.isNaN(Date.parse((v as TlsKeyset).v)) &&
  Number.isSafeInteger((v as TlsKeyset).id);

export async function listTlsReports(
  db: Queryable,
  f: TlsFilter,
  opts: { limit: number; after?: TlsKeyset },
): Promise<{ items: TlsReportItem[]; total: number; next: TlsKeyset | null }> {
  const p = new Params();
  const cond = tlsConditions(f, p);
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tls_reports t ${where(cond)}`, [
    ...p.values,
  ]);
  if (opts.after) cond.push(`(t.begin_at, t.id) < (${p.add(opts.after.v)}::timestamptz, ${p.add(opts.after.id)})`);
  const rows = await db.query<Row>(
    `SELECT ${COLUMNS} FROM tls_reports t ${where(cond)} ORDER BY t.begin_at DESC, t.id DESC LIMIT ${p.add(opts.limit + 1)}`,
    p.values,
  );
  const more = rows.rows.length > opts.limit;
  const page = rows.rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    total: total.rows[0]?.n ?? 0,
    next: more && last ? { v: last.begin_at.toISOString(), id: Number(last.id) } : null,
  };
}

interface PolicyRow {
  id: number;
  policy_type: string;
  policy_domain: string | null;
  policy_string: string[];
  mx_host: string[];
  successful_sessions: number;
  failed_sessions: number;
}

interface DetailRow {
  policy: number;
  result_type: string;
  sending_mta_ip: string | null;
  receiving_mx_hostname: string | null;
  receiving_mx_helo: string | null;
  receiving_ip: string | null;
  failed_session_count: number;
  additional_information: string | null;
  failure_reason_code: string | null;
}

/** One report of the organisation, with its policies and failure details; undefined when it has none of that id. */
export async function getTlsReport(db: Queryable, orgId: number, id: number): Promise<TlsReportDetail | undefined> {
  const r = await db.query<Row>(`SELECT ${COLUMNS} FROM tls_reports t WHERE t.org_id = $1 AND t.id = $2`, [orgId, id]);
  const row = r.rows[0];
  if (!row) return undefined;
  const policies = await db.query<PolicyRow>(
    `SELECT id, policy_type, policy_domain, policy_string, mx_host, successful_sessions, failed_sessions
     FROM tls_report_policies WHERE org_id = $1 AND report = $2 ORDER BY idx`,
    [orgId, id],
  );
  const details = await db.query<DetailRow>(
    `SELECT d.policy, d.result_type, d.sending_mta_ip, d.receiving_mx_hostname, d.receiving_mx_helo, d.receiving_ip,
       d.failed_session_count, d.additional_information, d.failure_reason_code
     FROM tls_failure_details d JOIN tls_report_policies p ON p.id = d.policy
     WHERE d.org_id = $1 AND p.report = $2 ORDER BY p.idx, d.idx`,
    [orgId, id],
  );
  const byPolicy = new Map<number, TlsFailureDetailItem[]>();
  for (const d of details.rows) {
    const list = byPolicy.get(Number(d.policy)) ?? [];
    list.push({
      resultType: d.result_type,
      sendingMtaIp: d.sending_mta_ip,
      receivingMxHostname: d.receiving_mx_hostname,
      receivingMxHelo: d.receiving_mx_helo,
      receivingIp: d.receiving_ip,
      failedSessionCount: Number(d.failed_session_count),
      additionalInformation: d.additional_information,
      failureReasonCode: d.failure_reason_code,
    });
    byPolicy.set(Number(d.policy), list);
  }
  return {
    ...toItem(row),
    partName: row.part_name,
    warningMessages: row.warnings,
    policyList: policies.rows.map((p) => ({
      policyType: p.policy_type,
      policyDomain: p.policy_domain,
      policyString: p.policy_string,
      mxHost: p.mx_host,
      successfulSessions: Number(p.successful_sessions),
      failedSessions: Number(p.failed_sessions),
      failureDetails: byPolicy.get(Number(p.id)) ?? [],
    })),
  };
}
