// Limits: bombs are refused while streaming, with the right code, a message naming the limit, and bounded memory.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_UNPACK_LIMITS, type UnpackedPart } from '../../../src/parse/types.js';
import { unpack } from '../../../src/parse/unpack/index.js';
import {
  buildZip,
  deflateBomb,
  drainPart,
  gzipMember,
  MiB,
  onlyPart,
  peakRssGrowth,
  readPart,
  REPORT_XML,
  unpackAll,
} from './helpers.js';

const MEMORY_BOUND = 200 * MiB;
const XML_HEAD = '<?xml version="1.0"?><feedback>';

/** 2 GiB of XML-ish whitespace behind a <feedback> tag, about 2 MB compressed. */
const bomb = deflateBomb(XML_HEAD, 2048);
const gzipBomb = gzipMember(bomb.deflated, bomb.size, bomb.crc);

/** An XML report padded to roughly `size` bytes with an XML comment. */
function paddedXml(size: number): Buffer {
  return Buffer.from(REPORT_XML.replace('<record>', `<!--${'x'.repeat(size)}--><record>`));
}

describe('gzip bomb', () => {
  it('is stopped by the compression ratio limit while the parser reads, in bounded memory', async () => {
    let failure: Awaited<ReturnType<typeof drainPart>>['failure'] = null;
    let bytes = 0;
    const growth = await peakRssGrowth(async () => {
      const part = await onlyPart(gzipBomb, 'bomb.xml.gz');
      expect(part).toMatchObject({ type: 'xml', name: 'bomb.xml.gz' }); // sniffing reads only the first KiBs
      ({ bytes, failure } = await drainPart(part));
    });
    expect(failure).toMatchObject({
      code: 'compression_ratio',
      message:
        'compression ratio exceeds the limit of 200:1 (DMARC_MAX_COMPRESSION_RATIO); possible decompression bomb',
    });
    expect(bytes).toBeLessThan(64 * MiB);
    expect(growth).toBeLessThan(MEMORY_BOUND);
  });

  it('is stopped by the decompressed size limit when the ratio limit is lax, in bounded memory', async () => {
    let result: Awaited<ReturnType<typeof drainPart>> = { bytes: 0, failure: null };
    const limits = { maxCompressionRatio: 1_000_000, maxDecompressedBytes: 512 * MiB };
    const growth = await peakRssGrowth(async () => {
      result = await drainPart(await onlyPart(gzipBomb, 'bomb.xml.gz', limits));
    });
    expect(result.failure).toMatchObject({
      code: 'decompressed_too_large',
      message: 'decompressed size exceeds the limit of 512 MiB (DMARC_MAX_DECOMPRESSED_BYTES)',
    });
    expect(result.bytes).toBeLessThanOrEqual(512 * MiB);
    expect(result.bytes).toBeGreaterThan(500 * MiB);
    expect(growth).toBeLessThan(MEMORY_BOUND);
  });

  it('is stopped during sniffing when a limit is crossed there, as an error part', async () => {
    const part = await onlyPart(gzipBomb, 'bomb.xml.gz', { maxDecompressedBytes: 16 * 1024 });
    expect(part).toMatchObject({
      type: 'error',
      name: 'bomb.xml.gz',
      error: { code: 'decompressed_too_large', message: expect.stringMatching(/16 KiB/) },
    });
  });

  it('is stopped inside a zip member that claims a small size', async () => {
    const zip = buildZip([{ name: 'report.xml', compressed: bomb.deflated, declaredSize: 1000, crc: bomb.crc }]);
    let parts: UnpackedPart[] = [];
    const growth = await peakRssGrowth(async () => {
      parts = await unpackAll(zip, 'bomb.zip');
    });
    expect(parts).toEqual([
      {
        type: 'error',
        name: 'bomb.zip > report.xml',
        error: expect.objectContaining({
          code: 'corrupt_zip',
          message: 'zip member inflates past its declared size of 1000 bytes (possible zip bomb)',
        }),
      },
    ]);
    expect(growth).toBeLessThan(MEMORY_BOUND);
  });

  it('is refused from the central directory alone when a member announces its size honestly', async () => {
    const honest = buildZip([
      { name: 'report.xml', compressed: bomb.deflated, declaredSize: bomb.size, crc: bomb.crc },
    ]);
    expect(await onlyPart(honest, 'z.zip')).toMatchObject({ type: 'error', error: { code: 'decompressed_too_large' } });
    expect(await onlyPart(honest, 'z.zip', { maxDecompressedBytes: 4 * 1024 * MiB })).toMatchObject({
      type: 'error',
      error: { code: 'compression_ratio' },
    });
  });
});

describe('zip entry limit', () => {
  it('refuses 100,000 entries before reading or inflating any of them', async () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => ({ name: `r${i}.xml`, data: '', method: 0 }));
    entries[0] = { name: 'bomb.xml', data: '', method: 8 }; // would fail if it were ever touched
    const zip = buildZip(entries);
    expect(await unpackAll(zip, 'many.zip')).toEqual([
      {
        type: 'error',
        name: 'many.zip',
        error: expect.objectContaining({
          code: 'too_many_entries',
          message: 'zip archive has 100000 entries, more than the limit of 1000 (DMARC_MAX_ZIP_ENTRIES)',
        }),
      },
    ]);
  });

  it('accepts exactly the limit', async () => {
    const zip = buildZip(Array.from({ length: 10 }, (_, i) => ({ name: `r${i}.xml`, data: REPORT_XML })));
    expect((await unpackAll(zip, 'ten.zip', { maxZipEntries: 10 })).every((p) => p.type === 'xml')).toBe(true);
    expect(await unpackAll(zip, 'ten.zip', { maxZipEntries: 9 })).toMatchObject([
      { type: 'error', error: { code: 'too_many_entries' } },
    ]);
  });
});

describe('nesting limit', () => {
  it('refuses gzip nested 20 deep', async () => {
    let data: Buffer = Buffer.from(REPORT_XML);
    for (let i = 0; i < 20; i++) data = zlib.gzipSync(data);
    expect(await unpackAll(data, 'deep.gz')).toEqual([
      {
        type: 'error',
        name: 'deep.gz',
        error: expect.objectContaining({ code: 'too_deep', message: expect.stringMatching(/more than 5 levels/) }),
      },
    ]);
  });

  it('accepts nesting up to the limit', async () => {
    let data: Buffer = Buffer.from(REPORT_XML);
    for (let i = 0; i < 5; i++) data = zlib.gzipSync(data);
    const part = await onlyPart(data, 'five.gz');
    expect((await readPart(part)).toString()).toBe(REPORT_XML);
  });
});

describe('input size limit', () => {
  it('refuses an input larger than the limit', async () => {
    const part = await onlyPart(Buffer.alloc(3 * 1024, 0x20), 'big.xml', { maxInputBytes: 2 * 1024 });
    expect(part).toEqual({
      type: 'error',
      name: 'big.xml',
      error: expect.objectContaining({
        code: 'too_large',
        message: 'file (3 KiB) exceeds the limit of 2 KiB (DMARC_MAX_INPUT_BYTES)',
      }),
    });
  });

  it('holds a nested archive that must be read whole to the same limit', async () => {
    const zip = buildZip([{ name: 'r.xml', data: paddedXml(100 * 1024), method: 0 }]);
    const part = await onlyPart(zlib.gzipSync(zip), 'r.zip.gz', { maxInputBytes: 64 * 1024 });
    expect(part).toMatchObject({
      type: 'error',
      name: 'r.zip.gz',
      error: { code: 'too_large', message: expect.stringMatching(/^nested zip archive exceeds the limit of 64 KiB/) },
    });
  });
});

describe('decompressed size budget', () => {
  const member = paddedXml(600 * 1024);
  const zip = buildZip([1, 2, 3].map((i) => ({ name: `r${i}.xml`, data: member })));
  const limits = { maxDecompressedBytes: Math.floor(member.length * 2.5), maxCompressionRatio: 100_000 };

  it('is shared by all members of one input', async () => {
    const parts = await unpackAll(zip, 'three.zip', limits);
    expect(parts.map((p) => p.type)).toEqual(['xml', 'xml', 'xml']);
    expect((await drainPart(parts[0] as UnpackedPart)).failure).toBeNull();
    expect((await drainPart(parts[1] as UnpackedPart)).failure).toBeNull();
    expect((await drainPart(parts[2] as UnpackedPart)).failure).toMatchObject({ code: 'decompressed_too_large' });
  });

  it('counts a part read several times once (its largest pass)', async () => {
    const parts = await unpackAll(zip, 'three.zip', limits);
    for (let i = 0; i < 5; i++) expect((await drainPart(parts[0] as UnpackedPart)).failure).toBeNull();
    expect((await drainPart(parts[1] as UnpackedPart)).failure).toBeNull();
  });

  it('is per input: a second unpack() starts from zero', async () => {
    for (let i = 0; i < 2; i++) {
      const parts = await unpackAll(zip, 'three.zip', limits);
      expect((await drainPart(parts[0] as UnpackedPart)).failure).toBeNull();
    }
  });
});

describe('compression ratio limit', () => {
  it('ignores small, very repetitive files (checked only past 1 MiB of output)', async () => {
    const xml = paddedXml(900 * 1024);
    const gz = zlib.gzipSync(xml, { level: 9 });
    expect(xml.length / gz.length).toBeGreaterThan(200);
    expect((await readPart(await onlyPart(gz))).equals(xml)).toBe(true);
  });
});

describe('programming errors', () => {
  it('throws for nonsensical limits instead of yielding a part', async () => {
    const run = async (): Promise<void> => {
      for await (const part of unpack(Buffer.from(REPORT_XML), 'x', { ...DEFAULT_UNPACK_LIMITS, maxInputBytes: 0 }))
        void part;
    };
    await expect(run()).rejects.toThrow(TypeError);
  });
});
