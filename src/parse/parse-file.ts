// Unpack + parse one input file without storing anything: what `dmarc parse` shows a user.
import type { AggregateReport } from '../model/aggregate.js';
import type { TlsReport } from '../model/tls-report.js';
import { parseAggregateReport } from './aggregate/index.js';
import { parseTlsReport } from './tls/index.js';
import type { FailureReport } from '../model/failure.js';
import { DEFAULT_FAILURE_PRIVACY, parseFailureReport, type FailurePrivacy } from './failure/index.js';
import { ParseFailure, type UnpackLimits, type UnsupportedKind } from './types.js';
import { problemWithin, unpack } from './unpack/index.js';

export interface ParsedPart extends AggregateReport {
  /** Where the report sat in the file, e.g. "x.eml > y.zip > z.xml". */
  part: string;
}

export interface ParsedTlsPart extends TlsReport {
  part: string;
}

export interface ParsedFile {
  status: 'ok' | 'unsupported' | 'failed';
  /** Unreadable parts ("part: reason", the file's own problem alone), joined; null when all were read. */
  error: string | null;
  recovered: boolean;
  unsupportedKinds: UnsupportedKind[];
  reports: ParsedPart[];
  /** SMTP TLS reports (RFC 8460). */
  tlsReports: ParsedTlsPart[];
  /** Failure reports (RFC 6591), with the original's headers the privacy settings keep. */
  failureReports: (FailureReport & { part: string })[];
}

export async function parseFile(
  bytes: Uint8Array,
  name: string,
  limits: UnpackLimits,
  privacy: FailurePrivacy = DEFAULT_FAILURE_PRIVACY,
): Promise<ParsedFile> {
  const reports: ParsedPart[] = [];
  const tlsReports: ParsedTlsPart[] = [];
  const failureReports: ParsedFile['failureReports'] = [];
  const errors: string[] = [];
  const kinds = new Set<UnsupportedKind>();
  for await (const part of unpack(bytes, name, limits)) {
    if (part.type === 'error') errors.push(problemWithin(name, part.name, part.error.message));
    else if (part.type === 'unsupported') kinds.add(part.kind);
    else if (part.type === 'tlsrpt') {
      try {
        tlsReports.push({ part: part.name, ...(await parseTlsReport(part.open)) });
      } catch (err) {
        if (!(err instanceof ParseFailure)) throw err;
        errors.push(problemWithin(name, part.name, err.message));
      }
    } else if (part.type === 'arf') {
      try {
        failureReports.push({ part: part.name, ...(await parseFailureReport(part.raw, privacy)) });
      } catch (err) {
        if (!(err instanceof ParseFailure)) throw err;
        errors.push(problemWithin(name, part.name, err.message));
      }
    } else {
      try {
        reports.push({
          part: part.name,
          ...(await parseAggregateReport(part.open, { maxRecords: limits.maxRecordsPerReport })),
        });
      } catch (err) {
        if (!(err instanceof ParseFailure)) throw err;
        errors.push(problemWithin(name, part.name, err.message));
      }
    }
  }
  const status =
    reports.length + tlsReports.length + failureReports.length > 0 ? 'ok' : kinds.size > 0 ? 'unsupported' : 'failed';
  let error = errors.length > 0 ? errors.join('; ') : null;
  if (status === 'unsupported' && error === null) error = `unsupported report kind: ${[...kinds].join(', ')}`;
  if (status === 'failed' && error === null) error = 'no report found in the file';
  return {
    status,
    error,
    recovered: reports.some((r) => r.recovered),
    unsupportedKinds: [...kinds],
    reports,
    tlsReports,
    failureReports,
  };
}
