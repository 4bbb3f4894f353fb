// The unpacker: raw bytes of one input file (an upload, an IMAP message, a CLI path) → every part found in it,
// through e-mail, mbox, zip, gzip and zlib layers, decided by content sniffing and held to the UnpackLimits.
import { ParseFailure, type UnpackedPart, type UnpackLimits } from '../types.js';
import { Budget, inputTooLarge } from './limits.js';
import { errorPart } from './parts.js';
import { memorySource } from './source.js';
import { explore } from './walk.js';

export { UNPACK_LIMIT_ENV, formatBytes } from './limits.js';
export { NAME_SEPARATOR, problemWithin } from './source.js';

/**
 * Yields every part of `input`: XML documents (candidate aggregate reports, re-openable streams), reports we
 * recognise but do not ingest yet, and errors for what could not be read. Problems with the input itself are
 * also yielded as an error part; only programming errors throw. `name` is the file's name, the root of the
 * part names ("report.eml > x.zip > x.xml").
 *
 * A part's `open()` streams its decompressed bytes afresh on each call and throws a ParseFailure when a limit
 * is crossed (or the compressed data turns out corrupt) while reading.
 */
export async function* unpack(input: Uint8Array, name: string, limits: UnpackLimits): AsyncGenerator<UnpackedPart> {
  assertLimits(limits);
  if (input.length === 0) {
    yield errorPart(name, new ParseFailure('empty', 'empty file'));
    return;
  }
  if (input.length > limits.maxInputBytes) {
    yield errorPart(name, inputTooLarge('file', input.length, limits.maxInputBytes));
    return;
  }
  yield* explore(memorySource(name, 0, input), { limits, budget: new Budget(limits) });
}

function assertLimits(limits: UnpackLimits): void {
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0))
      throw new TypeError(`UnpackLimits.${key} must be a positive number, got ${String(value)}`);
  }
}
