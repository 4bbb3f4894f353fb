// A file handed over by a client (upload, API): kept at once, answered at once, processed in the background.
// Answering needs only a cheap look: the bytes are known (duplicate), or nothing in them can be a report
// (rejected / unsupported: decided now, since there is nothing to parse), or they hold XML (accepted, queued).
import type { UnpackLimits } from '../parse/types.js';
import { unpack } from '../parse/unpack/index.js';
import type { Database } from '../store/database.js';
import type { FileSource } from '../store/files.js';
import { intakeFile } from './intake.js';
import { processFile } from './process-file.js';

export type AcceptStatus = 'accepted' | 'duplicate' | 'unsupported' | 'rejected';

export interface AcceptResult {
  status: AcceptStatus;
  fileId: number;
  error: string | null;
}

/**
 * Queues the `process-file` job for a kept file. Passed in by the caller (which owns the queue) so that
 * ingest/ does not depend on jobs/; a repeated call for the same file must not queue it twice.
 */
export type EnqueueFile = (fileId: number) => Promise<unknown>;

export interface AcceptInput {
  bytes: Uint8Array;
  name: string;
  source: FileSource;
  contentType?: string | null;
}

async function holdsXml(bytes: Uint8Array, name: string, limits: UnpackLimits): Promise<boolean> {
  for await (const part of unpack(bytes, name, limits)) if (part.type === 'xml') return true;
  return false;
}

export async function acceptFile(
  db: Database,
  enqueue: EnqueueFile,
  input: AcceptInput,
  limits: UnpackLimits,
): Promise<AcceptResult> {
  const intake = await intakeFile(db, input);
  if (intake.duplicate) {
    // Known bytes. A copy still waiting (e.g. after a restart) is queued again; nothing else happens.
    if (intake.existing.status === 'pending') {
      await enqueue(intake.fileId);
    }
    return { status: 'duplicate', fileId: intake.fileId, error: null };
  }
  if (await holdsXml(input.bytes, input.name, limits)) {
    await enqueue(intake.fileId);
    return { status: 'accepted', fileId: intake.fileId, error: null };
  }
  // No XML at all: the pipeline only has to record why (a TLS/failure report, or unreadable), which is quick.
  const r = await processFile(db, intake.fileId, { limits });
  return {
    status: r.status === 'unsupported' ? 'unsupported' : 'rejected',
    fileId: intake.fileId,
    error: r.error,
  };
}
