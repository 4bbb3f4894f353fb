// The CSV/NDJSON exports by name (the API routes and `dmarc export csv` read the same), and the file name that
// says what and when.
import { domainToASCII } from 'node:url';
import type { AnalyticsFilter, ScopedFilter } from '../../analytics/filters.js';
import type { Queryable } from '../../store/database.js';
import type { AlertFilter } from '../../store/alerts.js';
import { alertsExport } from './alerts.js';
import type { ExportFormat } from './cells.js';
import { recordsExport } from './records.js';
import { reportsExport } from './reports.js';
import { sendersExport } from './senders.js';
import { sourcesExport } from './sources.js';
import { encodeExport, type EncodeOptions, type ExportKind } from './stream.js';

export const ANALYTICS_EXPORTS = ['reports', 'records', 'sources', 'senders'] as const;
export type AnalyticsExportName = (typeof ANALYTICS_EXPORTS)[number];
export const EXPORT_NAMES = [...ANALYTICS_EXPORTS, 'alerts'] as const;
export type ExportName = (typeof EXPORT_NAMES)[number];

/**
 * The analytics filters, and for reports and records the reports list's own override-reason filter (as GET
 * /api/reports?reason= and /api/records?reason=; the other exports ignore it).
 */
export interface ExportFilter extends ScopedFilter {
  reason?: string;
}

export const ANALYTICS_EXPORT_KINDS: Record<AnalyticsExportName, ExportKind<ExportFilter, unknown>> = {
  reports: reportsExport as ExportKind<ExportFilter, unknown>,
  records: recordsExport as ExportKind<ExportFilter, unknown>,
  sources: sourcesExport as ExportKind<ExportFilter, unknown>,
  senders: sendersExport as ExportKind<ExportFilter, unknown>,
};

/** The exports that take the override-reason filter. */
export const REASON_EXPORTS: readonly AnalyticsExportName[] = ['reports', 'records'];

/** What to export: an analytics export with the analytics filters, or the alerts with the alerts list's. */
export type ExportRequest =
  { name: AnalyticsExportName; filter: ExportFilter } | { name: 'alerts'; filter: AlertFilter };

/** The export's chunks: text, or UTF-8 bytes as the database wrote them (see encodeExport). */
export function exportChunks(db: Queryable, req: ExportRequest, opts: EncodeOptions): AsyncGenerator<string | Buffer> {
  if (req.name === 'alerts') return encodeExport(db, alertsExport, req.filter, opts);
  return encodeExport(db, ANALYTICS_EXPORT_KINDS[req.name], req.filter, opts);
}

/** How many rows the export will have, when that is cheap to know (else undefined). */
export async function exportCount(db: Queryable, req: ExportRequest): Promise<number | undefined> {
  if (req.name === 'alerts') return alertsExport.count?.(db, req.filter);
  return ANALYTICS_EXPORT_KINDS[req.name].count?.(db, req.filter);
}

/** The column names of an export, in order. */
export function exportColumns(name: ExportName): string[] {
  const kind = name === 'alerts' ? alertsExport : ANALYTICS_EXPORT_KINDS[name];
  return kind.columns.map((c) => c.name);
}

const EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', ndjson: 'ndjson' };

/** A file-name part: lower-case letters, digits, dots and hyphens only (an IDN or odd name cannot break out). */
function slug(text: string): string {
  return (
    text
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '') || 'x'
  );
}

/**
 * dmarc-<what>-<domain or all-domains>-<period>.<ext>, the period being from_to, from-<d>, to-<d>, no-period or
 * all-time: e.g. dmarc-records-example.com-2024-06-01_2024-06-30.csv.
 */
export function exportFileName(
  name: ExportName,
  filter: Pick<AnalyticsFilter, 'domain' | 'from' | 'to' | 'period'>,
  format: ExportFormat,
): string {
  // an IDN as its A-label (xn--...), which every file system and browser keeps
  const domain = filter.domain !== undefined ? slug(domainToASCII(filter.domain) || filter.domain) : 'all-domains';
  let period: string;
  if (filter.period === 'none') period = 'no-period';
  else if (filter.from !== undefined && filter.to !== undefined) period = `${filter.from}_${filter.to}`;
  else if (filter.from !== undefined) period = `from-${filter.from}`;
  else if (filter.to !== undefined) period = `to-${filter.to}`;
  else period = 'all-time';
  return `dmarc-${name}-${domain}-${period}.${EXTENSIONS[format]}`;
}
