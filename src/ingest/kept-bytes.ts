// What is kept of a file that enters: its bytes as received, unless it holds failure reports (RFC 6591). Those
// carry a copy of the failing message, whose body is never stored: the file is kept as the reports' reduced
// copies instead (parse/failure/redact.ts), one e-mail, or an mbox of them when there are several. Anything
// else the same file held (a rare mix, e.g. an mbox of aggregate and failure reports) is then not kept: its
// reports are stored from the first processing, and reprocessing the file sees only the failure reports.
import { redactFailureMail, joinMbox } from '../parse/failure/redact.js';
import type { FailurePrivacy } from '../parse/failure/privacy.js';
import type { UnpackLimits } from '../parse/types.js';
import { unpack } from '../parse/unpack/index.js';
import { nextTurn } from './event-loop-turns.js';

/** Words without which uncompressed bytes cannot hold a failure report (ARF or prose), to skip the look. */
const HINT = /feedback-report|failure|forensic/i;

/** The longest word of HINT, less one: how far a window reaches into the next so that no word is cut in two. */
const HINT_OVERLAP = 'feedback-report'.length - 1;
export const HINT_WINDOW = 1024 * 1024;

/**
 * Whether HINT occurs in the bytes (read as latin1), a window at a time with a turn of the event loop between
 * windows: one pass over 50 MiB (a string of it, then the search) held every other request for 0.3-0.7 s.
 */
export async function mayHoldFailureReports(bytes: Uint8Array): Promise<boolean> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let start = 0; start < buf.length; start += HINT_WINDOW) {
    if (start > 0) await nextTurn();
    if (HINT.test(buf.toString('latin1', start, Math.min(buf.length, start + HINT_WINDOW + HINT_OVERLAP)))) return true;
  }
  return false;
}

function isCompressed(b: Uint8Array): boolean {
  return (b[0] === 0x1f && b[1] === 0x8b) || (b[0] === 0x50 && b[1] === 0x4b) || (b[0] === 0x78 && b.length > 1);
}

export async function keptBytesOf(
  bytes: Uint8Array,
  name: string,
  privacy: FailurePrivacy,
  limits: UnpackLimits,
): Promise<Uint8Array> {
  if (!isCompressed(bytes) && !(await mayHoldFailureReports(bytes))) return bytes;
  const mails: Uint8Array[] = [];
  for await (const part of unpack(bytes, name, limits)) if (part.type === 'arf') mails.push(part.raw);
  if (mails.length === 0) return bytes;
  const reduced: Uint8Array[] = [];
  for (const mail of mails) reduced.push(await redactFailureMail(mail, privacy));
  const [only] = reduced;
  return reduced.length === 1 && only ? only : joinMbox(reduced);
}
