// Many ingested files through the pipeline in ONE transaction: each report in a savepoint of it (a bad report
// undoes only itself, and its file gets its failure outcome as it would alone), the rollups of all reports in
// one upsert per table and the files' outcomes in one statement at the end, then one commit. The "report stored"
// events are told after that commit, in order. Should the database fail (not a file), the batch is undone and
// its files are run one by one as processFile runs them, so that a storage failure ends exactly as it does
// there. A crash mid-batch leaves the files claimed but unprocessed (the reports are not committed): the pending
// sweep or `dmarc reprocess --pending` runs them again, and nothing is stored twice.
import { ingestDuration } from '../events/metrics.js';
import type { ReportStored } from '../events/report-stored.js';
import type { Database } from '../store/database.js';
import { markProcessingMany, recordOutcomes, type FileOutcome, type FileRef } from '../store/files.js';
import { RollupBatch } from '../store/rollup-batch.js';
import { savepointsIn } from '../store/savepoints.js';
import {
  decideOutcome,
  emitStored,
  loadFile,
  processFile,
  resultOf,
  runFile,
  type FileRun,
  type KnownFile,
  type ProcessOptions,
  type ProcessResult,
} from './process-file.js';

export interface BatchFile {
  ref: FileRef;
  /** Its name and kept bytes when the caller has them (else they are read from the database). */
  known?: KnownFile;
}

/** The database, not a file, failed inside the batch: undo it and run the files alone. */
class BatchStorageFailure extends Error {
  constructor() {
    super('a storage error inside the batch');
    this.name = 'BatchStorageFailure';
  }
}

export async function processFiles(
  db: Database,
  files: readonly BatchFile[],
  options: ProcessOptions,
): Promise<ProcessResult[]> {
  if (files.length === 0) return [];
  const loaded: (FileRef & KnownFile)[] = [];
  for (const f of files) loaded.push({ ...f.ref, ...(f.known ?? (await loadFile(db, f.ref))) });
  if (!options.claimed) await markProcessingMany(db, loaded);
  const claimed = { ...options, claimed: true };
  const events: ReportStored[] = [];
  const done: { ref: FileRef; outcome: FileOutcome; run: FileRun }[] = [];
  const endTimers: (() => unknown)[] = [];
  try {
    await db.transaction(async (tx) => {
      // Derived data, re-creatable from the files' durable bytes (see store-report.ts).
      await tx.query('SET LOCAL synchronous_commit = off');
      const units = savepointsIn(tx);
      const rollups = new RollupBatch();
      for (const file of loaded) {
        endTimers.push(ingestDuration.startTimer());
        // no retries inside: a deadlock or serialization failure undoes the batch, and the files run alone
        const run = await runFile(units, file, { ...claimed, rollups }, 1, (e) => {
          events.push(e);
          return Promise.resolve();
        });
        if (run.tally.storageFailed) throw new BatchStorageFailure();
        done.push({ ref: { orgId: file.orgId, fileId: file.fileId }, outcome: decideOutcome(run.tally), run });
      }
      await rollups.flush(tx);
      await recordOutcomes(tx, done);
    });
  } catch {
    // (whatever failed: the batch's transaction, its rollups or its outcomes) each file alone, as today
    const results: ProcessResult[] = [];
    for (const file of loaded) results.push(await processFile(db, file, claimed, file));
    return results;
  }
  for (const e of events) await emitStored(db, e, options.sink);
  for (const end of endTimers) end();
  return done.map((d) => resultOf(d.ref.fileId, d.outcome, d.run));
}
