// process-file: runs one ingested file of an organisation through the pipeline (unpack, parse, store, then the
// "report stored" sink). Queued by uploads, IMAP fetches, imports, reprocessing and the pending sweep.
import { FileNotFoundError, processFile } from '../../ingest/process-file.js';
import { getFile, type FileStatus } from '../../store/files.js';
import { PermanentTaskError, defineTask } from './define.js';

export interface ProcessFilePayload {
  orgId: number;
  fileId: number;
  /** Skip the file when it is final already (queued again by a sweep, but someone finished it meanwhile). */
  ifUnfinished?: boolean;
}

/** The dedupe key of a file's processing: one job per file at a time, whoever queues it. */
export function processFileKey(fileId: number): string {
  return `process-file-${fileId}`;
}

const FINAL: FileStatus[] = ['processed', 'duplicate', 'unsupported', 'failed'];

export const processFileTask = defineTask<ProcessFilePayload>()({
  name: 'process-file',
  description: 'run one ingested file through the pipeline (queued by uploads, mailboxes, imports, sweeps)',
  defaultSchedule: null,
  orgOf: (p) => p.orgId,
  handler: async (ctx, { orgId, fileId, ifUnfinished }) => {
    if (ifUnfinished) {
      const f = await getFile(ctx.db, orgId, fileId);
      if (!f) return { fileId, skipped: 'the file no longer exists' };
      if (FINAL.includes(f.status)) return { fileId, skipped: `already ${f.status}` };
    }
    let r;
    try {
      r = await processFile(ctx.db, { orgId, fileId }, { limits: ctx.limits, sink: ctx.sink, failures: ctx.failures });
    } catch (err) {
      if (err instanceof FileNotFoundError) throw new PermanentTaskError(err.message);
      throw err;
    }
    ctx.log?.info(
      { orgId, fileId, status: r.status, reports: r.reportsStored, records: r.recordCount, error: r.error },
      'file processed',
    );
    // The database failed, not the file: fail the run so that the queue retries it with backoff.
    if (r.storageFailed) throw new Error(`file ${fileId} could not be stored: ${r.error ?? 'storage error'}`);
    return {
      fileId,
      status: r.status,
      reports: r.reportsStored,
      duplicateReports: r.reportsDuplicate,
      records: r.recordCount,
      error: r.error,
    };
  },
});
