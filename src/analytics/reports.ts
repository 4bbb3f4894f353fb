// Report and record drill-down: keyset-paginated lists and the detail of one report.
import type { Queryable } from '../store/database.js';
import {
  Params,
  outcomeConditions,
  recordConditions,
  reportConditions,
  reportLevel,
  rollupConditions,
  rollupTable,
  needsSourceRollup,
  where,
  type ScopedFilter,
} from './filters.js';
import { publishedPolicy, type PolicyColumns, type PublishedPolicy } from './policy.js';

export type ReportSort = 'begin' | 'messages' | 'org' | 'domain' | 'received';

export interface ReportItem {
  id: number;
  fileId: number;
  orgName: string;
  /** The reporter's canonical name (orgName is the name as the report gives it). */
  reporter: string;
  email: string | null;
  reportId: string;
  domain: string;
  begin: string | null;
  end: string | null;
  date: string | null;
  records: number;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  policy: PublishedPolicy;
  schema: string;
  version: string | null;
  recovered: boolean;
  warnings: number;
  receivedAt: string;
}

export interface AuthDkim {
  domain: string;
  selector: string | null;
  result: string;
  humanResult: string | null;
  /** RFC 9990 lang of human_result; absent when the reporter gave none. */
  humanResultLang?: string;
}
export interface AuthSpf {
  domain: string;
  scope: string | null;
  result: string;
  humanResult: string | null;
  /** RFC 9990 lang of human_result; absent when the reporter gave none. */
  humanResultLang?: string;
}

export interface RecordItem {
  reportId: number;
  idx: number;
  orgName: string;
  /** The reporter's canonical name (orgName is the name as the report gives it). */
  reporter: string;
  domain: string;
  date: string | null;
  sourceIp: string | null;
  count: number;
  disposition: string | null;
  dkim: string | null;
  spf: string | null;
  dmarc: 'pass' | 'fail';
  /** commentLang: RFC 9990 lang of the comment; absent when the reporter gave none. */
  reasons: { type: string; comment: string | null; commentLang?: string }[];
  headerFrom: string | null;
  envelopeFrom: string | null;
  envelopeTo: string | null;
  dkimResults: AuthDkim[];
  spfResults: AuthSpf[];
}

export interface ReportDetail extends ReportItem {
  extraContactInfo: string | null;
  extraContactInfoLang: string | null;
  namespace: string | null;
  generator: string | null;
  reporterErrors: string[];
  /** Parallel to reporterErrors: the lang of each (null: none given). */
  reporterErrorLangs: (string | null)[];
  /** RFC 9990 extension elements as XML text; record is the idx of the record holding one, null: report level. */
  extensions: { record: number | null; xml: string }[];
  warningMessages: string[];
  partName: string | null;
  recordList: RecordItem[];
}

interface ReportRow extends PolicyColumns {
  id: number;
  file_id: number;
  reporter_org: string;
  reporter: string;
  email: string | null;
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
  recovered: boolean;
  warnings: string[];
  created_at: Date;
  extra_contact_info: string | null;
  namespace: string | null;
  generator: string | null;
  reporter_errors: string[];
  part_name: string | null;
}

/** Columns only the detail of one report reads. */
interface ReportDetailRow extends ReportRow {
  extra_contact_info_lang: string | null;
  reporter_error_langs: (string | null)[];
  extensions: { record: number | null; xml: string }[];
}

const REPORT_COLUMNS = `r.id, r.file_id, r.reporter_org, r.reporter, r.email, r.report_id, r.domain, r.begin_at, r.end_at,
  to_char(r.day, 'YYYY-MM-DD') AS day, r.record_count, r.message_count, r.dmarc_pass, r.p, r.sp, r.np, r.pct,
  r.adkim, r.aspf, r.fo, r.testing, r.discovery_method, r.schema, r.version, r.recovered, r.warnings, r.created_at,
  r.extra_contact_info, r.namespace, r.generator, r.reporter_errors, r.part_name`;

const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString().replace('.000Z', 'Z') : null);

function toItem(r: ReportRow): ReportItem {
  return {
    id: r.id,
    fileId: r.file_id,
    orgName: r.reporter_org,
    reporter: r.reporter,
    email: r.email,
    reportId: r.report_id,
    domain: r.domain,
    begin: isoOrNull(r.begin_at),
    end: isoOrNull(r.end_at),
    date: r.day,
    records: r.record_count,
    messages: r.message_count,
    dmarcPass: r.dmarc_pass,
    dmarcFail: r.message_count - r.dmarc_pass,
    complianceRate: r.message_count > 0 ? r.dmarc_pass / r.message_count : null,
    policy: publishedPolicy(r),
    schema: r.schema,
    version: r.version,
    recovered: r.recovered,
    warnings: r.warnings.length,
    receivedAt: r.created_at.toISOString(),
  };
}

/** Sort keys: an SQL expression that is never NULL (so that keyset comparisons work) and its JS reader. */
const REPORT_SORT: Record<ReportSort, { sql: string; read: (r: ReportRow) => string | number }> = {
  begin: {
    sql: `coalesce(r.begin_at, '-infinity'::timestamptz)`,
    read: (r) => (r.begin_at ? r.begin_at.toISOString() : '-infinity'),
  },
  messages: { sql: 'r.message_count', read: (r) => r.message_count },
  org: { sql: 'r.reporter', read: (r) => r.reporter },
  domain: { sql: 'r.domain', read: (r) => r.domain },
  // The cursor carries milliseconds (a JS Date); the column has microseconds: compare at the cursor's precision.
  received: { sql: `date_trunc('milliseconds', r.created_at)`, read: (r) => r.created_at.toISOString() },
};

export interface Keyset {
  /** Sort value of the last item of the previous page. */
  v: string | number;
  /** Its id (tie-breaker). */
  id: number;
}

export const isKeyset = (v: unknown): v is Keyset =>
  typeof v === 'object' &&
  v !== null &&
  (typeof (v as Keyset).v === 'string' || typeof (v as Keyset).v === 'number') &&
  Number.isSafeInteger((v as Keyset).id);

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** A keyset whose value has the type of the sort, so that a tampered cursor never reaches SQL as a bad value. */
export function isKeysetFor(sort: ReportSort): (v: unknown) => v is Keyset {
  return (v: unknown): v is Keyset => {
    if (!isKeyset(v)) return false;
    if (sort === 'messages') return Number.isSafeInteger(v.v);
    if (typeof v.v !== 'string') return false;
    if (sort === 'begin' && v.v === '-infinity') return true;
    if (sort === 'begin' || sort === 'received') return ISO_UTC.test(v.v) && !Number.isNaN(Date.parse(v.v));
    return true;
  };
}

export async function listReports(
  db: Queryable,
  f: ScopedFilter,
  opts: { sort: ReportSort; order: 'asc' | 'desc'; limit: number; after?: Keyset; reason?: string },
): Promise<{ items: ReportItem[]; total: number; next: Keyset | null }> {
  const sort = REPORT_SORT[opts.sort];
  const cmp = opts.order === 'asc' ? '>' : '<';
  const dir = opts.order === 'asc' ? 'ASC' : 'DESC';
  const p = new Params();
  const cond = reportConditions(f, p);
  if (opts.reason !== undefined) cond.push(reasonCondition(f, opts.reason, p));
  const countSql = `SELECT count(*) AS n FROM reports r ${where(cond)}`;
  const countParams = [...p.values];
  if (opts.after) {
    const cast = opts.sort === 'begin' ? '::timestamptz' : opts.sort === 'received' ? '::timestamptz' : '';
    cond.push(`(${sort.sql}, r.id) ${cmp} (${p.add(opts.after.v)}${cast}, ${p.add(opts.after.id)})`);
  }
  const rows = await db.query<ReportRow>(
    `SELECT ${REPORT_COLUMNS} FROM reports r ${where(cond)}
     ORDER BY ${sort.sql} ${dir}, r.id ${dir} LIMIT ${p.add(opts.limit + 1)}`,
    p.values,
  );
  const total = (await db.query<{ n: number }>(countSql, countParams)).rows[0]?.n ?? 0;
  const page = rows.rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    total,
    next: rows.rows.length > opts.limit && last ? { v: sort.read(last), id: last.id } : null,
  };
}

interface RecordRow {
  report_id: number;
  idx: number;
  reporter_org: string;
  reporter: string;
  domain: string;
  day: string | null;
  source_ip: string | null;
  count: number;
  disposition: string | null;
  dkim: string | null;
  spf: string | null;
  header_from: string | null;
  envelope_from: string | null;
  envelope_to: string | null;
  reason_types: string[];
  reason_comments: (string | null)[];
  reason_comment_langs: (string | null)[];
  dkim_domains: string[];
  dkim_selectors: (string | null)[];
  dkim_results: string[];
  dkim_human_results: (string | null)[];
  dkim_human_result_langs: (string | null)[];
  spf_domains: string[];
  spf_scopes: (string | null)[];
  spf_results: string[];
  spf_human_results: (string | null)[];
  spf_human_result_langs: (string | null)[];
}

const RECORD_COLUMNS = `c.report_id, c.idx, r.reporter_org, r.reporter, r.domain, to_char(r.day, 'YYYY-MM-DD') AS day,
  host(c.source_ip) AS source_ip, c.count, c.disposition, c.dkim, c.spf, c.header_from, c.envelope_from,
  c.envelope_to, c.reason_types, c.reason_comments, c.dkim_domains, c.dkim_selectors, c.dkim_results,
  c.dkim_human_results, c.spf_domains, c.spf_scopes, c.spf_results, c.spf_human_results, c.reason_comment_langs,
  c.dkim_human_result_langs, c.spf_human_result_langs`;

/** A lang as a property only when there is one: records without keep their shape. */
function langProp<K extends string>(key: K, lang: string | null | undefined): { [P in K]?: string } {
  return (lang === null || lang === undefined ? {} : { [key]: lang }) as { [P in K]?: string };
}

function toRecord(r: RecordRow): RecordItem {
  return {
    reportId: r.report_id,
    idx: r.idx,
    orgName: r.reporter_org,
    reporter: r.reporter,
    domain: r.domain,
    date: r.day,
    sourceIp: r.source_ip,
    count: r.count,
    disposition: r.disposition,
    dkim: r.dkim,
    spf: r.spf,
    dmarc: r.dkim === 'pass' || r.spf === 'pass' ? 'pass' : 'fail',
    reasons: r.reason_types.map((type, i) => ({
      type,
      comment: r.reason_comments[i] ?? null,
      ...langProp('commentLang', r.reason_comment_langs[i]),
    })),
    headerFrom: r.header_from,
    envelopeFrom: r.envelope_from,
    envelopeTo: r.envelope_to,
    dkimResults: r.dkim_domains.map((domain, i) => ({
      domain,
      selector: r.dkim_selectors[i] ?? null,
      result: r.dkim_results[i] ?? 'none',
      humanResult: r.dkim_human_results[i] ?? null,
      ...langProp('humanResultLang', r.dkim_human_result_langs[i]),
    })),
    spfResults: r.spf_domains.map((domain, i) => ({
      domain,
      scope: r.spf_scopes[i] ?? null,
      result: r.spf_results[i] ?? 'none',
      humanResult: r.spf_human_results[i] ?? null,
      ...langProp('humanResultLang', r.spf_human_result_langs[i]),
    })),
  };
}

/**
 * The report (alias r) has a record with this override reason that also matches the filter's outcome and
 * source conditions: from the per-report reasons rollup, or from the records when a network is asked for.
 */
export function reasonCondition(f: ScopedFilter, reason: string, p: Params): string {
  if (needsSourceRollup(f)) {
    const c = [`x.report_id = r.id`, `${p.add(reason)} = ANY(x.reason_types)`, ...recordConditions(f, p, 'x')];
    return `EXISTS (SELECT 1 FROM records x WHERE ${c.join(' AND ')})`;
  }
  const c = [
    `rr.report_id = r.id`,
    `rr.org_id = ${p.add(f.orgId)}`,
    `rr.reason = ${p.add(reason)}`,
    ...outcomeConditions(f, p, 'rr'),
  ];
  return `EXISTS (SELECT 1 FROM report_reasons rr WHERE ${c.join(' AND ')})`;
}

export interface RecordCursor {
  r: number;
  i: number;
}
export const isRecordCursor = (v: unknown): v is RecordCursor =>
  typeof v === 'object' &&
  v !== null &&
  Number.isSafeInteger((v as RecordCursor).r) &&
  Number.isSafeInteger((v as RecordCursor).i) &&
  (v as RecordCursor).i >= 0 &&
  (v as RecordCursor).i <= 2_147_483_647; // records.idx is an integer column

/** Records matching the filter, newest report first (by id), in report order within a report. */
export async function listRecords(
  db: Queryable,
  f: ScopedFilter,
  opts: { limit: number; after?: RecordCursor; reason?: string },
): Promise<{ items: RecordItem[]; total: number; next: RecordCursor | null }> {
  const p = new Params();
  const cond = [...reportConditions(reportLevel(f), p), ...recordConditions(f, p)];
  if (opts.reason !== undefined) {
    // the reports that have such records first (an index-served semi-join), then the records themselves
    cond.push(reasonCondition(f, opts.reason, p), `${p.add(opts.reason)} = ANY(c.reason_types)`);
  }
  const counting = {
    sql: `SELECT count(*) AS n FROM records c JOIN reports r ON r.id = c.report_id ${where(cond)}`,
    params: [...p.values],
  };
  if (opts.after)
    cond.push(
      `(c.report_id < ${p.add(opts.after.r)} OR (c.report_id = $${p.values.length} AND c.idx > ${p.add(opts.after.i)}))`,
    );
  const rows = await db.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM records c JOIN reports r ON r.id = c.report_id ${where(cond)}
     ORDER BY c.report_id DESC, c.idx ASC LIMIT ${p.add(opts.limit + 1)}`,
    p.values,
  );
  const total = await countRecords(db, f, opts.reason, counting);
  const page = rows.rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toRecord),
    total,
    next: rows.rows.length > opts.limit && last ? { r: last.report_id, i: last.idx } : null,
  };
}

/**
 * How many records match, from the rollups where they can answer (they count records per domain, day,
 * reporter, outcome, and source or override reason), else by counting the rows.
 */
async function countRecords(
  db: Queryable,
  f: ScopedFilter,
  reason: string | undefined,
  counting: { sql: string; params: unknown[] },
): Promise<number> {
  const tp = new Params();
  let sql: string;
  if (reason === undefined) {
    sql = `SELECT coalesce(sum(records), 0) AS n FROM ${rollupTable(f)} ${where(rollupConditions(f, tp))}`;
  } else if (!needsSourceRollup(f)) {
    sql = `SELECT coalesce(sum(records), 0) AS n FROM report_reasons rr
      ${where([`rr.reason = ${tp.add(reason)}`, ...rollupConditions(f, tp, 'rr')])}`;
  } else {
    // no rollup has both the source and the reason
    return (await db.query<{ n: number }>(counting.sql, counting.params)).rows[0]?.n ?? 0;
  }
  return (await db.query<{ n: number }>(sql, tp.values)).rows[0]?.n ?? 0;
}

/** One of the organisation's reports (undefined for another organisation's id). */
export async function getReport(db: Queryable, orgId: number, id: number): Promise<ReportDetail | undefined> {
  const r = await db.query<ReportDetailRow>(
    `SELECT ${REPORT_COLUMNS}, r.extra_contact_info_lang, r.reporter_error_langs, r.extensions
     FROM reports r WHERE r.id = $1 AND r.org_id = $2`,
    [id, orgId],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  const recs = await db.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM records c JOIN reports r ON r.id = c.report_id
     WHERE c.report_id = $1 AND c.org_id = $2 ORDER BY c.idx`,
    [id, orgId],
  );
  return {
    ...toItem(row),
    extraContactInfo: row.extra_contact_info,
    extraContactInfoLang: row.extra_contact_info_lang,
    namespace: row.namespace,
    generator: row.generator,
    reporterErrors: row.reporter_errors,
    // Reports stored before the langs were: one null per error.
    reporterErrorLangs: row.reporter_errors.map((_, i) => row.reporter_error_langs[i] ?? null),
    extensions: row.extensions,
    warningMessages: row.warnings,
    partName: row.part_name,
    recordList: recs.rows.map(toRecord),
  };
}
