// Intake: a file enters an organisation. Its bytes are kept with their SHA-256; the same bytes twice in one
// organisation are one file (another organisation's copy is never looked at).
import { createHash } from 'node:crypto';
import { DEFAULT_FAILURE_PRIVACY, type FailurePrivacy } from '../parse/failure/privacy.js';
import { DEFAULT_UNPACK_LIMITS, type UnpackLimits } from '../parse/types.js';
import type { Database } from '../store/database.js';
import { keptBytesOf } from './kept-bytes.js';
import { findFileBySha256, insertFileIfNew, type FileSource, type IngestedFile } from '../store/files.js';

export interface IntakeInput {
  orgId: number;
  bytes: Uint8Array;
  /** The bytes' SHA-256 (hex) when the caller took it as they arrived; else it is taken here. */
  sha256?: string;
  name: string;
  source: FileSource;
  contentType?: string | null;
  /** What a failure report's kept copy may hold of the original message (default: the privacy defaults). */
  failures?: FailurePrivacy;
  /** Limits of the look for failure reports in the file (default: DEFAULT_UNPACK_LIMITS). */
  limits?: UnpackLimits;
}

export type IntakeResult =
  /** `kept`: the bytes kept (what processing reads), so that a caller about to process them need not read back. */
  | { duplicate: false; fileId: number; sha256: string; kept: Uint8Array }
  /** The same bytes were received before: nothing new is stored. */
  | { duplicate: true; fileId: number; sha256: string; existing: IngestedFile };

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function intakeFile(db: Database, input: IntakeInput): Promise<IntakeResult> {
  const [r] = await intakeFiles(db, [input]);
  return r!;
}

/**
 * Many files in one durable transaction (one commit, one WAL flush, for a batch): each is accepted, or known.
 * The same bytes twice in the batch are one file, the second a duplicate of the first.
 */
export async function intakeFiles(db: Database, inputs: readonly IntakeInput[]): Promise<IntakeResult[]> {
  const prepared: { input: IntakeInput; sha256: string; kept: Uint8Array }[] = [];
  for (const input of inputs) {
    // The hash is of the bytes received (the same file again is a duplicate); what is kept of a failure report
    // is its copy without the original message's body (kept-bytes.ts).
    const kept = await keptBytesOf(
      input.bytes,
      input.name,
      input.failures ?? DEFAULT_FAILURE_PRIVACY,
      input.limits ?? DEFAULT_UNPACK_LIMITS,
    );
    prepared.push({ input, sha256: input.sha256 ?? sha256Hex(input.bytes), kept });
  }
  const ids = await db.transaction(async (tx) => {
    const out: (number | undefined)[] = [];
    for (const { input, sha256, kept } of prepared) {
      out.push(
        await insertFileIfNew(tx, {
          orgId: input.orgId,
          sha256,
          source: input.source,
          name: input.name,
          contentType: input.contentType,
          bytes: kept,
          size: input.bytes.byteLength,
        }),
      );
    }
    return out;
  });
  const results: IntakeResult[] = [];
  for (const [i, { input, sha256, kept }] of prepared.entries()) {
    const id = ids[i];
    if (id !== undefined) {
      results.push({ duplicate: false, fileId: id, sha256, kept });
      continue;
    }
    const existing = await findFileBySha256(db, input.orgId, sha256);
    if (!existing) throw new Error(`file with sha256 ${sha256} vanished during intake`);
    results.push({ duplicate: true, fileId: existing.id, sha256, existing });
  }
  return results;
}
