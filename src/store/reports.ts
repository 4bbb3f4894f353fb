// Repository of aggregate reports and their records. Records go in with COPY, one per batch: the same
// statement on PGlite and PostgreSQL (~4M rows/s on PostgreSQL, 4x a multi-row INSERT).
import type { AggregateReportHeader, ExtensionElement, ReportRecord } from '../model/aggregate.js';
import { canonicalReporter } from '../model/reporter-name.js';
import { CopyBuffer, pgTextArray } from './copy-text.js';
import type { Queryable } from './database.js';

/**
 * Inserts the report row unless the organisation already has a report with the same identity (reporter org,
 * report id, policy domain, period begin). Returns its id, or undefined for a duplicate.
 */
export async function insertReportIfNew(
  tx: Queryable,
  orgId: number,
  fileId: number,
  partName: string,
  h: AggregateReportHeader,
): Promise<number | undefined> {
  const p = h.policy;
  const r = await tx.query<{ id: number }>(
    `INSERT INTO reports (org_id, file_id, part_name, reporter_org, email, extra_contact_info, report_id, domain,
       begin_at, end_at, day, version, schema, namespace, generator,
       adkim, aspf, p, sp, np, pct, fo, testing, discovery_method, reporter_errors, reporter,
       extra_contact_info_lang, reporter_error_langs)
     VALUES ($24, $1, $2, $3, $4, $5, $6, $7,
       to_timestamp($8::float8), to_timestamp($9::float8), (to_timestamp($8::float8) AT TIME ZONE 'UTC')::date,
       $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23::jsonb, $25, $26, $27::jsonb)
     ON CONFLICT ON CONSTRAINT reports_identity DO NOTHING
     RETURNING id`,
    [
      fileId,
      partName,
      h.reporterOrg,
      h.email,
      h.extraContactInfo,
      h.reportId,
      h.domain,
      h.begin,
      h.end,
      h.version,
      h.schema,
      h.namespace,
      h.generator,
      p.adkim,
      p.aspf,
      p.p,
      p.sp,
      p.np,
      p.pct,
      p.fo,
      p.testing,
      p.discoveryMethod,
      JSON.stringify(h.errors),
      orgId,
      canonicalReporter(h.reporterOrg, h.email),
      h.extraContactInfoLang ?? null,
      JSON.stringify(h.errorLangs ?? h.errors.map(() => null)),
    ],
  );
  return r.rows[0]?.id;
}

export interface StoredIdentity {
  id: number;
  fileId: number;
  records: number;
  messages: number;
  recovered: boolean;
  warnings: string[];
}

/** The stored report with the same identity in the organisation (what a duplicate duplicates). */
export async function findReportByIdentity(
  tx: Queryable,
  orgId: number,
  h: AggregateReportHeader,
): Promise<StoredIdentity | undefined> {
  const r = await tx.query<StoredIdentity>(
    `SELECT id, file_id AS "fileId", record_count AS records, message_count AS messages, recovered, warnings
     FROM reports
     WHERE org_id = $1 AND reporter_org = $2 AND report_id = $3 AND domain = $4
       AND begin_at IS NOT DISTINCT FROM to_timestamp($5::float8)`,
    [orgId, h.reporterOrg, h.reportId, h.domain, h.begin],
  );
  return r.rows[0];
}

/** Inserts a batch of records (numbered from firstIdx), with their override reasons and auth results. */
export async function insertRecords(
  tx: Queryable,
  orgId: number,
  reportId: number,
  firstIdx: number,
  records: readonly ReportRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const rows = new CopyBuffer();
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const d = r.dkimResults;
    const s = r.spfResults;
    rows.add([
      orgId,
      reportId,
      firstIdx + i,
      r.sourceIp,
      r.count,
      r.disposition,
      r.dkim,
      r.spf,
      r.headerFrom,
      r.envelopeFrom,
      r.envelopeTo,
      pgTextArray(r.reasons.map((x) => x.type)),
      pgTextArray(r.reasons.map((x) => x.comment)),
      pgTextArray(r.reasons.map((x) => x.commentLang ?? null)),
      pgTextArray(d.map((x) => x.domain)),
      pgTextArray(d.map((x) => x.selector)),
      pgTextArray(d.map((x) => x.result)),
      pgTextArray(d.map((x) => x.humanResult)),
      pgTextArray(d.map((x) => x.humanResultLang ?? null)),
      pgTextArray(s.map((x) => x.domain)),
      pgTextArray(s.map((x) => x.scope)),
      pgTextArray(s.map((x) => x.result)),
      pgTextArray(s.map((x) => x.humanResult)),
      pgTextArray(s.map((x) => x.humanResultLang ?? null)),
    ]);
  }
  await tx.copyFrom('records', RECORD_COLUMNS, rows.toString());
}

const RECORD_COLUMNS = [
  'org_id',
  'report_id',
  'idx',
  'source_ip',
  'count',
  'disposition',
  'dkim',
  'spf',
  'header_from',
  'envelope_from',
  'envelope_to',
  'reason_types',
  'reason_comments',
  'reason_comment_langs',
  'dkim_domains',
  'dkim_selectors',
  'dkim_results',
  'dkim_human_results',
  'dkim_human_result_langs',
  'spf_domains',
  'spf_scopes',
  'spf_results',
  'spf_human_results',
  'spf_human_result_langs',
] as const;

export interface ReportTotals {
  recordCount: number;
  messageCount: number;
  dmarcPass: number;
  warnings: string[];
  recovered: boolean;
  facets: string[];
  /** RFC 9990 extension elements, known once the whole report was read. */
  extensions: readonly ExtensionElement[];
}

export async function finishReport(tx: Queryable, reportId: number, t: ReportTotals): Promise<void> {
  await tx.query(
    `UPDATE reports SET record_count = $2, message_count = $3, dmarc_pass = $4, warnings = $5::jsonb, recovered = $6,
       facets = $7::text[], extensions = $8::jsonb
     WHERE id = $1`,
    [
      reportId,
      t.recordCount,
      t.messageCount,
      t.dmarcPass,
      JSON.stringify(t.warnings),
      t.recovered,
      t.facets,
      JSON.stringify(t.extensions),
    ],
  );
}
