// gzip and zlib layers: quirks that must pass, damage that must be named.
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Fallback } from '../../../src/parse/unpack/crc32.js';
import { CORPUS, drainPart, onlyPart, readPart, REPORT_XML } from './helpers.js';

const xml = Buffer.from(REPORT_XML);
/** A report large enough that its damage is only seen past the sniffing window. */
const bigXml = Buffer.from(REPORT_XML.replace('<record>', `<!-- ${'padding '.repeat(40_000)} --><record>`));

describe('gzip', () => {
  it('decompresses a plain gzip member', async () => {
    const part = await onlyPart(zlib.gzipSync(xml), 'r.xml.gz');
    expect(part).toMatchObject({ type: 'xml', name: 'r.xml.gz' });
    expect((await readPart(part)).equals(xml)).toBe(true);
  });

  it('ignores trailing garbage after the stream, like the Mimecast files', async () => {
    const expected = readFileSync(new URL('DMARCReporting/trailing_garbage.xml', CORPUS));
    const gz = readFileSync(new URL('DMARCReporting/trailing_garbage.xml.gz', CORPUS));
    expect(gz.subarray(-2).toString()).toBe('\r\n'); // what the quirk actually is
    expect(() => zlib.gunzipSync(gz)).toThrow(/incorrect header check/); // and why Node's gunzip cannot be used
    expect((await readPart(await onlyPart(gz, 'm.xml.gz'))).equals(expected)).toBe(true);
    for (const garbage of ['\r\n', 'JUNK', '\0\0\0', '\x1f']) {
      const input = Buffer.concat([zlib.gzipSync(xml), Buffer.from(garbage, 'latin1')]);
      expect((await readPart(await onlyPart(input))).equals(xml)).toBe(true);
    }
  });

  it('concatenates the members of a multi-member gzip', async () => {
    const input = Buffer.concat([zlib.gzipSync(xml.subarray(0, 100)), zlib.gzipSync(xml.subarray(100))]);
    expect((await readPart(await onlyPart(input))).equals(xml)).toBe(true);
  });

  it('unwraps a double gzip', async () => {
    const part = await onlyPart(zlib.gzipSync(zlib.gzipSync(xml)), 'double.xml.gz');
    expect(part).toMatchObject({ type: 'xml', name: 'double.xml.gz' });
    expect((await readPart(part)).equals(xml)).toBe(true);
  });

  it('reads headers with FEXTRA, FNAME, FCOMMENT and FHCRC', async () => {
    const body = zlib.deflateRawSync(xml);
    const header = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0x04 | 0x08 | 0x10 | 0x02, 0, 0, 0, 0, 0, 3]),
      Buffer.from([4, 0, 1, 2, 3, 4]),
      Buffer.from('report.xml\0comment\0'),
      Buffer.from([0xaa, 0xbb]),
    ]);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(zlib.crc32(xml), 0);
    trailer.writeUInt32LE(xml.length, 4);
    expect((await readPart(await onlyPart(Buffer.concat([header, body, trailer])))).equals(xml)).toBe(true);
  });

  it('reports a truncated gzip as corrupt_gzip', async () => {
    const gz = zlib.gzipSync(xml);
    for (const cut of [5, 30, gz.length - 4]) {
      const part = await onlyPart(gz.subarray(0, cut), 'cut.gz');
      expect(part).toMatchObject({
        type: 'error',
        name: 'cut.gz',
        error: { code: 'corrupt_gzip', message: expect.stringMatching(/truncated/) },
      });
    }
  });

  it('throws corrupt_gzip from open() when the damage lies past the sniffing window', async () => {
    const gz = zlib.gzipSync(bigXml);
    const part = await onlyPart(gz.subarray(0, gz.length - 100));
    const { bytes, failure } = await drainPart(part);
    expect(bytes).toBeGreaterThan(64 * 1024);
    expect(failure).toMatchObject({ code: 'corrupt_gzip', message: expect.stringMatching(/truncated/) });
  });

  it('reports a CRC mismatch', async () => {
    const gz = zlib.gzipSync(xml);
    gz.writeUInt32LE((gz.readUInt32LE(gz.length - 8) ^ 1) >>> 0, gz.length - 8);
    expect(await onlyPart(gz)).toMatchObject({
      type: 'error',
      error: { code: 'corrupt_gzip', message: expect.stringMatching(/CRC-32/) },
    });
  });

  it('reports corrupt deflate data and bad headers', async () => {
    const gz = zlib.gzipSync(xml);
    gz[10] = 0xff; // first deflate block header: reserved block type
    expect(await onlyPart(gz)).toMatchObject({
      type: 'error',
      error: { code: 'corrupt_gzip', message: expect.stringMatching(/corrupt/) },
    });
    const method = zlib.gzipSync(xml);
    method[2] = 7;
    expect(await onlyPart(method)).toMatchObject({
      type: 'error',
      error: { code: 'corrupt_gzip', message: expect.stringMatching(/compression method 7/) },
    });
  });

  it('reports damaged headers, trailers and second members', async () => {
    const expectCorrupt = async (input: Buffer, pattern: RegExp): Promise<void> => {
      expect(await onlyPart(input)).toMatchObject({
        type: 'error',
        error: { code: 'corrupt_gzip', message: expect.stringMatching(pattern) },
      });
    };
    const reserved = zlib.gzipSync(xml);
    reserved[3] = 0x80;
    await expectCorrupt(reserved, /reserved header flags/);
    const unterminatedName = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]),
      Buffer.from('name-without-end'),
    ]);
    await expectCorrupt(unterminatedName, /unterminated header field/);
    const shortExtra = Buffer.from([0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 200, 0, 1, 2]);
    await expectCorrupt(shortExtra, /truncated \(in the header\)/);
    const shortHeaderCrc = Buffer.from([0x1f, 0x8b, 8, 0x02, 0, 0, 0, 0, 0, 3, 1]);
    await expectCorrupt(shortHeaderCrc, /truncated \(in the header\)/);
    const length = zlib.gzipSync(xml);
    length.writeUInt32LE(xml.length + 1, length.length - 4);
    await expectCorrupt(length, /length mismatch/);
    const second = zlib.gzipSync(xml);
    second[2] = 9;
    await expectCorrupt(Buffer.concat([zlib.gzipSync(xml), second]), /compression method 9 \(member 2\)/);
  });

  it('reports a gzip of nothing as empty', async () => {
    expect(await onlyPart(zlib.gzipSync(Buffer.alloc(0)))).toMatchObject({ type: 'error', error: { code: 'empty' } });
  });

  it('restarts from the beginning on every open(), also after an early stop', async () => {
    const part = await onlyPart(zlib.gzipSync(bigXml));
    if (part.type !== 'xml') throw new Error('expected xml');
    for await (const chunk of part.open()) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect((await readPart(part)).equals(bigXml)).toBe(true);
    expect((await readPart(part)).equals(bigXml)).toBe(true);
  });
});

describe('bare zlib stream', () => {
  it('decompresses it, ignoring trailing bytes', async () => {
    expect((await readPart(await onlyPart(zlib.deflateSync(xml), 'r.zlib'))).equals(xml)).toBe(true);
    const withTail = Buffer.concat([zlib.deflateSync(xml, { level: 9 }), Buffer.from('\r\n')]);
    expect((await readPart(await onlyPart(withTail))).equals(xml)).toBe(true);
  });

  it('reports a corrupt zlib stream', async () => {
    const z = zlib.deflateSync(xml);
    const part = await onlyPart(z.subarray(0, 20));
    expect(part).toMatchObject({
      type: 'error',
      error: { code: 'corrupt_gzip', message: expect.stringMatching(/^zlib data is truncated/) },
    });
  });
});

describe('crc32', () => {
  it('fallback agrees with the native implementation, also when continued', () => {
    const data = Buffer.from(REPORT_XML);
    expect(crc32Fallback(data, 0)).toBe(zlib.crc32(data));
    expect(crc32Fallback(data.subarray(50), crc32Fallback(data.subarray(0, 50), 0))).toBe(crc32(data, 0));
  });
});
