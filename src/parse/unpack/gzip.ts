// gzip (RFC 1952) and bare zlib (RFC 1950) streams: framing, integrity checks and tolerated quirks.
// Multi-member gzip is concatenated; bytes after the last member that do not start a new member are ignored
// (Mimecast appends CRLF); CRC-32 and length of every member are checked.
import { ParseFailure } from '../types.js';
import { crc32 } from './crc32.js';
import { inflateStream } from './inflate.js';
import type { PassMeter } from './limits.js';
import { ChunkReader } from './reader.js';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;
/** Upper bound on FNAME/FCOMMENT: real ones are file names; anything longer is not a sane header. */
const MAX_HEADER_STRING = 64 * 1024;

function corruptGzip(reason: string): ParseFailure {
  return new ParseFailure('corrupt_gzip', `gzip ${reason}`);
}

export function isGzipMagic(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** A zlib header: deflate method, a 32K window or smaller, a valid check value, no preset dictionary. */
export function isZlibMagic(head: Uint8Array): boolean {
  const cmf = head[0];
  const flg = head[1];
  if (cmf === undefined || flg === undefined) return false;
  return cmf === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(flg) && ((cmf << 8) | flg) % 31 === 0;
}

/** Decompressed bytes of the gzip data in `source`, metered against the limits. */
export async function* gunzip(source: AsyncIterable<Uint8Array>, meter: PassMeter): AsyncGenerator<Uint8Array> {
  const reader = new ChunkReader(source);
  try {
    for (let member = 1; ; member++) {
      const where = member === 1 ? '' : ` (member ${member})`;
      await readHeader(reader, where);
      let crc = 0;
      let size = 0;
      for await (const out of inflateStream(reader, 'raw', (reason) => corruptGzip(`${reason}${where}`))) {
        crc = crc32(out, crc);
        size += out.length;
        meter.add(out.length, reader.consumed);
        yield out;
      }
      const trailer = await reader.readExact(8);
      if (trailer.length < 8) throw corruptGzip(`data is truncated (the trailer is missing${where})`);
      const view = Buffer.from(trailer.buffer, trailer.byteOffset, 8);
      if (view.readUInt32LE(0) !== crc) throw corruptGzip(`data is corrupt (CRC-32 mismatch${where})`);
      if (view.readUInt32LE(4) !== size % 2 ** 32) throw corruptGzip(`data is corrupt (length mismatch${where})`);
      const next = await reader.readExact(2);
      if (!isGzipMagic(next)) return; // end of data, or trailing garbage after the last member: ignored
      reader.unread(next);
    }
  } finally {
    await reader.close();
  }
}

/** Decompressed bytes of a bare zlib stream; bytes after its end are ignored. */
export async function* inflateZlib(source: AsyncIterable<Uint8Array>, meter: PassMeter): AsyncGenerator<Uint8Array> {
  const reader = new ChunkReader(source);
  try {
    const fail = (reason: string): ParseFailure => new ParseFailure('corrupt_gzip', `zlib ${reason}`);
    for await (const out of inflateStream(reader, 'zlib', fail)) {
      meter.add(out.length, reader.consumed);
      yield out;
    }
  } finally {
    await reader.close();
  }
}

async function readHeader(reader: ChunkReader, where: string): Promise<void> {
  const fixed = await reader.readExact(10);
  if (fixed.length < 10) throw corruptGzip(`data is truncated (incomplete header${where})`);
  if (!isGzipMagic(fixed)) throw corruptGzip(`data is corrupt (bad magic number${where})`);
  if (fixed[2] !== 8) throw corruptGzip(`data uses unknown compression method ${fixed[2]}${where}`);
  const flags = fixed[3] ?? 0;
  if (flags & FRESERVED) throw corruptGzip(`data is corrupt (reserved header flags set${where})`);
  if (flags & FEXTRA) {
    const lengthBytes = await reader.readExact(2);
    const length = (lengthBytes[0] ?? 0) | ((lengthBytes[1] ?? 0) << 8);
    const extra = await reader.readExact(length);
    if (lengthBytes.length < 2 || extra.length < length) throw corruptGzip(`data is truncated (in the header${where})`);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      const field = await reader.readZeroTerminated(MAX_HEADER_STRING);
      if (!field.terminated) throw corruptGzip(`data is corrupt (unterminated header field${where})`);
    }
  }
  if (flags & FHCRC) {
    const headerCrc = await reader.readExact(2);
    if (headerCrc.length < 2) throw corruptGzip(`data is truncated (in the header${where})`);
  }
}
