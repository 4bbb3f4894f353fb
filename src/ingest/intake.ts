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
  | { duplicate: false; fileId: number; sha256: string }
  /** The same bytes were received before: nothing new is stored. */
  | { duplicate: true; fileId: number; sha256: string; existing: IngestedFile };

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function intakeFile(db: Database, input: IntakeInput): Promise<IntakeResult> {
  const sha256 = input.sha256 ?? sha256Hex(input.bytes);
  // The hash is of the bytes received (the same file again is a duplicate); what is kept of a failure report
  // is its copy without the original message's body (kept-bytes.ts).
  const kept = await keptBytesOf(
    input.bytes,
    input.name,
    input.failures ?? DEFAULT_FAILURE_PRIVACY,
    input.limits ?? DEFAULT_UNPACK_LIMITS,
  );
  const id = await db.transaction((tx) =>
    insertFileIfNew(tx, {
      orgId: input.orgId,
      sha256,
      source: input.source,
      name: input.name,
      contentType: input.contentType,
      bytes: kept,
      size: input.bytes.byteLength,
    }),
  );
  if (id !== undefined) return { duplicate: false, fileId: id, sha256 };
  const existing = await findFileBySha256(db, input.orgId, sha256);
  if (!existing) throw new Error(`file with sha256 ${sha256} vanished during intake`);
  return { duplicate: true, fileId: existing.id, sha256, existing };
}
