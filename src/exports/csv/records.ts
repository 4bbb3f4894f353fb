// records.csv: one row per record of the filtered reports, with its auth results, override reasons, disposition
// and alignment — in storage order (report, then record), keyset-paged on the records' primary key. Each column
// also says its value in SQL, so that on PostgreSQL the database writes the CSV of a page itself (`copy`, the same
// bytes: test/exports/copy-csv.test.ts), which is several times faster than reading and encoding the rows here.
import {
  Params,
  recordConditions,
  reportConditions,
  reportLevel,
  rollupConditions,
  rollupTable,
  where,
  type ScopedFilter,
} from '../../analytics/filters.js';
import type { Queryable } from '../../store/database.js';
import { LIST_SEPARATOR, type Column } from './cells.js';
import { csvCellsSelect } from './cells-sql.js';
import { keysetPages, type CopyPages, type ExportKind, type PageOptions } from './stream.js';

export interface RecordRow {
  report_id: number;
  idx: number;
  reporter_org: string;
  reporter: string;
  external_id: string;
  domain: string;
  day: string | null;
  begin_at: string | null;
  end_at: string | null;
  source_ip: string | null;
  count: number;
  disposition: string | null;
  dkim: string | null;
  spf: string | null;
  header_from: string | null;
  envelope_from: string | null;
  envelope_to: string | null;
  // the lists as one text each, joined by the database (cheaper than parsing arrays here)
  reason_types: string;
  reason_comments: string;
  dkim_domains: string;
  dkim_selectors: string;
  dkim_results: string;
  spf_domains: string;
  spf_scopes: string;
  spf_results: string;
}

/** A list column as one cell: its values joined by LIST_SEPARATOR, a NULL value as nothing. */
const joined = (col: string): string => `array_to_string(c.${col}, '${LIST_SEPARATOR}', '') AS ${col}`;
/** A UTC time as ISO 8601 text, as iso() writes it (whole seconds: no fraction). */
export const isoSql = (col: string): string =>
  `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN extract(microseconds FROM ${col}) % 1000000 = 0 THEN 'Z' ELSE '.' || to_char(${col} AT TIME ZONE 'UTC', 'US') || 'Z' END`;

// The report's columns, formatted once per report (the OFFSET 0 keeps the subquery whole, so that the formatting is
// not pulled up and repeated for each of its records); its index scan is read lazily, in id order, as far as the
// page goes.
const REPORT_COLUMNS_SQL = `r.id, r.reporter_org, r.reporter, r.report_id AS external_id, r.domain,
  to_char(r.day, 'YYYY-MM-DD') AS day, ${isoSql('r.begin_at')} AS begin_at, ${isoSql('r.end_at')} AS end_at`;

const COLUMNS_SQL = `c.report_id, c.idx, r.reporter_org, r.reporter, r.external_id, r.domain, r.day, r.begin_at,
  r.end_at, host(c.source_ip) AS source_ip, c.count, c.disposition, c.dkim, c.spf, c.header_from, c.envelope_from,
  c.envelope_to, ${['reason_types', 'reason_comments', 'dkim_domains', 'dkim_selectors', 'dkim_results', 'spf_domains', 'spf_scopes', 'spf_results'].map(joined).join(', ')}`;

export const iso = (d: Date | null): string | null => (d ? d.toISOString().replace('.000Z', 'Z') : null);

const PASS_IN_LIST = new RegExp(`(^|${LIST_SEPARATOR})pass(${LIST_SEPARATOR}|$)`, 'i');

/**
 * aligned: the policy-evaluated result is pass; not_aligned: an auth result passed, but not for an aligned domain;
 * fail: no auth result passed. `results`: the auth results, joined by LIST_SEPARATOR.
 */
export function alignment(policy: string | null, results: string): 'aligned' | 'not_aligned' | 'fail' {
  if (policy === 'pass') return 'aligned';
  return PASS_IN_LIST.test(results) ? 'not_aligned' : 'fail';
}

/** alignment() in SQL, on the same joined results (lower(): the JS test is case-insensitive). */
function alignmentSql(policy: string, results: string): string {
  return `CASE WHEN ${policy} = 'pass' THEN 'aligned' WHEN lower(${results}) ~ '(^|${LIST_SEPARATOR})pass(${LIST_SEPARATOR}|$)'
    THEN 'not_aligned' ELSE 'fail' END`;
}

export const RECORD_COLUMNS: readonly Column<RecordRow>[] = [
  { name: 'report', type: 'number', get: (r) => r.report_id, sql: 'b.report_id' },
  { name: 'record', type: 'number', get: (r) => r.idx, sql: 'b.idx' },
  { name: 'reporter', type: 'text', get: (r) => r.reporter, sql: 'b.reporter' },
  { name: 'reporter_org', type: 'text', get: (r) => r.reporter_org, sql: 'b.reporter_org' },
  { name: 'report_id', type: 'text', get: (r) => r.external_id, sql: 'b.external_id' },
  { name: 'domain', type: 'text', get: (r) => r.domain, sql: 'b.domain' },
  { name: 'date', type: 'text', get: (r) => r.day, sql: 'b.day', plain: true },
  { name: 'begin', type: 'text', get: (r) => r.begin_at, sql: 'b.begin_at', plain: true },
  { name: 'end', type: 'text', get: (r) => r.end_at, sql: 'b.end_at', plain: true },
  { name: 'source_ip', type: 'text', get: (r) => r.source_ip, sql: 'b.source_ip', plain: true },
  { name: 'count', type: 'number', get: (r) => r.count, sql: 'b.count' },
  { name: 'disposition', type: 'text', get: (r) => r.disposition, sql: 'b.disposition' },
  {
    name: 'dmarc',
    type: 'text',
    get: (r) => (r.dkim === 'pass' || r.spf === 'pass' ? 'pass' : 'fail'),
    sql: "CASE WHEN b.dkim = 'pass' OR b.spf = 'pass' THEN 'pass' ELSE 'fail' END",
    plain: true,
  },
  { name: 'policy_dkim', type: 'text', get: (r) => r.dkim, sql: 'b.dkim' },
  { name: 'policy_spf', type: 'text', get: (r) => r.spf, sql: 'b.spf' },
  {
    name: 'dkim_alignment',
    type: 'text',
    get: (r) => alignment(r.dkim, r.dkim_results),
    sql: alignmentSql('b.dkim', 'b.dkim_results'),
    plain: true,
  },
  {
    name: 'spf_alignment',
    type: 'text',
    get: (r) => alignment(r.spf, r.spf_results),
    sql: alignmentSql('b.spf', 'b.spf_results'),
    plain: true,
  },
  { name: 'header_from', type: 'text', get: (r) => r.header_from, sql: 'b.header_from' },
  { name: 'envelope_from', type: 'text', get: (r) => r.envelope_from, sql: 'b.envelope_from' },
  { name: 'envelope_to', type: 'text', get: (r) => r.envelope_to, sql: 'b.envelope_to' },
  { name: 'override_reasons', type: 'text', get: (r) => r.reason_types, sql: 'b.reason_types' },
  { name: 'override_comments', type: 'text', get: (r) => r.reason_comments, sql: 'b.reason_comments' },
  { name: 'dkim_domains', type: 'text', get: (r) => r.dkim_domains, sql: 'b.dkim_domains' },
  { name: 'dkim_selectors', type: 'text', get: (r) => r.dkim_selectors, sql: 'b.dkim_selectors' },
  { name: 'dkim_results', type: 'text', get: (r) => r.dkim_results, sql: 'b.dkim_results' },
  { name: 'spf_domains', type: 'text', get: (r) => r.spf_domains, sql: 'b.spf_domains' },
  { name: 'spf_scopes', type: 'text', get: (r) => r.spf_scopes, sql: 'b.spf_scopes' },
  { name: 'spf_results', type: 'text', get: (r) => r.spf_results, sql: 'b.spf_results' },
];

interface RecordKey {
  r: number;
  i: number;
}

type RecordFilter = ScopedFilter & { reason?: string };

/** The page query: the filtered records after `after`, in key order, at most `limit`. */
function pageSql(f: RecordFilter, after: RecordKey | undefined, limit: number): { sql: string; params: unknown[] } {
  const p = new Params();
  const reportCond = reportConditions(reportLevel(f), p);
  if (after) reportCond.push(`r.id >= ${p.add(after.r)}::int8`);
  const cond = recordConditions(f, p);
  // the records with that override reason (as GET /api/records?reason=)
  if (f.reason !== undefined) cond.push(`${p.add(f.reason)} = ANY(c.reason_types)`);
  if (after) cond.push(`(c.report_id, c.idx) > (${p.add(after.r)}::int8, ${p.add(after.i)}::int4)`);
  const sql = `SELECT ${COLUMNS_SQL}
     FROM (SELECT ${REPORT_COLUMNS_SQL} FROM reports r ${where(reportCond)} ORDER BY r.id OFFSET 0) r
     JOIN records c ON c.report_id = r.id ${where(cond)}
     ORDER BY c.report_id, c.idx LIMIT ${p.add(limit)}`;
  return { sql, params: p.values };
}

function fetchPage(db: Queryable, f: RecordFilter) {
  return async (after: RecordKey | undefined, limit: number): Promise<RecordRow[]> => {
    const { sql, params } = pageSql(f, after, limit);
    return (await db.query<RecordRow>(sql, params)).rows;
  };
}

/** The same pages with their cells made by PostgreSQL; the key is the first two cells (report, record). */
const copy: CopyPages<RecordFilter> = {
  keyFields: 2,
  page(f, after, limit) {
    const key = after ? { r: Number(after[0]), i: Number(after[1]) } : undefined;
    const { sql, params } = pageSql(f, key, limit);
    return { sql: csvCellsSelect(RECORD_COLUMNS, sql, 'b.report_id, b.idx'), params };
  },
};

export const recordsExport: ExportKind<RecordFilter, RecordRow> = {
  name: 'records',
  columns: RECORD_COLUMNS,
  copy,
  pages: (db: Queryable, f: RecordFilter, opts: PageOptions) =>
    keysetPages(fetchPage(db, f), (row) => ({ r: row.report_id, i: row.idx }), opts),
  // the rollups count records per domain, day, reporter, outcome and source
  async count(db, f) {
    const p = new Params();
    if (f.reason !== undefined) {
      // no rollup counts records by override reason: count the matching rows
      const cond = [
        ...reportConditions(reportLevel(f), p),
        ...recordConditions(f, p),
        `${p.add(f.reason)} = ANY(c.reason_types)`,
      ];
      const n = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM records c JOIN reports r ON r.id = c.report_id ${where(cond)}`,
        p.values,
      );
      return Number(n.rows[0]?.n ?? 0);
    }
    const r = await db.query<{ n: number }>(
      `SELECT coalesce(sum(records), 0) AS n FROM ${rollupTable(f)} ${where(rollupConditions(f, p))}`,
      p.values,
    );
    return r.rows[0]?.n ?? 0;
  },
};
