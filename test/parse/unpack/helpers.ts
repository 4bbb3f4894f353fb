// Test helpers: run the unpacker, build zips and decompression bombs cheaply, watch memory.
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { DEFAULT_UNPACK_LIMITS, ParseFailure, type UnpackedPart, type UnpackLimits } from '../../../src/parse/types.js';
import { unpack } from '../../../src/parse/unpack/index.js';
import { CORPUS_DIR } from '../../support/manifest.js';

export const CORPUS = pathToFileURL(`${CORPUS_DIR}/`);

export async function unpackAll(
  input: Uint8Array,
  name = 'input',
  limits: Partial<UnpackLimits> = {},
): Promise<UnpackedPart[]> {
  const parts: UnpackedPart[] = [];
  for await (const part of unpack(input, name, { ...DEFAULT_UNPACK_LIMITS, ...limits })) parts.push(part);
  return parts;
}

/** The only part; fails the test if there is not exactly one. */
export async function onlyPart(
  input: Uint8Array,
  name = 'input',
  limits: Partial<UnpackLimits> = {},
): Promise<UnpackedPart> {
  const parts = await unpackAll(input, name, limits);
  if (parts.length !== 1 || parts[0] === undefined) throw new Error(`expected one part, got ${describe(parts)}`);
  return parts[0];
}

export function describe(parts: UnpackedPart[]): string {
  return parts
    .map((p) =>
      p.type === 'error'
        ? `error(${p.error.code}: ${p.error.message}) ${p.name}`
        : p.type === 'unsupported'
          ? `unsupported(${p.kind}) ${p.name}`
          : `${p.type} ${p.name}`,
    )
    .join('; ');
}

/** Reads an XML or TLS-RPT part through open() to the end. */
export async function readPart(part: UnpackedPart): Promise<Buffer> {
  if (part.type !== 'xml' && part.type !== 'tlsrpt') throw new Error(`not a readable part: ${describe([part])}`);
  const chunks: Uint8Array[] = [];
  for await (const chunk of part.open()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Reads an XML part through open(), discarding the bytes; returns the ParseFailure it throws (or null). */
export async function drainPart(part: UnpackedPart): Promise<{ bytes: number; failure: ParseFailure | null }> {
  if (part.type !== 'xml' && part.type !== 'tlsrpt') throw new Error(`not a readable part: ${describe([part])}`);
  let bytes = 0;
  try {
    for await (const chunk of part.open()) bytes += chunk.length;
  } catch (error) {
    if (error instanceof ParseFailure) return { bytes, failure: error };
    throw error;
  }
  return { bytes, failure: null };
}

export function errorCodes(parts: UnpackedPart[]): string[] {
  return parts.flatMap((p) => (p.type === 'error' ? [p.error.code] : []));
}

export const REPORT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>example.net</org_name><email>dmarc@example.net</email><report_id>r-42</report_id>
    <date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>
  <policy_published><domain>example.com</domain><p>none</p></policy_published>
  <record><row><source_ip>192.0.2.1</source_ip><count>3</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>
</feedback>
`;

export interface ZipEntrySpec {
  name: string;
  data?: Uint8Array | string;
  /** 0 stored, 8 deflate (default), or anything else (data is then stored as given). */
  method?: number;
  /** Pre-compressed data (method 8) instead of deflating `data`. */
  compressed?: Uint8Array;
  /** Lie about the uncompressed size / CRC in the headers. */
  declaredSize?: number;
  crc?: number;
  /** General purpose flags (1 = encrypted). */
  flags?: number;
}

/** A minimal zip writer (local headers, central directory, end record), so tests control every field. */
export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const raw = typeof entry.data === 'string' ? Buffer.from(entry.data) : Buffer.from(entry.data ?? new Uint8Array());
    const method = entry.method ?? 8;
    const body = entry.compressed ? Buffer.from(entry.compressed) : method === 8 ? zlib.deflateRawSync(raw) : raw;
    const name = Buffer.from(entry.name);
    const crc = entry.crc ?? zlib.crc32(raw);
    const size = entry.declaredSize ?? raw.length;
    const flags = (entry.flags ?? 0) | 0x800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  if (entries.length < 0xffff) return Buffer.concat([...locals, directory, end]);
  // more entries than 16 bits can count: zip64 end of central directory record and locator
  const end64 = Buffer.alloc(56);
  end64.writeUInt32LE(0x06064b50, 0);
  end64.writeBigUInt64LE(44n, 4);
  end64.writeUInt16LE(45, 12);
  end64.writeUInt16LE(45, 14);
  end64.writeBigUInt64LE(BigInt(entries.length), 24);
  end64.writeBigUInt64LE(BigInt(entries.length), 32);
  end64.writeBigUInt64LE(BigInt(directory.length), 40);
  end64.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([...locals, directory, end64, locator, end]);
}

/**
 * Raw deflate data for `prefix` followed by `count` MiB of spaces, built in milliseconds: each MiB is deflated
 * once with a full flush (byte-aligned, fresh dictionary), so the same compressed block can be repeated.
 */
export function deflateBomb(prefix: string, count: number): { deflated: Buffer; size: number; crc: number } {
  const fullFlush = { finishFlush: zlib.constants.Z_FULL_FLUSH, level: 9 };
  const mib = Buffer.alloc(1024 * 1024, 0x20);
  const head = zlib.deflateRawSync(Buffer.from(prefix), fullFlush);
  const block = zlib.deflateRawSync(mib, fullFlush);
  const finalEmptyBlock = Buffer.from([0x03, 0x00]);
  let crc = zlib.crc32(prefix);
  for (let i = 0; i < count; i++) crc = zlib.crc32(mib, crc);
  const deflated = Buffer.concat([head, ...Array.from({ length: count }, () => block), finalEmptyBlock]);
  return { deflated, size: Buffer.byteLength(prefix) + count * mib.length, crc };
}

/** Wraps raw deflate data as a gzip member. */
export function gzipMember(deflated: Uint8Array, size: number, crc: number): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  return Buffer.concat([header, deflated, trailer]);
}

/** Samples RSS while `run` executes; returns the peak growth over the starting RSS. */
export async function peakRssGrowth(run: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return peak - start;
}

export const MiB = 1024 * 1024;
