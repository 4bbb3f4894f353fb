// zip archives: every member wherever it sits, skipped noise, and a named error for everything unreadable.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildZip, describe as show, onlyPart, readPart, REPORT_XML, unpackAll } from './helpers.js';

const xml = Buffer.from(REPORT_XML);

describe('zip', () => {
  it('yields every member, in subfolders too, with its path in the name', async () => {
    const zip = buildZip([
      { name: 'a.xml', data: xml },
      { name: 'reports/2024/b.xml', data: xml, method: 0 },
    ]);
    const parts = await unpackAll(zip, 'batch.zip');
    expect(parts.map((p) => [p.type, p.name])).toEqual([
      ['xml', 'batch.zip > a.xml'],
      ['xml', 'batch.zip > reports/2024/b.xml'],
    ]);
    for (const part of parts) expect((await readPart(part)).equals(xml)).toBe(true);
  });

  it('skips directories and __MACOSX entries silently', async () => {
    const zip = buildZip([
      { name: 'multiple/', data: '', method: 0 },
      { name: 'multiple/r.xml', data: xml },
      { name: '__MACOSX/', data: '', method: 0 },
      { name: '__MACOSX/multiple/._r.xml', data: 'Mac OS X resource fork' },
    ]);
    const parts = await unpackAll(zip, 'x.zip');
    expect(parts.map((p) => p.name)).toEqual(['x.zip > multiple/r.xml']);
  });

  it('names a member whose name is empty', async () => {
    const part = await onlyPart(buildZip([{ name: '', data: xml }]), 'x.zip');
    expect(part).toMatchObject({ type: 'xml', name: 'x.zip > member 1 (no name)' });
  });

  it('reports each member of a zip without XML, and no XML part', async () => {
    const zip = buildZip([
      { name: 'readme.txt', data: 'A text file' },
      { name: 'image.png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) },
    ]);
    const parts = await unpackAll(zip, 'x.zip');
    expect(parts.map((p) => (p.type === 'error' ? [p.name, p.error.code] : [p.name, p.type]))).toEqual([
      ['x.zip > readme.txt', 'unrecognised'],
      ['x.zip > image.png', 'unrecognised'],
    ]);
  });

  it('reports an archive with no files', async () => {
    for (const zip of [
      buildZip([]),
      buildZip([
        { name: 'dir/', data: '', method: 0 },
        { name: '__MACOSX/._a', data: 'x' },
      ]),
    ]) {
      expect(await onlyPart(zip, 'e.zip')).toMatchObject({
        type: 'error',
        name: 'e.zip',
        error: { code: 'no_report', message: 'zip archive contains no files' },
      });
    }
  });

  it('reports an unreadable archive as corrupt_zip', async () => {
    const garbage = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 0x41)]);
    expect(await onlyPart(garbage, 'bad.zip')).toMatchObject({
      type: 'error',
      name: 'bad.zip',
      error: { code: 'corrupt_zip' },
    });
    const zip = buildZip([{ name: 'a.xml', data: xml }]);
    expect(await onlyPart(zip.subarray(0, zip.length - 30), 'cut.zip')).toMatchObject({
      type: 'error',
      error: { code: 'corrupt_zip' },
    });
  });

  it('reports a member whose local header is missing, and still reads the others', async () => {
    const zip = buildZip([
      { name: 'a.xml', data: xml },
      { name: 'b.xml', data: xml },
    ]);
    zip.writeUInt32LE(0xdeadbeef, zip.indexOf('PK\x03\x04', 4)); // second member's local header signature
    const parts = await unpackAll(zip, 'x.zip');
    expect(parts[0]).toMatchObject({ type: 'xml', name: 'x.zip > a.xml' });
    expect(parts[1]).toMatchObject({
      type: 'error',
      name: 'x.zip > b.xml',
      error: { code: 'corrupt_zip', message: expect.stringMatching(/local file header/) },
    });
  });

  it('reports corrupt member data, CRC mismatches and size mismatches per member', async () => {
    const corrupt = zlib.deflateRawSync(xml);
    corrupt[0] = 0xff;
    const parts = await unpackAll(
      buildZip([
        { name: 'corrupt.xml', compressed: corrupt, data: xml },
        { name: 'crc.xml', data: xml, crc: 1 },
        { name: 'stored-crc.xml', data: xml, method: 0, crc: 1 },
        { name: 'short.xml', data: xml, declaredSize: xml.length + 10 },
        { name: 'stored-size.xml', data: xml, method: 0, declaredSize: xml.length + 10 },
        { name: 'ok.xml', data: xml },
      ]),
      'x.zip',
    );
    expect(
      parts.map((p) => (p.type === 'error' ? `${p.name}: ${p.error.code} ${p.error.message}` : `${p.name}: ${p.type}`)),
    ).toEqual([
      expect.stringMatching(/^x.zip > corrupt.xml: corrupt_zip zip member data is corrupt/),
      'x.zip > crc.xml: corrupt_zip zip member is corrupt (CRC-32 mismatch)',
      'x.zip > stored-crc.xml: corrupt_zip zip member is corrupt (CRC-32 mismatch)',
      'x.zip > short.xml: corrupt_zip zip member is corrupt (shorter than its declared size)',
      'x.zip > stored-size.xml: corrupt_zip zip member is corrupt (size differs from the central directory)',
      'x.zip > ok.xml: xml',
    ]);
  });

  it('reports unsupported compression methods and encryption per member', async () => {
    const parts = await unpackAll(
      buildZip([
        { name: 'b.xml', data: xml, method: 12 },
        { name: 'e.xml', data: xml, flags: 1 },
      ]),
      'x.zip',
    );
    expect(parts).toEqual([
      {
        type: 'error',
        name: 'x.zip > b.xml',
        error: expect.objectContaining({ code: 'corrupt_zip', message: expect.stringMatching(/method 12 \(bzip2\)/) }),
      },
      {
        type: 'error',
        name: 'x.zip > e.xml',
        error: expect.objectContaining({ code: 'corrupt_zip', message: 'zip member is encrypted' }),
      },
    ]);
  });

  it('recurses into gzip and zip members, and into a gzipped zip', async () => {
    const inner = buildZip([{ name: 'inner.xml', data: xml }]);
    const zip = buildZip([
      { name: 'r.xml.gz', data: zlib.gzipSync(xml), method: 0 },
      { name: 'nested.zip', data: inner },
    ]);
    const parts = await unpackAll(zip, 'outer.zip');
    expect(parts.map((p) => [p.type, p.name])).toEqual([
      ['xml', 'outer.zip > r.xml.gz'],
      ['xml', 'outer.zip > nested.zip > inner.xml'],
    ]);
    for (const part of parts) expect((await readPart(part)).equals(xml)).toBe(true);
    const gzipped = await onlyPart(zlib.gzipSync(inner), 'r.zip.gz');
    expect(gzipped).toMatchObject({ type: 'xml', name: 'r.zip.gz > inner.xml' });
  });

  it('keeps odd member names (absolute, ..) instead of rejecting the archive', async () => {
    const parts = await unpackAll(
      buildZip([
        { name: '../../etc/r.xml', data: xml },
        { name: 'C:\\r.xml', data: xml },
      ]),
      'x.zip',
    );
    expect(
      parts.map((p) => p.name),
      show(parts),
    ).toEqual(['x.zip > ../../etc/r.xml', 'x.zip > C:/r.xml']);
  });
});
