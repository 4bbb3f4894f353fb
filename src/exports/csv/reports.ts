// reports.csv: one row per aggregate report matching the filters (a report with at least one matching record
// under outcome or source filters; its figures are the whole report's, as in GET /api/reports), in storage order,
// keyset-paged on the report id.
import { Params, reportConditions, where, type ScopedFilter } from '../../analytics/filters.js';
import type { PolicyColumns } from '../../analytics/policy.js';
import { reasonCondition } from '../../analytics/reports.js';
import type { Queryable } from '../../store/database.js';
import { joinList, type Column } from './cells.js';
import { iso } from './records.js';
import { keysetPages, type ExportKind } from './stream.js';

export interface ReportRow extends PolicyColumns {
  id: number;
  file_id: number;
  reporter_org: string;
  reporter: string;
  email: string | null;
  extra_contact_info: string | null;
  report_id: string;
  domain: string;
  begin_at: Date | null;
  end_at: Date | null;
  day: string | null;
  record_count: number;
  message_count: number;
  dmarc_pass: number;
  schema: string;
  version: string | null;
  generator: string | null;
  reporter_errors: string[];
  created_at: Date;
}

const COLUMNS_SQL = `r.id, r.file_id, r.reporter_org, r.reporter, r.email, r.extra_contact_info, r.report_id, r.domain, r.begin_at,
  r.end_at, to_char(r.day, 'YYYY-MM-DD') AS day, r.record_count, r.message_count, r.dmarc_pass, r.p, r.sp, r.np,
  r.pct, r.adkim, r.aspf, r.fo, r.testing, r.discovery_method, r.schema, r.version, r.generator, r.reporter_errors,
  r.created_at`;

export const REPORT_COLUMNS: readonly Column<ReportRow>[] = [
  { name: 'id', type: 'number', get: (r) => r.id },
  { name: 'reporter', type: 'text', get: (r) => r.reporter },
  { name: 'reporter_org', type: 'text', get: (r) => r.reporter_org },
  { name: 'reporter_email', type: 'text', get: (r) => r.email },
  { name: 'reporter_contact', type: 'text', get: (r) => r.extra_contact_info },
  { name: 'report_id', type: 'text', get: (r) => r.report_id },
  { name: 'domain', type: 'text', get: (r) => r.domain },
  { name: 'date', type: 'text', get: (r) => r.day },
  { name: 'begin', type: 'text', get: (r) => iso(r.begin_at) },
  { name: 'end', type: 'text', get: (r) => iso(r.end_at) },
  { name: 'records', type: 'number', get: (r) => r.record_count },
  { name: 'messages', type: 'number', get: (r) => r.message_count },
  { name: 'dmarc_pass', type: 'number', get: (r) => r.dmarc_pass },
  { name: 'dmarc_fail', type: 'number', get: (r) => r.message_count - r.dmarc_pass },
  {
    name: 'compliance_rate',
    type: 'number',
    get: (r) => (r.message_count > 0 ? r.dmarc_pass / r.message_count : null),
  },
  { name: 'policy_p', type: 'text', get: (r) => r.p },
  { name: 'policy_sp', type: 'text', get: (r) => r.sp },
  { name: 'policy_np', type: 'text', get: (r) => r.np },
  { name: 'policy_pct', type: 'number', get: (r) => r.pct },
  { name: 'policy_adkim', type: 'text', get: (r) => r.adkim },
  { name: 'policy_aspf', type: 'text', get: (r) => r.aspf },
  { name: 'policy_fo', type: 'text', get: (r) => r.fo },
  { name: 'policy_testing', type: 'text', get: (r) => r.testing },
  { name: 'discovery_method', type: 'text', get: (r) => r.discovery_method },
  { name: 'schema', type: 'text', get: (r) => r.schema },
  { name: 'version', type: 'text', get: (r) => r.version },
  { name: 'generator', type: 'text', get: (r) => r.generator },
  { name: 'reporter_errors', type: 'text', get: (r) => joinList(r.reporter_errors) },
  { name: 'file', type: 'number', get: (r) => r.file_id },
  { name: 'received_at', type: 'text', get: (r) => iso(r.created_at) },
];

/** The filter's conditions on the reports (alias r), with the reports list's override-reason filter. */
function conditions(f: ScopedFilter & { reason?: string }, p: Params): string[] {
  const cond = reportConditions(f, p);
  if (f.reason !== undefined) cond.push(reasonCondition(f, f.reason, p));
  return cond;
}

export const reportsExport: ExportKind<ScopedFilter & { reason?: string }, ReportRow> = {
  name: 'reports',
  columns: REPORT_COLUMNS,
  pages: (db, f, opts) =>
    keysetPages(
      async (after: number | undefined, limit) => {
        const p = new Params();
        const cond = conditions(f, p);
        if (after !== undefined) cond.push(`r.id > ${p.add(after)}::int8`);
        const res = await db.query<ReportRow>(
          `SELECT ${COLUMNS_SQL} FROM reports r ${where(cond)} ORDER BY r.id LIMIT ${p.add(limit)}`,
          p.values,
        );
        return res.rows;
      },
      (row) => row.id,
      opts,
    ),
  async count(db: Queryable, f) {
    const p = new Params();
    const r = await db.query<{ n: number }>(`SELECT count(*) AS n FROM reports r ${where(conditions(f, p))}`, [
      ...p.values,
    ]);
    return r.rows[0]?.n ?? 0;
  },
};
