// zip archives: the central directory is read with yauzl (zip64, CP437/UTF-8 names, structural checks); member
// data is sliced out of the in-memory archive and inflated by our own native-zlib stream, so that every member is
// metered, held to its declared size and CRC-checked, and can be re-streamed from the start at will.
import yauzl from 'yauzl';
import { ParseFailure, type UnpackLimits } from '../types.js';
import { crc32 } from './crc32.js';
import { inflateStream } from './inflate.js';
import {
  decompressedTooLarge,
  formatBytes,
  RATIO_CHECK_AFTER_BYTES,
  ratioTooHigh,
  tooManyEntries,
  type PassMeter,
} from './limits.js';
import { ChunkReader } from './reader.js';
import { memoryStream } from './source.js';

const STORED = 0;
const DEFLATED = 8;
const METHOD_NAMES: Record<number, string> = {
  1: 'shrink',
  6: 'implode',
  9: 'deflate64',
  12: 'bzip2',
  14: 'lzma',
  93: 'zstd',
  95: 'xz',
  99: 'AES encryption',
};

export interface ZipMember {
  /** 1-based position in the central directory. */
  index: number;
  /** Path inside the archive as stored; may be empty. */
  name: string;
  method: number;
  encrypted: boolean;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  /** The member's compressed data (a view into the archive), or why it cannot be read. */
  data: Uint8Array | ParseFailure;
}

export function corruptZip(reason: string): ParseFailure {
  return new ParseFailure('corrupt_zip', `zip ${reason}`);
}

/** Directory entries and macOS resource forks carry no content of ours: skipped silently. */
export function isSkippedMember(name: string): boolean {
  return name.endsWith('/') || name.split('/').includes('__MACOSX');
}

/**
 * The archive's file members in central-directory order (directories and __MACOSX skipped). The entry count is
 * checked against the limit before any entry is read, let alone decompressed.
 */
export async function listZip(archive: Uint8Array, maxEntries: number): Promise<ZipMember[]> {
  const buffer = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  let zip: yauzl.ZipFile;
  try {
    // decodeStrings off: yauzl would otherwise reject the whole archive for one odd name ("../x", "C:\x")
    zip = await yauzl.fromBufferPromise(buffer, { lazyEntries: true, decodeStrings: false, validateEntrySizes: false });
  } catch (error) {
    throw corruptZip(`archive is unreadable (${errorMessage(error)})`);
  }
  try {
    if (zip.entryCount > maxEntries) throw tooManyEntries(zip.entryCount, maxEntries);
    const members: ZipMember[] = [];
    let index = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        index++;
        const name = yauzl.getFileNameLowLevel(
          entry.generalPurposeBitFlag,
          entry.fileNameRaw,
          entry.extraFields,
          false,
        );
        if (isSkippedMember(name)) continue;
        members.push({
          index,
          name,
          method: entry.compressionMethod,
          encrypted: entry.isEncrypted(),
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
          crc32: entry.crc32,
          data: await locateData(zip, entry, buffer),
        });
      }
    } catch (error) {
      throw corruptZip(`central directory is corrupt (${errorMessage(error)})`);
    }
    return members;
  } finally {
    zip.close();
  }
}

async function locateData(zip: yauzl.ZipFile, entry: yauzl.Entry, buffer: Buffer): Promise<Uint8Array | ParseFailure> {
  try {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    return buffer.subarray(fileDataStart, fileDataStart + entry.compressedSize);
  } catch (error) {
    return corruptZip(`member is unreadable (${errorMessage(error)})`);
  }
}

/** Why a member cannot be unpacked before even trying (method, encryption, declared sizes), or null. */
export function memberProblem(member: ZipMember, limits: UnpackLimits): ParseFailure | null {
  if (member.data instanceof ParseFailure) return member.data;
  if (member.encrypted) return corruptZip('member is encrypted');
  if (member.method !== STORED && member.method !== DEFLATED) {
    const method = METHOD_NAMES[member.method] ?? 'unknown';
    return corruptZip(
      `member uses unsupported compression method ${member.method} (${method}); only stored and deflate are supported`,
    );
  }
  if (member.method === DEFLATED) {
    // the central directory announces a bomb: refuse it without inflating a byte
    if (member.uncompressedSize > limits.maxDecompressedBytes) return decompressedTooLarge(limits.maxDecompressedBytes);
    const ratioLimit = limits.maxCompressionRatio * Math.max(member.compressedSize, 1);
    if (member.uncompressedSize > RATIO_CHECK_AFTER_BYTES && member.uncompressedSize > ratioLimit) {
      return ratioTooHigh(limits.maxCompressionRatio);
    }
  }
  return null;
}

export function isStored(member: ZipMember): boolean {
  return member.method === STORED;
}

/** A stored member's bytes, after checking them against the central directory. */
export function storedContent(member: ZipMember): Uint8Array {
  if (member.data instanceof ParseFailure) throw member.data;
  if (member.data.length !== member.uncompressedSize)
    throw corruptZip('member is corrupt (size differs from the central directory)');
  if (crc32(member.data, 0) !== member.crc32) throw corruptZip('member is corrupt (CRC-32 mismatch)');
  return member.data;
}

/** Inflates a deflated member, never past its declared size (a lying size is how zip bombs slip through). */
export async function* inflateMember(member: ZipMember, meter: PassMeter): AsyncGenerator<Uint8Array> {
  if (member.data instanceof ParseFailure) throw member.data;
  const reader = new ChunkReader(memoryStream(member.data)());
  let crc = 0;
  let size = 0;
  try {
    for await (const out of inflateStream(reader, 'raw', (reason) => corruptZip(`member ${reason}`))) {
      size += out.length;
      if (size > member.uncompressedSize) {
        throw corruptZip(
          `member inflates past its declared size of ${formatBytes(member.uncompressedSize)} (possible zip bomb)`,
        );
      }
      crc = crc32(out, crc);
      meter.add(out.length, reader.consumed);
      yield out;
    }
  } finally {
    await reader.close();
  }
  if (size !== member.uncompressedSize) throw corruptZip('member is corrupt (shorter than its declared size)');
  if (crc !== member.crc32) throw corruptZip('member is corrupt (CRC-32 mismatch)');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
