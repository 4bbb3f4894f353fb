// A file handed over by a client (upload, API): kept at once, answered at once, processed in the background.
// Answering needs only a cheap look: the bytes are known (duplicate), or nothing in them can be a report
// (rejected / unsupported: decided now, since there is nothing to parse), or they hold a report (accepted, queued).
import type { ReportStoredSink } from '../events/report-stored.js';
import type { FailurePrivacy } from '../parse/failure/privacy.js';
import type { UnpackLimits } from '../parse/types.js';
import { unpack } from '../parse/unpack/index.js';
import type { Database } from '../store/database.js';
import type { FileRef, FileSource } from '../store/files.js';
import { intakeFile } from './intake.js';
import { kindOf } from './kinds/index.js';
import { processFile } from './process-file.js';

export type AcceptStatus = 'accepted' | 'duplicate' | 'unsupported' | 'rejected';

export interface AcceptResult {
  status: AcceptStatus;
  fileId: number;
  error: string | null;
}

export interface AcceptInput {
  orgId: number;
  bytes: Uint8Array;
  /** The bytes' SHA-256 (hex), when taken as they arrived (received-bytes.ts). */
  sha256?: string;
  name: string;
  source: FileSource;
  contentType?: string | null;
}

/** Queues a stored file for processing (the job queue's process-file task, given by the caller). */
export type EnqueueFile = (file: FileRef) => Promise<unknown>;

export interface AcceptOptions {
  limits: UnpackLimits;
  enqueue: EnqueueFile;
  /** Told of reports stored while answering (none today: files with a report are queued). */
  sink: ReportStoredSink;
  /** What failure reports keep of the original message (default: the privacy defaults). */
  failures?: FailurePrivacy;
}

async function holdsReport(bytes: Uint8Array, name: string, limits: UnpackLimits): Promise<boolean> {
  for await (const part of unpack(bytes, name, limits)) if (part.type !== 'error' && kindOf(part)) return true;
  return false;
}

export async function acceptFile(db: Database, input: AcceptInput, options: AcceptOptions): Promise<AcceptResult> {
  const intake = await intakeFile(db, { ...input, failures: options.failures, limits: options.limits });
  const ref = { orgId: input.orgId, fileId: intake.fileId };
  if (intake.duplicate) {
    // Known bytes. A copy still waiting (e.g. after a restart) is queued again; nothing else happens.
    if (intake.existing.status === 'pending') await options.enqueue(ref);
    return { status: 'duplicate', fileId: intake.fileId, error: null };
  }
  if (await holdsReport(input.bytes, input.name, options.limits)) {
    await options.enqueue(ref);
    return { status: 'accepted', fileId: intake.fileId, error: null };
  }
  // No report of a stored kind: the pipeline only has to record why (an unsupported kind, or unreadable).
  const r = await processFile(db, ref, { limits: options.limits, sink: options.sink, failures: options.failures });
  return {
    status: r.status === 'unsupported' ? 'unsupported' : 'rejected',
    fileId: intake.fileId,
    error: r.error,
  };
}
