// The pipeline for one ingested file: unpack → parse every XML part → store each report in its own
// transaction → record the file's outcome (processed | duplicate | unsupported | failed, with reasons).
import { parseAggregateXml } from '../parse/aggregate/index.js';
import { ParseFailure, type UnpackLimits, type UnsupportedKind } from '../parse/types.js';
import { unpack } from '../parse/unpack/index.js';
import { isRetryableTransactionError, type Database } from '../store/database.js';
import { getFile, getFileBytes, markProcessing, recordOutcome, type FileOutcome } from '../store/files.js';
import { storeReport, type StoredReport } from './store-report.js';
import { AppError } from '../model/errors.js';

export interface ProcessOptions {
  limits: UnpackLimits;
  /** Records per insert batch. */
  batchSize?: number;
  /** Called after each report is stored (cache invalidation, alerts in later issues). */
  onReportStored?: (r: Extract<StoredReport, { outcome: 'stored' }>) => void | Promise<void>;
}

export interface ProcessResult extends FileOutcome {
  fileId: number;
  reportsStored: number;
  reportsDuplicate: number;
  messages: number;
  /** One entry per part that could not be read: "name: reason". */
  failures: string[];
  /** The database failed (not the file): running the file again may well succeed. */
  storageFailed: boolean;
}

const KIND_LABEL: Record<UnsupportedKind, string> = {
  smtp_tls: 'SMTP TLS report (RFC 8460)',
  forensic: 'DMARC failure report (RFC 6591)',
};

const MAX_ATTEMPTS_PER_REPORT = 3;

export class FileNotFoundError extends AppError {
  constructor(readonly fileId: number) {
    super('file_not_found', `file ${fileId} does not exist`);
    this.name = 'FileNotFoundError';
  }
}

function describe(err: unknown): string {
  if (err instanceof ParseFailure) return err.message;
  if (err instanceof Error) return `storage error: ${err.message}`;
  return String(err);
}

export async function processFile(db: Database, fileId: number, options: ProcessOptions): Promise<ProcessResult> {
  const file = await getFile(db, fileId);
  const bytes = file ? await getFileBytes(db, fileId) : undefined;
  if (!file || !bytes) throw new FileNotFoundError(fileId);
  await markProcessing(db, fileId);

  let reportsStored = 0;
  let reportsDuplicate = 0;
  let records = 0;
  let messages = 0;
  let recovered = false;
  let storageFailed = false;
  const failures: string[] = [];
  const warnings: string[] = [];
  const unsupported = new Set<UnsupportedKind>();

  try {
    for await (const part of unpack(bytes, file.name, options.limits)) {
      if (part.type === 'unsupported') {
        unsupported.add(part.kind);
        continue;
      }
      if (part.type === 'error') {
        failures.push(`${part.name}: ${part.error.message}`);
        continue;
      }
      for (let attempt = 1; ; attempt++) {
        try {
          const stored = await storeReport(
            db,
            fileId,
            part.name,
            parseAggregateXml(part.open, { batchSize: options.batchSize ?? 2000 }),
          );
          if (stored.outcome === 'stored') {
            reportsStored++;
            records += stored.records;
            messages += stored.messages;
            recovered ||= stored.recovered;
            const label = `${stored.header.orgName || '(no org)'} ${stored.header.reportId}`;
            for (const w of stored.warnings) warnings.push(`${part.name} [${label}]: ${w}`);
            await options.onReportStored?.(stored);
          } else if (stored.outcome === 'duplicate') {
            reportsDuplicate++;
          } else {
            failures.push(`${part.name}: no aggregate report found`);
          }
          break;
        } catch (err) {
          if (isRetryableTransactionError(err) && attempt < MAX_ATTEMPTS_PER_REPORT) continue;
          if (!(err instanceof ParseFailure)) storageFailed = true;
          failures.push(`${part.name}: ${describe(err)}`);
          break;
        }
      }
    }
  } catch (err) {
    // A bug must not leave the file stuck in 'processing': record it as failed, re-processable later.
    storageFailed = true;
    failures.push(`internal error: ${err instanceof Error ? err.message : String(err)}`);
  }

  const outcome = decideOutcome({
    reportsStored,
    reportsDuplicate,
    records,
    recovered,
    storageFailed,
    failures,
    warnings,
    unsupported,
  });
  await recordOutcome(db, fileId, outcome);
  return { ...outcome, fileId, reportsStored, reportsDuplicate, messages, failures, storageFailed };
}

interface Tally {
  reportsStored: number;
  reportsDuplicate: number;
  records: number;
  recovered: boolean;
  storageFailed: boolean;
  failures: string[];
  warnings: string[];
  unsupported: Set<UnsupportedKind>;
}

/** The status of a file from what its parts gave. A storage failure always fails the file (re-run it). */
export function decideOutcome(t: Tally): FileOutcome {
  const base = { warnings: t.warnings, recovered: t.recovered, reportCount: t.reportsStored, recordCount: t.records };
  const partial = t.failures.length > 0 ? t.failures.join('; ') : null;
  if (t.storageFailed) return { ...base, status: 'failed', kind: 'aggregate', error: partial };
  if (t.reportsStored > 0) return { ...base, status: 'processed', kind: 'aggregate', error: partial };
  if (t.reportsDuplicate > 0) return { ...base, status: 'duplicate', kind: 'aggregate', error: partial };
  if (t.unsupported.size > 0) {
    const kinds = [...t.unsupported];
    return {
      ...base,
      status: 'unsupported',
      kind: kinds.join(','),
      error: `unsupported report kind: ${kinds.map((k) => KIND_LABEL[k]).join(', ')}`,
    };
  }
  return { ...base, status: 'failed', kind: null, error: partial ?? 'no report found in the file' };
}
