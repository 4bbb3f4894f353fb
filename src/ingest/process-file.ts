// The pipeline for one ingested file: unpack → find each part's report kind in the registry → parse and store each
// report in its own transaction → tell the "report stored" sink (after commit) → record the file's outcome
// (processed | duplicate | unsupported | failed, with reasons). process-batch.ts runs many files this way in one
// transaction, each report in a savepoint of it.
import { filesIngested, ingestDuration, parseFailures, recordsStored, reportsStored } from '../events/metrics.js';
import type { ReportStored, ReportStoredSink } from '../events/report-stored.js';
import { DEFAULT_FAILURE_PRIVACY, type FailurePrivacy } from '../parse/failure/privacy.js';
import { ParseFailure, type UnpackedPart, type UnpackLimits, type UnsupportedKind } from '../parse/types.js';
import { problemWithin, unpack } from '../parse/unpack/index.js';
import { isRetryableTransactionError, type Database, type Queryable, type Transactor } from '../store/database.js';
import type { RollupBatch } from '../store/rollup-batch.js';
import {
  getFile,
  getFileBytes,
  markProcessing,
  recordOutcome,
  type FileOutcome,
  type FileRef,
} from '../store/files.js';
import { registerDomain } from '../store/organizations.js';
import { kindOf } from './kinds/index.js';
import type { KindContext } from './kinds/report-kind.js';
import { AppError } from '../model/errors.js';
import { givingWay } from './event-loop-turns.js';

export interface ProcessOptions {
  limits: UnpackLimits;
  /** Told after each report is stored (cache invalidation, enrichment, alerts). */
  sink: ReportStoredSink;
  /** Records per insert batch. */
  batchSize?: number;
  /** What failure reports keep of the original message (default: the privacy defaults). */
  failures?: FailurePrivacy;
  /** The caller has marked the file as processing already. */
  claimed?: boolean;
}

export interface ProcessResult extends FileOutcome {
  fileId: number;
  reportsStored: number;
  reportsDuplicate: number;
  messages: number;
  /** One entry per part that could not be read: "part: reason" (the file's own problem alone). */
  failures: string[];
  /** The database failed (not the file): running the file again may well succeed. */
  storageFailed: boolean;
}

/** Kinds the unpacker recognises for which no kind is registered yet. */
const UNSUPPORTED_LABEL: Record<UnsupportedKind, string> = {};

const MAX_ATTEMPTS_PER_REPORT = 3;

export class FileNotFoundError extends AppError {
  constructor(readonly fileId: number) {
    super('file_not_found', `file ${fileId} does not exist`);
    this.name = 'FileNotFoundError';
  }
}

/** The part read through a source that gives way to other requests between its chunks (event-loop-turns.ts). */
function readGivingWay(part: UnpackedPart): UnpackedPart {
  return 'open' in part ? { ...part, open: givingWay(part.open) } : part;
}

function describe(err: unknown): string {
  if (err instanceof ParseFailure) return err.message;
  if (err instanceof Error) return `storage error: ${err.message}`;
  return String(err);
}

/** A file's name and kept bytes, when the caller has them in memory already (no need to read them back). */
export interface KnownFile {
  name: string;
  bytes: Uint8Array;
}

export async function processFile(
  db: Database,
  ref: FileRef,
  options: ProcessOptions,
  known?: KnownFile,
): Promise<ProcessResult> {
  const { orgId, fileId } = ref;
  const file = known ?? (await loadFile(db, ref));
  if (!options.claimed) await markProcessing(db, orgId, fileId);
  const endTimer = ingestDuration.startTimer();
  const run = await runFile(db, { ...ref, ...file }, options, MAX_ATTEMPTS_PER_REPORT, (e) =>
    emitStored(db, e, options.sink),
  );
  const outcome = decideOutcome(run.tally);
  await recordOutcome(db, orgId, fileId, outcome);
  endTimer();
  return resultOf(fileId, outcome, run);
}

/** The file's name and kept bytes from the database. */
export async function loadFile(db: Queryable, { orgId, fileId }: FileRef): Promise<KnownFile> {
  const file = await getFile(db, orgId, fileId);
  const bytes = file ? await getFileBytes(db, orgId, fileId) : undefined;
  if (!file || !bytes) throw new FileNotFoundError(fileId);
  return { name: file.name, bytes };
}

/** What one run over a file's parts found, and what it stored. */
export interface FileRun {
  tally: Tally;
  messages: number;
}

/** The result of a file's run, once its outcome is recorded (and counted in the metrics). */
export function resultOf(fileId: number, outcome: FileOutcome, run: FileRun): ProcessResult {
  filesIngested.inc({ status: outcome.status, kind: outcome.kind ?? 'none' });
  const t = run.tally;
  return {
    ...outcome,
    fileId,
    reportsStored: t.reportsStored,
    reportsDuplicate: t.reportsDuplicate,
    messages: run.messages,
    failures: t.failures,
    storageFailed: t.storageFailed,
  };
}

/** Tells the organisation's domain list and the sink of a stored report (after its commit; never fails). */
export async function emitStored(db: Queryable, event: ReportStored, sink: ReportStoredSink): Promise<void> {
  // the organisation's list of domains (a failure here is retried by the domain's next report)
  if (event.domain) await registerDomain(db, event.orgId, event.domain).catch(() => undefined);
  await sink.reportStored(event).catch(() => undefined);
}

/**
 * Unpacks the file and parses and stores each report in its own unit of `db` (a transaction, or a savepoint of a
 * batch's), `attempts` times at most on a retryable storage error. `onStored` is told of each stored report once
 * its unit is done (a batch's caller keeps the events until the batch commits).
 */
export async function runFile(
  db: Transactor,
  file: FileRef & KnownFile,
  options: ProcessOptions & { rollups?: RollupBatch },
  attempts: number,
  onStored: (e: ReportStored) => Promise<void>,
): Promise<FileRun> {
  const { orgId, fileId, bytes } = file;
  const t: Tally = {
    kinds: new Set(),
    reportsStored: 0,
    reportsKept: 0,
    reportsDuplicate: 0,
    records: 0,
    recovered: false,
    storageFailed: false,
    failures: [],
    warnings: [],
    unsupported: new Set(),
  };
  let messages = 0;
  const ctx: KindContext = {
    db,
    rollups: options.rollups,
    orgId,
    fileId,
    batchSize: options.batchSize ?? 2000,
    maxRecords: options.limits.maxRecordsPerReport,
    limits: options.limits,
    failures: options.failures ?? DEFAULT_FAILURE_PRIVACY,
  };
  try {
    for await (const part of unpack(bytes, file.name, options.limits)) {
      if (part.type === 'error') {
        parseFailures.inc({ code: part.error.code });
        t.failures.push(problemWithin(file.name, part.name, part.error.message));
        continue;
      }
      const kind = kindOf(part);
      if (!kind) {
        if (part.type === 'unsupported') t.unsupported.add(part.kind);
        else t.failures.push(problemWithin(file.name, part.name, 'not a report of a known kind'));
        continue;
      }
      let event: ReportStored | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          const stored = await kind.store(ctx, part.name, kind.parse(readGivingWay(part), ctx));
          if (stored.outcome === 'stored') {
            t.kinds.add(kind.kind);
            t.reportsStored++;
            t.records += stored.records;
            reportsStored.inc({ kind: kind.kind });
            recordsStored.inc({ kind: kind.kind }, stored.records);
            messages += stored.messages;
            t.recovered ||= stored.recovered;
            for (const w of stored.warnings)
              t.warnings.push(problemWithin(file.name, part.name, `[${stored.label}] ${w}`));
            event = {
              orgId,
              kind: kind.kind,
              reportId: stored.reportId,
              fileId,
              domain: stored.domain,
              begin: stored.begin,
              records: stored.records,
              messages: stored.messages,
            };
          } else if (stored.outcome === 'duplicate' && stored.ownReport) {
            // processed again (dmarc reprocess, a retried job): the report is still this file's
            t.kinds.add(kind.kind);
            t.reportsKept++;
            t.records += stored.ownReport.records;
            t.recovered ||= stored.ownReport.recovered;
            for (const w of stored.ownReport.warnings)
              t.warnings.push(problemWithin(file.name, part.name, `[${stored.ownReport.label}] ${w}`));
          } else if (stored.outcome === 'duplicate') {
            t.kinds.add(kind.kind);
            t.reportsDuplicate++;
          } else {
            t.failures.push(problemWithin(file.name, part.name, `no ${kind.kind} report found`));
          }
          break;
        } catch (err) {
          if (isRetryableTransactionError(err) && attempt < attempts) continue;
          if (err instanceof ParseFailure) parseFailures.inc({ code: err.code });
          else {
            t.storageFailed = true;
            t.kinds.add(kind.kind);
          }
          t.failures.push(problemWithin(file.name, part.name, describe(err)));
          break;
        }
      }
      // After the commit, and outside the storage retries: what a listener does never changes the file's outcome.
      if (event) await onStored(event);
    }
  } catch (err) {
    // A bug must not leave the file stuck in 'processing': record it as failed, re-processable later.
    t.storageFailed = true;
    t.failures.push(`internal error: ${err instanceof Error ? err.message : String(err)}`);
  }

  return { tally: t, messages };
}

export interface Tally {
  /** Kinds of the reports found (stored or duplicate). */
  kinds: Set<string>;
  reportsStored: number;
  /** Reports stored from this file by an earlier run. */
  reportsKept: number;
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
  const base = {
    warnings: t.warnings,
    recovered: t.recovered,
    reportCount: t.reportsStored + t.reportsKept,
    recordCount: t.records,
  };
  const partial = t.failures.length > 0 ? t.failures.join('; ') : null;
  const kind = t.kinds.size > 0 ? [...t.kinds].sort().join(',') : null;
  if (t.storageFailed) return { ...base, status: 'failed', kind, error: partial };
  if (t.reportsStored + t.reportsKept > 0) return { ...base, status: 'processed', kind, error: partial };
  if (t.reportsDuplicate > 0) return { ...base, status: 'duplicate', kind, error: partial };
  if (t.unsupported.size > 0) {
    const kinds = [...t.unsupported];
    return {
      ...base,
      status: 'unsupported',
      kind: kinds.join(','),
      error: `unsupported report kind: ${kinds.map((k) => UNSUPPORTED_LABEL[k]).join(', ')}`,
    };
  }
  return { ...base, status: 'failed', kind: null, error: partial ?? 'no report found in the file' };
}
