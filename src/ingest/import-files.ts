// `dmarc import`: every file through intake and the pipeline, with a running tally for progress and summary.
import fs from 'node:fs/promises';
import { formatBytes } from '../config/parse-values.js';
import type { ReportStoredSink } from '../events/report-stored.js';
import type { FailurePrivacy } from '../parse/failure/privacy.js';
import type { UnpackLimits } from '../parse/types.js';
import type { Database } from '../store/database.js';
import type { FileSource } from '../store/files.js';
import { collectPaths, type FoundFile } from './collect-paths.js';
import { intakeFiles } from './intake.js';
import { processFiles, type BatchFile } from './process-batch.js';
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

/** Files taken at once by one worker; a batch ends at BATCH_FILES files or BATCH_BYTES of them. */
const BATCH_FILES = 100;
const BATCH_BYTES = 4 * 1024 * 1024;
/** A file this large is processed on its own (its reports are big: batching saves nothing there). */
const SOLO_BYTES = 1024 * 1024;

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
      const taken = files.slice(next, next + BATCH_FILES);
      next += taken.length;
      // in the files' order: runs of small files as batches, a large one alone
      let batch: ReadFile[] = [];
      let bytes = 0;
      const flush = async (): Promise<void> => {
        const b = batch;
        batch = [];
        bytes = 0;
        await importBatch(db, b, options, s);
        for (const _ of b) options.onProgress?.(++done, total, s);
      };
      for (const found of taken) {
        const read = await readOne(found, options, s);
        if (!read) {
          options.onProgress?.(++done, total, s);
          continue;
        }
        if (read.bytes.byteLength >= SOLO_BYTES) {
          await flush();
          batch = [read];
          await flush();
          continue;
        }
        if (bytes + read.bytes.byteLength > BATCH_BYTES) await flush();
        batch.push(read);
        bytes += read.bytes.byteLength;
      }
      await flush();
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 1, total));
  await Promise.all(Array.from({ length: n }, worker));
  return s;
}

interface ReadFile {
  display: string;
  bytes: Uint8Array;
}

/** The file's bytes, or undefined when it cannot be read or is too large (counted as failed). */
async function readOne(found: FoundFile, options: ImportOptions, s: ImportSummary): Promise<ReadFile | undefined> {
  const file = found.display;
  s.files++;
  const fail = (error: string): undefined => {
    s.failed++;
    s.failures.push({ file, error });
    return undefined;
  };
  try {
    const st = await fs.stat(found.path);
    if (st.size > options.limits.maxInputBytes) {
      return fail(
        `file is larger than the limit of ${formatBytes(options.limits.maxInputBytes)} (DMARC_MAX_INPUT_BYTES)`,
      );
    }
    return { display: file, bytes: await fs.readFile(found.path) };
  } catch (err) {
    return fail(`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Intake of the files (one durable commit), then the pipeline for those that are new (one batch). */
async function importBatch(db: Database, files: ReadFile[], options: ImportOptions, s: ImportSummary): Promise<void> {
  if (files.length === 0) return;
  const intakes = await intakeFiles(
    db,
    files.map((f) => ({
      orgId: options.orgId,
      bytes: f.bytes,
      name: nameOf(f.display),
      source: options.source ?? 'cli',
      failures: options.failures,
      limits: options.limits,
    })),
  );
  const fresh = new Set(intakes.flatMap((i) => (i.duplicate ? [] : [i.fileId])));
  const todo: { display: string; file: BatchFile }[] = [];
  for (const [i, intake] of intakes.entries()) {
    const ref = { orgId: options.orgId, fileId: intake.fileId };
    const display = files[i]!.display;
    if (!intake.duplicate) todo.push({ display, file: { ref, known: { name: nameOf(display), bytes: intake.kept } } });
    // Same bytes again (also earlier in this batch): nothing new, unless an earlier run stopped before
    // processing them.
    else if (intake.existing.status !== 'pending' || fresh.has(intake.fileId)) s.duplicates++;
    else todo.push({ display, file: { ref } });
  }
  const pipeline = { limits: options.limits, sink: options.sink, failures: options.failures };
  const results =
    todo.length === 1
      ? [await processFile(db, todo[0]!.file.ref, pipeline, todo[0]!.file.known)]
      : await processFiles(
          db,
          todo.map((t) => t.file),
          pipeline,
        );
  for (const [i, r] of results.entries()) {
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
        s.failed++;
        s.failures.push({ file: todo[i]!.display, error: r.error ?? 'failed' });
        break;
    }
  }
}

const nameOf = (display: string): string => display.split(/[\\/]/).pop() ?? display;
