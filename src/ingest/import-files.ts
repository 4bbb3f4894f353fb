// `dmarc import`: every file through intake and the pipeline, with a running tally for progress and summary.
import fs from 'node:fs/promises';
import { formatBytes } from '../config/parse-values.js';
import type { ReportStoredSink } from '../events/report-stored.js';
import type { FailurePrivacy } from '../parse/failure/privacy.js';
import type { UnpackLimits } from '../parse/types.js';
import type { Database } from '../store/database.js';
import type { FileSource } from '../store/files.js';
import { collectPaths, type FoundFile } from './collect-paths.js';
import { intakeFile } from './intake.js';
import { processFile } from './process-file.js';

export interface ImportSummary {
  files: number;
  imported: number;
  duplicates: number;
  unsupported: number;
  failed: number;
  /** Newly stored reports and records. */
  reports: number;
  records: number;
  failures: { file: string; error: string }[];
}

export interface ImportOptions {
  /** The organisation the files enter. */
  orgId: number;
  limits: UnpackLimits;
  /** Told of every stored report (cache invalidation etc.). */
  sink: ReportStoredSink;
  source?: FileSource;
  /** What failure reports keep of the original message (default: the privacy defaults). */
  failures?: FailurePrivacy;
  /**
   * Files processed at once. With PostgreSQL, 2-4 overlap parsing (here) with storing (in the server);
   * PGlite runs in this thread, so more than 1 gains nothing there.
   */
  concurrency?: number;
  /** Called once at the start (done = 0) and after each file. */
  onProgress?: (done: number, total: number, summary: ImportSummary) => void;
}

export function emptyImportSummary(): ImportSummary {
  return { files: 0, imported: 0, duplicates: 0, unsupported: 0, failed: 0, reports: 0, records: 0, failures: [] };
}

export async function importFiles(db: Database, inputs: string[], options: ImportOptions): Promise<ImportSummary> {
  const { files, missing } = await collectPaths(inputs);
  const s = emptyImportSummary();
  for (const m of missing) {
    s.files++;
    s.failed++;
    s.failures.push(m);
  }
  const total = files.length;
  let next = 0;
  let done = 0;
  options.onProgress?.(0, total, s);
  const worker = async (): Promise<void> => {
    while (next < total) {
      const file = files[next++]!;
      await importOne(db, file, options, s);
      options.onProgress?.(++done, total, s);
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 1, total));
  await Promise.all(Array.from({ length: n }, worker));
  return s;
}

async function importOne(db: Database, found: FoundFile, options: ImportOptions, s: ImportSummary): Promise<void> {
  const file = found.display;
  s.files++;
  const fail = (error: string): void => {
    s.failed++;
    s.failures.push({ file, error });
  };
  let bytes: Uint8Array;
  try {
    const st = await fs.stat(found.path);
    if (st.size > options.limits.maxInputBytes) {
      fail(`file is larger than the limit of ${formatBytes(options.limits.maxInputBytes)} (DMARC_MAX_INPUT_BYTES)`);
      return;
    }
    bytes = await fs.readFile(found.path);
  } catch (err) {
    fail(`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return;
  }

  const intake = await intakeFile(db, {
    orgId: options.orgId,
    bytes,
    name: file.split(/[\\/]/).pop() ?? file,
    source: options.source ?? 'cli',
    failures: options.failures,
    limits: options.limits,
  });
  // Same bytes again: nothing new, unless an earlier run stopped before processing them.
  if (intake.duplicate && intake.existing.status !== 'pending') {
    s.duplicates++;
    return;
  }
  const r = await processFile(
    db,
    { orgId: options.orgId, fileId: intake.fileId },
    { limits: options.limits, sink: options.sink, failures: options.failures },
  );
  s.reports += r.reportsStored;
  s.records += r.recordCount;
  switch (r.status) {
    case 'processed':
      s.imported++;
      break;
    case 'duplicate':
      s.duplicates++;
      break;
    case 'unsupported':
      s.unsupported++;
      break;
    case 'failed':
      fail(r.error ?? 'failed');
      break;
  }
}
